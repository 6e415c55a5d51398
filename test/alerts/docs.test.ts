/**
 * docs/alerts.md is generated from the alert table and the renderers' real output
 * (test/support/alerts-doc.ts): it must be up to date. Regenerate with
 *   UPDATE_DOCS=1 npx mocha test/alerts/docs.test.ts
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import { ALERTS } from "../../components/alerts";
import { alertsDoc } from "../support/alerts-doc";

const DOC = path.join(__dirname, "..", "..", "docs", "alerts.md");

describe("docs/alerts.md", () => {
  it("is the generated document (every alert, its needs, false positives, how to test it, real renderer output)", () => {
    const expected = alertsDoc();
    if (process.env.UPDATE_DOCS === "1") fs.writeFileSync(DOC, expected);
    assert.equal(fs.readFileSync(DOC, "utf8"), expected, "docs/alerts.md is stale: run UPDATE_DOCS=1 npx mocha test/alerts/docs.test.ts");
    for (const a of ALERTS) assert.ok(expected.includes(`### ${a.name} (\`${a.id}\`)`), a.id);
  });
});
