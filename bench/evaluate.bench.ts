/**
 * `npm run bench -- evaluate`: requests per second through evaluatePolicy for each preset and, for
 * comparison, the GCE policy, on
 * (a) every real audit event in test/fixtures/events (parsed and converted with requestFromEvent
 *     once, then replayed in a loop for at least a second per policy), and
 * (b) a synthetic mix of 1,000,000 requests from the background-traffic model
 *     (generateBackgroundTraffic, converted once).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { performance } from "node:perf_hooks";

import {
  evaluatePolicy,
  parsePolicy,
  PRESET_NAMES,
  presets,
  requestFromEvent,
  type Policy,
  type RequestAttributes,
} from "../components/audit-policy";
import { generateBackgroundTraffic } from "../test/support/traffic";
import { fmt, peakRssMiB, type BenchSuite } from "./suite";

const ROOT = path.join(__dirname, "..");
const EVENTS_DIR = path.join(ROOT, "test", "fixtures", "events");
const GCE_FILE = path.join(ROOT, "test", "fixtures", "policies", "gce-gci-configure-helper-default.yaml");
const SYNTHETIC = 1_000_000;
const MIN_SECONDS = 1;

function realRequests(): RequestAttributes[] {
  const out: RequestAttributes[] = [];
  for (const file of fs.readdirSync(EVENTS_DIR).filter((f) => f.endsWith(".jsonl")).sort()) {
    for (const line of fs.readFileSync(path.join(EVENTS_DIR, file), "utf8").split("\n")) {
      if (line.trim() !== "") out.push(requestFromEvent(JSON.parse(line)));
    }
  }
  return out;
}

function syntheticRequests(n: number): RequestAttributes[] {
  const out: RequestAttributes[] = [];
  // About 41,000 requests an hour: enough hours for n requests.
  for (const event of generateBackgroundTraffic({ hours: Math.ceil(n / 30_000) })) {
    out.push(requestFromEvent(event));
    if (out.length === n) break;
  }
  if (out.length < n) throw new Error(`the traffic model produced only ${out.length} requests`);
  return out;
}

interface Run {
  rps: number;
  passes: number;
  logged: number;
}

/** Replays the requests through evaluatePolicy until at least MIN_SECONDS have passed (whole passes). */
function replay(policy: Policy, requests: RequestAttributes[]): Run {
  let logged = 0;
  for (const r of requests) if (evaluatePolicy(policy, r).level !== "None") logged++; // warm-up; compiles and caches the policy
  let passes = 0;
  let sink = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    for (let i = 0; i < requests.length; i++) sink += evaluatePolicy(policy, requests[i]).level.length;
    passes++;
    elapsed = (performance.now() - start) / 1000;
  } while (elapsed < MIN_SECONDS);
  if (sink < 0) throw new Error("unreachable");
  return { rps: (passes * requests.length) / elapsed, passes, logged: logged / requests.length };
}

export const suite: BenchSuite = {
  name: "evaluate",
  title: "Policy evaluation: evaluatePolicy requests/second per preset",
  async run() {
    const policies: { name: string; policy: Policy }[] = [
      ...PRESET_NAMES.map((name) => ({ name, policy: presets[name].policy })),
      { name: "GCE (reference)", policy: parsePolicy(fs.readFileSync(GCE_FILE, "utf8")) },
    ];
    const real = realRequests();
    const t0 = performance.now();
    const synthetic = syntheticRequests(SYNTHETIC);
    const generation = (performance.now() - t0) / 1000;

    const rows: string[][] = [["policy", "rules", "real events: req/s", "real: logged", "synthetic mix: req/s", "synthetic: logged"]];
    for (const { name, policy } of policies) {
      const a = replay(policy, real);
      const b = replay(policy, synthetic);
      const row = [name, String(policy.rules.length), fmt(a.rps), `${fmt(100 * a.logged, 1)} %`, fmt(b.rps), `${fmt(100 * b.logged, 1)} %`];
      console.log(row.join("  "));
      rows.push(row);
    }
    return {
      tables: [{ rows }],
      notes: [
        `Real events: the ${fmt(real.length)} audit events in test/fixtures/events (Falco traces, audit2rbac logs), parsed and converted with requestFromEvent once, replayed through evaluatePolicy in whole passes for at least ${MIN_SECONDS} s per policy.`,
        `Synthetic mix: the first ${fmt(SYNTHETIC)} requests of the background-traffic model (generateBackgroundTraffic, seed 1, 3 servers + 3 workers; mostly Leases, watches and probes), converted once (generation and conversion took ${fmt(generation, 1)} s), replayed the same way.`,
        "\"logged\" is the share of requests the policy logs at all (level above None). evaluatePolicy compiles a policy once and caches it by object identity; the first (warm-up) pass is not timed.",
        `Peak RSS ${fmt(peakRssMiB())} MiB (the million converted requests are held in memory).`,
      ],
    };
  },
};
