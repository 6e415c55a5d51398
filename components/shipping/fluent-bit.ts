/**
 * The Fluent Bit collector, as plain Kubernetes objects: its configuration (classic format) and the
 * Namespace, ServiceAccount, ConfigMap and DaemonSet manifests. Pure and deterministic. Secrets
 * are described by name and keys only; the component fills them from Pulumi secrets.
 *
 * Key names follow the Fluent Bit manual (https://docs.fluentbit.io/manual): inputs/tail,
 * parsers/configuring-parser, filters/record-modifier, outputs/loki, outputs/elasticsearch,
 * outputs/opensearch, administration/transport-security, administration/scheduling-and-retries.
 */
import { createHash } from "node:crypto";
import { sortKeysDeep } from "../audit-policy";
import { AUDIT_JOB, type PlannedSink, type ShippingPlan } from "./plan";
import { Collector, SinkKind } from "./types";

/** Tag of the audit records inside Fluent Bit. */
export const FLUENT_BIT_TAG = AUDIT_JOB;
/** Name of every namespaced object of the collector. */
export const FLUENT_BIT_NAME = "kube-audit-fluent-bit";
/** Where the configuration is mounted (not over /fluent-bit/etc, which holds the image's own files). */
export const FLUENT_BIT_CONFIG_DIR = "/fluent-bit/etc/conf";
/** Node folder of the tail offsets database: survives pod restarts, so nothing is shipped twice. */
export const FLUENT_BIT_STATE_DIR = "/var/lib/rancher-audit/fluent-bit";
const TLS_DIR = "/fluent-bit/tls";
const PARSER = "kube-audit-json";

type Json = Record<string, unknown>;
type Entry = [string, string];

function section(name: string, entries: Entry[]): string {
  const width = Math.max(...entries.map(([k]) => k.length));
  return `[${name}]\n${entries.map(([k, v]) => `    ${k.padEnd(width)} ${v}`).join("\n")}\n`;
}

/** Environment variable carrying a sink credential (`SINK_ES_PROD_PASSWORD`). */
export function credentialEnv(sink: PlannedSink, key: "username" | "password"): string {
  return `SINK_${sink.name.toUpperCase().replace(/-/g, "_")}_${key.toUpperCase()}`;
}

function tlsEntries(sink: PlannedSink): Entry[] {
  if (!sink.tls) return [["tls", "off"]];
  const out: Entry[] = [["tls", "on"], ["tls.verify", sink.tls.verify ? "on" : "off"]];
  // tls.verify checks the chain only; the certificate must also name the host we connect to.
  if (sink.tls.verify) out.push(["tls.verify_hostname", "on"]);
  if (sink.tls.hasCa) out.push(["tls.ca_file", `${TLS_DIR}/${sink.name}/ca.crt`]);
  return out;
}

function authEntries(sink: PlannedSink): Entry[] {
  const out: Entry[] = [];
  // ${VAR} is replaced from the environment when the configuration is read; the values come from
  // the sink's Secret (env valueFrom.secretKeyRef) and never appear in the ConfigMap.
  if (sink.hasUsername) out.push(["http_user", `\${${credentialEnv(sink, "username")}}`]);
  if (sink.hasPassword) out.push(["http_passwd", `\${${credentialEnv(sink, "password")}}`]);
  return out;
}

function outputSection(plan: ShippingPlan, sink: PlannedSink): string {
  const common: Entry[] = [["match", FLUENT_BIT_TAG], ["host", sink.host], ["port", String(sink.port)]];
  // Retry until the sink is back: tail pauses at mem_buf_limit and resumes from its offsets, so an
  // outage loses nothing as long as the file is not rotated away (the retention settings decide how long).
  const tail: Entry[] = [...tlsEntries(sink), ...authEntries(sink), ["retry_limit", "no_limits"]];
  if (sink.kind === SinkKind.Loki) {
    const labels = plan.streamLabels;
    return section("OUTPUT", [
      ["name", "loki"],
      ...common,
      ["uri", `${sink.pathPrefix}/loki/api/v1/push`],
      ...(sink.tenant ? ([["tenant_id", sink.tenant]] as Entry[]) : []),
      ["labels", `job=${labels.job}, cluster=${labels.cluster}, distro=${labels.distro}`],
      ["line_format", "json"],
      // cluster/distro are stream labels in Loki: keep the line the event exactly as written.
      ["remove_keys", "cluster, distro"],
      ...tail,
    ]);
  }
  return section("OUTPUT", [
    ["name", sink.kind === SinkKind.Elasticsearch ? "es" : "opensearch"],
    ...common,
    ...(sink.pathPrefix ? ([["path", sink.pathPrefix]] as Entry[]) : []),
    ["index", (sink.dataStream ?? sink.index) as string],
    // Data streams accept only op_type create; "create" is also right for plain indices.
    ["write_operation", "create"],
    // Elasticsearch 8 / OpenSearch 2 have no mapping types.
    ["suppress_type_name", "on"],
    ["trace_error", "on"],
    ...tail,
  ]);
}

/** The Fluent Bit configuration files (fluent-bit.conf, parsers.conf). */
export function fluentBitConfig(plan: ShippingPlan): { "fluent-bit.conf": string; "parsers.conf": string } {
  const { source } = plan;
  const service = section("SERVICE", [
    ["flush", "1"],
    ["log_level", "info"],
    ["parsers_file", `${FLUENT_BIT_CONFIG_DIR}/parsers.conf`],
    ["http_server", "on"],
    ["http_listen", "0.0.0.0"],
    ["http_port", "2020"],
    ["health_check", "on"],
  ]);
  const input = section("INPUT", [
    ["name", "tail"],
    ["tag", FLUENT_BIT_TAG],
    // Exactly the file kube-apiserver writes; rotated files (audit-<time>.log) are not re-read.
    ["path", source.logPath],
    ["parser", PARSER],
    ["db", `${FLUENT_BIT_STATE_DIR}/tail.db`],
    ["db.locking", "true"],
    ["read_from_head", "true"],
    // One audit event per line; RequestResponse events can be large. A longer line is skipped
    // (and logged) rather than stopping the whole file.
    ["buffer_chunk_size", "256k"],
    ["buffer_max_size", "4M"],
    ["skip_long_lines", "on"],
    ["mem_buf_limit", "32M"],
    ["refresh_interval", "10"],
    ["rotate_wait", "30"],
  ]);
  const filter = section("FILTER", [
    ["name", "record_modifier"],
    ["match", FLUENT_BIT_TAG],
    ["record", `cluster ${source.clusterName}`],
    ["record", `distro ${source.distro}`],
  ]);
  const outputs = plan.sinks.map((s) => outputSection(plan, s));
  const parsers = section("PARSER", [
    ["name", PARSER],
    ["format", "json"],
    // The record time is the event's stageTimestamp (RFC 3339, UTC, microseconds); Elasticsearch
    // and OpenSearch outputs write it as @timestamp, Loki as the line's timestamp.
    ["time_key", "stageTimestamp"],
    ["time_format", "%Y-%m-%dT%H:%M:%S.%LZ"],
    ["time_keep", "on"],
  ]);
  return { "fluent-bit.conf": [service, input, filter, ...outputs].join("\n"), "parsers.conf": parsers };
}

/** A Kubernetes Secret the component creates from Pulumi secrets: name and which keys it holds. */
export interface SecretSpec {
  sink: string;
  name: string;
  namespace: string;
  keys: ("username" | "password" | "ca.crt")[];
}

/**
 * The Secrets the collector references, one per sink that has credentials or a CA. With
 * rancher-logging, Elasticsearch/OpenSearch user names are a plain ClusterOutput field (the CRD
 * has no secret reference for `user`), so they are not put in a Secret.
 */
export function sinkSecrets(plan: ShippingPlan, namespace: string): SecretSpec[] {
  const out: SecretSpec[] = [];
  for (const s of plan.sinks) {
    const userInSecret = s.hasUsername && (plan.collector === Collector.FluentBit || s.kind === SinkKind.Loki);
    const keys: SecretSpec["keys"] = [...(userInSecret ? (["username"] as const) : []), ...(s.hasPassword ? (["password"] as const) : []), ...(s.tls?.hasCa ? (["ca.crt"] as const) : [])];
    if (s.secretName && keys.length > 0) out.push({ sink: s.name, name: s.secretName, namespace, keys });
  }
  return out;
}

function labels(): Record<string, string> {
  return { "app.kubernetes.io/name": FLUENT_BIT_NAME, "app.kubernetes.io/part-of": "rancher-audit" };
}

/** The Namespace, ServiceAccount, ConfigMap and DaemonSet of the Fluent Bit collector. */
export function fluentBitManifests(plan: ShippingPlan): { namespace: Json; serviceAccount: Json; configMap: Json; daemonSet: Json } {
  const fb = plan.fluentBit;
  if (!fb) throw new Error("internal: fluentBitManifests needs a Fluent Bit plan");
  const ns = fb.namespace;
  const config = fluentBitConfig(plan);
  const configHash = createHash("sha256").update(JSON.stringify(sortKeysDeep(config))).digest("hex");
  const { source } = plan;
  const env = plan.sinks.flatMap((s) =>
    (["username", "password"] as const)
      .filter((k) => (k === "username" ? s.hasUsername : s.hasPassword))
      .map((k) => ({ name: credentialEnv(s, k), valueFrom: { secretKeyRef: { name: s.secretName, key: k } } })),
  );
  const caSinks = plan.sinks.filter((s) => s.tls?.hasCa);
  const meta = (name: string) => ({ name, namespace: ns, labels: labels() });

  const daemonSet = {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: meta(FLUENT_BIT_NAME),
    spec: {
      selector: { matchLabels: { "app.kubernetes.io/name": FLUENT_BIT_NAME } },
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
      template: {
        metadata: { labels: labels(), annotations: { "rancher-audit/config-sha256": configHash } },
        spec: {
          serviceAccountName: FLUENT_BIT_NAME,
          automountServiceAccountToken: false,
          // Only control-plane nodes run kube-apiserver and hold the audit log.
          nodeSelector: plan.nodes.nodeSelector,
          tolerations: plan.nodes.tolerations,
          terminationGracePeriodSeconds: 30,
          securityContext: {
            // The log is written by root with mode 0600: only root (or, under SELinux, the
            // rke_logreader_t type) can read it.
            runAsUser: 0,
            runAsGroup: 0,
            runAsNonRoot: false,
            seccompProfile: { type: "RuntimeDefault" },
            ...(fb.seLinux ? { seLinuxOptions: { type: "rke_logreader_t" } } : {}),
          },
          containers: [
            {
              name: "fluent-bit",
              image: fb.image,
              imagePullPolicy: "IfNotPresent",
              command: ["/fluent-bit/bin/fluent-bit"],
              args: [`--config=${FLUENT_BIT_CONFIG_DIR}/fluent-bit.conf`],
              env: env.length > 0 ? env : undefined,
              ports: [{ name: "http", containerPort: 2020, protocol: "TCP" }],
              livenessProbe: { httpGet: { path: "/", port: "http" }, periodSeconds: 30 },
              readinessProbe: { httpGet: { path: "/api/v1/health", port: "http" }, periodSeconds: 30 },
              resources: {
                requests: { cpu: fb.cpuRequest, memory: fb.memoryLimit },
                limits: { memory: fb.memoryLimit },
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                privileged: false,
                capabilities: { drop: ["ALL"] },
              },
              volumeMounts: [
                { name: "audit-log", mountPath: source.logDir, readOnly: true },
                { name: "state", mountPath: FLUENT_BIT_STATE_DIR },
                { name: "config", mountPath: FLUENT_BIT_CONFIG_DIR, readOnly: true },
                ...caSinks.map((s) => ({ name: `ca-${s.name}`, mountPath: `${TLS_DIR}/${s.name}`, readOnly: true })),
              ],
            },
          ],
          volumes: [
            // Mounted at the same path as on the node, so the configured path is the node's path.
            { name: "audit-log", hostPath: { path: source.logDir, type: "Directory" } },
            { name: "state", hostPath: { path: FLUENT_BIT_STATE_DIR, type: "DirectoryOrCreate" } },
            { name: "config", configMap: { name: FLUENT_BIT_NAME } },
            ...caSinks.map((s) => ({ name: `ca-${s.name}`, secret: { secretName: s.secretName, items: [{ key: "ca.crt", path: "ca.crt" }] } })),
          ],
        },
      },
    },
  };

  return sortKeysDeep({
    namespace: {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: {
        name: ns,
        // hostPath volumes and root are outside the baseline/restricted Pod Security Standards.
        labels: { ...labels(), "pod-security.kubernetes.io/enforce": "privileged" },
      },
    },
    serviceAccount: { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(FLUENT_BIT_NAME), automountServiceAccountToken: false },
    configMap: { apiVersion: "v1", kind: "ConfigMap", metadata: meta(FLUENT_BIT_NAME), data: config },
    daemonSet,
  }) as { namespace: Json; serviceAccount: Json; configMap: Json; daemonSet: Json };
}
