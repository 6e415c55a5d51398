/**
 * What shipping will do, for people and for `plan`: the resources the component registers (in
 * order, with their Kubernetes kind, namespace and name), the file the collector reads and where,
 * and each sink (never a credential). Pure; the same plan the component uses.
 */
import { fluentBitManifests, sinkSecrets } from "./fluent-bit";
import type { ShippingPlan } from "./plan";
import { clusterOutputName, CLUSTER_FLOW_NAME, RANCHER_LOGGING_CHART, RANCHER_LOGGING_NAMESPACE } from "./rancher-logging";
import { Collector, SinkKind } from "./types";

export interface ShippingResource {
  /** Pulumi type token. */
  type: string;
  /** Pulumi name suffix: the resource is `<component name>-<role>`. */
  role: string;
  /** Kubernetes object, or the Rancher app, it manages. */
  kind: string;
  namespace?: string;
  name: string;
}

export interface ShippingSummary {
  collector: Collector;
  clusterName: string;
  distro: string;
  /** The exact file read on each control-plane node. */
  reads: string;
  /** Which nodes run the collector. */
  nodeSelector: Record<string, string>;
  tolerations: string[];
  sinks: { name: string; kind: SinkKind; url: string; target: string; auth: boolean; tls: string }[];
  resources: ShippingResource[];
}

/**
 * The summary of a plan. `reachesThroughRancher`: the component creates ClusterSync and its own
 * provider (no provider was passed).
 */
export function describeShipping(plan: ShippingPlan, reachesThroughRancher = true): ShippingSummary {
  const resources: ShippingResource[] = [];
  if (reachesThroughRancher) {
    resources.push({ type: "rancher2:index/clusterSync:ClusterSync", role: "sync", kind: "ClusterSync", name: plan.source.clusterName });
    resources.push({ type: "pulumi:providers:kubernetes", role: "k8s", kind: "Provider", name: plan.source.clusterName });
  }
  if (plan.collector === Collector.FluentBit) {
    const m = fluentBitManifests(plan);
    const ref = (o: Record<string, unknown>) => o.metadata as { name: string; namespace?: string };
    resources.push({ type: "kubernetes:core/v1:Namespace", role: "namespace", kind: "Namespace", name: ref(m.namespace).name });
    resources.push({ type: "kubernetes:core/v1:ServiceAccount", role: "serviceaccount", kind: "ServiceAccount", ...ref(m.serviceAccount) });
    resources.push({ type: "kubernetes:core/v1:ConfigMap", role: "config", kind: "ConfigMap", ...ref(m.configMap) });
    for (const s of sinkSecrets(plan, ref(m.namespace).name)) {
      resources.push({ type: "kubernetes:core/v1:Secret", role: `secret-${s.sink}`, kind: "Secret", namespace: s.namespace, name: s.name });
    }
    resources.push({ type: "kubernetes:apps/v1:DaemonSet", role: "daemonset", kind: "DaemonSet", ...ref(m.daemonSet) });
  } else {
    resources.push({ type: "rancher2:index/appV2:AppV2", role: "rancher-logging", kind: "App", namespace: RANCHER_LOGGING_NAMESPACE, name: RANCHER_LOGGING_CHART });
    for (const s of sinkSecrets(plan, RANCHER_LOGGING_NAMESPACE)) {
      resources.push({ type: "kubernetes:core/v1:Secret", role: `secret-${s.sink}`, kind: "Secret", namespace: s.namespace, name: s.name });
    }
    for (const sink of plan.sinks) {
      resources.push({ type: "kubernetes:logging.banzaicloud.io/v1beta1:ClusterOutput", role: `output-${sink.name}`, kind: "ClusterOutput", namespace: RANCHER_LOGGING_NAMESPACE, name: clusterOutputName(sink) });
    }
    resources.push({ type: "kubernetes:logging.banzaicloud.io/v1beta1:ClusterFlow", role: "flow", kind: "ClusterFlow", namespace: RANCHER_LOGGING_NAMESPACE, name: CLUSTER_FLOW_NAME });
  }
  return {
    collector: plan.collector,
    clusterName: plan.source.clusterName,
    distro: plan.source.distro,
    reads: plan.source.logPath,
    nodeSelector: plan.nodes.nodeSelector,
    tolerations: plan.nodes.tolerations.map((t) => `${t.key}:${t.effect} (${t.operator})`),
    sinks: plan.sinks.map((s) => ({
      name: s.name,
      kind: s.kind,
      url: s.url,
      target: s.kind === SinkKind.Loki ? `streams {job="${plan.streamLabels.job}", cluster="${plan.streamLabels.cluster}", distro="${plan.streamLabels.distro}"}${s.tenant ? `, tenant ${s.tenant}` : ""}` : s.dataStream ? `data stream ${s.dataStream}` : `index ${s.index}`,
      auth: s.hasUsername,
      tls: s.tls ? (s.tls.verify ? (s.tls.hasCa ? "verify (own CA)" : "verify") : "skip-verify") : "none",
    })),
    resources,
  };
}
