/**
 * The policy object on the Rancher management cluster (a Secret or ConfigMap in the fleet
 * namespace) that Rancher's planner reads for machineSelectorFiles: its content-addressed name, the
 * authorization annotation, labels. Pure. Source: Rancher's planner
 * (renderFiles, clusterObjectAuthorized; https://github.com/rancher/rancher/tree/main/pkg/capr/planner).
 */
import { fail, show } from "../core/errors";
import type { SourceKind } from "../core/settings";

/** The key holding the policy text inside the object. */
export const POLICY_KEY = "audit-policy";

/** Rancher's authorization annotation (capr.AuthorizedObjectAnnotation): comma-separated provisioning cluster names. */
export const AUTHORIZED_ANNOTATION = "rke.cattle.io/object-authorized-for-clusters";

/** The full SHA-256 of the content, for people and tools reading the object. */
export const SHA256_ANNOTATION = "rancher-audit.io/policy-sha256";

/** How many hex characters of the SHA-256 go into the object name. */
export const NAME_HASH_LENGTH = 10;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A provisioning cluster name (`metadata.name` of the provisioning.cattle.io Cluster): an RFC 1123 label, not "local". */
export function checkClusterName(name: unknown, path: string): string {
  if (typeof name !== "string" || !DNS_LABEL.test(name) || name.length > 63) {
    fail(path, `must be the provisioning cluster's metadata.name: lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters (e.g. "prod-eu-1"); got ${show(name)}`);
  }
  if (name === "local") fail(path, `"local" is the Rancher management cluster itself, which Rancher does not provision; use the downstream cluster's name`);
  return name;
}

/** A namespace name (RFC 1123 label). */
export function checkNamespace(name: unknown, path: string): string {
  if (typeof name !== "string" || !DNS_LABEL.test(name) || name.length > 63) {
    fail(path, `must be a namespace name on the Rancher management cluster, e.g. "fleet-default"; got ${show(name)}`);
  }
  return name;
}

/**
 * The annotation value: cluster names sorted, deduplicated and joined with "," without spaces
 * (Rancher splits on "," and does not trim, so "a, b" would authorize only "a").
 */
export function authorizedClustersValue(names: readonly string[], path: string): string {
  if (!Array.isArray(names) || names.length === 0) {
    fail(path, `must list at least one provisioning cluster name (e.g. ["prod-eu-1"]); got ${show(names)}`);
  }
  const checked = names.map((n, i) => checkClusterName(n, `${path}[${i}]`));
  return [...new Set(checked)].sort().join(",");
}

/** `<base>-<first 10 hex of sha256>`: a new name for every new content. */
export function policyObjectName(base: string, sha256: string, path = "name"): string {
  if (typeof base !== "string" || !DNS_SUBDOMAIN.test(base) || base.length > 253 - 1 - NAME_HASH_LENGTH) {
    fail(path, `must be a lowercase DNS name of at most ${253 - 1 - NAME_HASH_LENGTH} characters (e.g. "prod-audit-policy") to name the policy object; got ${show(base)}`);
  }
  if (!/^[0-9a-f]{64}$/.test(sha256)) fail(path, `internal: not a SHA-256 hex digest: ${show(sha256)}`);
  return `${base}-${sha256.slice(0, NAME_HASH_LENGTH)}`;
}

/** Everything needed to create the policy object; the component only hands it to the kubernetes provider. */
export interface PolicyObjectSpec {
  kind: SourceKind;
  name: string;
  namespace: string;
  key: typeof POLICY_KEY;
  /** The policy text (the object's only data). */
  text: string;
  sha256: string;
  sha256Base64: string;
  /** Sorted, deduplicated. */
  authorizedClusters: string[];
  annotations: Record<string, string>;
  labels: Record<string, string>;
}

/** The policy object (Secret or ConfigMap) for a policy: content-addressed name, data, annotations, labels. Errors name `paths`. */
export function policyObjectSpec(input: {
  kind: SourceKind;
  baseName: string;
  namespace: string;
  text: string;
  sha256: string;
  sha256Base64: string;
  authorizedClusters: readonly string[];
  paths?: { baseName?: string; namespace?: string; authorizedClusters?: string };
}): PolicyObjectSpec {
  const namespace = checkNamespace(input.namespace, input.paths?.namespace ?? "fleetNamespace");
  const authorized = authorizedClustersValue(input.authorizedClusters, input.paths?.authorizedClusters ?? "authorizedClusters");
  return {
    kind: input.kind,
    name: policyObjectName(input.baseName, input.sha256, input.paths?.baseName ?? "baseName"),
    namespace,
    key: POLICY_KEY,
    text: input.text,
    sha256: input.sha256,
    sha256Base64: input.sha256Base64,
    authorizedClusters: authorized.split(","),
    annotations: { [AUTHORIZED_ANNOTATION]: authorized, [SHA256_ANNOTATION]: input.sha256 },
    labels: { "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "rancher-audit" },
  };
}
