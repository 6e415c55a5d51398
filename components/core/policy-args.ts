/**
 * The audit policy as a component argument: the audit.k8s.io/v1 Policy shape in types Pulumi's
 * component analyzer can turn into a schema for other languages (enums as `as const` objects, no
 * literal types, no `unknown`). The engine's own `Policy`, `PolicyRule` and `GroupResources`
 * (components/audit-policy/types.ts) are assignable to these, so TypeScript callers may pass
 * either; the engine validates the value exactly as it validates a parsed file.
 */

/**
 * How much of a request an audit event records (kube-apiserver's levels). See
 * https://kubernetes.io/docs/tasks/debug/debug-cluster/audit/#audit-policy.
 */
export const AuditLevel = {
  /** No event. */
  None: "None",
  /** Who, what, when and the outcome; no bodies. */
  Metadata: "Metadata",
  /** Metadata plus the request body. */
  Request: "Request",
  /** Metadata plus the request and response bodies. */
  RequestResponse: "RequestResponse",
} as const;
/** How much of a request an audit event records: `None`, `Metadata`, `Request` or `RequestResponse`. */
export type AuditLevel = (typeof AuditLevel)[keyof typeof AuditLevel];

/** When kube-apiserver writes an audit event for a request. */
export const AuditStage = {
  /** As soon as the request is received, before the handler runs. */
  RequestReceived: "RequestReceived",
  /** Once the response headers are sent (long-running requests such as watch and exec only). */
  ResponseStarted: "ResponseStarted",
  /** When the response is complete. */
  ResponseComplete: "ResponseComplete",
  /** When the handler panicked. */
  Panic: "Panic",
} as const;
/** When kube-apiserver writes an audit event: `RequestReceived`, `ResponseStarted`, `ResponseComplete` or `Panic`. */
export type AuditStage = (typeof AuditStage)[keyof typeof AuditStage];

/** One entry of a rule's `resources`: an API group and resources in it. Example: `{ group: "", resources: ["secrets"] }`. */
export interface AuditGroupResources {
  /** API group; `""` (or absent) is the core group; `"*"` matches every group (Kubernetes 1.36+). */
  group?: string;
  /** Resources and subresources (`"pods"`, `"pods/log"`, `"pods/*"`, `"*\/scale"`, `"*"`); empty = every resource in the group. */
  resources?: string[];
  /** Object names; empty = every object. Never matches requests without a name (list, watch, create on a collection). */
  resourceNames?: string[];
}

/**
 * One rule of an audit policy: the level (and stages) for the requests that match all its
 * conditions; an absent or empty condition matches everything. The first matching rule decides.
 * Example: `{ level: "Metadata", resources: [{ group: "", resources: ["secrets", "configmaps"] }] }`.
 */
export interface AuditPolicyRule {
  /** The level of the requests this rule decides. */
  level: AuditLevel;
  /** User names the rule applies to (e.g. `system:kube-proxy`); empty = every user. */
  users?: string[];
  /** Groups the rule applies to, any of them (e.g. `system:nodes`); empty = every group. */
  userGroups?: string[];
  /** Request verbs, compared exactly (`get`, `list`, `watch`, `create`, ...; no wildcard); empty = every verb. */
  verbs?: string[];
  /** Resource requests the rule applies to, by group; empty = every resource request. */
  resources?: AuditGroupResources[];
  /** Namespaces; `""` matches cluster-scoped and all-namespace requests; empty = every namespace. */
  namespaces?: string[];
  /** Non-resource paths (`/healthz`, `/metrics`); a trailing `*` is a prefix match (`/healthz*`). */
  nonResourceURLs?: string[];
  /** Stages not recorded for the requests this rule decides, on top of the policy's omitStages. */
  omitStages?: AuditStage[];
  /** Leave `metadata.managedFields` out of logged bodies for these requests. Default: the policy's value. */
  omitManagedFields?: boolean;
}

/**
 * An audit.k8s.io/v1 Policy as an object (the file kube-apiserver reads from `--audit-policy-file`).
 * Example: `{ apiVersion: "audit.k8s.io/v1", kind: "Policy", omitStages: ["RequestReceived"], rules: [{ level: "Metadata" }] }`.
 */
export interface AuditPolicy {
  /** Must be `"audit.k8s.io/v1"`. */
  apiVersion: string;
  /** Must be `"Policy"`. */
  kind: string;
  /** Object metadata, kept verbatim (kube-apiserver ignores it). Default: none. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any metadata; becomes pulumi.json#/Any in the schema
  metadata?: { [key: string]: any };
  /** Stages no event is written for, for every request. Default: none omitted. */
  omitStages?: AuditStage[];
  /** Leave `metadata.managedFields` out of logged bodies, unless a rule says otherwise. Default `false`. */
  omitManagedFields?: boolean;
  /** The rules, in order: the first that matches a request decides its level. A request no rule matches is not logged. */
  rules: AuditPolicyRule[];
}
