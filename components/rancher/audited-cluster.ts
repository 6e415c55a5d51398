/**
 * AuditedCluster: a Rancher-provisioned RKE2/K3s cluster (rancher2.ClusterV2) with kube-apiserver
 * audit logging wired correctly and safely. The component only wires: every value handed to a
 * provider comes from the pure builders in this folder (planAudit, composeRkeConfig).
 */
import * as rancher2 from "@pulumi/rancher2";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { fail, show } from "../core/errors";
import { inComponent } from "../core/errors";
import { createPolicyObject, policySourceOf, type AuditPolicySource } from "./policy-source";
import type { PolicySpec } from "../core/policy";
import { planAudit, type AuditPlan, type PolicySourceRef, type RestartScope } from "./plan";
import { auditFileEntry, composeRkeConfig, psactHashPath, type ComposedRkeConfig, type RkeFragment } from "./rke-config";
import type { AuditSettingsInput } from "../core/settings";

/**
 * The rancher2.ClusterV2 arguments the component passes through: every ClusterV2Args field (same
 * types, @pulumi/rancher2 13) except those it fixes (`name`, `fleetNamespace`, `kubernetesVersion`:
 * top-level arguments). An explicit interface, not `Omit<rancher2.ClusterV2Args, ...>`, so that
 * Pulumi can infer a schema for other languages; test/component/cluster-args.test.ts checks that it
 * stays equal to that Omit.
 */
export interface AuditedClusterV2Args {
  /** Extra environment variables for the `cattle-cluster-agent` and `fleet-agent` deployments and the system-upgrade-controller plan. */
  agentEnvVars?: pulumi.Input<pulumi.Input<rancher2.types.input.ClusterV2AgentEnvVar>[] | undefined>;
  /** Annotations of the ClusterV2 object. */
  annotations?: pulumi.Input<{ [key: string]: pulumi.Input<string> } | undefined>;
  /** Cloud credential Secret used when a machine pool names none. */
  cloudCredentialSecretName?: pulumi.Input<string | undefined>;
  /** Tolerations, affinity and resources of the `cattle-cluster-agent` deployment (Rancher 2.7.5+). */
  clusterAgentDeploymentCustomizations?: pulumi.Input<pulumi.Input<rancher2.types.input.ClusterV2ClusterAgentDeploymentCustomization>[] | undefined>;
  /** Default cluster role for project members. */
  defaultClusterRoleForProjectMembers?: pulumi.Input<string | undefined>;
  /**
   * Name of the Pod Security Admission configuration template applied to the cluster (Rancher
   * 2.7.2+). Must be a plain string: the component adds its file entry next to the audit policy's.
   */
  defaultPodSecurityAdmissionConfigurationTemplateName?: pulumi.Input<string | undefined>;
  /** Enable Kubernetes network policy on the cluster. */
  enableNetworkPolicy?: pulumi.Input<boolean | undefined>;
  /** Tolerations, affinity and resources of the `fleet-agent` deployment (Rancher 2.7.5+). */
  fleetAgentDeploymentCustomizations?: pulumi.Input<pulumi.Input<rancher2.types.input.ClusterV2FleetAgentDeploymentCustomization>[] | undefined>;
  /** Labels of the ClusterV2 object. */
  labels?: pulumi.Input<{ [key: string]: pulumi.Input<string> } | undefined>;
  /** The Authorized Cluster Endpoint (direct access to kube-apiserver without Rancher). */
  localAuthEndpoint?: pulumi.Input<rancher2.types.input.ClusterV2LocalAuthEndpoint | undefined>;
  /**
   * The RKE configuration: machine pools, registries, other settings, your own
   * machineGlobalConfig keys, machineSelectorConfigs and machineSelectorFiles (composed with the
   * component's, never overwritten: your entries first, in your order).
   */
  rkeConfig?: pulumi.Input<rancher2.types.input.ClusterV2RkeConfig | undefined>;
}

/**
 * A policy object shared by several clusters: what AuditedCluster reads from an AuditPolicySource
 * (its `ref`). Plain values, known when the program runs.
 */
export type PolicySourceRefArgs = PolicySourceRef;

/** The `audit` argument: settings (see AuditSettingsInput) and the policy (see PolicySpec), or a shared source. */
export interface AuditArgs extends AuditSettingsInput, PolicySpec {
  /**
   * A policy object shared with other clusters: the `ref` of an AuditPolicySource authorized for
   * this cluster (`policySource: shared.ref`; the cluster then depends on that source). Replaces
   * preset/policy/policyYaml/prependRules/appendRules/omitStages/omitManagedFields; selector-files
   * delivery only. Default: the component creates its own object.
   */
  policySource?: PolicySourceRefArgs;
}

/** Arguments of AuditedCluster: the provisioning cluster (name, version, your own ClusterV2 arguments) and its audit settings and policy. */
export interface AuditedClusterArgs {
  /**
   * The provisioning cluster's `metadata.name` (also what the policy object authorizes). Fixed
   * for the life of the cluster: changing it replaces the cluster. Example: `"prod-eu-1"`.
   */
  clusterName: string;
  /**
   * Rancher Kubernetes version; the distribution follows from it. Examples: `"v1.31.5+rke2r1"`
   * (RKE2), `"v1.31.5+k3s1"` (K3s).
   */
  kubernetesVersion: string;
  /** Namespace of the cluster on the management cluster (ForceNew: keep it fixed). Default `"fleet-default"`. */
  fleetNamespace?: string;
  /**
   * The rest of the ClusterV2: machine pools, registries, other rkeConfig, your own
   * machineGlobalConfig keys, machineSelectorConfigs and machineSelectorFiles. Composed with what
   * the component adds, never overwritten (your entries first, in your order). Values may be
   * Inputs/Outputs; `defaultPodSecurityAdmissionConfigurationTemplateName` must be a plain string.
   * Default: `{}`.
   */
  cluster?: AuditedClusterV2Args;
  /** Audit logging: policy, delivery, paths, retention. Default: enabled, preset "recommended", selector-files, Secret, CIS retention. */
  audit?: AuditArgs;
}

const TYPE = "rancher-audit:index:AuditedCluster";

/** Deep check for values known now (no Output, no Promise): those are composed synchronously. */
export function isPlain(value: unknown): boolean {
  if (pulumi.Output.isInstance(value)) return false;
  if (value !== null && typeof value === "object" && typeof (value as { then?: unknown }).then === "function") return false;
  if (Array.isArray(value)) return value.every(isPlain);
  if (value !== null && typeof value === "object") return Object.values(value).every(isPlain);
  return true;
}

interface Prepared {
  plan: AuditPlan;
  sharedSource?: AuditPolicySource;
  clusterRest: Omit<AuditedClusterV2Args, "rkeConfig">;
  /** The composed rkeConfig input and what is known about it now. */
  rkeConfig: pulumi.Input<rancher2.types.input.ClusterV2RkeConfig> | undefined;
  composed: pulumi.Output<ComposedRkeConfig> | ComposedRkeConfig;
  ignoreChanges: string[];
}

const RKE_KEYS = ["machineGlobalConfig", "machineSelectorConfigs", "machineSelectorFiles"] as const;

function prepare(name: string, args: AuditedClusterArgs): Prepared {
  if (args === null || typeof args !== "object") fail("", `the arguments must be an object; got ${show(args)}`);
  const cluster = (args.cluster ?? {}) as AuditedClusterV2Args & Record<string, unknown>;
  if (cluster === null || typeof cluster !== "object" || Array.isArray(cluster)) fail("cluster", `must be an object of rancher2.ClusterV2Args; got ${show(cluster)}`);
  for (const fixed of ["name", "fleetNamespace", "kubernetesVersion"]) {
    if (cluster[fixed] !== undefined) fail(`cluster.${fixed}`, `is set by the component; use the top-level "${fixed === "name" ? "clusterName" : fixed}" argument instead`);
  }
  const audit = args.audit ?? {};
  if (audit === null || typeof audit !== "object" || Array.isArray(audit)) {
    fail("audit", `must be an object of audit settings (e.g. { preset: "recommended" }, or { enabled: false } to turn audit off); got ${show(audit)}`);
  }
  // An AuditPolicySource given itself (TypeScript before 0.2.0; types no longer allow it) or by
  // its `ref`: either way the cluster depends on the source's object.
  const sharedSource = policySourceOf(audit.policySource);
  let auditPlain: Record<string, unknown> = { ...audit };
  if (sharedSource !== undefined) auditPlain = { ...audit, policySource: sharedSource.ref };
  const plan = planAudit({
    clusterName: args.clusterName,
    kubernetesVersion: args.kubernetesVersion,
    fleetNamespace: args.fleetNamespace,
    audit: auditPlain,
    podSecurityAdmissionConfigurationTemplateName: cluster.defaultPodSecurityAdmissionConfigurationTemplateName as string | undefined,
  });

  const { rkeConfig: userRke, ...clusterRest } = cluster;
  const rkeIsObject =
    userRke === undefined ||
    (userRke !== null &&
      typeof userRke === "object" &&
      !Array.isArray(userRke) &&
      !pulumi.Output.isInstance(userRke) &&
      typeof (userRke as { then?: unknown }).then !== "function");
  if (!rkeIsObject) {
    // The whole rkeConfig is an Output: compose once it is known.
    if (plan.psact) {
      fail("cluster.rkeConfig", "must be a plain object (it may contain Outputs) when a Pod Security Admission template is set: the component must know the number of machineSelectorFiles entries when it is constructed");
    }
    const composed = pulumi.output(userRke as pulumi.Input<rancher2.types.input.ClusterV2RkeConfig>).apply((rke) =>
      inComponent("AuditedCluster", name, () => composeRkeConfig(plan, pickFragment(rke as unknown as Record<string, unknown>))),
    );
    const rkeConfig = pulumi
      .all([pulumi.output(userRke as pulumi.Input<rancher2.types.input.ClusterV2RkeConfig>), composed])
      .apply(([rke, c]) => withComposed(rke as unknown as Record<string, unknown>, c));
    return { plan, sharedSource, clusterRest, rkeConfig, composed, ignoreChanges: [] };
  }

  const rke = (userRke ?? {}) as Record<string, unknown>;
  const fragment: Record<string, unknown> = {};
  for (const k of RKE_KEYS) if (rke[k] !== undefined) fragment[k] = rke[k];
  if (isPlain(fragment)) {
    const composed = composeRkeConfig(plan, fragment as RkeFragment);
    const rkeConfig = withComposed(rke, composed);
    return { plan, sharedSource, clusterRest, rkeConfig, composed, ignoreChanges: composed.ignoreChanges };
  }

  // Some of the three fields hold Outputs: compose when they are known. The PSACT entry's index
  // must be known now for ignoreChanges, so the machineSelectorFiles list itself must be plain.
  let ignoreChanges: string[] = [];
  if (plan.psact) {
    const files = rke.machineSelectorFiles;
    if (files !== undefined && !Array.isArray(files)) {
      fail("cluster.rkeConfig.machineSelectorFiles", "must be a plain list (its items may contain Outputs) when a Pod Security Admission template is set: the component must know the number of entries when it is constructed");
    }
    const index = ((files as unknown[] | undefined)?.length ?? 0) + (auditFileEntry(plan) ? 1 : 0);
    if (plan.settings.ignorePsactHash) ignoreChanges = [psactHashPath(index)];
  }
  const composed = pulumi.output(fragment).apply((f) =>
    inComponent("AuditedCluster", name, () => {
      const c = composeRkeConfig(plan, pickFragment(f as Record<string, unknown>));
      if (c.ignoreChanges.join() !== ignoreChanges.join()) throw new Error(`internal: PSACT entry index moved (${c.ignoreChanges} vs ${ignoreChanges})`);
      return c;
    }),
  );
  const rkeConfig: Record<string, unknown> = { ...rke };
  for (const k of RKE_KEYS) rkeConfig[k] = composed.apply((c) => c[k]);
  return { plan, sharedSource, clusterRest, rkeConfig: rkeConfig as rancher2.types.input.ClusterV2RkeConfig, composed, ignoreChanges };
}

function pickFragment(rke: Record<string, unknown> | undefined): RkeFragment {
  const out: Record<string, unknown> = {};
  for (const k of RKE_KEYS) if (rke?.[k] !== undefined) out[k] = rke[k];
  return out as RkeFragment;
}

function withComposed(rke: Record<string, unknown> | undefined, c: ComposedRkeConfig): rancher2.types.input.ClusterV2RkeConfig {
  const out: Record<string, unknown> = { ...(rke ?? {}) };
  for (const k of RKE_KEYS) {
    if (c[k] === undefined) delete out[k];
    else out[k] = c[k];
  }
  return out as rancher2.types.input.ClusterV2RkeConfig;
}


/**
 * Members for TypeScript only (the plan, the policy object): kept in a WeakMap behind getters,
 * because Pulumi's component analyzer reads every property of the class as an output, and these
 * have no cross-language type.
 */
const tsOnly = new WeakMap<AuditedCluster, { plan: AuditPlan; policyObject?: k8s.core.v1.Secret | k8s.core.v1.ConfigMap }>();

/**
 * A Rancher-provisioned RKE2/K3s cluster (rancher2 ClusterV2) with kube-apiserver audit logging:
 * the policy object (unless shared or inline), the control-plane flags and file entries composed
 * with your own rkeConfig, and outputs for review (flags, policy, hash, restart scope).
 *
 * @example new AuditedCluster("prod-eu-1", { clusterName: "prod-eu-1", kubernetesVersion: "v1.31.5+rke2r1", audit: { preset: "cis" } })
 */
export class AuditedCluster extends pulumi.ComponentResource {
  static readonly __pulumiType = TYPE;

  /** The ClusterV2 (named `${name}-cluster`, Rancher name `clusterName`). */
  readonly cluster: rancher2.ClusterV2;
  /** The policy object the component created (selector-files delivery without a shared source). TypeScript only. */
  get policyObject(): k8s.core.v1.Secret | k8s.core.v1.ConfigMap | undefined {
    return tsOnly.get(this)?.policyObject;
  }
  /** The pure plan: settings, policy, object, restart scope (plain, known at construction). TypeScript only. */
  get plan(): AuditPlan {
    return tsOnly.get(this)!.plan;
  }

  /** The provisioning cluster's name. */
  readonly clusterName: pulumi.Output<string>;
  /** The management cluster ID (`c-m-xxxxx`). */
  readonly clusterV1Id: pulumi.Output<string>;
  /** Name of the policy object the cluster reads (undefined with inline delivery or audit disabled). */
  readonly policySourceName: pulumi.Output<string | undefined>;
  /** SHA-256 (hex) of the delivered policy text. */
  readonly policySha256: pulumi.Output<string | undefined>;
  /** The delivered policy, plain text: `pulumi preview --diff` shows a policy change readably even when the object is a Secret. */
  readonly policyYaml: pulumi.Output<string | undefined>;
  /** kube-apiserver-arg on control-plane machines. */
  readonly apiServerArgs: pulumi.Output<string[]>;
  /** Which machines a change of this component's audit configuration restarts. */
  readonly restartScope: pulumi.Output<RestartScope>;

  constructor(name: string, args: AuditedClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    // Everything that can be checked now is checked before anything is registered.
    const prepared = inComponent("AuditedCluster", name, () => prepare(name, args));
    super(TYPE, name, {}, opts);
    const { plan } = prepared;
    tsOnly.set(this, { plan });
    for (const w of plan.warnings) pulumi.log.warn(w, this);

    const dependsOn: pulumi.Resource[] = [];
    if (plan.policyObject) {
      const policyObject = createPolicyObject(`${name}-policy`, plan.policyObject, { parent: this });
      tsOnly.set(this, { plan, policyObject });
      dependsOn.push(policyObject);
    }
    if (prepared.sharedSource) dependsOn.push(prepared.sharedSource);

    this.cluster = new rancher2.ClusterV2(
      `${name}-cluster`,
      {
        ...prepared.clusterRest,
        // Fixed: name and fleetNamespace are ForceNew, so no audit change can replace the cluster.
        name: plan.clusterName,
        fleetNamespace: plan.fleetNamespace,
        kubernetesVersion: args.kubernetesVersion,
        rkeConfig: prepared.rkeConfig,
      },
      {
        parent: this,
        // The cluster must only point at a policy object that exists with the expected content:
        // the object is created (or its replacement, under a new name) before the cluster changes,
        // and a replaced object is deleted only after the cluster no longer points at it.
        dependsOn,
        // Rancher's webhook owns the `hash` of its Pod Security Admission file entry (it hashes an
        // admission configuration generated from the template). The component writes that entry
        // exactly as the webhook does, last in the list where the webhook always puts it, and
        // ignores only its hash. See docs/component.md "Pod Security Admission templates".
        ignoreChanges: prepared.ignoreChanges,
      },
    );

    const composed = pulumi.output(prepared.composed);
    this.clusterName = this.cluster.name;
    this.clusterV1Id = this.cluster.clusterV1Id;
    this.policySourceName = pulumi.output(plan.policyRef?.name);
    this.policySha256 = pulumi.output(plan.policy?.sha256);
    this.policyYaml = pulumi.output(plan.policy?.yaml);
    this.apiServerArgs = composed.apply((c) => c.apiServerArgs);
    this.restartScope = pulumi.output(plan.restartScope);
    this.registerOutputs({
      clusterName: this.clusterName,
      clusterV1Id: this.clusterV1Id,
      policySourceName: this.policySourceName,
      policySha256: this.policySha256,
      policyYaml: this.policyYaml,
      apiServerArgs: this.apiServerArgs,
      restartScope: this.restartScope,
    });
  }
}
