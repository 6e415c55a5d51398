/**
 * docs/alerts.md is generated (scripts/alerts-doc.ts, listed in scripts/generated-docs.ts; test/docs.test.ts
 * checks it is committed up to date). Here: the document covers every alert of the table.
 */
import * as assert from "node:assert/strict";

import { ALERTS } from "../../components/alerts";
import { alertsDoc } from "../../scripts/alerts-doc";

describe("docs/alerts.md", () => {
  it("has a section for every alert of the table", () => {
    const doc = alertsDoc();
    for (const a of ALERTS) assert.ok(doc.includes(`### ${a.name} (\`${a.id}\`)`), a.id);
  });
});
