/**
 * The audit.k8s.io/v1 Policy data model, as kube-apiserver decodes it
 * (k8s.io/apiserver pkg/apis/audit/v1/types.go), plus the engine's own result types.
 * Pure types: no Pulumi import anywhere under components/audit-policy.
 */

/** Audit levels in kube-apiserver's order (None < Metadata < Request < RequestResponse). */
export const LEVELS = ["None", "Metadata", "Request", "RequestResponse"] as const;
/**
 * How much of a request an audit event records: `None` (no event), `Metadata` (who, what, when,
 * outcome), `Request` (plus the request body), `RequestResponse` (plus the response body).
 */
export type Level = (typeof LEVELS)[number];

/** Audit stages in the order kube-apiserver lists them in its validation message. */
export const STAGES = ["RequestReceived", "ResponseStarted", "ResponseComplete", "Panic"] as const;
/**
 * When an event is written: `RequestReceived` (before the handler), `ResponseStarted` (headers
 * sent; long-running requests such as watch and exec only), `ResponseComplete`, `Panic`.
 */
export type Stage = (typeof STAGES)[number];

/** One entry of a rule's `resources`: an API group and resources in it. Example: `{ group: "", resources: ["secrets"] }`. */
export interface GroupResources {
  /** API group; "" (or absent) is the core group; "*" matches every group (Kubernetes 1.36+). */
  group?: string;
  /** Resources and subresources ("pods", "pods/log", "pods/*", "*\/scale", "*"); empty = every resource in the group. */
  resources?: string[];
  /** Object names; empty = every object. Never matches requests without a name (list, watch, create on a collection). */
  resourceNames?: string[];
}

/**
 * One rule of a Policy: the level (and stages) for the requests that match all its conditions; an
 * absent or empty condition matches everything. The first matching rule decides. Example:
 * `{ level: "Metadata", resources: [{ group: "", resources: ["secrets", "configmaps"] }] }`.
 */
export interface PolicyRule {
  /** The level of the requests this rule decides. */
  level: Level;
  /** User names the rule applies to (e.g. `system:kube-proxy`); empty = every user. */
  users?: string[];
  /** Groups the rule applies to, any of them (e.g. `system:nodes`); empty = every group. */
  userGroups?: string[];
  /** Request verbs, compared exactly (`get`, `list`, `watch`, `create`, ...; no wildcard); empty = every verb. */
  verbs?: string[];
  /** Resource requests the rule applies to, by group; empty = every resource request (and, without namespaces and nonResourceURLs, every request). */
  resources?: GroupResources[];
  /** "" matches cluster-scoped and all-namespace (cross-namespace list/watch) requests. */
  namespaces?: string[];
  /** Non-resource paths (`/healthz`, `/metrics`); a trailing `*` is a prefix match (`/healthz*`). */
  nonResourceURLs?: string[];
  /** Stages not recorded for the requests this rule decides, on top of the policy's omitStages. */
  omitStages?: Stage[];
  /** Tri-state: absent inherits the policy-level value. */
  omitManagedFields?: boolean;
}

/** ObjectMeta as far as a Policy file uses it; kept verbatim so rendering round-trips. */
export interface PolicyMetadata {
  [key: string]: unknown;
}

/**
 * An audit.k8s.io/v1 Policy: the file kube-apiserver reads from `--audit-policy-file`. Example:
 * `{ apiVersion: "audit.k8s.io/v1", kind: "Policy", omitStages: ["RequestReceived"], rules: [{ level: "Metadata" }] }`.
 */
export interface Policy {
  /** Always `audit.k8s.io/v1`. */
  apiVersion: "audit.k8s.io/v1";
  /** Always `Policy`. */
  kind: "Policy";
  /** Object metadata, kept verbatim (kube-apiserver ignores it). */
  metadata?: PolicyMetadata;
  /** Stages no event is written for, for every request. Default: none omitted. */
  omitStages?: Stage[];
  /** Leave `metadata.managedFields` out of logged bodies, unless a rule says otherwise. Default false. */
  omitManagedFields?: boolean;
  /** The rules, in order: the first that matches a request decides its level. A request no rule matches is not logged (None). */
  rules: PolicyRule[];
}

/**
 * The attributes kube-apiserver's policy checker looks at (authorizer.Attributes), in the shape of
 * the upstream conformance vectors. `user` is null when the request carries no user info at all
 * (the failed-authentication audit path); such a request never matches a rule with users or userGroups.
 */
export interface RequestAttributes {
  /** The authenticated user name (before impersonation), or null without user info. */
  user: string | null;
  /** The user's groups, or null without user info. */
  groups: string[] | null;
  /** For resource requests the RequestInfo verb (`get`, `list`, `watch`, `create`, ...); otherwise the lower-cased HTTP method. */
  verb: string;
  /** True for requests to /api/... and /apis/... resource paths. */
  resourceRequest: boolean;
  /** API group; "" for the core group and for non-resource requests. */
  apiGroup: string;
  /** API version (`v1`); not used by matching. */
  apiVersion?: string;
  /** Resource (`pods`); "" for non-resource requests. */
  resource: string;
  /** Subresource (`log`, `exec`); "" when none. */
  subresource: string;
  /** Namespace; "" for cluster-scoped and all-namespace requests. */
  namespace: string;
  /** Object name; "" when the request names no object (list, create on a collection). */
  name: string;
  /** The request path (`/api/v1/namespaces/default/pods`). */
  path: string;
}

/** What a policy decides for one request. */
export interface Decision {
  /** The level of the deciding rule; None when no rule matched. */
  level: Level;
  /** Stages not recorded: union of the policy's and the matched rule's omitStages, in STAGES order. */
  omitStages: Stage[];
  /** Whether managedFields are left out of logged bodies (the rule's value, else the policy's). */
  omitManagedFields: boolean;
  /** Index of the deciding rule, or null when no rule matched (level None). */
  ruleIndex: number | null;
}

/** A problem with a policy document: a field path (`rules[2].resources[0].group`) and a message. */
export interface PolicyIssue {
  /** Field path in the document, e.g. `rules[2].resources[0].group`; "" for the whole document. */
  path: string;
  /** What is wrong and how to fix it (kube-apiserver's own words, byte for byte, where it has a message). */
  message: string;
  /**
   * How to fix it, where `message` is kube-apiserver's and does not say (e.g. `did you mean "Metadata"?`
   * for level `metadata`). Printed after the message by formatIssues; undefined when the message says it all.
   */
  hint?: string;
  /** 1-based line in the source text, when known. */
  line?: number;
  /** 1-based column in the source text, when known. */
  column?: number;
}

/** How bad a Finding is: `error` (secret material is logged) or `warning`. */
export type Severity = "error" | "warning";

/** The kinds of Finding analyzePolicy reports (see analyzePolicy for each). */
export type FindingId =
  | "secret-bodies"
  | "shadowed-rule"
  | "never-matches"
  | "cis-3.2.2"
  | "logs-nothing"
  /** An alert (components/alerts) that the policy does not log enough for to ever fire. */
  | "alert-cannot-fire";

/** A safety-analysis result from analyzePolicy. */
export interface Finding {
  /** The kind of finding, e.g. `secret-bodies`. */
  id: FindingId;
  /** `error` or `warning`, fixed per id. */
  severity: Severity;
  /** Where in the policy: `rules[3]`, `rules[3].verbs[0]`, or `rules` for the policy as a whole. */
  path: string;
  /** What is wrong, an example request where it helps, and the fix. */
  message: string;
}

/** Options shared by parsing, validation and evaluation. */
export interface VersionOptions {
  /**
   * Target Kubernetes version ("1.31", "v1.31.5+rke2r1", "v1.36.0+k3s1"). Decides version-dependent
   * behaviour: group "*" is valid and matches only from 1.36. Default: the newest behaviour.
   */
  kubernetesVersion?: string;
}

/** Thrown by parsePolicy (and by anything that refuses a policy) with every problem found. */
export class PolicyError extends Error {
  /** Every problem found, in document order. */
  readonly issues: PolicyIssue[];
  constructor(issues: PolicyIssue[], source?: string) {
    super(formatIssues(issues, source));
    this.name = "PolicyError";
    this.issues = issues;
  }
}

/** One line per issue: `file:line:column: path: message (hint: ...)` (parts left out when unknown). */
export function formatIssues(issues: PolicyIssue[], source?: string): string {
  if (issues.length === 0) return "invalid audit policy";
  return issues
    .map((i) => {
      const where = [source, i.line, i.line !== undefined ? i.column : undefined].filter((x) => x !== undefined);
      const prefix = where.length > 0 ? `${where.join(":")}: ` : "";
      return `${prefix}${i.path ? `${i.path}: ` : ""}${i.message}${i.hint !== undefined ? ` (hint: ${i.hint})` : ""}`;
    })
    .join("\n");
}
