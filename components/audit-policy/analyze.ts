/**
 * Safety analysis of an audit policy: what it leaks, what it misses, and which parts of it are dead.
 *
 * Everything that depends on matching is computed with the engine's own evaluator
 * (compilePolicy / matchingRules / evaluateCompiled), over a finite set of representative requests
 * that hits every equivalence class of the policy's predicates:
 *
 * - users: every name in any `users` plus one unnamed user, and a request without user info
 *   (failed authentication). Groups: kube-apiserver's group adder gives every authenticated user
 *   `system:authenticated` (anonymous and some front-proxy users carry `system:unauthenticated`
 *   instead), and userGroups is an any-of match, monotone in the group set; so the sets
 *   {base} and {base, g} for base in those two and g in any `userGroups` reach every rule a real
 *   group set reaches (a request with groups G decided by rule r: the subset {base, g}, g a group of
 *   r's userGroups in G, matches r and, being smaller, no earlier rule).
 * - verbs: the finite set RequestInfo produces (resource requests: get list watch create update
 *   patch delete deletecollection proxy and "" for other methods; non-resource requests: the
 *   lower-cased HTTP method).
 * - namespaces, object names: every literal plus "" plus one unnamed value.
 * - (group, resource, subresource): per group, every resource and subresource literal the policy
 *   writes for that group (or for group "*"), plus one unnamed resource, one unnamed subresource
 *   and one unnamed long-running subresource (it gets a ResponseStarted event).
 * - non-resource paths: every literal, every `*` prefix, each prefix extended by a character that
 *   no longer spec continues with, and one path that nothing names.
 * Impossible combinations are left out (RequestInfo never yields `get`/`delete` without a name,
 * `deletecollection`/`list`/`watch` with a subresource, a subresource without a name, `create` on a
 * named object without a subresource, nor a non-resource path that parses as a resource path).
 *
 * Values the policy cannot tell apart are collapsed first: two users, userGroups, namespaces or
 * object names listed by exactly the same rules (names: the same resources entries; "" apart),
 * or two API groups whose entries read the same in every rule, behave identically in every
 * predicate, so one representative per class is kept (the unnamed value for the class of values
 * nothing lists, else the member the policy lists first, so examples name real values).
 *
 * The space is not enumerated as a cross product (its size grows with the product of the
 * policy's lists: 150 namespaces x 100 resourceNames x 20 groups is 300,000 scopes per user and
 * verb). A rule matches a request iff each of its conditions holds (kube-apiserver's ruleMatches
 * is that conjunction; for resource requests: users, userGroups, verbs, namespaces, and the
 * resources entries, whose group, resource, subresource and resourceNames are checked together),
 * and the evaluator gives, on the policy stripped to one condition, the rules that accept a value.
 * So the requests are built one part at a time, tracking the set of rules still matching: the
 * scope's (group, resource, subresource, name), then the namespace, verb, user and groups. Two
 * partial requests with the same set (and the same name/subresource emptiness and long-running
 * flag, which decide what verbs are possible and whether ResponseStarted is written) end in the
 * same sets whatever comes next, so only the first (in the order of the nested loops a reader
 * would write: actor, verb, group, resource, namespace, name) is kept. And a value of the next part
 * only narrows the set differently from the unnamed value if a rule still in the set lists it, so
 * only those are tried (a name only for the rules whose entries match the resource but for the
 * name). The work grows with the number of distinct sets of matching rules, not with the product
 * of the lists; the complete requests are then evaluated on the whole policy. The result is exact
 * for the request space above.
 */
import { cisCoverage } from "./analysis/cis-coverage";
import { Requests } from "./analysis/enumeration";
import { compareFindings, make, rulePath } from "./analysis/findings";
import { droppedFinding, neverMatches } from "./analysis/never-matches";
import { describeRequest, NON_RESOURCE_VERBS, RESOURCE_VERBS, requestOf, writesEvent } from "./analysis/requests";
import { compareRanks, enumerate, Evaluator, MAIN_ORDER, ruleSet, type AnalyzeStats, type Combo } from "./analysis/rule-sets";
import { secretBodies } from "./analysis/secret-bodies";
import { Space } from "./analysis/space";
import { compilePolicy } from "./evaluate";
import { isLongRunningRequest } from "./long-running";
import type { Finding, Policy, PolicyIssue, RequestAttributes, VersionOptions } from "./types";
import { supportsGroupWildcard } from "./version";

export type { AnalyzeStats } from "./analysis/rule-sets";
export { BUILTIN_RESOURCES } from "./analysis/resources";

/** Options of analyzePolicy: the target Kubernetes version, dropped keys, work counters. */
export interface AnalyzeOptions extends VersionOptions {
  /**
   * Keys kube-apiserver drops while loading the file (`decodePolicy(text).dropped`): each becomes a
   * `never-matches` finding (the key never applies) that explains what the rule matches without it.
   */
  dropped?: PolicyIssue[];
  /**
   * Diagnostic only: when given, the counters of the work done are added to it (not part of the
   * result, and not a stable measure across versions). Useful to check that the work grows with
   * the number of distinct combinations of matching rules, not with the product of the lists.
   */
  stats?: AnalyzeStats;
}

/**
 * Safety findings for a policy as kube-apiserver would load it (for files with unknown keys, pass
 * `decodePolicy(text).policy` and its `dropped`). Deterministic: sorted by path (rules[2] before
 * rules[10]), then id, then message.
 *
 * - `secret-bodies` (error), path = the deciding rule: some authenticated request has its Secret,
 *   ConfigMap or TokenReview data logged: level RequestResponse on get, list, create, update, patch,
 *   delete or deletecollection (the response holds the object), or level Request on create,
 *   update or patch (the request body holds it); for serviceaccounts/token, a create at
 *   RequestResponse (the response holds a fresh token). ResponseComplete must not be omitted.
 * - `shadowed-rule` (warning): every request the rule matches is decided by an earlier rule.
 * - `never-matches` (warning): an element no real request can match (versioned or invalid groups,
 *   a built-in resource under the wrong group, `* /*`, uppercase or three-part resources, verbs that
 *   are not verbs, resourceNames with create/deletecollection only, resource paths in
 *   nonResourceURLs), or a rule that matches nothing.
 *   Also each key in `options.dropped` (kube-apiserver drops it, so it never applies), with what
 *   the rule matches without it.
 * - `cis-3.2.2` (warning): a CIS 3.2.2 item not logged for an ordinary user or a Rancher user
 *   (through the cattle-impersonation service account) in an ordinary namespace.
 * - `logs-nothing` (warning, path `rules`): no request gets an event.
 */
export function analyzePolicy(policy: Policy, options: AnalyzeOptions = {}): Finding[] {
  const versionOptions: VersionOptions = { kubernetesVersion: options.kubernetesVersion };
  const groupWildcard = supportsGroupWildcard(options.kubernetesVersion);
  const compiled = compilePolicy(policy, versionOptions);
  const rules = policy.rules ?? [];
  const stats = options.stats ?? { requestsEvaluated: 0, selfCheckFailures: 0 };
  const ev = new Evaluator(stats);

  const nm = neverMatches(policy, groupWildcard, options.kubernetesVersion);
  const findings: Finding[] = [...nm.findings];
  for (const issue of options.dropped ?? []) findings.push(droppedFinding(policy, issue));

  const space = new Space(policy, groupWildcard, nm.excluded);
  const requests = new Requests(policy, space, groupWildcard, versionOptions, ev);
  const actorSteps = [requests.userStep(MAIN_ORDER, true), requests.groupStep(MAIN_ORDER)];
  // The result depends on the matching rules and, through ResponseStarted, on whether the request is long-running.
  const longRunning = (verb: string, c: Combo) => (c.scope.resourceRequest && isLongRunningRequest(verb, c.scope.subresource) ? "long" : "");
  const combos = [
    ...enumerate(requests.resourceStarts(MAIN_ORDER), [
      requests.namespaceStep(MAIN_ORDER),
      requests.verbStep(MAIN_ORDER, RESOURCE_VERBS, longRunning),
      ...actorSteps,
    ]),
    ...enumerate(requests.nonResourceStarts(MAIN_ORDER), [requests.verbStep(MAIN_ORDER, NON_RESOURCE_VERBS, longRunning), ...actorSteps]),
  ].sort((a, b) => compareRanks(a.rank, b.rank));

  // Who decides each class of request, and which rules it also matches.
  const decides: boolean[] = rules.map(() => false);
  const matched: boolean[] = rules.map(() => false);
  const shadowers: Set<number>[] = rules.map(() => new Set());
  const shadowExample: ({ req: RequestAttributes; by: number } | undefined)[] = rules.map(() => undefined);
  let anyEvent = false;
  for (const c of combos) {
    const req = requestOf(c.actor, c.verb, c.scope);
    const matches = ev.matches(compiled, req);
    if (ruleSet(matches) !== c.set) stats.selfCheckFailures++;
    if (matches.length > 0) {
      const decider = matches[0];
      decides[decider] = true;
      for (const j of matches) {
        matched[j] = true;
        if (j === decider) continue;
        shadowers[j].add(decider);
        if (shadowExample[j] === undefined) shadowExample[j] = { req, by: decider };
      }
    }
    if (!anyEvent && writesEvent(ev.decide(compiled, req), req)) anyEvent = true;
  }

  const flaggedRules = new Set(nm.findings.map((f) => /^rules\[(\d+)\]/.exec(f.path)?.[1]).filter((x) => x !== undefined));
  rules.forEach((_, i) => {
    if (decides[i]) return;
    if (!matched[i]) {
      if (!flaggedRules.has(String(i))) {
        findings.push(
          make(
            "never-matches",
            rulePath(i),
            `no request kube-apiserver can see satisfies all of this rule's conditions together (users/userGroups, verbs, resources, namespaces, nonResourceURLs), so it never applies; fix or remove it`,
          ),
        );
      }
      return;
    }
    const by = [...shadowers[i]].sort((a, b) => a - b).map(rulePath);
    const ex = shadowExample[i];
    findings.push(
      make(
        "shadowed-rule",
        rulePath(i),
        `never applies: every request it matches is decided first by ${by.join(", ")} (the first matching rule wins)` +
          (ex ? `; e.g. ${describeRequest(ex.req)} is decided by ${rulePath(ex.by)} at level ${rules[ex.by].level}` : "") +
          `. Fix: move this rule above ${by[0]}, or remove it.`,
      ),
    );
  });

  if (!anyEvent) {
    findings.push(
      make(
        "logs-nothing",
        "rules",
        `no request gets an audit event: every request is decided at level None${rules.some((r) => r.level !== "None") ? " or by a rule that omits all its stages" : ""}` +
          `, so the audit log stays empty although --audit-policy-file is set (which is all kube-bench checks for CIS 3.2.1). ` +
          `Fix: log at least Metadata, e.g. end the rules with "- level: Metadata".`,
      ),
    );
  } else {
    findings.push(...cisCoverage(policy, compiled, space, ev));
  }
  findings.push(...secretBodies(compiled, requests, ev));
  return findings.sort(compareFindings);
}
