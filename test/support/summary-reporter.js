// Mocha's spec reporter plus one closing line, `N passed, N failed[, N skipped]`,
// which CI reads (mocha's own summary is not read).
"use strict";
const Mocha = require("mocha");

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const s = runner.stats || this.stats;
      const skipped = s.pending ? `, ${s.pending} skipped` : "";
      process.stdout.write(`${s.passes} passed, ${s.failures} failed${skipped}\n`);
    });
  }
}

module.exports = SummaryReporter;
