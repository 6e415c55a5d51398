/**
 * `cis-3.2.2` findings: the items CIS 3.2.2 asks the audit log to cover, checked for an ordinary
 * user and a Rancher user (through the cattle-impersonation service account).
 */
import type { CompiledPolicy } from "../evaluate";
import type { Decision, Finding, Policy, RequestAttributes } from "../types";
import { make, rulePath } from "./findings";
import { AUTHENTICATED, describeRequest, isLongRunning, requestOf, resourceScope, STANDARD_VERBS, unique, verbCategory, writesEvent, type Actor, type Names } from "./requests";
import type { Evaluator } from "./rule-sets";
import type { Space } from "./space";

/** Why a request gets no event, for a finding's message. */
export function decisionReason(decision: Decision, req: RequestAttributes): string {
  if (decision.ruleIndex === null) return "no rule matches it and the default level is None";
  if (decision.level === "None") return `${rulePath(decision.ruleIndex)} decides it at level None`;
  const stages = isLongRunning(req) ? "RequestReceived, ResponseStarted and ResponseComplete" : "RequestReceived and ResponseComplete";
  return `${rulePath(decision.ruleIndex)} decides it at level ${decision.level} but omits ${stages}, so no event is written`;
}

/** A CIS 3.2.2 item: requests the audit log must cover, and the rule that fixes a policy that misses them. */
export interface CoverageItem {
  /** What CIS asks to cover, e.g. "access to Secrets". */
  what: string;
  /** API group of the requests ("" for core). */
  apiGroup: string;
  /** Resource of the requests. */
  resource: string;
  /** Subresource of the requests; "" for none. */
  subresource: string;
  /** Verbs that must be logged. */
  verbs: readonly string[];
  /** True for resources without a namespace. */
  clusterScoped?: boolean;
  /** The `resources` entry to add to a Metadata rule, as YAML flow text. */
  fix: string;
}

/** The items of CIS Kubernetes Benchmark 3.2.2 (kube-bench's audit policy check). */
export const CIS_ITEMS: CoverageItem[] = [
  { what: "access to Secrets", apiGroup: "", resource: "secrets", subresource: "", verbs: STANDARD_VERBS, fix: `{group: "", resources: ["secrets"]}` },
  { what: "access to ConfigMaps", apiGroup: "", resource: "configmaps", subresource: "", verbs: STANDARD_VERBS, fix: `{group: "", resources: ["configmaps"]}` },
  {
    what: "TokenReviews",
    apiGroup: "authentication.k8s.io",
    resource: "tokenreviews",
    subresource: "",
    verbs: ["create"],
    clusterScoped: true,
    fix: `{group: "authentication.k8s.io", resources: ["tokenreviews"]}`,
  },
  { what: "modification of Pods", apiGroup: "", resource: "pods", subresource: "", verbs: ["create", "update", "patch", "delete"], fix: `{group: "", resources: ["pods"]}` },
  {
    what: "modification of Deployments",
    apiGroup: "apps",
    resource: "deployments",
    subresource: "",
    verbs: ["create", "update", "patch", "delete"],
    fix: `{group: "apps", resources: ["deployments"]}`,
  },
  { what: "use of pods/exec", apiGroup: "", resource: "pods", subresource: "exec", verbs: ["get", "create"], fix: `{group: "", resources: ["pods/exec"]}` },
  { what: "use of pods/portforward", apiGroup: "", resource: "pods", subresource: "portforward", verbs: ["get", "create"], fix: `{group: "", resources: ["pods/portforward"]}` },
  { what: "use of pods/proxy", apiGroup: "", resource: "pods", subresource: "proxy", verbs: ["get", "create"], fix: `{group: "", resources: ["pods/proxy"]}` },
  { what: "use of services/proxy", apiGroup: "", resource: "services", subresource: "proxy", verbs: ["get", "create"], fix: `{group: "", resources: ["services/proxy"]}` },
];

/** The actors CIS coverage is checked for: an ordinary user and a Rancher user (a cattle-impersonation service account). */
export function cisActors(policy: Policy, names: Names): Actor[] {
  const users = new Set(policy.rules.flatMap((r) => r.users ?? []));
  return [
    { user: names.user, groups: [AUTHENTICATED] },
    {
      user: unique("system:serviceaccount:cattle-impersonation-system:cattle-impersonation-u-abc12", users),
      groups: ["system:serviceaccounts", "system:serviceaccounts:cattle-impersonation-system", AUTHENTICATED],
    },
  ];
}

/** `cis-3.2.2` findings: one per item some checked request of which writes no event. */
export function cisCoverage(policy: Policy, compiled: CompiledPolicy, space: Space, ev: Evaluator): Finding[] {
  const findings: Finding[] = [];
  const actors = cisActors(policy, space.names);
  for (const item of CIS_ITEMS) {
    const missed: { req: RequestAttributes; decision: Decision }[] = [];
    let checked = 0;
    for (const actor of actors) {
      for (const verb of item.verbs) {
        const named = item.subresource !== "" || verbCategory(verb) === "named";
        const req = requestOf(
          actor,
          verb,
          resourceScope(item.apiGroup, item.resource, item.subresource, item.clusterScoped ? "" : space.names.namespace, named ? space.names.name : ""),
        );
        checked++;
        const decision = ev.decide(compiled, req);
        if (!writesEvent(decision, req)) missed.push({ req, decision });
      }
    }
    if (missed.length === 0) continue;
    const first = missed[0];
    const more = missed.length > 1 ? ` (${missed.length} of the ${checked} requests checked for this item are not logged)` : "";
    findings.push(
      make(
        "cis-3.2.2",
        rulePath(first.decision.ruleIndex),
        `CIS 3.2.2 asks the audit log to cover ${item.what}, but ${describeRequest(first.req)} is not logged: ${decisionReason(first.decision, first.req)}${more}. ` +
          `Fix: add ${first.decision.ruleIndex === null ? "a rule" : `before ${rulePath(first.decision.ruleIndex)} a rule`} "- level: Metadata" with resources [${item.fix}]` +
          `${first.decision.ruleIndex === null ? " (or a catch-all \"- level: Metadata\" at the end)" : ""}.`,
      ),
    );
  }
  return findings;
}
