/**
 * AuditPolicySource: one audit policy object on the Rancher management cluster, authorized for
 * several clusters, for fleets that share a policy. Pass it as `audit.policySource` to each
 * AuditedCluster in the group.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { fail, inComponent, show } from "../core/errors";
import { findingWarning, resolvePolicy, type PolicySpec } from "../core/policy";
import { checkNamespace, policyObjectSpec, type PolicyObjectSpec } from "./policy-object";
import { DEFAULT_FLEET_NAMESPACE, type PolicySourceRef } from "./plan";
import { SOURCE_KINDS, type SourceKind } from "../core/settings";
import type { Finding } from "../audit-policy";

/** Arguments of AuditPolicySource: the policy, the clusters allowed to read it, and where it lives. */
export interface AuditPolicySourceArgs extends PolicySpec {
  /**
   * Provisioning cluster names (`metadata.name`) allowed to read the policy. Written sorted,
   * deduplicated and comma-joined without spaces into `rke.cattle.io/object-authorized-for-clusters`.
   * Example: `["prod-eu-1", "prod-us-1"]`.
   */
  authorizedClusters: string[];
  /** Namespace of the clusters on the management cluster (Rancher reads only from there). Default `"fleet-default"`. */
  fleetNamespace?: string;
  /** `"secret"` (default) or `"configmap"` (readable in previews; the policy holds no secrets). */
  source?: SourceKind;
  /**
   * Kubernetes version to validate the policy for: the oldest version among the authorized
   * clusters (e.g. `"v1.31.5+rke2r1"`). Default: no version-specific checks.
   */
  kubernetesVersion?: string;
  /** Deploy even when the safety analysis reports an `error` finding. Default `false`. */
  allowUnsafePolicy?: boolean;
  /**
   * Base of the object name; the name is `<baseName>-<first 10 hex of the content's SHA-256>`.
   * Default: the component name. Example: `"prod-audit-policy"`.
   */
  baseName?: string;
}

/** The pure plan of an AuditPolicySource: the object it creates and the policy's findings. */
export interface PlannedPolicySource {
  spec: PolicyObjectSpec;
  findings: Finding[];
}

/** The pure part of AuditPolicySource: validates the args and computes the object. */
export function planPolicySource(name: string, args: AuditPolicySourceArgs): PlannedPolicySource {
  if (args === null || typeof args !== "object") fail("", `the arguments must be an object; got ${show(args)}`);
  const source = args.source ?? "secret";
  if (!SOURCE_KINDS.includes(source)) fail("source", `must be "secret" or "configmap"; got ${show(source)}`);
  const namespace = checkNamespace(args.fleetNamespace ?? DEFAULT_FLEET_NAMESPACE, "fleetNamespace");
  if (args.allowUnsafePolicy !== undefined && typeof args.allowUnsafePolicy !== "boolean") {
    fail("allowUnsafePolicy", `must be true or false; got ${show(args.allowUnsafePolicy)}`);
  }
  const { preset, policy, prependRules, appendRules, omitStages, omitManagedFields } = args;
  const resolved = resolvePolicy(
    { preset, policy, prependRules, appendRules, omitStages, omitManagedFields },
    { kubernetesVersion: args.kubernetesVersion, allowUnsafePolicy: args.allowUnsafePolicy, path: "" },
  );
  const spec = policyObjectSpec({
    kind: source,
    baseName: args.baseName ?? name,
    namespace,
    text: resolved.yaml,
    sha256: resolved.sha256,
    sha256Base64: resolved.sha256Base64,
    authorizedClusters: args.authorizedClusters,
    paths: { baseName: "baseName", namespace: "fleetNamespace", authorizedClusters: "authorizedClusters" },
  });
  return { spec, findings: resolved.findings };
}

/** Creates the Secret or ConfigMap for a planned object (content-addressed name, immutable). */
export function createPolicyObject(
  resourceName: string,
  spec: PolicyObjectSpec,
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Secret | k8s.core.v1.ConfigMap {
  const metadata = { name: spec.name, namespace: spec.namespace, annotations: spec.annotations, labels: spec.labels };
  // The name carries the content's hash, so new content is a new object: Pulumi creates it, then
  // updates the cluster to point at it, then deletes the old one (its default create-before-delete
  // replacement). Never deleteBeforeReplace: the cluster would point at a missing object.
  if (spec.kind === "secret") {
    return new k8s.core.v1.Secret(resourceName, { metadata, type: "Opaque", immutable: true, stringData: { [spec.key]: spec.text } }, opts);
  }
  return new k8s.core.v1.ConfigMap(resourceName, { metadata, immutable: true, data: { [spec.key]: spec.text } }, opts);
}

/**
 * Members for TypeScript only (ref, object, findings): kept in a WeakMap behind getters, because
 * Pulumi's component analyzer reads every property of the class as an output.
 */
const tsOnly = new WeakMap<AuditPolicySource, { ref: PolicySourceRef; object: k8s.core.v1.Secret | k8s.core.v1.ConfigMap; findings: Finding[] }>();

/** The sources by their `ref`, so that a cluster given `policySource: source.ref` depends on the source. */
const sourcesByRef = new WeakMap<object, AuditPolicySource>();

/** The AuditPolicySource behind an `audit.policySource` value (the source itself, or its `ref`), if any. */
export function policySourceOf(value: unknown): AuditPolicySource | undefined {
  if (value instanceof AuditPolicySource) return value;
  return value !== null && typeof value === "object" ? sourcesByRef.get(value) : undefined;
}

/**
 * One audit policy object (Secret or ConfigMap) on the management cluster, shared by several
 * AuditedClusters through `audit.policySource`: one object, one hash, one review for a fleet.
 */
export class AuditPolicySource extends pulumi.ComponentResource {
  static readonly __pulumiType = "rancher-audit:index:AuditPolicySource";

  /** Plain values for wiring (known at construction): what AuditedCluster's `audit.policySource` takes. TypeScript only. */
  get ref(): PolicySourceRef {
    return tsOnly.get(this)!.ref;
  }
  /** The Secret or ConfigMap. TypeScript only. */
  get object(): k8s.core.v1.Secret | k8s.core.v1.ConfigMap {
    return tsOnly.get(this)!.object;
  }
  /** The object's name (`<baseName>-<hash>`). */
  readonly objectName: pulumi.Output<string>;
  /** The object's namespace (the clusters' `fleetNamespace`). */
  readonly namespace: pulumi.Output<string>;
  /** The clusters allowed to read it, sorted and deduplicated. */
  readonly authorizedClusters: pulumi.Output<string[]>;
  /** SHA-256 of the policy text, hex. */
  readonly policySha256: pulumi.Output<string>;
  /** The policy text, plain (readable in diffs even when the object is a Secret). */
  readonly policyYaml: pulumi.Output<string>;
  /** Safety analysis findings (warnings, and errors when allowUnsafePolicy). TypeScript only. */
  get findings(): Finding[] {
    return tsOnly.get(this)!.findings;
  }

  constructor(name: string, args: AuditPolicySourceArgs, opts?: pulumi.ComponentResourceOptions) {
    // Everything is validated before anything is registered.
    const planned = inComponent("AuditPolicySource", name, () => planPolicySource(name, args));
    super(AuditPolicySource.__pulumiType, name, {}, opts);
    const spec = planned.spec;
    for (const f of planned.findings) pulumi.log.warn(findingWarning(f), this);
    const ref: PolicySourceRef = {
      kind: spec.kind,
      name: spec.name,
      namespace: spec.namespace,
      text: spec.text,
      sha256: spec.sha256,
      sha256Base64: spec.sha256Base64,
      authorizedClusters: spec.authorizedClusters,
    };
    sourcesByRef.set(ref, this);
    const object = createPolicyObject(`${name}-policy`, spec, { parent: this });
    tsOnly.set(this, { ref, object, findings: planned.findings });
    this.objectName = pulumi.output(spec.name);
    this.namespace = pulumi.output(spec.namespace);
    this.authorizedClusters = pulumi.output(spec.authorizedClusters);
    this.policySha256 = pulumi.output(spec.sha256);
    this.policyYaml = pulumi.output(spec.text);
    this.registerOutputs({
      objectName: this.objectName,
      namespace: this.namespace,
      authorizedClusters: this.authorizedClusters,
      policySha256: this.policySha256,
      policyYaml: this.policyYaml,
    });
  }
}
