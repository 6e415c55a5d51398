/**
 * The shipping plan: every argument validated (errors name the argument and the fix), defaults
 * applied, nothing secret kept. Pure: no Pulumi resources. The collector builders
 * (fluent-bit.ts, rancher-logging.ts) and the component read only this.
 *
 * Credentials are never part of the plan: it only records *whether* a sink has a user name, a
 * password or a CA, so no error message or generated text can contain them.
 */
import { defaultLogPath, RKE1_DEFAULT_LOG_PATH, RKE1_LOG_DIR } from "../core/distro";
import { fail, show } from "../core/errors";
import { checkNodePath, expandDistro } from "../core/settings";
import { Collector, ShippingDistro, SinkKind, TlsMode } from "./types";

/** The log source, as the pure planner needs it (plain values only). */
export interface ShippingSourceInput {
  clusterName: unknown;
  distro: unknown;
  logPath?: unknown;
  format?: unknown;
}

/** A sink as the planner sees it: credentials only by presence. */
export interface SinkInput {
  name?: unknown;
  kind?: unknown;
  url?: unknown;
  tenant?: unknown;
  index?: unknown;
  dataStream?: unknown;
  username?: unknown;
  password?: unknown;
  tls?: unknown;
}

export interface ShippingPlanInput {
  source: ShippingSourceInput;
  /** Argument path of the source in messages: `source` or `cluster`. */
  sourcePath?: string;
  collector?: unknown;
  sinks?: unknown;
  rancherLogging?: unknown;
  fluentBit?: unknown;
}

export interface ShippingSource {
  clusterName: string;
  distro: ShippingDistro;
  /** The exact file kube-apiserver writes. */
  logPath: string;
  /** Its folder (mounted read-only) and file name. */
  logDir: string;
  logFile: string;
}

export interface PlannedSink {
  name: string;
  kind: SinkKind;
  scheme: "http" | "https";
  host: string;
  port: number;
  /** Path prefix without trailing "/" ("" when none). */
  pathPrefix: string;
  /** The URL as given, normalized (no trailing "/"). */
  url: string;
  tenant?: string;
  /** Elasticsearch/OpenSearch: exactly one of index and dataStream. */
  index?: string;
  dataStream?: string;
  hasUsername: boolean;
  hasPassword: boolean;
  /** https only. */
  tls?: { verify: boolean; hasCa: boolean };
  /** Kubernetes Secret holding this sink's credentials/CA (undefined when there is nothing to hold). */
  secretName?: string;
}

/** The node facts a control-plane DaemonSet needs, per distribution. */
export interface ControlPlaneNodes {
  /** Node label present (value "true") on control-plane nodes. */
  nodeSelector: Record<string, string>;
  /** The taints Rancher puts on dedicated control-plane and etcd nodes (no value: operator Exists). */
  tolerations: { key: string; operator: "Exists"; effect: "NoSchedule" | "NoExecute" }[];
}

export interface ShippingPlan {
  collector: Collector;
  source: ShippingSource;
  nodes: ControlPlaneNodes;
  sinks: PlannedSink[];
  /** Loki stream labels (low cardinality; see docs/shipping.md). */
  streamLabels: { job: string; cluster: string; distro: string };
  fluentBit?: { image: string; namespace: string; cpuRequest: string; memoryLimit: string; seLinux: boolean };
  rancherLogging?: { chartVersion: string; loggingRef: string };
}

/** The `job` stream label of every audit line in Loki (the contract with the alert rules). */
export const AUDIT_JOB = "kube-audit";
/** Default Elasticsearch/OpenSearch index. */
export const DEFAULT_INDEX = "kube-audit";

/**
 * The official Fluent Bit image, pinned by digest (multi-arch index of tag 3.2.10 on
 * cr.fluentbit.io, the same digest Docker Hub's fluent/fluent-bit:3.2.10 serves). Where the digest
 * was read and how to check it: docs/shipping.md "The Fluent Bit image".
 */
export const FLUENT_BIT_IMAGE =
  "cr.fluentbit.io/fluent/fluent-bit:3.2.10@sha256:d6dec000c4929a439562525728c708f6e99800d7ddc82efd6aa4f45f3a20b562";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|k|M|G)?$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Refuses keys the argument does not have (a typo would otherwise be ignored silently). */
function knownKeys(value: Record<string, unknown>, keys: readonly string[], path: string): void {
  for (const k of Object.keys(value)) {
    if (!keys.includes(k)) fail(`${path}.${k}`, `is not a known argument; the known ones are ${keys.join(", ")}`);
  }
}

function oneOfEnum<T extends string>(value: unknown, values: Record<string, T>, fallback: T | undefined, path: string): T {
  if (value === undefined && fallback !== undefined) return fallback;
  const allowed = Object.values(values);
  if (typeof value !== "string" || !allowed.includes(value as T)) {
    fail(path, `must be one of ${allowed.map((v) => JSON.stringify(v)).join(", ")}; got ${show(value)}`);
  }
  return value as T;
}

function optionalString(value: unknown, path: string, example: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.trim() === "") fail(path, `must be a non-empty string, e.g. ${JSON.stringify(example)}; got ${show(value)}`);
  return value;
}

/** The control-plane node label and taint keys of a distribution (RKE1 spells "controlplane"). */
export function controlPlaneNodes(distro: ShippingDistro): ControlPlaneNodes {
  const cp = distro === ShippingDistro.Rke1 ? "node-role.kubernetes.io/controlplane" : "node-role.kubernetes.io/control-plane";
  return {
    nodeSelector: { [cp]: "true" },
    tolerations: [
      { key: cp, operator: "Exists", effect: "NoSchedule" },
      { key: "node-role.kubernetes.io/etcd", operator: "Exists", effect: "NoExecute" },
    ],
  };
}

/** The audit log path: the cluster's own setting, else the distribution's default. */
export function planSource(input: ShippingSourceInput, path: string): ShippingSource {
  if (!isObject(input)) fail(path, `must be an object { clusterName, distro, logPath? }; got ${show(input)}`);
  knownKeys(input as Record<string, unknown>, ["clusterName", "distro", "logPath", "format", "clusterV1Id"], path);
  const clusterName = input.clusterName;
  if (typeof clusterName !== "string" || !DNS_LABEL.test(clusterName) || clusterName.length > 63) {
    fail(`${path}.clusterName`, `must be the cluster's name, a DNS label (lowercase letters, digits, "-"), e.g. "prod-eu-1"; got ${show(clusterName)}`);
  }
  const distro = oneOfEnum(input.distro, ShippingDistro as Record<string, ShippingDistro>, undefined, `${path}.distro`);
  if (input.format !== undefined && input.format !== "json") {
    fail(`${path}.format`, `${show(input.format)} cannot be shipped as structured events: set the cluster's audit format to "json" (the default)`);
  }
  let logPath: string;
  if (distro === ShippingDistro.Rke1) {
    logPath = input.logPath === undefined ? RKE1_DEFAULT_LOG_PATH : checkNodePath(input.logPath, `${path}.logPath`, RKE1_DEFAULT_LOG_PATH);
    if (!logPath.startsWith(`${RKE1_LOG_DIR}/`) || logPath.split("/").length !== RKE1_LOG_DIR.split("/").length + 1) {
      fail(`${path}.logPath`, `RKE1 only bind-mounts ${RKE1_LOG_DIR} into kube-apiserver, so its log is a file directly in that folder, e.g. "${RKE1_DEFAULT_LOG_PATH}"; got ${show(logPath)}`);
    }
  } else {
    const raw = input.logPath === undefined ? defaultLogPath(distro) : input.logPath;
    logPath = checkNodePath(typeof raw === "string" ? expandDistro(raw, distro) : raw, `${path}.logPath`, defaultLogPath(distro));
  }
  const cut = logPath.lastIndexOf("/");
  if (cut === 0) fail(`${path}.logPath`, `must be a file inside a folder (the folder is mounted read-only into the collector), e.g. "${defaultLogPath("rke2")}"; got ${show(logPath)}`);
  return { clusterName, distro, logPath, logDir: logPath.slice(0, cut), logFile: logPath.slice(cut + 1) };
}

/**
 * Elasticsearch index naming rules (Create index API, "Path parameters"): lowercase, none of
 * `\ / * ? " < > | , #` or space, `:` not allowed, not starting with `-`, `_` or `+`, not `.`
 * or `..`, at most 255 bytes.
 */
export function indexNameProblem(name: string): string | undefined {
  if (name === "." || name === "..") return "cannot be \".\" or \"..\"";
  if (name !== name.toLowerCase()) return "must be lowercase";
  if (/[\\/*?"<>|,# :]/.test(name)) return "must not contain \\, /, *, ?, \", <, >, |, ',', #, ':' or spaces";
  if (/^[-_+]/.test(name)) return "must not start with \"-\", \"_\" or \"+\"";
  if (Buffer.byteLength(name, "utf8") > 255) return "must be at most 255 bytes";
  return undefined;
}

/**
 * Loki tenant IDs (Grafana Loki docs, "Multi-tenancy"): at most 150 bytes of alphanumerics and
 * `! - _ . * ' ( )`, not "." or "..".
 */
function tenantProblem(t: string): string | undefined {
  if (t === "." || t === "..") return "cannot be \".\" or \"..\"";
  if (!/^[A-Za-z0-9!\-_.*'()]+$/.test(t)) return "may only contain letters, digits and ! - _ . * ' ( )";
  if (Buffer.byteLength(t, "utf8") > 150) return "must be at most 150 bytes";
  return undefined;
}

function planSink(raw: unknown, path: string): PlannedSink {
  if (!isObject(raw)) fail(path, `must be an object { name, kind, url, ... }; got ${raw === null ? "null" : typeof raw}`);
  knownKeys(raw, ["name", "kind", "url", "tenant", "index", "dataStream", "username", "password", "tls"], path);
  const name = raw.name;
  if (typeof name !== "string" || !DNS_LABEL.test(name) || name.length > 30) {
    fail(`${path}.name`, `must be a short DNS label (lowercase letters, digits, "-", at most 30 characters), e.g. "loki"; got ${show(name)}`);
  }
  const kind = oneOfEnum(raw.kind, SinkKind as Record<string, SinkKind>, undefined, `${path}.kind`);
  const example = kind === SinkKind.Loki ? "https://loki.example.com" : "https://es.example.com:9200";
  if (typeof raw.url !== "string" || raw.url.trim() === "") fail(`${path}.url`, `must be the sink's base URL, e.g. "${example}"; got ${show(raw.url)}`);
  let url: URL;
  try {
    url = new URL(raw.url);
  } catch {
    fail(`${path}.url`, `is not a URL; use the form "${example}"; got ${show(raw.url)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") fail(`${path}.url`, `must start with "https://" (or "http://"), e.g. "${example}"; got ${show(raw.url)}`);
  // Never echo a URL that carries credentials.
  if (url.username || url.password) fail(`${path}.url`, "must not contain credentials; set username and password (a Pulumi secret) instead");
  if (!url.hostname) fail(`${path}.url`, `has no host; use the form "${example}"`);
  if (url.search || url.hash) fail(`${path}.url`, `must not have a query or fragment; got ${show(raw.url)}`);
  const scheme = url.protocol === "https:" ? "https" : "http";
  const port = url.port ? Number(url.port) : scheme === "https" ? 443 : 80;
  const pathPrefix = url.pathname.replace(/\/+$/, "");
  if (kind === SinkKind.Loki && pathPrefix.endsWith("/loki/api/v1/push")) {
    fail(`${path}.url`, `must be Loki's base URL; the push path /loki/api/v1/push is added by the collector (use ${show(url.origin + pathPrefix.slice(0, -"/loki/api/v1/push".length))})`);
  }

  const sink: PlannedSink = {
    name, kind, scheme, host: url.hostname, port, pathPrefix, url: `${url.origin}${pathPrefix}`,
    hasUsername: raw.username !== undefined && raw.username !== null,
    hasPassword: raw.password !== undefined && raw.password !== null,
  };
  if (sink.hasPassword && !sink.hasUsername) fail(`${path}.password`, "is set without username; set username too (basic authentication needs both)");

  if (kind === SinkKind.Loki) {
    if (raw.index !== undefined) fail(`${path}.index`, "applies to Elasticsearch/OpenSearch sinks only; remove it (Loki streams are selected by labels)");
    if (raw.dataStream !== undefined) fail(`${path}.dataStream`, "applies to Elasticsearch/OpenSearch sinks only; remove it");
    const tenant = optionalString(raw.tenant, `${path}.tenant`, "team-platform");
    if (tenant !== undefined) {
      const problem = tenantProblem(tenant);
      if (problem) fail(`${path}.tenant`, `${problem}; got ${show(tenant)}`);
      sink.tenant = tenant;
    }
  } else {
    if (raw.tenant !== undefined) fail(`${path}.tenant`, "applies to Loki sinks only; remove it");
    if (raw.index !== undefined && raw.dataStream !== undefined) fail(`${path}.dataStream`, "cannot be combined with index; set one of them");
    if (raw.dataStream !== undefined) {
      const ds = optionalString(raw.dataStream, `${path}.dataStream`, "logs-kube-audit-default") as string;
      const problem = indexNameProblem(ds);
      if (problem) fail(`${path}.dataStream`, `${problem} (Elasticsearch index naming rules); got ${show(ds)}`);
      sink.dataStream = ds;
    } else {
      const index = optionalString(raw.index, `${path}.index`, DEFAULT_INDEX) ?? DEFAULT_INDEX;
      const problem = indexNameProblem(index);
      if (problem) fail(`${path}.index`, `${problem} (Elasticsearch index naming rules), e.g. "${DEFAULT_INDEX}"; got ${show(index)}`);
      sink.index = index;
    }
  }

  if (raw.tls !== undefined) {
    if (!isObject(raw.tls)) fail(`${path}.tls`, `must be an object { mode?, caCert? }; got ${show(raw.tls)}`);
    knownKeys(raw.tls, ["mode", "caCert"], `${path}.tls`);
    if (scheme !== "https") fail(`${path}.tls`, `only applies to https:// URLs; use "https://${url.host}${pathPrefix}" or remove tls`);
    const mode = oneOfEnum(raw.tls.mode, TlsMode as Record<string, TlsMode>, TlsMode.Verify, `${path}.tls.mode`);
    const ca = raw.tls.caCert;
    if (ca !== undefined && (typeof ca !== "string" || !ca.includes("-----BEGIN CERTIFICATE-----"))) {
      fail(`${path}.tls.caCert`, "must be PEM text containing \"-----BEGIN CERTIFICATE-----\" (e.g. fs.readFileSync(\"ca.pem\", \"utf8\"))");
    }
    if (ca !== undefined && mode === TlsMode.SkipVerify) fail(`${path}.tls.caCert`, "has no effect with mode \"skip-verify\"; remove one of them");
    sink.tls = { verify: mode === TlsMode.Verify, hasCa: ca !== undefined };
  } else if (scheme === "https") {
    sink.tls = { verify: true, hasCa: false };
  }
  if (sink.hasUsername || sink.hasPassword || sink.tls?.hasCa) sink.secretName = `kube-audit-${name}`;
  return sink;
}

/** Validates every argument and applies defaults. Throws AuditConfigError naming the argument. */
export function planShipping(input: ShippingPlanInput): ShippingPlan {
  const source = planSource(input.source, input.sourcePath ?? "source");
  const collector = oneOfEnum(input.collector, Collector as Record<string, Collector>, Collector.FluentBit, "collector");
  const rawSinks = input.sinks;
  if (!Array.isArray(rawSinks) || rawSinks.length === 0) {
    fail("sinks", `must list at least one sink, e.g. [{ name: "loki", kind: SinkKind.Loki, url: "https://loki.example.com" }]; got ${Array.isArray(rawSinks) ? "[]" : show(rawSinks)}`);
  }
  const sinks = rawSinks.map((s, i) => planSink(s, `sinks[${i}]`));
  const seen = new Map<string, number>();
  sinks.forEach((s, i) => {
    const first = seen.get(s.name);
    if (first !== undefined) fail(`sinks[${i}].name`, `${show(s.name)} is already the name of sinks[${first}]; give each sink its own name`);
    seen.set(s.name, i);
  });

  const plan: ShippingPlan = {
    collector,
    source,
    nodes: controlPlaneNodes(source.distro),
    sinks,
    streamLabels: { job: AUDIT_JOB, cluster: source.clusterName, distro: source.distro },
  };

  const fb = input.fluentBit;
  const rl = input.rancherLogging;
  if (collector === Collector.FluentBit) {
    if (rl !== undefined) fail("rancherLogging", `only applies with collector "${Collector.RancherLogging}"; remove it or set collector: Collector.RancherLogging`);
    if (fb !== undefined && !isObject(fb)) fail("fluentBit", `must be an object; got ${show(fb)}`);
    const f = (fb ?? {}) as Record<string, unknown>;
    knownKeys(f, ["image", "namespace", "cpuRequest", "memoryLimit", "seLinux"], "fluentBit");
    const image = optionalString(f.image, "fluentBit.image", FLUENT_BIT_IMAGE) ?? FLUENT_BIT_IMAGE;
    if (!/@sha256:[0-9a-f]{64}$/.test(image)) fail("fluentBit.image", `must be pinned by digest ("<repository>:<tag>@sha256:<64 hex>"), so every node runs the same reviewed build; got ${show(image)}`);
    const namespace = optionalString(f.namespace, "fluentBit.namespace", "kube-audit-shipping") ?? "kube-audit-shipping";
    if (!DNS_LABEL.test(namespace) || namespace.length > 63) fail("fluentBit.namespace", `must be a DNS label, e.g. "kube-audit-shipping"; got ${show(namespace)}`);
    const cpuRequest = optionalString(f.cpuRequest, "fluentBit.cpuRequest", "50m") ?? "50m";
    if (!QUANTITY.test(cpuRequest)) fail("fluentBit.cpuRequest", `must be a Kubernetes CPU quantity, e.g. "50m" or "0.1"; got ${show(cpuRequest)}`);
    const memoryLimit = optionalString(f.memoryLimit, "fluentBit.memoryLimit", "128Mi") ?? "128Mi";
    if (!QUANTITY.test(memoryLimit)) fail("fluentBit.memoryLimit", `must be a Kubernetes memory quantity, e.g. "128Mi"; got ${show(memoryLimit)}`);
    if (f.seLinux !== undefined && typeof f.seLinux !== "boolean") fail("fluentBit.seLinux", `must be true or false; got ${show(f.seLinux)}`);
    plan.fluentBit = { image, namespace, cpuRequest, memoryLimit, seLinux: f.seLinux === true };
  } else {
    if (fb !== undefined) fail("fluentBit", `only applies with collector "${Collector.FluentBit}"; remove it`);
    if (!isObject(rl)) fail("rancherLogging", `is required with collector "${Collector.RancherLogging}": { chartVersion: "<the rancher-logging version your Rancher offers, e.g. 104.1.2+up4.8.0>" }`);
    knownKeys(rl, ["chartVersion", "loggingRef"], "rancherLogging");
    const chartVersion = rl.chartVersion;
    if (typeof chartVersion !== "string" || !/^\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]+)?$/.test(chartVersion)) {
      fail("rancherLogging.chartVersion", `must be a rancher-logging chart version from Rancher's rancher-charts repository, e.g. "104.1.2+up4.8.0"; got ${show(chartVersion)}`);
    }
    const loggingRef = optionalString(rl.loggingRef, "rancherLogging.loggingRef", AUDIT_JOB) ?? AUDIT_JOB;
    if (!DNS_LABEL.test(loggingRef) || loggingRef.length > 63) fail("rancherLogging.loggingRef", `must be a DNS label, e.g. "${AUDIT_JOB}"; got ${show(loggingRef)}`);
    plan.rancherLogging = { chartVersion, loggingRef };
  }
  return plan;
}
