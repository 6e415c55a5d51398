/**
 * Generated docs (scripts/generated-docs.ts) are committed up to date: each file equals what its
 * generator gives. Fix a failure with `npm run docs`.
 */
import * as assert from "node:assert/strict";

import { docStates, GENERATED_DOCS, replaceSections } from "../scripts/generated-docs";

describe("generated docs", () => {
  for (const doc of GENERATED_DOCS) {
    it(`${doc.file} is up to date`, function () {
      this.timeout(120_000);
      const [state] = docStates([doc]);
      assert.ok(state.committed !== "", `${doc.file} is missing: run \`npm run docs\``);
      assert.equal(state.committed, state.generated, `${doc.file} is stale: run \`npm run docs\` and commit the result`);
    });
  }

  describe("replaceSections", () => {
    const text = "intro\n<!-- generated:a:start -->\nold\n<!-- generated:a:end -->\noutro\n";

    it("replaces the body between a section's markers and keeps the rest", () => {
      assert.equal(replaceSections("x.md", text, { a: "new\nlines" }), "intro\n<!-- generated:a:start -->\nnew\nlines\n<!-- generated:a:end -->\noutro\n");
    });

    it("names the file and the section when the markers are missing", () => {
      assert.throws(() => replaceSections("x.md", text, { b: "new" }), /x\.md has no generated section "b": add the lines <!-- generated:b:start -->/);
    });

    it("treats the section name literally", () => {
      const dotted = "<!-- generated:rules:a.b:start -->\nold\n<!-- generated:rules:a.b:end -->";
      assert.equal(replaceSections("x.md", dotted, { "rules:a.b": "new" }), "<!-- generated:rules:a.b:start -->\nnew\n<!-- generated:rules:a.b:end -->");
      assert.throws(() => replaceSections("x.md", dotted, { "rules:aXb": "new" }), /no generated section/);
    });
  });
});
