/**
 * fast-check generators shared by the property tests (small runs in CI) and `npm run fuzz` (long
 * runs): valid policies, requests drawn from the same vocabulary (so rules really match), and
 * policy texts derived from the real policies in test/fixtures/policies and the presets by
 * random edits.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";

import { getPreset, LEVELS, PRESET_NAMES, renderPolicy, STAGES, type Policy, type PolicyRule, type RequestAttributes } from "../../components/audit-policy";

const POLICY_DIR = path.join(__dirname, "..", "fixtures", "policies");

/** The real policies (vendored) and the rendered presets: the seeds every fuzzed text starts from. */
export const SEED_POLICIES: readonly { name: string; text: string }[] = [
  ...fs
    .readdirSync(POLICY_DIR)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => ({ name: f, text: fs.readFileSync(path.join(POLICY_DIR, f), "utf8") })),
  ...PRESET_NAMES.map((n) => ({ name: `preset:${n}`, text: renderPolicy(getPreset(n)) })),
];

const USERS = ["alice", "system:kube-proxy", "system:serviceaccount:cattle-impersonation-system:cattle-impersonation-u-abc", "system:anonymous"];
const USER_GROUPS = ["system:authenticated", "system:unauthenticated", "system:nodes", "system:masters", "team-a"];
const VERBS = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "proxy", "post"];
const NAMESPACES = ["", "kube-system", "team-a"];
const API_GROUPS = ["", "apps", "rbac.authorization.k8s.io", "authentication.k8s.io", "coordination.k8s.io"];
const RESOURCES = ["pods", "secrets", "configmaps", "deployments", "leases", "tokenreviews", "serviceaccounts", "nodes", "events"];
const SUBRESOURCES = ["", "", "log", "exec", "status", "scale", "token"];
const NAMES = ["", "a", "kubeadm-config"];
const PATHS = ["/healthz", "/healthz/ready", "/api", "/apis/apps", "/metrics", "/version", "/livez"];
const RULE_RESOURCES = [...RESOURCES, "pods/log", "pods/*", "*", "*/scale", "*/status", "serviceaccounts/token"];
const RULE_URLS = [...PATHS, "/healthz*", "/api*", "*", "/"];

const pick = <T>(list: readonly T[]) => fc.constantFrom(...list);
const someOf = <T>(list: readonly T[], max = 3) => fc.uniqueArray(pick(list), { maxLength: max });
/** Vocabulary words mostly, any Unicode text sometimes (to exercise quoting and escaping). */
const word = (list: readonly string[]) => fc.oneof({ weight: 4, arbitrary: pick(list) }, { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 12 }) });

const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });

const groupResources = fc
  .record({ group: optional(pick([...API_GROUPS, "*"])), resources: optional(someOf(RULE_RESOURCES)), resourceNames: optional(someOf(NAMES.filter((n) => n !== ""), 2)) })
  .map((gr) => {
    // kube-apiserver refuses resourceNames without resources.
    if (gr.resourceNames !== undefined && gr.resourceNames.length > 0 && (gr.resources === undefined || gr.resources.length === 0)) delete gr.resourceNames;
    // A plain object (fc.record builds them without a prototype), as the YAML decoder returns.
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(gr)) if (v !== undefined) out[k] = v;
    return out;
  });

const stageList = optional(someOf(STAGES, 4));

/** A rule kube-apiserver accepts: resource rules and non-resource rules never mixed. */
const rule: fc.Arbitrary<PolicyRule> = fc
  .record({
    level: pick(LEVELS),
    users: optional(fc.array(word(USERS), { maxLength: 2 })),
    userGroups: optional(fc.array(word(USER_GROUPS), { maxLength: 2 })),
    verbs: optional(someOf(VERBS)),
    kind: fc.constantFrom("resource", "nonResource", "any"),
    namespaces: optional(someOf(NAMESPACES, 2)),
    resources: optional(fc.array(groupResources, { maxLength: 3 })),
    nonResourceURLs: optional(someOf(RULE_URLS)),
    omitStages: stageList,
    omitManagedFields: optional(fc.boolean()),
  })
  .map(({ kind, ...r }) => {
    const out: Record<string, unknown> = { ...r };
    if (kind !== "nonResource") delete out.nonResourceURLs;
    if (kind !== "resource") {
      delete out.namespaces;
      delete out.resources;
    }
    for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
    return out as unknown as PolicyRule;
  });

/** A policy kube-apiserver loads (at least one rule), as decodePolicy returns it. */
export const validPolicy: fc.Arbitrary<Policy> = fc
  .record({ rules: fc.array(rule, { minLength: 1, maxLength: 8 }), omitStages: stageList, omitManagedFields: optional(fc.boolean()) })
  .map((p) => {
    const policy: Policy = { apiVersion: "audit.k8s.io/v1", kind: "Policy", rules: p.rules };
    if (p.omitStages !== undefined) policy.omitStages = p.omitStages;
    if (p.omitManagedFields !== undefined) policy.omitManagedFields = p.omitManagedFields;
    return policy;
  });

/** A request from the same vocabulary as the rules, resource or non-resource, with or without a user. */
export const request: fc.Arbitrary<RequestAttributes> = fc
  .record({
    user: fc.option(pick(USERS), { nil: null, freq: 8 }),
    groups: someOf(USER_GROUPS),
    verb: pick(VERBS),
    resourceRequest: fc.boolean(),
    apiGroup: pick(API_GROUPS),
    resource: pick(RESOURCES),
    subresource: pick(SUBRESOURCES),
    namespace: pick(NAMESPACES),
    name: pick(NAMES),
    path: pick(PATHS),
  })
  .map((r) => {
    // As kube-apiserver gives them: every authenticated user is in system:authenticated, the
    // anonymous one in system:unauthenticated, besides any other groups.
    const own = r.groups.filter((g) => g !== "system:authenticated" && g !== "system:unauthenticated");
    const groups = [...own, r.user === "system:anonymous" ? "system:unauthenticated" : "system:authenticated"];
    const base = { user: r.user, groups: r.user === null ? null : groups, verb: r.verb, resourceRequest: r.resourceRequest };
    if (!r.resourceRequest) return { ...base, apiGroup: "", apiVersion: "", resource: "", subresource: "", namespace: "", name: "", path: r.path };
    return { ...base, apiGroup: r.apiGroup, apiVersion: "v1", resource: r.resource, subresource: r.subresource, namespace: r.namespace, name: r.name, path: "" };
  });

/** YAML-significant fragments and policy words an edit inserts. */
const FRAGMENTS = [
  "- ", ": ", "\n", "\n  ", "  ", "[", "]", "{", "}", ",", "&a ", "*a", "<<: *a\n", "---\n", "...\n", "null", "~", "\"", "'", "#", "!!str ", "!!binary ",
  "? ", "|\n", ">-\n", "\t", "- - - - - ", "level: ", "rules:\n", "resources:\n", "group: ", "0x1F", "0o17", "yes", "1e3", "1:20", "2024-05-01",
  "nonResourceURLs: [", "omitStages: ", "\u00a0", "\ufeff", "%YAML 1.1\n", "%TAG ! tag:x,2000:\n", "[[[[[[[[", "]]]]", "{a: {b: {c: ",
];

const edit = fc.oneof(
  fc.record({ op: fc.constant("insert" as const), at: fc.nat(), text: fc.oneof(pick(FRAGMENTS), fc.string({ unit: "binary", maxLength: 8 })) }),
  fc.record({ op: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ op: fc.constant("duplicateLine" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("swapLines" as const), at: fc.nat(), other: fc.nat() }),
  fc.record({ op: fc.constant("repeat" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 6 }), times: fc.integer({ min: 2, max: 200 }) }),
);
type Edit = typeof edit extends fc.Arbitrary<infer T> ? T : never;

function applyEdit(text: string, e: Edit): string {
  const at = text.length === 0 ? 0 : e.at % (text.length + 1);
  switch (e.op) {
    case "insert":
      return text.slice(0, at) + e.text + text.slice(at);
    case "delete":
      return text.slice(0, at) + text.slice(at + e.length);
    case "repeat":
      return text.slice(0, at) + text.slice(at, at + e.length).repeat(e.times) + text.slice(at + e.length);
    case "duplicateLine":
    case "swapLines": {
      const lines = text.split("\n");
      const i = e.at % lines.length;
      if (e.op === "duplicateLine") lines.splice(i, 0, lines[i]);
      else {
        const j = e.other % lines.length;
        [lines[i], lines[j]] = [lines[j], lines[i]];
      }
      return lines.join("\n");
    }
  }
}

/** A real or preset policy's text with 1 to 6 random edits. */
export const fuzzedPolicyText: fc.Arbitrary<string> = fc
  .record({ seed: pick(SEED_POLICIES), edits: fc.array(edit, { minLength: 1, maxLength: 6 }) })
  .map(({ seed, edits }) => edits.reduce(applyEdit, seed.text));

/** Any JSON value, and objects shaped roughly like audit events with fields of any type. */
export const eventLike: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue(),
  fc.record(
    { kind: fc.jsonValue(), verb: fc.jsonValue(), requestURI: fc.jsonValue(), user: fc.jsonValue(), objectRef: fc.oneof(fc.jsonValue(), fc.dictionary(pick(["resource", "name", "namespace", "subresource", "apiGroup"]), fc.jsonValue())) },
    { requiredKeys: [] },
  ),
);
