/**
 * Property-based tests of the engine (issue 11). Small runs here to keep CI to seconds; `npm run
 * fuzz` runs the parser properties for as many cases as asked (FUZZ_RUNS, default 100,000).
 */
import * as assert from "node:assert/strict";
import fc from "fast-check";

import {
  analyzePolicy,
  auditEventProblem,
  compilePolicy,
  evaluateCompiled,
  matchingRules,
  parsePolicy,
  PolicyError,
  renderPolicy,
  requestFromEvent,
  sensitiveBodyLogged,
  type RequestAttributes,
} from "../../components/audit-policy";
import { eventLike, fuzzedPolicyText, request, validPolicy } from "./arbitraries";

const RUNS = Number(process.env.PROPERTY_RUNS ?? 150);

/** parsePolicy either returns or throws PolicyError; anything else is a bug. */
function parsesOrPolicyError(text: string): void {
  try {
    parsePolicy(text);
  } catch (e) {
    if (!(e instanceof PolicyError)) throw new Error(`parsePolicy threw ${(e as Error)?.name}: ${(e as Error)?.message}`);
  }
}

describe("engine properties", () => {
  it("any string parses or throws PolicyError", () => {
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 300 }), parsesOrPolicyError), { numRuns: RUNS });
  });

  it("edited real and preset policies parse or throw PolicyError", () => {
    fc.assert(fc.property(fuzzedPolicyText, parsesOrPolicyError), { numRuns: Math.max(20, Math.floor(RUNS / 3)) });
  });

  it("parsePolicy(renderPolicy(p)) deep-equals p", () => {
    fc.assert(
      fc.property(validPolicy, (p) => {
        assert.deepStrictEqual(parsePolicy(renderPolicy(p)), p);
      }),
      { numRuns: RUNS },
    );
  });

  it("the analyzer agrees with the evaluator on every generated request", () => {
    fc.assert(
      fc.property(validPolicy, fc.array(request, { minLength: 1, maxLength: 30 }), (policy, requests) => {
        const stats = { requestsEvaluated: 0, selfCheckFailures: 0 };
        const findings = analyzePolicy(policy, { stats });
        // The analyzer's own cross-check of its request classes against the evaluator.
        assert.equal(stats.selfCheckFailures, 0);
        const compiled = compilePolicy(policy);
        const has = (id: string, path?: string) => findings.some((f) => f.id === id && (path === undefined || f.path === path));
        const logged = (req: RequestAttributes) => {
          const d = evaluateCompiled(compiled, req);
          // Every request that is not long-running gets RequestReceived and ResponseComplete events.
          return d.level !== "None" && !(d.omitStages.includes("RequestReceived") && d.omitStages.includes("ResponseComplete"));
        };
        for (const req of requests) {
          const decision = evaluateCompiled(compiled, req);
          // A request the evaluator logs means the analyzer cannot say the policy logs nothing.
          if (logged(req)) assert.ok(!has("logs-nothing"), `logs-nothing, but ${JSON.stringify(req)} is logged`);
          // A rule that decides a request is neither shadowed nor a rule that matches nothing.
          if (decision.ruleIndex !== null) {
            assert.ok(!has("shadowed-rule", `rules[${decision.ruleIndex}]`), `rules[${decision.ruleIndex}] reported shadowed but decides ${JSON.stringify(req)}`);
          }
          for (const i of matchingRules(compiled, req)) {
            const ruleLevel = findings.find((f) => f.id === "never-matches" && f.path === `rules[${i}]`);
            assert.ok(ruleLevel === undefined, `rules[${i}] reported as matching nothing but matches ${JSON.stringify(req)}: ${ruleLevel?.message}`);
          }
          // Secret/ConfigMap/token bodies the evaluator logs are what the analyzer must flag.
          if (sensitiveBodyLogged(req, decision)) assert.ok(has("secret-bodies"), `${JSON.stringify(req)} logs a sensitive body, no secret-bodies finding`);
        }
      }),
      { numRuns: Math.max(20, Math.floor(RUNS / 3)) },
    );
  });

  it("requestFromEvent never throws on arbitrary JSON, and auditEventProblem says why a value is not an event", () => {
    fc.assert(
      fc.property(eventLike, (event) => {
        const req = requestFromEvent(event);
        assert.equal(typeof req.verb, "string");
        const problem = auditEventProblem(event);
        assert.ok(problem === undefined || problem.length > 0);
      }),
      { numRuns: RUNS * 2 },
    );
  });
});
