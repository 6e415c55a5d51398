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
 *   writes for that group (or for group "*"), plus one unnamed resource and subresource.
 * - non-resource paths: every literal, every `*` prefix, each prefix extended by a character that
 *   no longer spec continues with, and one path that nothing names.
 * Impossible combinations are left out (RequestInfo never yields `get`/`delete` without a name,
 * `deletecollection`/`list`/`watch` with a subresource, a subresource without a name, `create` on a
 * named object without a subresource, nor a non-resource path that parses as a resource path).
 *
 * A rule matches a request iff its user, verb and scope conditions all hold (kube-apiserver's
 * ruleMatches is that conjunction), so the representatives are grouped by which rules accept them
 * in each of those three blocks, and one representative per class is evaluated. The result is
 * exact for the request space above and takes a few milliseconds even for the GCE policy.
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
}

const SEVERITY: Record<FindingId, Severity> = {
  "secret-bodies": "error",
  "shadowed-rule": "warning",
  "never-matches": "warning",
  "cis-3.2.2": "warning",
  "logs-nothing": "warning",
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
const PATH_CANDIDATES = ["/metrics", "/openapi/v2", "/livez", "/readyz", "/healthz", "/version", "/"];

class Space {
  readonly names: Names;
  readonly actors: Actor[] = [];
  readonly namespaces: string[];
  readonly objectNames: string[];
  readonly apiGroups: string[];
  readonly resourceScopes: Scope[] = [];
  readonly nonResourceScopes: Scope[] = [];
  private readonly resourceAtoms = new Map<string, Set<string>>();
  private readonly subresourceAtoms = new Map<string, Set<string>>();

  constructor(policy: Policy, groupWildcard: boolean, excluded: Excluded) {
    const users = new Set<string>();
    const groups = new Set<string>();
    const namespaces = new Set<string>();
    const objectNames = new Set<string>();
    const apiGroups = new Set<string>();
    const urls = new Set<string>();
    for (const rule of policy.rules) {
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

    // Actors: preferred (ordinary) first, so examples in messages read naturally.
    const groupSets: string[][] = [[AUTHENTICATED], [UNAUTHENTICATED]];
    for (const g of [...groups].sort()) {
      if (g !== AUTHENTICATED) groupSets.push([AUTHENTICATED, g]);
      if (g !== UNAUTHENTICATED) groupSets.push([UNAUTHENTICATED, g]);
    }
    for (const user of [this.names.user, ...[...users].sort()]) {
      for (const gs of groupSets) this.actors.push({ user, groups: gs });
    }
    this.actors.push({ user: null, groups: null });

    this.namespaces = [this.names.namespace, "", ...[...namespaces].filter((n) => n !== "" && !excluded.namespaces.has(n)).sort()];
    this.objectNames = [this.names.name, "", ...[...objectNames].filter((n) => n !== "").sort()];
    this.apiGroups = ["", ...[...apiGroups].filter((g) => g !== "" && !excluded.groups.has(g)).sort(), this.names.group];
    if (!groupWildcard) this.resourceAtoms.delete("*");
    if (!groupWildcard) this.subresourceAtoms.delete("*");

    for (const group of this.apiGroups) {
      for (const [resource, subresource] of this.pairs(group)) {
        for (const namespace of this.namespaces) {
          for (const name of this.objectNames) {
            if (subresource !== "" && name === "") continue;
            this.resourceScopes.push(resourceScope(group, resource, subresource, namespace, name));
          }
        }
      }
    }
    for (const path of this.paths([...urls])) this.nonResourceScopes.push(nonResourceScope(path));
  }

  private atom(map: Map<string, Set<string>>, group: string, value: string): void {
    let set = map.get(group);
    if (!set) map.set(group, (set = new Set()));
    set.add(value);
  }

  private atomsFor(map: Map<string, Set<string>>, group: string): string[] {
    return [...new Set([...(map.get(group) ?? []), ...(map.get("*") ?? [])])].sort();
  }

  /** Every (resource, subresource) class of a group: literals, plus one unnamed resource and subresource. */
  private pairs(group: string): [string, string][] {
    const resources = this.atomsFor(this.resourceAtoms, group);
    const subresources = this.atomsFor(this.subresourceAtoms, group);
    const taken = new Set(resources);
    const otherResource = (BUILTIN_RESOURCES[group] ?? []).find((r) => !taken.has(r)) ?? unique("widgets", taken);
    const otherSub = SUBRESOURCE_CANDIDATES.find((s) => !subresources.includes(s)) ?? unique("subresource", new Set(subresources));
    const out: [string, string][] = [];
    for (const resource of [otherResource, ...resources]) {
      for (const sub of ["", ...subresources, otherSub]) out.push([resource, sub]);
    }
    return out;
  }

  /** Non-resource paths: one per class of "which literal does it equal, which prefixes does it start with". */
  private paths(specs: string[]): string[] {
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
// Classes: representatives grouped by which rules accept them in one block of conditions

function strippedPolicy(policy: Policy, pick: (r: PolicyRule) => Partial<PolicyRule>, options: VersionOptions): CompiledPolicy {
  return compilePolicy(
    { apiVersion: "audit.k8s.io/v1", kind: "Policy", rules: policy.rules.map((r) => ({ level: "Metadata" as Level, ...pick(r) })) },
    options,
  );
}

function classes<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const item of items) {
    const k = key(item);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(item);
  }
  return out;
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

function secretBodies(compiled: CompiledPolicy, space: Space, actors: Actor[]): Finding[] {
  const byRule = new Map<number, Map<string, RequestAttributes>>();
  for (const target of SENSITIVE_TARGETS) {
    const namespaces = target.clusterScoped ? [""] : space.namespaces;
    for (const verb of SENSITIVE_VERBS) {
      if (!target.responseVerbs.includes(verb) && !target.requestVerbs.includes(verb)) continue;
      for (const actor of actors) {
        if (actor.user === null) continue; // failed authentication never reaches the handler that records bodies
        for (const namespace of namespaces) {
          for (const name of space.objectNames) {
            if (!possibleResourceRequest(verb, name, target.subresource)) continue;
            const req = requestOf(actor, verb, resourceScope(target.apiGroup, target.resource, target.subresource, namespace, name));
            const d = evaluateCompiled(compiled, req);
            if (!logsSensitiveBody(target, verb, d)) continue;
            let targets = byRule.get(d.ruleIndex!);
            if (!targets) byRule.set(d.ruleIndex!, (targets = new Map()));
            if (!targets.has(target.label)) targets.set(target.label, req);
          }
        }
      }
    }
  }
  const findings: Finding[] = [];
  for (const [index, targets] of byRule) {
    const level = evaluateCompiled(compiled, [...targets.values()][0]).level;
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

function cisCoverage(policy: Policy, compiled: CompiledPolicy, space: Space): Finding[] {
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
        const decision = evaluateCompiled(compiled, req);
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

  const nm = neverMatches(policy, groupWildcard, options.kubernetesVersion);
  const findings: Finding[] = [...nm.findings];
  for (const issue of options.dropped ?? []) findings.push(droppedFinding(policy, issue));

  const space = new Space(policy, groupWildcard, nm.excluded);
  const sig = (c: CompiledPolicy, req: RequestAttributes) => matchingRules(c, req).join(",");
  const userBlock = strippedPolicy(policy, (r) => ({ users: r.users, userGroups: r.userGroups }), versionOptions);
  const verbBlock = strippedPolicy(policy, (r) => ({ verbs: r.verbs }), versionOptions);
  const scopeBlock = strippedPolicy(policy, (r) => ({ resources: r.resources, namespaces: r.namespaces, nonResourceURLs: r.nonResourceURLs }), versionOptions);

  const probeScope = nonResourceScope("/");
  const actors = classes(space.actors, (a) => `${a.user === null}|${sig(userBlock, requestOf(a, "get", probeScope))}`);
  const noActor: Actor = { user: null, groups: null };
  const resourceVerbs = classes(RESOURCE_VERBS, (v) => `${verbCategory(v)}|${sig(verbBlock, requestOf(noActor, v, probeScope))}`);
  const nonResourceVerbs = classes(NON_RESOURCE_VERBS, (v) => sig(verbBlock, requestOf(noActor, v, probeScope)));
  const resourceScopes = classes(
    space.resourceScopes,
    (s) => `${s.name === ""}|${s.subresource === ""}|${sig(scopeBlock, requestOf(noActor, "", s))}`,
  );
  const nonResourceScopes = classes(space.nonResourceScopes, (s) => sig(scopeBlock, requestOf(noActor, "", s)));

  // One pass: who decides each class of request, and which rules it also matches.
  const decides: boolean[] = rules.map(() => false);
  const matched: boolean[] = rules.map(() => false);
  const shadowers: Set<number>[] = rules.map(() => new Set());
  const shadowExample: ({ req: RequestAttributes; by: number } | undefined)[] = rules.map(() => undefined);
  let anyEvent = false;
  const visit = (req: RequestAttributes) => {
    const matches = matchingRules(compiled, req);
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
    if (!anyEvent && writesEvent(evaluateCompiled(compiled, req), req)) anyEvent = true;
  };
  for (const actor of actors) {
    for (const verb of resourceVerbs) {
      for (const scope of resourceScopes) {
        if (possibleResourceRequest(verb, scope.name, scope.subresource)) visit(requestOf(actor, verb, scope));
      }
    }
    for (const verb of nonResourceVerbs) {
      for (const scope of nonResourceScopes) visit(requestOf(actor, verb, scope));
    }
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
    findings.push(...cisCoverage(policy, compiled, space));
  }
  findings.push(...secretBodies(compiled, space, actors));
  return findings.sort(compareFindings);
}
