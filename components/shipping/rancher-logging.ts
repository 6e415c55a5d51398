/**
 * The rancher-logging collector: the chart values (no credentials, ever) and the logging-operator
 * routes (one ClusterFlow, one ClusterOutput per sink) in cattle-logging-system. Pure and
 * deterministic.
 *
 * Chart facts (rancher/charts charts/rancher-logging/<version>/templates/_helpers.tpl and
 * templates/loggings/kube-audit/*.yaml; rancher/ob-team-charts charts/rancher-logging):
 * - `kubeAudit.pathPrefix` / `auditFilename` have defaults for RKE1 and RKE2 only (none for K3s),
 *   so both are always set from the exact log path;
 * - before the fix of rancher/rancher#49719 the chart tolerated only taints with value "true",
 *   while Rancher taints control-plane/etcd nodes without a value, so tolerations with
 *   `operator: Exists` are always passed;
 * - the kube-audit Logging takes `kubeAudit.loggingRef` and its FluentbitAgent
 *   `kubeAudit.fluentbit.loggingRef` (harvester/harvester#7645): both are set, and the same ref is
 *   on the ClusterFlow and ClusterOutputs (logging-operator selects them by exact equality).
 */
import { stringify } from "yaml";
import { sortKeysDeep } from "../audit-policy";
import type { PlannedSink, ShippingPlan } from "./plan";
import { ShippingDistro, SinkKind } from "./types";

export const RANCHER_LOGGING_NAMESPACE = "cattle-logging-system";
export const RANCHER_LOGGING_CHART = "rancher-logging";
export const RANCHER_CHARTS_REPO = "rancher-charts";
export const LOGGING_API_VERSION = "logging.banzaicloud.io/v1beta1";
/** Name of the ClusterFlow; ClusterOutputs are `kube-audit-<sink>`. */
export const CLUSTER_FLOW_NAME = "kube-audit";

type Json = Record<string, unknown>;

/** The chart's name for a distribution under `additionalLoggingSources` (RKE1 is "rke"). */
function chartSource(distro: ShippingDistro): string {
  return distro === ShippingDistro.Rke1 ? "rke" : distro;
}

/** The AppV2 values as an object (sorted). */
export function rancherLoggingValues(plan: ShippingPlan): Json {
  const rl = plan.rancherLogging;
  if (!rl) throw new Error("internal: rancherLoggingValues needs a rancher-logging plan");
  const { source, nodes } = plan;
  return sortKeysDeep({
    additionalLoggingSources: {
      [chartSource(source.distro)]: { enabled: true },
      kubeAudit: {
        enabled: true,
        pathPrefix: source.logDir,
        auditFilename: source.logFile,
        loggingRef: rl.loggingRef,
        nodeSelector: nodes.nodeSelector,
        fluentbit: {
          logTag: plan.streamLabels.job,
          loggingRef: rl.loggingRef,
          tolerations: nodes.tolerations,
        },
      },
    },
  }) as Json;
}

/** The AppV2 `values` YAML text. */
export function rancherLoggingValuesYaml(plan: ShippingPlan): string {
  return stringify(rancherLoggingValues(plan));
}

function secretRef(sink: PlannedSink, key: string): Json {
  return { valueFrom: { secretKeyRef: { name: sink.secretName, key } } };
}

function outputSpec(plan: ShippingPlan, sink: PlannedSink): Json {
  // Flush every minute (and at most 30 s late): audit events reach the sink within ~90 s.
  const buffer = { timekey: "1m", timekey_wait: "30s", timekey_use_utc: true };
  if (sink.kind === SinkKind.Loki) {
    return {
      loki: {
        url: sink.url,
        tenant: sink.tenant,
        username: sink.hasUsername ? secretRef(sink, "username") : undefined,
        password: sink.hasPassword ? secretRef(sink, "password") : undefined,
        ca_cert: sink.tls?.hasCa ? secretRef(sink, "ca.crt") : undefined,
        insecure_tls: sink.tls && !sink.tls.verify ? true : undefined,
        extra_labels: { ...plan.streamLabels },
        line_format: "json",
        remove_keys: ["cluster", "distro"],
        // Only the contract's labels: no Kubernetes labels, no fluentd_thread label.
        configure_kubernetes_labels: false,
        extract_kubernetes_labels: false,
        include_thread_label: false,
        buffer,
      },
    };
  }
  const key = sink.kind === SinkKind.Elasticsearch ? "elasticsearch" : "opensearch";
  return {
    [key]: {
      host: sink.host,
      port: sink.port,
      scheme: sink.scheme,
      path: sink.pathPrefix || undefined,
      ssl_verify: sink.tls ? sink.tls.verify : undefined,
      ca_file: sink.tls?.hasCa ? secretRef(sink, "ca.crt") : undefined,
      password: sink.hasPassword ? secretRef(sink, "password") : undefined,
      index_name: sink.index,
      data_stream_enable: sink.dataStream ? true : undefined,
      data_stream_name: sink.dataStream,
      suppress_type_name: true,
      // @timestamp from the event's stageTimestamp, not from the time fluentd read it.
      include_timestamp: true,
      time_key: "stageTimestamp",
      buffer,
    },
  };
}

/** Name of the ClusterOutput of a sink. */
export function clusterOutputName(sink: PlannedSink): string {
  return `kube-audit-${sink.name}`;
}

/**
 * The ClusterOutputs (one per sink) and the ClusterFlow routing the kube-audit Logging to all of
 * them. Elasticsearch/OpenSearch user names go in `user` (a plain string in the CRD: the field
 * has no secret reference); passwords and CAs are references to Secrets.
 */
export function rancherLoggingRoutes(plan: ShippingPlan, users: Record<string, unknown> = {}): { outputs: Json[]; flow: Json } {
  const rl = plan.rancherLogging;
  if (!rl) throw new Error("internal: rancherLoggingRoutes needs a rancher-logging plan");
  const outputs = plan.sinks.map((sink) => {
    const spec = outputSpec(plan, sink);
    if (sink.kind !== SinkKind.Loki && sink.hasUsername) (Object.values(spec)[0] as Json).user = users[sink.name];
    return sortKeysDeep({
      apiVersion: LOGGING_API_VERSION,
      kind: "ClusterOutput",
      metadata: { name: clusterOutputName(sink), namespace: RANCHER_LOGGING_NAMESPACE },
      spec: { loggingRef: rl.loggingRef, ...spec },
    }) as Json;
  });
  const flow = sortKeysDeep({
    apiVersion: LOGGING_API_VERSION,
    kind: "ClusterFlow",
    metadata: { name: CLUSTER_FLOW_NAME, namespace: RANCHER_LOGGING_NAMESPACE },
    spec: {
      loggingRef: rl.loggingRef,
      // No match: the kube-audit Logging (isolated by loggingRef) only carries audit records.
      filters: [{ record_transformer: { records: [{ cluster: plan.source.clusterName, distro: plan.source.distro }] } }],
      globalOutputRefs: plan.sinks.map(clusterOutputName),
    },
  }) as Json;
  return { outputs, flow };
}
