/**
 * AuditLogShipping: ships a cluster's kube-apiserver audit log to Loki, Elasticsearch or OpenSearch.
 * Only wires: every object comes from the pure builders (plan.ts, fluent-bit.ts,
 * rancher-logging.ts). It never touches the ClusterV2, so turning shipping on, off or changing a
 * sink restarts no control-plane node.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as rancher2 from "@pulumi/rancher2";
import { fail, inComponent } from "../core/errors";
import { planShipping, type ShippingPlan, type ShippingPlanInput } from "./plan";
import { fluentBitManifests, sinkSecrets, type SecretSpec } from "./fluent-bit";
import {
  RANCHER_CHARTS_REPO,
  RANCHER_LOGGING_CHART,
  RANCHER_LOGGING_NAMESPACE,
  rancherLoggingRoutes,
  rancherLoggingValuesYaml,
} from "./rancher-logging";
import { Collector, SinkKind, type AuditedClusterRef, type AuditLogShippingArgs, type SinkArgs } from "./types";

const TYPE = "rancher-audit:index:AuditLogShipping";

/** The plan input for the component's arguments (plain values only; credentials by presence). */
export function shippingPlanInput(args: AuditLogShippingArgs): ShippingPlanInput {
  if (args === null || typeof args !== "object") fail("", "the arguments must be an object { cluster | source, sinks, collector? }");
  if (args.cluster !== undefined && args.source !== undefined) fail("source", "cannot be combined with cluster; set cluster (an AuditedCluster of this stack) or source (a cluster you do not own), not both");
  if (args.cluster === undefined && args.source === undefined) fail("cluster", "is required (or source): the cluster whose audit log is shipped");
  let source: ShippingPlanInput["source"];
  let sourcePath = "source";
  if (args.cluster !== undefined) {
    if (!isAuditedClusterRef(args.cluster)) fail("cluster", "must be an AuditedCluster; for other clusters use source: { clusterName, distro, logPath? }");
    const p = args.cluster.plan;
    if (!p.settings.enabled) fail("cluster", `audit logging is off on "${p.clusterName}" (audit.enabled: false): there is no log to ship; enable it or remove the shipping`);
    source = { clusterName: p.clusterName, distro: p.distro, logPath: p.settings.logPath, format: p.settings.format };
    sourcePath = "cluster";
  } else {
    source = args.source as unknown as ShippingPlanInput["source"];
  }
  return { source, sourcePath, collector: args.collector, sinks: args.sinks, rancherLogging: args.rancherLogging, fluentBit: args.fluentBit };
}

/** Whether `value` has the shape of an AuditedCluster (shipping does not import the Rancher target). */
function isAuditedClusterRef(value: unknown): value is AuditedClusterRef {
  if (!pulumi.ComponentResource.isInstance(value)) return false;
  const plan = (value as { plan?: { clusterName?: unknown; settings?: unknown } }).plan;
  return typeof plan === "object" && plan !== null && typeof plan.clusterName === "string" && typeof plan.settings === "object";
}

function hasKubernetesProvider(opts: pulumi.ComponentResourceOptions | undefined): boolean {
  const providers = opts?.providers;
  if (!providers) return false;
  return (Array.isArray(providers) ? providers : Object.values(providers)).some((p) => p instanceof k8s.Provider);
}

/**
 * Members for TypeScript only (the plan, the provider the component built): kept in a WeakMap
 * behind getters, because Pulumi's component analyzer reads every property of the class as an output.
 */
const tsOnly = new WeakMap<AuditLogShipping, { plan: ShippingPlan; kubernetesProvider?: k8s.Provider }>();

export class AuditLogShipping extends pulumi.ComponentResource {
  static readonly __pulumiType = TYPE;

  /** The validated plan: collector, the file read, nodes, sinks (no credentials). */
  get plan(): ShippingPlan {
    return tsOnly.get(this)!.plan;
  }
  /** The provider built from `rancher2.ClusterSync` (when the component reaches the cluster itself). */
  get kubernetesProvider(): k8s.Provider | undefined {
    return tsOnly.get(this)?.kubernetesProvider;
  }
  /** The Rancher app (rancher-logging collector). */
  readonly app?: rancher2.AppV2;
  /** The DaemonSet (Fluent Bit collector). */
  readonly daemonSet?: k8s.apps.v1.DaemonSet;
  /** The collector that runs. */
  readonly collector: pulumi.Output<string>;
  /** The exact file the collector reads on every control-plane node. */
  readonly logPath: pulumi.Output<string>;
  /** Sink names, in order. */
  readonly sinkNames: pulumi.Output<string[]>;

  constructor(name: string, args: AuditLogShippingArgs, opts?: pulumi.ComponentResourceOptions) {
    // Everything is validated before anything is registered.
    const plan = inComponent("AuditLogShipping", name, () => {
      const p = planShipping(shippingPlanInput(args));
      if ((args as { kubernetesProvider?: unknown }).kubernetesProvider !== undefined) {
        fail("kubernetesProvider", "was removed in rancher-audit 0.2.0: pass the provider in the resource options instead, { providers: [provider] } (docs/component.md \"Migrating\")");
      }
      const ownProvider = hasKubernetesProvider(opts);
      const v1Id = args.cluster?.clusterV1Id ?? args.source?.clusterV1Id;
      if (v1Id === undefined && (!ownProvider || p.collector === Collector.RancherLogging)) {
        fail(
          "source.clusterV1Id",
          p.collector === Collector.RancherLogging
            ? "is required with the rancher-logging collector (the Rancher app is installed by cluster id, e.g. \"c-m-abcd1234\")"
            : "is required to reach the cluster through Rancher (rancher2.ClusterSync); set it, or pass a kubernetes provider in the resource options ({ providers: [provider] })",
        );
      }
      return p;
    });
    super(TYPE, name, {}, opts);
    tsOnly.set(this, { plan });

    const v1Id = args.cluster?.clusterV1Id ?? args.source?.clusterV1Id;
    let provider: k8s.Provider | undefined;
    let clusterReady: pulumi.Resource[] = [];
    if (!provider && !hasKubernetesProvider(opts)) {
      // ClusterV2 returns before a custom cluster is active: wait for it, and use its kubeconfig.
      const sync = new rancher2.ClusterSync(`${name}-sync`, { clusterId: v1Id as pulumi.Input<string>, stateConfirm: 2 }, { parent: this });
      provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: sync.kubeConfig }, { parent: this });
      tsOnly.set(this, { plan, kubernetesProvider: provider });
      clusterReady = [sync];
    }
    const k8sOpts = (extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions => ({ parent: this, ...(provider ? { provider } : {}), ...extra });
    const sinksByName = new Map<string, SinkArgs>(args.sinks.map((s) => [s.name, s]));

    const secretResource = (spec: SecretSpec, dependsOn: pulumi.Resource[]) => {
      const sink = sinksByName.get(spec.sink) as SinkArgs;
      const data: Record<string, pulumi.Input<string>> = {};
      for (const key of spec.keys) {
        if (key === "username") data[key] = pulumi.secret(sink.username as pulumi.Input<string>);
        else if (key === "password") data[key] = pulumi.secret(sink.password as pulumi.Input<string>);
        else data[key] = sink.tls?.caCert as string;
      }
      return new k8s.core.v1.Secret(
        `${name}-secret-${spec.sink}`,
        { metadata: { name: spec.name, namespace: spec.namespace, labels: { "app.kubernetes.io/part-of": "rancher-audit" } }, type: "Opaque", stringData: data },
        k8sOpts({ dependsOn }),
      );
    };

    if (plan.collector === Collector.FluentBit) {
      const m = fluentBitManifests(plan);
      const ns = new k8s.core.v1.Namespace(`${name}-namespace`, m.namespace as k8s.core.v1.NamespaceArgs, k8sOpts({ dependsOn: clusterReady }));
      const sa = new k8s.core.v1.ServiceAccount(`${name}-serviceaccount`, m.serviceAccount as k8s.core.v1.ServiceAccountArgs, k8sOpts({ dependsOn: [ns] }));
      const cm = new k8s.core.v1.ConfigMap(`${name}-config`, m.configMap as k8s.core.v1.ConfigMapArgs, k8sOpts({ dependsOn: [ns] }));
      const secrets = sinkSecrets(plan, plan.fluentBit!.namespace).map((s) => secretResource(s, [ns]));
      this.daemonSet = new k8s.apps.v1.DaemonSet(`${name}-daemonset`, m.daemonSet as unknown as k8s.apps.v1.DaemonSetArgs, k8sOpts({ dependsOn: [sa, cm, ...secrets] }));
    } else {
      const rl = plan.rancherLogging!;
      // The provider adds rancher-logging-crd (same version) first, from the chart's
      // catalog.cattle.io/auto-install annotation. Values hold no credentials.
      this.app = new rancher2.AppV2(
        `${name}-rancher-logging`,
        {
          clusterId: v1Id as pulumi.Input<string>,
          name: RANCHER_LOGGING_CHART,
          namespace: RANCHER_LOGGING_NAMESPACE,
          repoName: RANCHER_CHARTS_REPO,
          chartName: RANCHER_LOGGING_CHART,
          chartVersion: rl.chartVersion,
          values: rancherLoggingValuesYaml(plan),
          cleanupOnFail: true,
          wait: true,
        },
        { parent: this, dependsOn: clusterReady },
      );
      const secrets = sinkSecrets(plan, RANCHER_LOGGING_NAMESPACE).map((s) => secretResource(s, [this.app as rancher2.AppV2]));
      const users: Record<string, pulumi.Input<string>> = {};
      for (const s of plan.sinks) if (s.kind !== SinkKind.Loki && s.hasUsername) users[s.name] = sinksByName.get(s.name)!.username as pulumi.Input<string>;
      const routes = pulumi.output(users).apply((u) => rancherLoggingRoutes(plan, u));
      const known = rancherLoggingRoutes(plan, {});
      const outputs = plan.sinks.map((sink, i) => {
        const { apiVersion, kind, metadata } = known.outputs[i] as { apiVersion: string; kind: string; metadata: k8s.types.input.meta.v1.ObjectMeta };
        return new k8s.apiextensions.CustomResource(
          `${name}-output-${sink.name}`,
          // Only the spec waits for an Elasticsearch/OpenSearch user name that is an Output.
          { apiVersion, kind, metadata, spec: users[sink.name] === undefined ? known.outputs[i].spec : routes.apply((r) => r.outputs[i].spec) },
          k8sOpts({ dependsOn: [this.app as rancher2.AppV2, ...secrets] }),
        );
      });
      new k8s.apiextensions.CustomResource(`${name}-flow`, known.flow as k8s.apiextensions.CustomResourceArgs, k8sOpts({ dependsOn: [this.app, ...outputs] }));
    }

    this.collector = pulumi.output(plan.collector as string);
    this.logPath = pulumi.output(plan.source.logPath);
    this.sinkNames = pulumi.output(plan.sinks.map((s) => s.name));
    this.registerOutputs({ collector: this.collector, logPath: this.logPath, sinkNames: this.sinkNames });
  }
}
