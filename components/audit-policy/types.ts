/**
 * The audit.k8s.io/v1 Policy data model, as kube-apiserver decodes it
 * (k8s.io/apiserver pkg/apis/audit/v1/types.go), plus the engine's own result types.
 * Pure types: no Pulumi import anywhere under components/audit-policy.
 */

/** Audit levels in kube-apiserver's order (None < Metadata < Request < RequestResponse). */
export const LEVELS = ["None", "Metadata", "Request", "RequestResponse"] as const;
export type Level = (typeof LEVELS)[number];

/** Audit stages in the order kube-apiserver lists them in its validation message. */
export const STAGES = ["RequestReceived", "ResponseStarted", "ResponseComplete", "Panic"] as const;
export type Stage = (typeof STAGES)[number];

export interface GroupResources {
  /** API group; "" (or absent) is the core group; "*" matches every group (Kubernetes 1.36+). */
  group?: string;
  /** Resources and subresources ("pods", "pods/log", "pods/*", "*\/scale", "*"); empty = every resource in the group. */
  resources?: string[];
  /** Object names; empty = every object. Never matches requests without a name (list, watch, create on a collection). */
  resourceNames?: string[];
}

export interface PolicyRule {
  level: Level;
  users?: string[];
  userGroups?: string[];
  verbs?: string[];
  resources?: GroupResources[];
  /** "" matches cluster-scoped and all-namespace (cross-namespace list/watch) requests. */
  namespaces?: string[];
  nonResourceURLs?: string[];
  omitStages?: Stage[];
  /** Tri-state: absent inherits the policy-level value. */
  omitManagedFields?: boolean;
}

/** ObjectMeta as far as a Policy file uses it; kept verbatim so rendering round-trips. */
export interface PolicyMetadata {
  [key: string]: unknown;
}

export interface Policy {
  apiVersion: "audit.k8s.io/v1";
  kind: "Policy";
  metadata?: PolicyMetadata;
  omitStages?: Stage[];
  omitManagedFields?: boolean;
  rules: PolicyRule[];
}

/**
 * The attributes kube-apiserver's policy checker looks at (authorizer.Attributes), in the shape of
 * the upstream conformance vectors. `user` is null when the request carries no user info at all
 * (the failed-authentication audit path); such a request never matches a rule with users or userGroups.
 */
export interface RequestAttributes {
  user: string | null;
  groups: string[] | null;
  verb: string;
  resourceRequest: boolean;
  apiGroup: string;
  apiVersion?: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  path: string;
}

export interface Decision {
  level: Level;
  /** Stages not recorded: union of the policy's and the matched rule's omitStages, in STAGES order. */
  omitStages: Stage[];
  omitManagedFields: boolean;
  /** Index of the deciding rule, or null when no rule matched (level None). */
  ruleIndex: number | null;
}

/** A problem with a policy document: a field path (`rules[2].resources[0].group`) and a message. */
export interface PolicyIssue {
  path: string;
  message: string;
  line?: number;
  column?: number;
}

export type Severity = "error" | "warning";

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
  id: FindingId;
  severity: Severity;
  path: string;
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
  readonly issues: PolicyIssue[];
  constructor(issues: PolicyIssue[], source?: string) {
    super(formatIssues(issues, source));
    this.name = "PolicyError";
    this.issues = issues;
  }
}

/** One line per issue: `file:line:column: path: message` (parts left out when unknown). */
export function formatIssues(issues: PolicyIssue[], source?: string): string {
  if (issues.length === 0) return "invalid audit policy";
  return issues
    .map((i) => {
      const where = [source, i.line, i.line !== undefined ? i.column : undefined].filter((x) => x !== undefined);
      const prefix = where.length > 0 ? `${where.join(":")}: ` : "";
      return `${prefix}${i.path ? `${i.path}: ` : ""}${i.message}`;
    })
    .join("\n");
}
