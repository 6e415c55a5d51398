/**
 * `npm run fuzz`: the parser property for a long run. Feeds FUZZ_RUNS (default 100,000) policy
 * texts, 9 in 10 derived from the real and preset policies by random edits and 1 in 10 arbitrary
 * strings, to parsePolicy, and reports how many threw anything other than PolicyError (must be 0),
 * how many took over 2 s (must be 0) and the slowest. FUZZ_SEED makes a run repeatable.
 * Exit code 1 when either count is not 0.
 */
import fc from "fast-check";
import { parsePolicy, PolicyError } from "../../components/audit-policy";
import { fuzzedPolicyText } from "./arbitraries";

const RUNS = Number(process.env.FUZZ_RUNS ?? 100_000);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const LIMIT_MS = 2000;
const BATCH = 500;

const arbitrary = fc.oneof({ weight: 9, arbitrary: fuzzedPolicyText }, { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 2000 }) });

let cases = 0;
let parsed = 0;
let policyErrors = 0;
let otherThrows = 0;
let overLimit = 0;
let slowest = { ms: 0, length: 0, batch: 0 };
const examples: string[] = [];
const started = process.hrtime.bigint();
const cpuStart = process.cpuUsage();

for (let batch = 0; cases < RUNS; batch++) {
  const texts = fc.sample(arbitrary, { numRuns: Math.min(BATCH, RUNS - cases), seed: SEED + batch });
  for (const text of texts) {
    cases++;
    const t0 = process.hrtime.bigint();
    try {
      parsePolicy(text);
      parsed++;
    } catch (e) {
      if (e instanceof PolicyError) policyErrors++;
      else {
        otherThrows++;
        if (examples.length < 5) examples.push(`${(e as Error)?.name}: ${(e as Error)?.message} for ${JSON.stringify(text.slice(0, 200))}`);
      }
    }
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (ms > LIMIT_MS) overLimit++;
    if (ms > slowest.ms) slowest = { ms, length: text.length, batch };
  }
  if (batch % 20 === 19) process.stderr.write(`fuzz: ${cases}/${RUNS}\n`);
}

const cpu = process.cpuUsage(cpuStart);
const wall = Number(process.hrtime.bigint() - started) / 1e9;
console.log(
  [
    `fuzz: ${cases} policy texts (seed ${SEED}): ${parsed} parsed, ${policyErrors} PolicyError, ${otherThrows} other throws, ${overLimit} over ${LIMIT_MS} ms`,
    `slowest: ${slowest.ms.toFixed(1)} ms (a ${slowest.length}-character text, batch ${slowest.batch}); ${wall.toFixed(0)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(0)} s CPU`,
    ...examples.map((e) => `  ${e}`),
  ].join("\n"),
);
process.exitCode = otherThrows === 0 && overLimit === 0 ? 0 : 1;
