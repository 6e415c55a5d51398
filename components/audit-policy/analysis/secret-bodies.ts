/**
 * `secret-bodies` findings: the rules that log Secret, ConfigMap, TokenReview or TokenRequest
 * bodies for some authenticated request.
 */
import type { CompiledPolicy } from "../evaluate";
import { logsSensitiveBody, SENSITIVE_TARGETS, SENSITIVE_VERBS } from "../sensitive";
import type { Finding, RequestAttributes } from "../types";
import type { Requests } from "./enumeration";
import { make, rulePath } from "./findings";
import { describeRequest, requestOf } from "./requests";
import { enumerate, ruleSet, TARGET_ORDER, type Evaluator } from "./rule-sets";

/** The fix every `secret-bodies` finding suggests. */
export const SECRET_FIX =
  `add before it a rule "- level: Metadata" with resources [{group: "", resources: ["secrets", "configmaps", "serviceaccounts/token"]}, ` +
  `{group: "authentication.k8s.io", resources: ["tokenreviews"]}] (as the GCE and kubespray policies do), or lower this rule's level to Metadata`;

/** `secret-bodies` findings: per deciding rule, the sensitive targets some authenticated request logs the bodies of, with an example request each. */
export function secretBodies(compiled: CompiledPolicy, requests: Requests, ev: Evaluator): Finding[] {
  const byRule = new Map<number, Map<string, RequestAttributes>>();
  for (const target of SENSITIVE_TARGETS) {
    const verbs = SENSITIVE_VERBS.filter((v) => target.responseVerbs.includes(v) || target.requestVerbs.includes(v));
    const combos = enumerate(requests.resourceStarts(TARGET_ORDER, target), [
      requests.namespaceStep(TARGET_ORDER, target.clusterScoped ? "" : undefined),
      requests.verbStep(TARGET_ORDER, verbs, (verb) => verb),
      // Failed authentication never reaches the handler that records bodies.
      requests.userStep(TARGET_ORDER, false),
      requests.groupStep(TARGET_ORDER),
    ]);
    for (const c of combos) {
      const req = requestOf(c.actor, c.verb, c.scope);
      if (ruleSet(ev.matches(compiled, req)) !== c.set) ev.stats.selfCheckFailures++;
      const d = ev.decide(compiled, req);
      if (!logsSensitiveBody(target, c.verb, d)) continue;
      let targets = byRule.get(d.ruleIndex!);
      if (!targets) byRule.set(d.ruleIndex!, (targets = new Map()));
      if (!targets.has(target.label)) targets.set(target.label, req);
    }
  }
  const findings: Finding[] = [];
  for (const [index, targets] of byRule) {
    const level = ev.decide(compiled, [...targets.values()][0]).level;
    const what = level === "RequestResponse" ? "request and response bodies" : "request bodies";
    const list = [...targets].map(([label, req]) => `${label} (e.g. ${describeRequest(req)})`).join("; ");
    findings.push(
      make(
        "secret-bodies",
        rulePath(index),
        `logs ${what} (level ${level}) of ${list}. These bodies hold credentials and secret data, and CIS 3.2.2 asks to log Secrets, ` +
          `ConfigMaps and TokenReviews at Metadata only. Fix: ${SECRET_FIX}.`,
      ),
    );
  }
  return findings;
}
