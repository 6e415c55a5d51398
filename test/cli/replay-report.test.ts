/**
 * The whole `replay --json` report on a mixed log, compared with the report the replay engine gave
 * before its speed work (test/fixtures/replay-golden/, recorded by `UPDATE_REPLAY_GOLDEN=1` with
 * that engine): every counter, example line, class row and level change must stay identical.
 *
 * The log: generated background traffic (bodies, managedFields, watches, humans through Rancher),
 * the real events in test/fixtures/events (several stages per request, failed authentication),
 * and lines that take the slow paths (pretty-printed and Go-escaped JSON, earlier stages without a
 * final line, blank, malformed and non-event lines).
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { generateBackgroundTraffic } from "../support/traffic";
import { cli, EVENTS, FIXTURES, tmpDir } from "./support";

const GOLDEN = path.join(FIXTURES, "replay-golden");

function mixedLog(): string {
  const lines: string[] = [];
  let n = 0;
  for (const e of generateBackgroundTraffic({ hours: 0.25, seed: 7 })) {
    if (n++ >= 3000) break;
    lines.push(JSON.stringify(e));
  }
  const real = fs
    .readdirSync(EVENTS)
    .filter((f) => f.endsWith(".jsonl"))
    .sort()
    .flatMap((f) => fs.readFileSync(path.join(EVENTS, f), "utf8").split("\n"))
    .filter((l) => l.trim() !== "");
  lines.push(...real);
  const first = JSON.parse(real[0]) as Record<string, unknown>;
  const withBody = JSON.parse(lines[0]) as Record<string, unknown>;
  lines.push(
    JSON.stringify(first, null, 1).replace(/\n/g, " "),
    JSON.stringify(withBody).replace(/</g, "\\u003c").replace(/"kind":"Event"/, '"kind":"Event","note":"a<b"'),
    "",
    "   ",
    "not json",
    "[1,2]",
    '{"verb":""}',
    '{"kind":"Event","verb":"get","user":"alice"}',
    JSON.stringify({ ...first, auditID: "pending-only", stage: "RequestReceived" }),
    JSON.stringify({ ...first, auditID: "watch-1", verb: "watch", stage: "ResponseStarted" }),
    JSON.stringify({ ...withBody, auditID: "two-stages", stage: "RequestReceived" }),
    JSON.stringify({ ...withBody, auditID: "two-stages", stage: "ResponseComplete" }),
  );
  return `${lines.join("\n")}\n`;
}

const CASES: Record<string, string[]> = {
  recommended: ["preset:recommended"],
  metadata: ["preset:metadata"],
  "metadata-vs-recommended": ["preset:metadata", "preset:recommended"],
  "cis-vs-detailed": ["preset:cis", "preset:detailed"],
};

describe("replay --json report on a mixed log (unchanged by the speed work)", () => {
  const dir = tmpDir("replay-golden");
  const log = path.join(dir, "mixed.jsonl");
  before(() => fs.writeFileSync(log, mixedLog()));

  for (const [name, policies] of Object.entries(CASES)) {
    it(`${policies.join(" vs ")}: the whole report`, async () => {
      const r = await cli(["replay", "--events", log, ...policies, "--json", "--top", "1000"]);
      const report = JSON.parse(r.stdout) as Record<string, unknown> & { input: Record<string, unknown> };
      delete report.seconds;
      report.input.file = "mixed.jsonl";
      const golden = path.join(GOLDEN, `${name}.json`);
      if (process.env.UPDATE_REPLAY_GOLDEN === "1") fs.writeFileSync(golden, `${JSON.stringify({ code: r.code, report }, null, 2)}\n`);
      assert.deepEqual({ code: r.code, report }, JSON.parse(fs.readFileSync(golden, "utf8")));
    });
  }
});
