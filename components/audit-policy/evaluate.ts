/**
 * First-match policy evaluation, identical to kube-apiserver's checker
 * (k8s.io/apiserver pkg/audit/policy/checker.go), quirks included:
 * - "pods/*" also matches plain "pods" (the check only compares the resource part);
 * - "*\/scale" needs a subresource; "*" matches every resource and subresource in the group;
 * - a GroupResources with a group and no resources matches everything in that group;
 * - resourceNames never match a request without a name (list, watch, create on a collection);
 * - namespace "" matches cluster-scoped requests and cross-namespace list/watch;
 * - a trailing "*" on a non-resource URL is a raw string prefix ("/healthz*" matches "/healthzfoo");
 * - a request without user info never matches a rule with users or userGroups;
 * - a rule with only users/userGroups/verbs matches resource and non-resource requests alike;
 * - omitStages is the union of the policy's and the rule's; omitManagedFields on a rule overrides the policy.
 * Policies are compiled once (cached per policy object) so replaying millions of requests is cheap.
 */
import { STAGES, type Decision, type Level, type Policy, type PolicyRule, type RequestAttributes, type Stage, type VersionOptions } from "./types";
import { supportsGroupWildcard } from "./version";

/** Union of two stage lists as a set, in kube-apiserver's stage order (unknown strings last). */
export function unionStages(a: readonly Stage[] | null | undefined, b: readonly Stage[] | null | undefined): Stage[] {
  const set = new Set<string>([...(a ?? []), ...(b ?? [])]);
  const known = STAGES.filter((s) => set.has(s));
  const unknown = [...set].filter((s) => !(STAGES as readonly string[]).includes(s)).sort();
  return [...known, ...(unknown as Stage[])];
}

/** The stages that are recorded, given those that are omitted. */
export function invertStages(omitted: readonly Stage[]): Stage[] {
  const set = new Set(omitted);
  return STAGES.filter((s) => !set.has(s));
}

interface CompiledGroupResources {
  group: string;
  /** null: the entry lists no resources, so every resource in the group matches. */
  resources: string[] | null;
  names: Set<string> | null;
}

interface CompiledRule {
  index: number;
  decision: Decision;
  users: Set<string> | null;
  userGroups: Set<string> | null;
  verbs: Set<string> | null;
  namespaces: Set<string> | null;
  resources: CompiledGroupResources[];
  resourceScoped: boolean;
  nonResourceURLs: string[] | null;
}

/** A policy prepared for fast repeated evaluation (compilePolicy); evaluate with evaluateCompiled or matchingRules. */
export interface CompiledPolicy {
  /** The rules with their lists as sets, in policy order. */
  rules: CompiledRule[];
  /** The decision when no rule matches: level None, the policy's stages and managedFields setting. */
  defaultDecision: Decision;
  /** Whether group "*" matches every group (Kubernetes 1.36 and later). */
  groupWildcard: boolean;
}

const nonEmpty = <T>(list: readonly T[] | undefined): list is readonly T[] => list !== undefined && list.length > 0;
const setOf = (list: readonly string[] | undefined): Set<string> | null => (nonEmpty(list) ? new Set(list) : null);

function compileRule(rule: PolicyRule, index: number, policy: Policy): CompiledRule {
  return {
    index,
    decision: Object.freeze({
      level: rule.level,
      omitStages: Object.freeze(unionStages(policy.omitStages, rule.omitStages)) as Stage[],
      omitManagedFields: rule.omitManagedFields ?? policy.omitManagedFields ?? false,
      ruleIndex: index,
    }),
    users: setOf(rule.users),
    userGroups: setOf(rule.userGroups),
    verbs: setOf(rule.verbs),
    namespaces: setOf(rule.namespaces),
    resources: (rule.resources ?? []).map((gr) => ({
      group: gr.group ?? "",
      resources: nonEmpty(gr.resources) ? [...gr.resources] : null,
      names: setOf(gr.resourceNames),
    })),
    resourceScoped: nonEmpty(rule.namespaces) || nonEmpty(rule.resources),
    nonResourceURLs: nonEmpty(rule.nonResourceURLs) ? [...rule.nonResourceURLs] : null,
  };
}

/** Compiles a policy for repeated evaluation. evaluatePolicy does this (and caches it) for you. */
export function compilePolicy(policy: Policy, options: VersionOptions = {}): CompiledPolicy {
  return {
    rules: (policy.rules ?? []).map((r, i) => compileRule(r, i, policy)),
    defaultDecision: Object.freeze({
      level: "None" as Level,
      omitStages: Object.freeze(unionStages(policy.omitStages, [])) as Stage[],
      omitManagedFields: policy.omitManagedFields ?? false,
      ruleIndex: null,
    }),
    groupWildcard: supportsGroupWildcard(options.kubernetesVersion),
  };
}

function pathMatches(path: string, spec: string): boolean {
  if (spec === "*" || spec === path) return true;
  if (spec.endsWith("*")) return path.startsWith(spec.replace(/\*+$/, ""));
  return false;
}

function matchesResource(rule: CompiledRule, req: RequestAttributes, groupWildcard: boolean): boolean {
  if (!req.resourceRequest) return false;
  if (rule.namespaces !== null && !rule.namespaces.has(req.namespace)) return false;
  if (rule.resources.length === 0) return true;
  const { resource, subresource, name } = req;
  const combined = subresource !== "" ? `${resource}/${subresource}` : resource;
  for (const gr of rule.resources) {
    if (gr.group !== req.apiGroup && !(groupWildcard && gr.group === "*")) continue;
    if (gr.resources === null) return true;
    if (gr.names !== null && !gr.names.has(name)) continue;
    for (const res of gr.resources) {
      if (res === combined || res === "*") return true;
      if (subresource !== "" && res.startsWith("*/") && subresource === res.slice(2)) return true;
      if (res.endsWith("/*") && resource === res.slice(0, -2)) return true;
    }
  }
  return false;
}

function ruleMatches(rule: CompiledRule, req: RequestAttributes, groupWildcard: boolean): boolean {
  if (rule.users !== null && (req.user === null || !rule.users.has(req.user))) return false;
  if (rule.userGroups !== null) {
    if (req.user === null || req.groups === null) return false;
    let found = false;
    for (const g of req.groups) {
      if (rule.userGroups.has(g)) {
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  if (rule.verbs !== null && !rule.verbs.has(req.verb)) return false;
  if (rule.resourceScoped) return matchesResource(rule, req, groupWildcard);
  if (rule.nonResourceURLs !== null) {
    if (req.resourceRequest) return false;
    for (const spec of rule.nonResourceURLs) if (pathMatches(req.path, spec)) return true;
    return false;
  }
  return true;
}

/** Evaluates a compiled policy: the first matching rule decides; no match means level None. */
export function evaluateCompiled(compiled: CompiledPolicy, req: RequestAttributes): Decision {
  for (const rule of compiled.rules) {
    if (ruleMatches(rule, req, compiled.groupWildcard)) return rule.decision;
  }
  return compiled.defaultDecision;
}

/** Every rule index that matches the request, in order (the first one decides). For `explain`. */
export function matchingRules(compiled: CompiledPolicy, req: RequestAttributes): number[] {
  return compiled.rules.filter((r) => ruleMatches(r, req, compiled.groupWildcard)).map((r) => r.index);
}

const cache = new WeakMap<Policy, Map<boolean, CompiledPolicy>>();

function compiledFor(policy: Policy, options: VersionOptions): CompiledPolicy {
  const wildcard = supportsGroupWildcard(options.kubernetesVersion);
  let byVersion = cache.get(policy);
  if (!byVersion) {
    byVersion = new Map();
    cache.set(policy, byVersion);
  }
  let compiled = byVersion.get(wildcard);
  if (!compiled) {
    compiled = compilePolicy(policy, options);
    byVersion.set(wildcard, compiled);
  }
  return compiled;
}

/**
 * The audit decision kube-apiserver makes for a request. The returned object is frozen and may be
 * shared between calls. The policy is compiled on first use and cached by object identity: do not
 * mutate a policy after evaluating it (build a new one instead).
 */
export function evaluatePolicy(policy: Policy, request: RequestAttributes, options: VersionOptions = {}): Decision {
  return evaluateCompiled(compiledFor(policy, options), request);
}
