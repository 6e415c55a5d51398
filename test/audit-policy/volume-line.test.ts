/**
 * estimateLoggedBytes / estimateEventBytes given the event's own line (what replay passes, so it
 * need not re-serialise every logged event) give exactly what they give without it.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { estimateEventBytes, estimateLoggedBytes, type Decision, type Level } from "../../components/audit-policy";
import { generateBackgroundTraffic } from "../support/traffic";

const EVENTS = path.join(__dirname, "..", "fixtures", "events");

const DECISIONS: Decision[] = (["None", "Metadata", "Request", "RequestResponse"] as Level[]).flatMap((level) => [
  { level, omitStages: [], ruleIndex: 0, omitManagedFields: false },
  { level, omitStages: ["RequestReceived"], ruleIndex: 0, omitManagedFields: true },
  { level, omitStages: ["RequestReceived", "ResponseStarted"], ruleIndex: 0, omitManagedFields: false },
]);

function assertSame(event: object, line: string, where: string): void {
  for (const d of DECISIONS) {
    const label = `${where} at ${d.level} omitting [${d.omitStages.join(",")}]${d.omitManagedFields ? " without managedFields" : ""}`;
    assert.deepEqual(estimateLoggedBytes(event, d, line), estimateLoggedBytes(event, d), label);
    assert.equal(estimateEventBytes(event, d, line), estimateEventBytes(event, d), label);
  }
}

describe("volume model given the event's line", () => {
  for (const file of fs.readdirSync(EVENTS).filter((f) => f.endsWith(".jsonl"))) {
    it(`${file}: the same estimates as without the line, for every level and stage choice`, () => {
      const lines = fs.readFileSync(path.join(EVENTS, file), "utf8").split("\n").filter((l) => l.trim() !== "");
      assert.ok(lines.length > 10);
      lines.forEach((line, i) => assertSame(JSON.parse(line) as object, line, `${file}:${i + 1}`));
    });
  }

  it("generated background traffic (compact lines, bodies at every level): the same estimates", () => {
    let n = 0;
    for (const event of generateBackgroundTraffic({ hours: 1 })) {
      // A freshly parsed copy, as replay has: no body-size cache hit.
      const line = JSON.stringify(event);
      assertSame(JSON.parse(line) as object, line, `generated event ${n}`);
      if (++n === 3000) break;
    }
  });

  it("a line that is not compact JSON (spaces after separators) is not trusted for its length", () => {
    const event = JSON.parse(fs.readFileSync(path.join(EVENTS, "audit2rbac-demo-v1.jsonl"), "utf8").split("\n")[0]) as object;
    const spaced = JSON.stringify(event, null, 1).replace(/\n\s*/g, " ");
    assert.ok(spaced.length > JSON.stringify(event).length);
    assertSame(event, spaced, "spaced line");
    const goEscaped = JSON.stringify({ ...event, userAgent: "a\u003cb" }).replace("a<b", "a\\u003cb");
    assertSame(JSON.parse(goEscaped) as object, goEscaped, "line with a \\u escape");
  });
});
