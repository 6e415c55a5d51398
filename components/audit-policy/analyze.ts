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
import { compilePolicy, evaluateCompiled, matchingRules, type CompiledPolicy } from "./evaluate";
import { logsSensitiveBody, SENSITIVE_TARGETS, SENSITIVE_VERBS } from "./sensitive";
import type { Decision, Finding, FindingId, Level, Policy, PolicyIssue, PolicyRule, RequestAttributes, Severity, Stage, VersionOptions } from "./types";
import { supportsGroupWildcard } from "./version";

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

/** Work counters of one analyzePolicy call (diagnostic). */
export interface AnalyzeStats {
  /** Requests handed to the evaluator (matchingRules or evaluateCompiled), all passes together. */
  requestsEvaluated: number;
  /**
   * Representative requests whose matching rules differ from the set the enumeration derived from
   * the per-condition classes. Always 0: anything else is a bug in the analysis.
   */
  selfCheckFailures: number;
}

const SEVERITY: Record<FindingId, Severity> = {
  "secret-bodies": "error",
  "shadowed-rule": "warning",
  "never-matches": "warning",
  "cis-3.2.2": "warning",
  "logs-nothing": "warning",
  "alert-cannot-fire": "warning",
};

const AUTHENTICATED = "system:authenticated";
const UNAUTHENTICATED = "system:unauthenticated";

/** Every verb RequestInfo gives a resource request ("" for methods it does not map, e.g. OPTIONS). */
const RESOURCE_VERBS = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "proxy", ""] as const;
/** Non-resource requests carry the lower-cased HTTP method. */
const NON_RESOURCE_VERBS = ["get", "post", "put", "patch", "delete", "head", "options"] as const;
const STANDARD_VERBS = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"] as const;

/** kube-apiserver's long-running check: these get a ResponseStarted event. */
const LONG_RUNNING_VERBS = new Set(["watch", "proxy"]);
const LONG_RUNNING_SUBRESOURCES = new Set(["attach", "exec", "log", "portforward", "proxy"]);

/**
 * Built-in resources per API group as of Kubernetes 1.36 (plus the historical extensions/v1beta1
 * and policy/v1beta1 ones, so old policies are not flagged). `pods` and `nodes` under
 * metrics.k8s.io come from metrics-server, which every distribution ships.
 */
export const BUILTIN_RESOURCES: Readonly<Record<string, readonly string[]>> = {
  "": [
    "bindings",
    "componentstatuses",
    "configmaps",
    "endpoints",
    "events",
    "limitranges",
    "namespaces",
    "nodes",
    "persistentvolumeclaims",
    "persistentvolumes",
    "pods",
    "podtemplates",
    "replicationcontrollers",
    "resourcequotas",
    "secrets",
    "serviceaccounts",
    "services",
  ],
  "admissionregistration.k8s.io": [
    "mutatingadmissionpolicies",
    "mutatingadmissionpolicybindings",
    "mutatingwebhookconfigurations",
    "validatingadmissionpolicies",
    "validatingadmissionpolicybindings",
    "validatingwebhookconfigurations",
  ],
  "apiextensions.k8s.io": ["customresourcedefinitions"],
  "apiregistration.k8s.io": ["apiservices"],
  apps: ["controllerrevisions", "daemonsets", "deployments", "replicasets", "statefulsets"],
  "authentication.k8s.io": ["selfsubjectreviews", "tokenreviews"],
  "authorization.k8s.io": ["localsubjectaccessreviews", "selfsubjectaccessreviews", "selfsubjectrulesreviews", "subjectaccessreviews"],
  autoscaling: ["horizontalpodautoscalers"],
  batch: ["cronjobs", "jobs"],
  "certificates.k8s.io": ["certificatesigningrequests", "clustertrustbundles", "podcertificaterequests"],
  "coordination.k8s.io": ["leasecandidates", "leases"],
  "discovery.k8s.io": ["endpointslices"],
  "events.k8s.io": ["events"],
  extensions: ["daemonsets", "deployments", "ingresses", "networkpolicies", "podsecuritypolicies", "replicasets", "replicationcontrollers"],
  "flowcontrol.apiserver.k8s.io": ["flowschemas", "prioritylevelconfigurations"],
  "metrics.k8s.io": ["nodes", "pods"],
  "networking.k8s.io": ["ingressclasses", "ingresses", "ipaddresses", "networkpolicies", "servicecidrs"],
  "node.k8s.io": ["runtimeclasses"],
  policy: ["poddisruptionbudgets", "podsecuritypolicies"],
  "rbac.authorization.k8s.io": ["clusterrolebindings", "clusterroles", "rolebindings", "roles"],
  "resource.k8s.io": ["deviceclasses", "devicetaintrules", "resourceclaims", "resourceclaimtemplates", "resourceslices"],
  "scheduling.k8s.io": ["priorityclasses"],
  "storage.k8s.io": ["csidrivers", "csinodes", "csistoragecapacities", "storageclasses", "volumeattachments", "volumeattributesclasses"],
};

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const API_VERSION = /^v\d+((alpha|beta)\d+)?$/;

const q = (s: string): string => JSON.stringify(s);
const nonEmpty = <T>(list: readonly T[] | undefined): list is readonly T[] => list !== undefined && list.length > 0;
const groupLabel = (g: string): string => (g === "" ? 'the core group ("")' : `group ${q(g)}`);

function unique(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

/** RequestInfo's splitPath + resource test: /api/<v>/<x>... and /apis/<g>/<v>/<x>... are resource requests. */
function isResourcePath(path: string): boolean {
  const trimmed = path.replace(/^\/+|\/+$/g, "");
  const parts = trimmed === "" ? [] : trimmed.split("/");
  if (parts.length < 3) return false;
  if (parts[0] === "api") return true;
  return parts[0] === "apis" && parts.length >= 4;
}

function isLongRunning(req: RequestAttributes): boolean {
  return req.resourceRequest && (LONG_RUNNING_VERBS.has(req.verb) || LONG_RUNNING_SUBRESOURCES.has(req.subresource));
}

/**
 * True when kube-apiserver writes an event for the request: a level above None and at least one
 * stage the request goes through not omitted (RequestReceived and ResponseComplete always;
 * ResponseStarted only for long-running requests; Panic is not counted).
 */
function writesEvent(decision: Decision, req: RequestAttributes): boolean {
  if (decision.level === "None") return false;
  const omitted = new Set<Stage>(decision.omitStages);
  if (!omitted.has("RequestReceived") || !omitted.has("ResponseComplete")) return true;
  return isLongRunning(req) && !omitted.has("ResponseStarted");
}

/** RequestInfo never produces these combinations (see the module comment). */
function possibleResourceRequest(verb: string, name: string, subresource: string): boolean {
  if (subresource !== "" && name === "") return false;
  switch (verb) {
    case "get":
    case "delete":
    case "update":
    case "patch":
      return name !== "";
    case "list":
    case "watch":
      return subresource === ""; // a name only with fieldSelector=metadata.name=<name>
    case "deletecollection":
      return name === "" && subresource === "";
    case "create":
      return name === "" || subresource !== "";
    case "proxy":
      return name !== "" && subresource === "";
    default:
      return true;
  }
}

function verbCategory(verb: string): string {
  switch (verb) {
    case "get":
    case "delete":
    case "update":
    case "patch":
      return "named";
    default:
      return verb;
  }
}

// ---------------------------------------------------------------------------------------------
// Resource strings

type ResourceSpec =
  | { kind: "all" }
  | { kind: "exact"; resource: string; subresource: string }
  | { kind: "subresourcesOf"; resource: string }
  | { kind: "anyResource"; subresource: string }
  | { kind: "never"; why: string };

function parseResourceSpec(res: string): ResourceSpec {
  if (res === "*") return { kind: "all" };
  const parts = res.split("/");
  if (res === "") return { kind: "never", why: `an empty resource never matches: a resource request always names a resource; remove it` };
  if (parts.length > 2) {
    return {
      kind: "never",
      why: `${q(res)} has more than one "/": a request has one resource and at most one subresource ("pods/log"), so this never matches; write ${q(parts.slice(0, 2).join("/"))}`,
    };
  }
  if (parts.some((p) => p === "")) {
    return { kind: "never", why: `${q(res)} has an empty resource or subresource part and never matches; write "pods" or "pods/log"` };
  }
  if (parts.length === 2 && parts[0] === "*" && parts[1] === "*") {
    return {
      kind: "never",
      why: `"*/*" is not "everything": kube-apiserver reads it as "any resource with the subresource literally named *", which matches nothing in practice; use "*" for every resource and subresource of the group (or "pods/*", "*/status")`,
    };
  }
  if (parts.some((p) => p !== "*" && p.includes("*"))) {
    return {
      kind: "never",
      why: `${q(res)}: "*" is a wildcard only as the whole string, as "<resource>/*" or as "*/<subresource>"; elsewhere it is a literal character, so this never matches`,
    };
  }
  if (/[A-Z]/.test(res)) {
    return {
      kind: "never",
      why: `${q(res)} has uppercase letters: resources are lowercase plurals in request URLs, so this never matches; write ${q(res.toLowerCase())}`,
    };
  }
  if (parts.length === 1) return { kind: "exact", resource: res, subresource: "" };
  if (parts[0] === "*") return { kind: "anyResource", subresource: parts[1] };
  if (parts[1] === "*") return { kind: "subresourcesOf", resource: parts[0] };
  return { kind: "exact", resource: parts[0], subresource: parts[1] };
}

/** Built-in groups that hold a resource, extensions last. */
function groupsHolding(resource: string): string[] {
  const out = Object.keys(BUILTIN_RESOURCES).filter((g) => BUILTIN_RESOURCES[g].includes(resource));
  return [...out.filter((g) => g !== "extensions"), ...out.filter((g) => g === "extensions")];
}

/** Why a resource name cannot be in a built-in group, or undefined. */
function wrongGroup(group: string, resource: string): string | undefined {
  const known = BUILTIN_RESOURCES[group];
  if (known === undefined || resource === "*" || known.includes(resource)) return undefined;
  for (const plural of [`${resource}s`, `${resource}es`, resource.replace(/y$/, "ies")]) {
    if (plural !== resource && known.includes(plural)) {
      return `${q(resource)} is not a resource of ${groupLabel(group)}: resources are plural, write ${q(plural)}`;
    }
  }
  const holders = groupsHolding(resource);
  if (holders.length > 0) {
    const where = holders.map((g) => (g === "" ? '"" (core)' : q(g))).join(" or ");
    return `${q(resource)} is not in ${groupLabel(group)} but in group ${where}, so this entry never matches it; move it to a resources entry with group: ${q(holders[0])}`;
  }
  if (group === "") {
    return `${q(resource)} is not a resource of the core group ("") (its resources are fixed: ${BUILTIN_RESOURCES[""].join(", ")}), so this never matches; put it under the group that serves it`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// never-matches: static checks per element

interface Excluded {
  groups: Set<string>;
  namespaces: Set<string>;
  /** `${group}\u0000${resource}` pairs that no real request has. */
  resources: Set<string>;
}

const VERB_HINTS: Record<string, string> = {
  read: "get, list, watch",
  write: "create, update, patch, delete",
  post: "create",
  put: "update",
  edit: "update, patch",
  modify: "update, patch",
  remove: "delete",
  exec: 'create and get on resource "pods/exec"',
  impersonate: "the impersonated user is not what audit matches; match the caller",
};
const NON_RESOURCE_VERB_HINTS: Record<string, string> = {
  list: "get",
  watch: "get",
  create: "post",
  update: "put",
  deletecollection: "delete",
};

function verbIssue(verb: string, scope: "resource" | "nonResource" | "any"): string | undefined {
  const resourceOk = (RESOURCE_VERBS as readonly string[]).includes(verb) && verb !== "";
  const nonResourceOk = (NON_RESOURCE_VERBS as readonly string[]).includes(verb);
  if (verb === "*") {
    return `"*" is not a verb wildcard: kube-apiserver compares verbs literally, so this never matches; leave out "verbs" to match every verb, or list them (${STANDARD_VERBS.join(", ")})`;
  }
  if (verb !== verb.toLowerCase() && (RESOURCE_VERBS as readonly string[]).concat(NON_RESOURCE_VERBS).includes(verb.toLowerCase())) {
    return `${q(verb)}: verbs are lowercase and compared exactly, so this never matches; write ${q(verb.toLowerCase())}`;
  }
  if (scope === "resource" && !resourceOk) {
    const hint = VERB_HINTS[verb] ? `; for this use ${VERB_HINTS[verb]}` : "";
    return `${q(verb)} is not a verb kube-apiserver gives resource requests (${RESOURCE_VERBS.filter((v) => v !== "").join(", ")}), so this never matches${hint}`;
  }
  if (scope === "nonResource" && !nonResourceOk) {
    const hint = NON_RESOURCE_VERB_HINTS[verb] ? `; write ${q(NON_RESOURCE_VERB_HINTS[verb])}` : "";
    return `${q(verb)} never matches a non-resource request: their verb is the lower-cased HTTP method (${NON_RESOURCE_VERBS.join(", ")})${hint}`;
  }
  if (scope === "any" && !resourceOk && !nonResourceOk) {
    const hint = VERB_HINTS[verb] ? `; for this use ${VERB_HINTS[verb]}` : "";
    return `${q(verb)} is not a Kubernetes request verb (resource requests: ${RESOURCE_VERBS.filter((v) => v !== "").join(", ")}; non-resource requests: the lower-cased HTTP method), so this never matches${hint}`;
  }
  return undefined;
}

function resourceNamesIssue(rule: PolicyRule, specs: readonly string[]): string | undefined {
  if (!nonEmpty(rule.verbs)) return undefined;
  // create carries a name only on a subresource (POST .../serviceaccounts/<name>/token);
  // deletecollection never does. list/watch do with fieldSelector=metadata.name=<name>.
  const canName = (spec: string) => spec === "*" || spec.includes("/");
  const verbs = [...new Set(rule.verbs)];
  const nameless = verbs.filter((v) => v === "deletecollection" || (v === "create" && !specs.some(canName)));
  if (nameless.length === 0) return undefined;
  const all = nameless.length === verbs.length;
  return (
    `resourceNames never match ${nameless.map(q).join(" or ")} requests: ${nameless.includes("create") ? "create on a collection" : "deletecollection"}` +
    `${nameless.length > 1 ? " and deletecollection carry" : " carries"} no object name` +
    (all ? `, and this rule has no other verbs, so this entry matches nothing` : `, so this entry never matches them`) +
    `; match those requests by namespace instead, or drop resourceNames`
  );
}

function neverMatches(policy: Policy, groupWildcard: boolean, version: string | undefined): { findings: Finding[]; excluded: Excluded } {
  const findings: Finding[] = [];
  const excluded: Excluded = { groups: new Set(), namespaces: new Set(), resources: new Set() };
  const add = (path: string, message: string) => findings.push(make("never-matches", path, message));
  policy.rules.forEach((rule, i) => {
    const base = `rules[${i}]`;
    const resourceScoped = nonEmpty(rule.resources) || nonEmpty(rule.namespaces);
    const scope = resourceScoped ? "resource" : nonEmpty(rule.nonResourceURLs) ? "nonResource" : "any";
    (rule.verbs ?? []).forEach((verb, k) => {
      const why = verbIssue(verb, scope);
      if (why) add(`${base}.verbs[${k}]`, why);
    });
    (rule.namespaces ?? []).forEach((ns, k) => {
      if (ns !== "" && (!DNS1123_LABEL.test(ns) || ns.length > 63)) {
        excluded.namespaces.add(ns);
        add(`${base}.namespaces[${k}]`, `${q(ns)} is not a namespace name (lowercase RFC 1123 label, at most 63 characters), so this never matches; write ${q(ns.toLowerCase())}`);
      }
    });
    (rule.resources ?? []).forEach((gr, j) => {
      const at = `${base}.resources[${j}]`;
      const group = gr.group ?? "";
      let groupWhy: string | undefined;
      if (group === "*") {
        if (!groupWildcard) {
          groupWhy = `group "*" matches every group only from Kubernetes 1.36; on ${version} it matches no request (and kube-apiserver rejects it); list the groups, or leave out "resources" to match every group`;
        }
      } else if (group.includes("/")) {
        const g = group.split("/")[0];
        const fix = g === "v1" || g === "api" || g === "" ? `"" for the core group` : q(g);
        groupWhy = `${q(group)}: an API group never includes a version (audit matching ignores versions), so this never matches; write group: ${fix}`;
      } else if (API_VERSION.test(group)) {
        groupWhy = `${q(group)} is an API version, not a group, so this never matches; the core group (pods, secrets, ...) is group: ""`;
      } else if (group !== "" && !DNS1123_SUBDOMAIN.test(group)) {
        groupWhy = `${q(group)} is not an API group name (lowercase DNS subdomain), so this never matches; write ${q(group.toLowerCase())}`;
      }
      if (groupWhy) {
        excluded.groups.add(group);
        add(`${at}.group`, groupWhy);
        return;
      }
      (gr.resources ?? []).forEach((res, k) => {
        const spec = parseResourceSpec(res);
        let why: string | undefined;
        if (spec.kind === "never") why = spec.why;
        else if (group !== "*" && (spec.kind === "exact" || spec.kind === "subresourcesOf")) why = wrongGroup(group, spec.resource);
        if (why) {
          if (spec.kind === "exact" || spec.kind === "subresourcesOf") excluded.resources.add(`${group}\u0000${spec.resource}`);
          add(`${at}.resources[${k}]`, why);
        }
      });
      if (nonEmpty(gr.resourceNames) && nonEmpty(gr.resources)) {
        const why = resourceNamesIssue(rule, gr.resources);
        if (why) add(`${at}.resourceNames`, why);
      }
    });
    (rule.nonResourceURLs ?? []).forEach((url, k) => {
      if (resourceScoped) {
        add(
          `${base}.nonResourceURLs[${k}]`,
          `ignored: a rule with resources or namespaces is evaluated as a resource rule, so ${q(url)} never matches (kube-apiserver also rejects the combination); move the URL to a rule of its own`,
        );
        return;
      }
      if (url !== "*" && isResourcePath(url.replace(/\*+$/, ""))) {
        add(
          `${base}.nonResourceURLs[${k}]`,
          `${q(url)} is a resource path: requests to it are resource requests and never match nonResourceURLs; match them with resources (group, resource) instead`,
        );
      }
    });
  });
  return { findings, excluded };
}

// ---------------------------------------------------------------------------------------------
// The representative request space

interface Actor {
  user: string | null;
  groups: string[] | null;
}

interface Scope {
  resourceRequest: boolean;
  apiGroup: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  path: string;
}

interface Names {
  user: string;
  namespace: string;
  name: string;
  group: string;
}

function requestOf(actor: Actor, verb: string, scope: Scope): RequestAttributes {
  return { user: actor.user, groups: actor.groups, verb, ...scope, apiVersion: scope.resourceRequest ? "v1" : "" };
}

function resourcePath(apiGroup: string, resource: string, subresource: string, namespace: string, name: string): string {
  const prefix = apiGroup === "" ? "/api/v1" : `/apis/${apiGroup}/v1`;
  const ns = namespace === "" ? "" : `/namespaces/${namespace}`;
  return `${prefix}${ns}/${resource}${name === "" ? "" : `/${name}`}${subresource === "" ? "" : `/${subresource}`}`;
}

function resourceScope(apiGroup: string, resource: string, subresource: string, namespace: string, name: string): Scope {
  return { resourceRequest: true, apiGroup, resource, subresource, namespace, name, path: resourcePath(apiGroup, resource, subresource, namespace, name) };
}

function nonResourceScope(path: string): Scope {
  return { resourceRequest: false, apiGroup: "", resource: "", subresource: "", namespace: "", name: "", path };
}

const SUBRESOURCE_CANDIDATES = ["status", "scale", "log", "exec", "eviction", "binding", "token", "ephemeralcontainers", "finalize", "approval"];
/** An unlisted long-running subresource: it gets a ResponseStarted event where an unlisted ordinary one does not. */
const LONG_RUNNING_SUBRESOURCE_CANDIDATES = ["log", "exec", "attach", "portforward", "proxy"];
const PATH_CANDIDATES = ["/metrics", "/openapi/v2", "/livez", "/readyz", "/healthz", "/version", "/"];

/** One class of values of a dimension that no predicate of the policy tells apart. */
interface ValueClass {
  /** The representative. */
  value: string;
  /** Its position in the dimension's candidate order: examples prefer lower ranks. */
  rank: number;
}

/**
 * Collapses candidates with the same signature (`signature(v)`: which predicates list v, "" when
 * none does): they behave identically in every rule, so one representative per class is enough.
 * The representative is the class's first candidate when the signature is empty (the unnamed
 * value), else the member the policy lists first (`firstListed`). Classes come in candidate order.
 */
function valueClasses(
  candidates: readonly string[],
  signature: (value: string) => string,
  firstListed: ReadonlyMap<string, number>,
): { classes: ValueClass[]; classOf: Map<string, ValueClass> } {
  const bySignature = new Map<string, { members: string[]; rep: ValueClass; order: number }>();
  candidates.forEach((value, rank) => {
    const sig = signature(value);
    const order = sig === "" ? rank : (firstListed.get(value) ?? Number.MAX_SAFE_INTEGER);
    const cls = bySignature.get(sig);
    if (!cls) bySignature.set(sig, { members: [value], rep: { value, rank }, order });
    else {
      cls.members.push(value);
      if (order < cls.order) Object.assign(cls, { rep: { value, rank }, order });
    }
  });
  const classOf = new Map<string, ValueClass>();
  for (const { members, rep } of bySignature.values()) for (const m of members) classOf.set(m, rep);
  return { classes: [...bySignature.values()].map((c) => c.rep).sort((a, b) => a.rank - b.rank), classOf };
}

/** value -> signature: the sorted distinct keys (rule or entry positions) of the lists that hold it. */
function signatures(lists: Iterable<[key: string, values: readonly string[] | undefined]>): Map<string, string> {
  const keys = new Map<string, string[]>();
  for (const [key, values] of lists) {
    for (const v of values ?? []) {
      let k = keys.get(v);
      if (!k) keys.set(v, (k = []));
      if (k[k.length - 1] !== key) k.push(key);
    }
  }
  return new Map([...keys].map(([v, k]) => [v, k.join(",")]));
}

/** value -> its first position in the policy (rules in order, each list in order). */
function policyOrder(lists: Iterable<readonly string[] | undefined>): Map<string, number> {
  const out = new Map<string, number>();
  for (const values of lists) for (const v of values ?? []) if (!out.has(v)) out.set(v, out.size);
  return out;
}

/**
 * The candidate values of every dimension of a request, collapsed to classes (see the module
 * comment), and the (resource, subresource) pairs and non-resource paths worth trying.
 */
class Space {
  readonly names: Names;
  // Classes of the candidates, which are, in rank order:
  /** the unnamed user, then the listed users (sorted); */
  readonly users: ValueClass[];
  /** the listed userGroups (sorted); */
  readonly userGroups: ValueClass[];
  /** the unnamed namespace, "", then the valid listed namespaces (sorted); */
  readonly namespaces: ValueClass[];
  /** the unnamed object name, "", then the listed resourceNames (sorted); */
  readonly objectNames: ValueClass[];
  /** "", the valid listed groups (sorted), then the unnamed group. */
  readonly apiGroups: ValueClass[];
  readonly paths: string[];
  /** group -> rule -> the classes of resourceNames its entries for that group (with resources) list. */
  readonly namesListed = new Map<string, Map<number, ValueClass[]>>();
  private readonly resourceAtoms = new Map<string, Set<string>>();
  private readonly subresourceAtoms = new Map<string, Set<string>>();

  constructor(policy: Policy, groupWildcard: boolean, excluded: Excluded) {
    const rules = policy.rules;
    const users = new Set<string>();
    const groups = new Set<string>();
    const namespaces = new Set<string>();
    const objectNames = new Set<string>();
    const apiGroups = new Set<string>();
    const urls = new Set<string>();
    for (const rule of rules) {
      rule.users?.forEach((u) => users.add(u));
      rule.userGroups?.forEach((g) => groups.add(g));
      rule.namespaces?.forEach((n) => namespaces.add(n));
      rule.nonResourceURLs?.forEach((u) => urls.add(u));
      for (const gr of rule.resources ?? []) {
        const group = gr.group ?? "";
        if (excluded.groups.has(group)) continue;
        if (group !== "*") apiGroups.add(group);
        gr.resourceNames?.forEach((n) => objectNames.add(n));
        for (const res of gr.resources ?? []) {
          const spec = parseResourceSpec(res);
          if (spec.kind === "exact" || spec.kind === "subresourcesOf") {
            if (!excluded.resources.has(`${group}\u0000${spec.resource}`)) this.atom(this.resourceAtoms, group, spec.resource);
          }
          if (spec.kind === "exact" && spec.subresource !== "") this.atom(this.subresourceAtoms, group, spec.subresource);
          if (spec.kind === "anyResource") this.atom(this.subresourceAtoms, group, spec.subresource);
        }
      }
    }
    this.names = {
      user: unique("alice", users),
      namespace: unique("team-a", namespaces),
      name: unique("example", objectNames),
      group: unique("example.com", apiGroups),
    };
    if (!groupWildcard) this.resourceAtoms.delete("*");
    if (!groupWildcard) this.subresourceAtoms.delete("*");

    // users, userGroups, namespaces: a value's signature is the rules that list it.
    const byRule = (pick: (r: PolicyRule) => readonly string[] | undefined) =>
      signatures(rules.map((r, i): [string, readonly string[] | undefined] => [String(i), pick(r)]));
    const userSig = byRule((r) => r.users);
    this.users = valueClasses([this.names.user, ...[...users].sort()], (u) => userSig.get(u) ?? "", policyOrder(rules.map((r) => r.users))).classes;
    const groupSig = byRule((r) => r.userGroups);
    this.userGroups = valueClasses([...groups].sort(), (g) => groupSig.get(g) ?? "", policyOrder(rules.map((r) => r.userGroups))).classes;
    const nsSig = byRule((r) => r.namespaces);
    this.namespaces = valueClasses(
      [this.names.namespace, "", ...[...namespaces].filter((n) => n !== "" && !excluded.namespaces.has(n)).sort()],
      (n) => nsSig.get(n) ?? "",
      policyOrder(rules.map((r) => r.namespaces)),
    ).classes;

    // Object names are compared only in entries that list resources (an entry without resources
    // matches the whole group before looking at names); "" is its own class (no subresource, and
    // RequestInfo's verbs differ with and without a name).
    const entries = rules.flatMap((r, i) =>
      (r.resources ?? []).map((gr, j) => ({ rule: i, key: `${i}.${j}`, group: gr.group ?? "", gr })).filter((e) => !excluded.groups.has(e.group)),
    );
    const naming = entries.filter((e) => nonEmpty(e.gr.resources) && nonEmpty(e.gr.resourceNames));
    const nameSig = signatures(naming.map((e): [string, readonly string[] | undefined] => [e.key, e.gr.resourceNames]));
    const names = valueClasses(
      [this.names.name, "", ...[...objectNames].filter((n) => n !== "").sort()],
      (n) => `${n === "" ? '"" ' : ""}${nameSig.get(n) ?? ""}`,
      policyOrder(naming.map((e) => e.gr.resourceNames)),
    );
    this.objectNames = names.classes;
    for (const e of naming) {
      let perRule = this.namesListed.get(e.group);
      if (!perRule) this.namesListed.set(e.group, (perRule = new Map()));
      let list = perRule.get(e.rule);
      if (!list) perRule.set(e.rule, (list = []));
      for (const n of e.gr.resourceNames ?? []) {
        const cls = names.classOf.get(n)!;
        if (!list.includes(cls)) list.push(cls);
      }
    }

    // API groups: a rule treats a group by the contents (resources, resourceNames) of its entries
    // for that group, so groups whose entries read the same in every rule, and that have the
    // same resources excluded, are one class ("*" entries apply to all groups alike).
    const contents = new Map<string, Set<string>>();
    for (const e of entries) {
      if (e.group === "*") continue;
      let set = contents.get(e.group);
      if (!set) contents.set(e.group, (set = new Set()));
      set.add(`${e.rule}:${JSON.stringify([e.gr.resources ?? null, e.gr.resourceNames ?? null])}`);
    }
    const groupSignature = (g: string): string => {
      const c = [...(contents.get(g) ?? [])].sort().join(";");
      const out = [...excluded.resources].filter((k) => k.startsWith(`${g}\u0000`)).sort().join(";");
      return c === "" && out === "" ? "" : `${c}|${out}`;
    };
    this.apiGroups = valueClasses(
      ["", ...[...apiGroups].filter((g) => g !== "" && !excluded.groups.has(g)).sort(), this.names.group],
      groupSignature,
      policyOrder(entries.map((e) => [e.group])),
    ).classes;

    this.paths = this.pathsFor([...urls]);
  }

  private atom(map: Map<string, Set<string>>, group: string, value: string): void {
    let set = map.get(group);
    if (!set) map.set(group, (set = new Set()));
    set.add(value);
  }

  private atomsFor(map: Map<string, Set<string>>, group: string): string[] {
    return [...new Set([...(map.get(group) ?? []), ...(map.get("*") ?? [])])].sort();
  }

  /**
   * Every (resource, subresource) class of a group: literals, plus one unnamed resource, one
   * unnamed subresource and one unnamed long-running subresource.
   */
  pairs(group: string): [string, string][] {
    const resources = this.atomsFor(this.resourceAtoms, group);
    const subresources = this.atomsFor(this.subresourceAtoms, group);
    const taken = new Set(resources);
    const otherResource = (BUILTIN_RESOURCES[group] ?? []).find((r) => !taken.has(r)) ?? unique("widgets", taken);
    const unlisted = (candidates: string[]) => candidates.filter((s) => !subresources.includes(s));
    const otherSub = unlisted(SUBRESOURCE_CANDIDATES)[0] ?? unique("subresource", new Set(subresources));
    // Long-running or not decides whether ResponseStarted is written: keep one unlisted of each kind.
    const others = LONG_RUNNING_SUBRESOURCES.has(otherSub)
      ? [otherSub, ...unlisted(SUBRESOURCE_CANDIDATES.filter((s) => !LONG_RUNNING_SUBRESOURCES.has(s))).slice(0, 1)]
      : [otherSub, ...unlisted(LONG_RUNNING_SUBRESOURCE_CANDIDATES).slice(0, 1)];
    const out: [string, string][] = [];
    for (const resource of [otherResource, ...resources]) {
      for (const sub of ["", ...subresources, ...others]) out.push([resource, sub]);
    }
    return out;
  }

  /** Non-resource paths: one per class of "which literal does it equal, which prefixes does it start with". */
  private pathsFor(specs: string[]): string[] {
    const literals = new Set(specs.filter((s) => s !== "*" && !s.endsWith("*")));
    const prefixes = [...new Set(specs.filter((s) => s !== "*" && s.endsWith("*")).map((s) => s.replace(/\*+$/, "")))];
    const longestPrefix = (p: string) => prefixes.filter((x) => p.startsWith(x)).sort((a, b) => b.length - a.length)[0];
    const out = new Set<string>();
    const other = PATH_CANDIDATES.find((c) => !literals.has(c) && longestPrefix(c) === undefined) ?? "/\u0001";
    if (!literals.has(other) && longestPrefix(other) === undefined) out.add(other);
    for (const l of [...literals].sort()) out.add(l);
    for (const p of prefixes.sort()) {
      out.add(p);
      // A path that starts with p, equals no literal and starts with no longer prefix.
      const ext = ["x", "-x", "/x", "\u0001"].map((s) => p + s).find((c) => !literals.has(c) && longestPrefix(c) === p && !isResourcePath(c));
      if (ext !== undefined) out.add(ext);
    }
    return [...out].filter((p) => p.startsWith("/") && !isResourcePath(p));
  }
}

// ---------------------------------------------------------------------------------------------
// Enumeration: distinct combinations of matching rules, without the cross product

/** A set of rule indices as a bit set (bit i = rules[i]). */
type RuleSet = bigint;

function ruleSet(indices: readonly number[]): RuleSet {
  if (indices.length === 0) return 0n;
  let top = 0;
  for (const i of indices) if (i > top) top = i;
  const bits = new Array<string>(top + 1).fill("0");
  for (const i of indices) bits[top - i] = "1";
  return BigInt(`0b${bits.join("")}`);
}

function members(set: RuleSet): number[] {
  const bits = set.toString(2);
  const out: number[] = [];
  for (let k = 0; k < bits.length; k++) if (bits.charCodeAt(bits.length - 1 - k) === 49) out.push(k);
  return out;
}

/** The engine's evaluator, counting the requests it is handed (AnalyzeStats). */
class Evaluator {
  constructor(readonly stats: AnalyzeStats) {}

  matches(compiled: CompiledPolicy, req: RequestAttributes): number[] {
    this.stats.requestsEvaluated++;
    return matchingRules(compiled, req);
  }

  set(compiled: CompiledPolicy, req: RequestAttributes): RuleSet {
    return ruleSet(this.matches(compiled, req));
  }

  decide(compiled: CompiledPolicy, req: RequestAttributes): Decision {
    this.stats.requestsEvaluated++;
    return evaluateCompiled(compiled, req);
  }
}

function strippedPolicy(policy: Policy, pick: (r: PolicyRule) => Partial<PolicyRule>, options: VersionOptions): CompiledPolicy {
  return compilePolicy(
    { apiVersion: "audit.k8s.io/v1", kind: "Policy", rules: policy.rules.map((r) => ({ level: "Metadata" as Level, ...pick(r) })) },
    options,
  );
}

/**
 * The classes of one dimension with the rules that accept each (by the evaluator, on a policy
 * stripped to that dimension's conditions). `base` is what the unnamed class gets: the rules that
 * do not test the dimension; every class gets base plus the rules that list it.
 */
interface Dimension {
  classes: ValueClass[];
  sets: RuleSet[];
  base: RuleSet;
  /** rule -> indices (in classes) of the classes it accepts beyond base. */
  listedBy: Map<number, number[]>;
}

function dimension(classes: ValueClass[], setOf: (value: string) => RuleSet, base: RuleSet): Dimension {
  const sets = classes.map((c) => setOf(c.value));
  const listedBy = new Map<number, number[]>();
  sets.forEach((set, k) => {
    for (const r of members(set & ~base)) {
      let list = listedBy.get(r);
      if (!list) listedBy.set(r, (list = []));
      list.push(k);
    }
  });
  return { classes, sets, base, listedBy };
}

/**
 * `set` narrowed by each class of `dim` that narrows it differently: classes[0] (the unnamed
 * value, listed nowhere) and the classes some rule of `set` lists. Any other class leaves exactly
 * what classes[0] leaves (it gets base plus rules outside `set`).
 */
function refine(set: RuleSet, dim: Dimension, each: (cls: ValueClass, narrowed: RuleSet) => void): void {
  each(dim.classes[0], set & dim.sets[0]);
  const seen = new Set<number>([0]);
  for (const r of members(set & ~dim.base)) {
    for (const k of dim.listedBy.get(r) ?? []) {
      if (seen.has(k)) continue;
      seen.add(k);
      each(dim.classes[k], set & dim.sets[k]);
    }
  }
}

/**
 * A partial request: the rules whose conditions on the parts fixed so far all hold. A rule
 * matches a request iff each of its conditions holds, so fixing a further part intersects `set`
 * with the rules that accept that part; two combos with the same `set` and `flags` therefore end
 * in the same sets whatever is fixed next, and only one of them (the lower `rank`) is kept.
 */
interface Combo {
  set: RuleSet;
  /** What the remaining parts or the result depend on besides `set` (name and subresource empty, long-running, verb). */
  flags: string;
  /** Example order, most significant first (unfixed parts 0): the kept combo is the one a nested loop would meet first. */
  rank: number[];
  actor: Actor;
  verb: string;
  scope: Scope;
}

/** Where each part goes in Combo.rank, most significant first. */
interface Layout {
  user: number;
  groups: number;
  kind: number;
  verb: number;
  /** Also the non-resource path. */
  group: number;
  pair: number;
  namespace: number;
  name: number;
}

/** The main pass: per actor, resource requests then non-resource ones; per verb, scopes in space order. */
const MAIN_ORDER: Layout = { user: 0, groups: 1, kind: 2, verb: 3, group: 4, pair: 5, namespace: 6, name: 7 };
/** secret-bodies: per verb, per actor, per namespace, per name (the target is fixed). */
const TARGET_ORDER: Layout = { verb: 0, user: 1, groups: 2, namespace: 3, name: 4, group: 5, pair: 6, kind: 7 };
const RANK_SIZE = 8;

function extend(c: Combo, set: RuleSet, slot: number, rank: number, patch: Partial<Combo>): Combo {
  const r = c.rank.slice();
  r[slot] = rank;
  return { ...c, ...patch, set, rank: r };
}

function compareRanks(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

type Step = (c: Combo, emit: (next: Combo) => void) => void;

/**
 * Runs the steps over the starting combos, keeping one combo per (flags, set) after each, and
 * dropping combos no rule matches (the default decision, None, writes nothing and decides
 * nothing). Returns the complete combos in rank order.
 */
function enumerate(starts: readonly Combo[], steps: readonly Step[]): Combo[] {
  const distinct = new Map<string, Combo>();
  const emit = (c: Combo) => {
    if (c.set === 0n) return;
    const key = `${c.flags}|${c.set.toString(36)}`;
    const kept = distinct.get(key);
    if (!kept || compareRanks(c.rank, kept.rank) < 0) distinct.set(key, c);
  };
  starts.forEach(emit);
  for (const step of steps) {
    const current = [...distinct.values()];
    distinct.clear();
    for (const c of current) step(c, emit);
  }
  return [...distinct.values()].sort((a, b) => compareRanks(a.rank, b.rank));
}

const NO_ACTOR: Actor = { user: null, groups: null };

/**
 * The request space of a policy, enumerated by distinct sets of matching rules. A rule matches a
 * request iff all of these hold (kube-apiserver's ruleMatches): its users, its userGroups, its
 * verbs, and for resource requests its namespaces and its resources entries (group, resource,
 * subresource and resourceNames, checked together per entry); non-resource requests its
 * nonResourceURLs. Each is computed by the evaluator on the policy stripped to that condition.
 */
class Requests {
  private readonly users: Dimension;
  private readonly namespaces: Dimension;
  private readonly userGroups: Dimension;
  private readonly nullActor: RuleSet;
  private readonly verbSets = new Map<string, RuleSet>();
  private readonly groupSets = new Map<string, RuleSet>();
  private readonly namespaceSets = new Map<string, RuleSet>();
  private readonly blocks: Record<"users" | "userGroups" | "actor" | "verbs" | "namespaces" | "entries" | "looseEntries" | "scope", CompiledPolicy>;
  private readonly probe: Actor;

  constructor(
    policy: Policy,
    private readonly space: Space,
    private readonly groupWildcard: boolean,
    options: VersionOptions,
    private readonly ev: Evaluator,
  ) {
    const strip = (pick: (r: PolicyRule) => Partial<PolicyRule>) => strippedPolicy(policy, pick, options);
    const resourceScoped = (r: PolicyRule) => nonEmpty(r.resources) || nonEmpty(r.namespaces);
    this.blocks = {
      users: strip((r) => ({ users: r.users })),
      userGroups: strip((r) => ({ userGroups: r.userGroups })),
      actor: strip((r) => ({ users: r.users, userGroups: r.userGroups })),
      verbs: strip((r) => ({ verbs: r.verbs })),
      // For resource requests: the namespace condition of resource rules, and "never" for
      // non-resource rules (a rule with neither matches every request).
      namespaces: strip((r) => ({ namespaces: r.namespaces, nonResourceURLs: resourceScoped(r) ? undefined : r.nonResourceURLs })),
      // For resource requests: the resources condition (rules without one accept every resource).
      entries: strip((r) => ({ resources: r.resources })),
      looseEntries: strip((r) => ({ resources: r.resources?.map((gr) => ({ ...gr, resourceNames: undefined })) })),
      // For non-resource requests: everything but users, userGroups and verbs.
      scope: strip((r) => ({ resources: r.resources, namespaces: r.namespaces, nonResourceURLs: r.nonResourceURLs })),
    };
    this.probe = { user: space.names.user, groups: [AUTHENTICATED] };
    const anyone = (user: string | null, groups: string[] | null) => requestOf({ user, groups }, "get", nonResourceScope("/"));
    const userSet = (u: string) => this.ev.set(this.blocks.users, anyone(u, []));
    this.users = dimension(space.users, userSet, userSet(space.users[0].value));
    const groupSet = (gs: string[]) => this.ev.set(this.blocks.userGroups, anyone(space.names.user, gs));
    this.userGroups = dimension(space.userGroups, (g) => groupSet([g]), groupSet([]));
    this.nullActor = this.ev.set(this.blocks.actor, anyone(null, null));
    const nsSet = (ns: string) => this.namespaceSet(ns);
    this.namespaces = dimension(space.namespaces, nsSet, nsSet(space.namespaces[0].value));
  }

  private memo(cache: Map<string, RuleSet>, key: string, compute: () => RuleSet): RuleSet {
    let set = cache.get(key);
    if (set === undefined) cache.set(key, (set = compute()));
    return set;
  }

  private verbSet(verb: string): RuleSet {
    return this.memo(this.verbSets, verb, () => this.ev.set(this.blocks.verbs, requestOf(NO_ACTOR, verb, nonResourceScope("/"))));
  }

  private groupSet(groups: string[]): RuleSet {
    const req = requestOf({ user: this.space.names.user, groups }, "get", nonResourceScope("/"));
    return this.memo(this.groupSets, groups.join("\u0000"), () => this.ev.set(this.blocks.userGroups, req));
  }

  private namespaceSet(namespace: string): RuleSet {
    const req = requestOf(NO_ACTOR, "", resourceScope("", "pods", "", namespace, ""));
    return this.memo(this.namespaceSets, namespace, () => this.ev.set(this.blocks.namespaces, req));
  }

  /**
   * Resource scopes without a namespace: per group class, per (resource, subresource) pair, the
   * unnamed object name, "" (when there is no subresource), and the names listed in entries of
   * rules that the name can still decide (they match the pair but not with the unnamed name).
   */
  resourceStarts(layout: Layout, target?: { apiGroup: string; resource: string; subresource: string }): Combo[] {
    const out: Combo[] = [];
    const unnamed = this.space.objectNames[0];
    const emptyName = this.space.objectNames.find((c) => c.value === "")!;
    const groups = target ? [{ value: target.apiGroup, rank: 0 }] : this.space.apiGroups;
    for (const group of groups) {
      const pairs: [string, string][] = target ? [[target.resource, target.subresource]] : this.space.pairs(group.value);
      pairs.forEach(([resource, subresource], p) => {
        const scopeOf = (name: string) => resourceScope(group.value, resource, subresource, "", name);
        const entries = (name: string) => this.ev.set(this.blocks.entries, requestOf(this.probe, "", scopeOf(name)));
        const flags = `${subresource === "" ? "" : "sub"}|${LONG_RUNNING_SUBRESOURCES.has(subresource) ? "long" : ""}`;
        const add = (name: ValueClass, set: RuleSet) => {
          const rank = new Array<number>(RANK_SIZE).fill(0);
          rank[layout.group] = group.rank;
          rank[layout.pair] = p;
          rank[layout.name] = name.rank;
          out.push({ set, flags: `${name.value === "" ? "" : "name"}|${flags}`, rank, actor: NO_ACTOR, verb: "", scope: scopeOf(name.value) });
        };
        const named = entries(unnamed.value);
        add(unnamed, named);
        if (subresource === "") add(emptyName, entries(""));
        const undecided = this.ev.set(this.blocks.looseEntries, requestOf(this.probe, "", scopeOf(unnamed.value))) & ~named;
        const seen = new Set<ValueClass>();
        for (const r of members(undecided)) {
          const listed = [...(this.space.namesListed.get(group.value)?.get(r) ?? []), ...((this.groupWildcard && this.space.namesListed.get("*")?.get(r)) || [])];
          for (const cls of listed) {
            if (cls.value === "" || seen.has(cls)) continue; // "" is tried above (and has no subresource)
            seen.add(cls);
            add(cls, entries(cls.value));
          }
        }
      });
    }
    return out;
  }

  /** Non-resource paths, each with the rules whose scope conditions accept it. */
  nonResourceStarts(layout: Layout): Combo[] {
    return this.space.paths.map((path, k) => {
      const rank = new Array<number>(RANK_SIZE).fill(0);
      rank[layout.kind] = 1;
      rank[layout.group] = k;
      const scope = nonResourceScope(path);
      return { set: this.ev.set(this.blocks.scope, requestOf(this.probe, "", scope)), flags: "", rank, actor: NO_ACTOR, verb: "", scope };
    });
  }

  namespaceStep(layout: Layout, only?: string): Step {
    const at = (c: Combo, namespace: string) => resourceScope(c.scope.apiGroup, c.scope.resource, c.scope.subresource, namespace, c.scope.name);
    if (only !== undefined) return (c, emit) => emit(extend(c, c.set & this.namespaceSet(only), layout.namespace, 0, { scope: at(c, only) }));
    return (c, emit) => refine(c.set, this.namespaces, (cls, set) => emit(extend(c, set, layout.namespace, cls.rank, { scope: at(c, cls.value) })));
  }

  /** `verbs` in example order; `flags` says what the result depends on after this step. */
  verbStep(layout: Layout, verbs: readonly string[], flags: (verb: string, c: Combo) => string): Step {
    return (c, emit) =>
      verbs.forEach((verb, k) => {
        if (c.scope.resourceRequest && !possibleResourceRequest(verb, c.scope.name, c.scope.subresource)) return;
        emit(extend(c, c.set & this.verbSet(verb), layout.verb, k, { verb, flags: flags(verb, c) }));
      });
  }

  /** Users (their groups are the next step); with `withoutUserInfo`, also a request without user info. */
  userStep(layout: Layout, withoutUserInfo: boolean): Step {
    return (c, emit) => {
      refine(c.set, this.users, (cls, set) => emit(extend(c, set, layout.user, cls.rank, { actor: { user: cls.value, groups: [] } })));
      // Last in example order, and kept apart from the users (the groups step passes it through).
      if (withoutUserInfo) emit(extend(c, c.set & this.nullActor, layout.user, Number.MAX_SAFE_INTEGER, { actor: NO_ACTOR, flags: `${c.flags}|no user info` }));
    };
  }

  /** Group sets {base} and {base, g} (see the module comment), g listed by a rule still in the set. */
  groupStep(layout: Layout): Step {
    const bases = [AUTHENTICATED, UNAUTHENTICATED];
    return (c, emit) => {
      const user = c.actor.user;
      if (user === null) return emit(c);
      bases.forEach((base, b) => {
        const alone = this.groupSet([base]);
        emit(extend(c, c.set & alone, layout.groups, b, { actor: { user, groups: [base] } }));
        const seen = new Set<number>();
        for (const r of members(c.set & ~alone)) {
          for (const k of this.userGroups.listedBy.get(r) ?? []) {
            const g = this.userGroups.classes[k];
            if (g.value === base || seen.has(k)) continue;
            seen.add(k);
            emit(extend(c, c.set & this.groupSet([base, g.value]), layout.groups, 2 + 2 * g.rank + b, { actor: { user, groups: [base, g.value] } }));
          }
        }
      });
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Messages

function describeActor(actor: Actor): string {
  if (actor.user === null) return "without user info (failed authentication)";
  return `by user ${q(actor.user)} (groups ${(actor.groups ?? []).join(", ") || "none"})`;
}

function describeRequest(req: RequestAttributes): string {
  const actor = describeActor({ user: req.user, groups: req.groups });
  if (!req.resourceRequest) return `${req.verb.toUpperCase()} ${/^[\x21-\x7e]+$/.test(req.path) ? req.path : q(req.path)} ${actor}`;
  const verb = req.verb === "" ? 'a request with verb "" (e.g. OPTIONS) on' : req.verb;
  const resource = `${req.resource}${req.apiGroup === "" ? "" : `.${req.apiGroup}`}${req.subresource === "" ? "" : `/${req.subresource}`}`;
  const name = req.name === "" ? "" : ` ${q(req.name)}`;
  const ns = req.namespace === "" ? "" : ` in namespace ${q(req.namespace)}`;
  return `${verb} ${resource}${name}${ns} ${actor}`;
}

function make(id: FindingId, path: string, message: string): Finding {
  return { id, severity: SEVERITY[id], path, message };
}

/** Natural order on paths (rules[2] before rules[10]), then id, then message. */
function comparePaths(a: string, b: string): number {
  const ta = a.split(/(\d+)/);
  const tb = b.split(/(\d+)/);
  for (let i = 0; i < Math.min(ta.length, tb.length); i++) {
    if (ta[i] === tb[i]) continue;
    if (i % 2 === 1) return Number(ta[i]) - Number(tb[i]);
    return ta[i] < tb[i] ? -1 : 1;
  }
  return ta.length - tb.length;
}

function compareFindings(a: Finding, b: Finding): number {
  return comparePaths(a.path, b.path) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0);
}

const rulePath = (i: number | null): string => (i === null ? "rules" : `rules[${i}]`);

function decisionReason(decision: Decision, req: RequestAttributes): string {
  if (decision.ruleIndex === null) return "no rule matches it and the default level is None";
  if (decision.level === "None") return `${rulePath(decision.ruleIndex)} decides it at level None`;
  const stages = isLongRunning(req) ? "RequestReceived, ResponseStarted and ResponseComplete" : "RequestReceived and ResponseComplete";
  return `${rulePath(decision.ruleIndex)} decides it at level ${decision.level} but omits ${stages}, so no event is written`;
}

// ---------------------------------------------------------------------------------------------
// secret-bodies

const SECRET_FIX =
  `add before it a rule "- level: Metadata" with resources [{group: "", resources: ["secrets", "configmaps", "serviceaccounts/token"]}, ` +
  `{group: "authentication.k8s.io", resources: ["tokenreviews"]}] (as the GCE and kubespray policies do), or lower this rule's level to Metadata`;

function secretBodies(compiled: CompiledPolicy, requests: Requests, ev: Evaluator): Finding[] {
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

// ---------------------------------------------------------------------------------------------
// cis-3.2.2

interface CoverageItem {
  what: string;
  apiGroup: string;
  resource: string;
  subresource: string;
  verbs: readonly string[];
  clusterScoped?: boolean;
  fix: string;
}

const CIS_ITEMS: CoverageItem[] = [
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

function cisActors(policy: Policy, names: Names): Actor[] {
  const users = new Set(policy.rules.flatMap((r) => r.users ?? []));
  return [
    { user: names.user, groups: [AUTHENTICATED] },
    {
      user: unique("system:serviceaccount:cattle-impersonation-system:cattle-impersonation-u-abc12", users),
      groups: ["system:serviceaccounts", "system:serviceaccounts:cattle-impersonation-system", AUTHENTICATED],
    },
  ];
}

function cisCoverage(policy: Policy, compiled: CompiledPolicy, space: Space, ev: Evaluator): Finding[] {
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

// ---------------------------------------------------------------------------------------------
// dropped keys

function droppedFinding(policy: Policy, issue: PolicyIssue): Finding {
  let effect = "";
  const entry = /^rules\[(\d+)\]\.resources\[(\d+)\]\.([^.[]+)$/.exec(issue.path);
  const ruleKey = /^rules\[(\d+)\]\.([^.[]+)$/.exec(issue.path);
  if (issue.message.startsWith("duplicate key")) {
    effect = "";
  } else if (entry) {
    const rule = policy.rules[Number(entry[1])];
    const gr = rule?.resources?.[Number(entry[2])];
    if (rule && gr) {
      const group = gr.group ?? "";
      effect = nonEmpty(gr.resources)
        ? ` Effect: kube-apiserver loads rules[${entry[1]}].resources[${entry[2]}] without ${q(entry[3])}.`
        : ` Effect: rules[${entry[1]}].resources[${entry[2]}] is loaded with no resources, so it matches every resource and subresource in ${groupLabel(group)}` +
          ` at level ${rule.level}, not just the ones meant.`;
    }
  } else if (ruleKey) {
    const rule = policy.rules[Number(ruleKey[1])];
    if (rule) {
      const unconditional =
        !nonEmpty(rule.users) && !nonEmpty(rule.userGroups) && !nonEmpty(rule.verbs) && !nonEmpty(rule.resources) && !nonEmpty(rule.namespaces) && !nonEmpty(rule.nonResourceURLs);
      effect = unconditional
        ? ` Effect: rules[${ruleKey[1]}] is loaded without it and has no conditions left, so it matches every request at level ${rule.level}.`
        : ` Effect: rules[${ruleKey[1]}] is loaded without ${q(ruleKey[2])}, so whatever it was meant to restrict is not restricted.`;
    }
  }
  const message = /[.!?]$/.test(issue.message) ? issue.message : `${issue.message}.`;
  return make("never-matches", issue.path, `${message}${effect}`);
}

// ---------------------------------------------------------------------------------------------

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
  const longRunning = (verb: string, c: Combo) => (c.scope.resourceRequest && (LONG_RUNNING_VERBS.has(verb) || LONG_RUNNING_SUBRESOURCES.has(c.scope.subresource)) ? "long" : "");
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
