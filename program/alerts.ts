/**
 * The program's alerts: the stack config key `rancher-audit:alerts` (declared here, once), its
 * parser, the pure per-cluster alert plan (rules, can-fire findings, rule files for
 * Elasticsearch/OpenSearch), and `buildClusterAlerts`, which deploys a cluster's alerts through the
 * Kubernetes provider of its AuditLogShipping. Alerts run where the log is shipped: the rules are
 * for one shipping sink (`sink`), whose kind decides what happens:
 * - Loki: an AuditAlerts component (PrometheusRule for Alloy's `loki.rules.kubernetes`, dashboard);
 * - Elasticsearch/OpenSearch: the program cannot load rules there (no provider), so the rendered
 *   rule files are a stack output (`alerts.<cluster>.files`) and `rancher-audit plan --out` / `rancher-audit alerts` files.
 */
import type * as pulumi from "@pulumi/pulumi";
import { AlertFormat, ALERTS, alertsCannotFire, cannotFireMessage, planAuditAlerts, renderAlertRules, type AlertsPlan, type RenderedFile } from "../components/alerts";
import { AuditAlerts } from "../components/alerts/component";
import type { Finding } from "../components/audit-policy";
import { AuditConfigError, show } from "../components/core/errors";
import { resolvePolicy } from "../components/core/policy";
import type { AuditedCluster } from "../components/rancher";
import { SinkKind, type AuditLogShipping } from "../components/shipping";
import { ConfigError, PROJECT } from "./errors";

/** The config key (without the project prefix). */
export const ALERTS_KEY = "alerts";

/** The fields of `rancher-audit:alerts`, with their meaning (the key's description and docs/alerts.md derive from it). */
export const ALERTS_FIELDS = {
  enabled: "deploy the alerts (default true when the key is set)",
  sink: "name of the shipping sink the rules are for (rancher-audit:shipping sinks); default: the only sink. Loki: a PrometheusRule and a dashboard per cluster; Elasticsearch/OpenSearch: rule files in the stack output alerts.<cluster>.files",
  strict: "an alert the cluster's policy keeps from firing fails the preview (default false: a warning)",
  dashboard: "deploy the Grafana dashboard ConfigMap with the Loki rules (default true)",
  namespace: "namespace of the PrometheusRule (default cattle-monitoring-system)",
  ruleLabels: "extra labels on the PrometheusRule, for Alloy's rule_selector (default none)",
} as const;

/** The description of the key (CONFIG_KEYS). */
export const ALERTS_DESCRIPTION = `Alerts on the shipped log: { ${Object.keys(ALERTS_FIELDS).join(", ")} } (docs/alerts.md). Needs ${PROJECT}:shipping.`;

/** `rancher-audit:alerts`, parsed. */
export interface AlertsConfig {
  enabled: boolean;
  /** The sink name as given; undefined: the only sink of the shipping. */
  sink?: string;
  strict: boolean;
  dashboard: boolean;
  namespace?: string;
  ruleLabels?: Record<string, string>;
}

/** A shipping sink as alerts need it: name, kind, and where Elasticsearch/OpenSearch documents go. */
export interface AlertSinkRef {
  name: string;
  kind: SinkKind;
  index?: string;
  dataStream?: string;
}

const EXAMPLE = "e.g. { sink: loki, strict: true }";

/** Parses `rancher-audit:alerts` (undefined when not set). Errors name `rancher-audit:alerts.<field>`. */
export function readAlertsConfig(raw: unknown): AlertsConfig | undefined {
  if (raw === undefined || raw === null) return undefined;
  let value = raw;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      throw new ConfigError(ALERTS_KEY, `must be a map, ${EXAMPLE}; got ${show(raw)}`);
    }
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new ConfigError(ALERTS_KEY, `must be a map, ${EXAMPLE}; got ${show(value)}`);
  const v = value as Record<string, unknown>;
  const known = Object.keys(ALERTS_FIELDS);
  for (const k of Object.keys(v)) if (!known.includes(k)) throw new ConfigError(`${ALERTS_KEY}.${k}`, `is not an alerts setting; known: ${known.join(", ")}`);
  const bool = (k: "enabled" | "strict" | "dashboard", dflt: boolean): boolean => {
    const x = v[k];
    if (x === undefined) return dflt;
    if (x === true || x === "true") return true;
    if (x === false || x === "false") return false;
    throw new ConfigError(`${ALERTS_KEY}.${k}`, `must be true or false; got ${show(x)}`);
  };
  const config: AlertsConfig = { enabled: bool("enabled", true), strict: bool("strict", false), dashboard: bool("dashboard", true) };
  for (const k of ["sink", "namespace"] as const) {
    if (v[k] === undefined) continue;
    if (typeof v[k] !== "string" || v[k] === "") throw new ConfigError(`${ALERTS_KEY}.${k}`, `must be a non-empty string; got ${show(v[k])}`);
    config[k] = v[k] as string;
  }
  if (v.ruleLabels !== undefined) {
    const l = v.ruleLabels;
    if (l === null || typeof l !== "object" || Array.isArray(l) || !Object.values(l).every((x) => typeof x === "string")) {
      throw new ConfigError(`${ALERTS_KEY}.ruleLabels`, `must be a map of string labels, e.g. { alloy-rules: kube-audit }; got ${show(l)}`);
    }
    config.ruleLabels = { ...(l as Record<string, string>) };
  }
  return config;
}

/** `rancher-audit:alerts` of a stack, on, with the shipping sink its rules are for. */
export interface StackAlerts extends AlertsConfig {
  target: AlertSinkRef;
}

/**
 * The sinks of the stack's `rancher-audit:shipping` as alerts need them (name, kind, index,
 * dataStream): from the stack file's map `sinks: { <name>: { kind, ... } }` or the parsed list
 * `sinks: [{ name, kind, ... }]`. The shipping parser validates the rest.
 */
export function shippingSinksFromConfig(raw: unknown): AlertSinkRef[] {
  let value = raw;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return [];
    }
  }
  const given = (value as { sinks?: unknown } | null | undefined)?.sinks;
  const sinks =
    given !== null && typeof given === "object" && !Array.isArray(given)
      ? Object.entries(given as Record<string, unknown>).map(([name, s]) => (s !== null && typeof s === "object" ? { ...(s as object), name } : s))
      : given;
  if (!Array.isArray(sinks)) return [];
  return sinks
    .filter((s): s is Record<string, unknown> => s !== null && typeof s === "object" && typeof s.name === "string" && Object.values(SinkKind).includes(s.kind as SinkKind))
    .map((s) => ({
      name: s.name as string,
      kind: s.kind as SinkKind,
      ...(typeof s.index === "string" ? { index: s.index } : {}),
      ...(typeof s.dataStream === "string" ? { dataStream: s.dataStream } : {}),
    }));
}

/**
 * Reads `rancher-audit:alerts` against the stack's other keys (values without the project prefix):
 * undefined when not set or off; a ConfigError when it is on without audit logging or shipping, or
 * names no shipping sink.
 */
export function readStackAlerts(values: Record<string, unknown>, auditEnabled: boolean): StackAlerts | undefined {
  const alerts = readAlertsConfig(values[ALERTS_KEY]);
  if (!alerts || !alerts.enabled) return undefined;
  if (!auditEnabled) {
    throw new ConfigError(ALERTS_KEY, `needs audit logging, which ${PROJECT}:enabled false turns off; set ${PROJECT}:enabled true, or ${PROJECT}:alerts.enabled false`);
  }
  return { ...alerts, target: alertSink(alerts, shippingSinksFromConfig(values.shipping)) };
}

/** The sink the alerts are for, among the shipping sinks; a ConfigError naming `rancher-audit:alerts.sink` when none fits. */
export function alertSink(alerts: AlertsConfig, sinks: readonly AlertSinkRef[]): AlertSinkRef {
  if (sinks.length === 0) {
    throw new ConfigError(ALERTS_KEY, `alerts read the shipped log, and this stack ships none: configure ${PROJECT}:shipping (docs/shipping.md), or turn alerts off with ${PROJECT}:alerts.enabled false`);
  }
  const names = sinks.map((s) => `"${s.name}" (${s.kind})`).join(", ");
  if (alerts.sink === undefined) {
    if (sinks.length === 1) return sinks[0];
    throw new ConfigError(`${ALERTS_KEY}.sink`, `is required when the shipping has several sinks: name the one the rules are for, one of ${names}`);
  }
  const found = sinks.find((s) => s.name === alerts.sink);
  if (!found) throw new ConfigError(`${ALERTS_KEY}.sink`, `"${alerts.sink}" is not a shipping sink; the sinks are ${names}`);
  return found;
}

/** The rule format of a sink kind. */
export function alertFormatOf(kind: SinkKind): AlertFormat {
  return kind === SinkKind.Loki ? AlertFormat.Loki : kind === SinkKind.OpenSearch ? AlertFormat.OpenSearch : AlertFormat.Elasticsearch;
}

/** The index pattern Elasticsearch/OpenSearch rules search: the sink's data stream or index, and its rollover indices. */
export function indexPatternOf(sink: AlertSinkRef): string {
  return sink.dataStream ?? `${sink.index ?? "kube-audit"}*`;
}

/** One cluster's alerts, planned: what the program deploys or exports, and the can-fire findings. */
export interface ClusterAlertsPlan {
  sink: string;
  format: AlertFormat;
  /** The rule names, in table order. */
  rules: string[];
  /** `alert-cannot-fire` findings (severity error when strict). */
  findings: Finding[];
  /** Loki: the AuditAlerts plan (exact objects). */
  loki?: AlertsPlan;
  /** Elasticsearch/OpenSearch: the rule files to load (paths relative to an output folder). */
  files?: RenderedFile[];
}

/** The strict error of a stack: which alerts cannot fire on which cluster, and the fixes (config keys). */
function strictError(clusterName: string, findings: Finding[]): ConfigError {
  return new ConfigError(
    `${ALERTS_KEY}.strict`,
    cannotFireMessage(
      findings,
      clusterName,
      `log these requests at the level the alerts need (${PROJECT}:preset recommended lets every alert fire, or fix ${PROJECT}:policyFile), or set ${PROJECT}:alerts.strict false to deploy them with a warning`,
    ),
    { unsafeFindings: findings },
  );
}

/**
 * Plans one cluster's alerts from its delivered policy (pure): the strict check happens here, so a
 * strict stack fails in the config check, before anything is registered.
 */
export function planClusterAlerts(alerts: AlertsConfig, sink: AlertSinkRef, cluster: { clusterName: string; kubernetesVersion: string; policyYaml: string }): ClusterAlertsPlan {
  const format = alertFormatOf(sink.kind);
  const rules = ALERTS.map((a) => a.name);
  if (format === AlertFormat.Loki) {
    let loki: AlertsPlan;
    try {
      loki = planAuditAlerts({ ...lokiArgs(alerts, cluster), strict: false });
    } catch (e) {
      if (!(e instanceof AuditConfigError)) throw e;
      throw new ConfigError(`${ALERTS_KEY}${e.path ? `.${e.path}` : ""}`, e.detail);
    }
    const findings = alerts.strict ? loki.findings.map((f) => ({ ...f, severity: "error" as const })) : loki.findings;
    if (alerts.strict && findings.length > 0) throw strictError(cluster.clusterName, findings);
    return { sink: sink.name, format, rules, findings, loki };
  }
  const { policy } = resolvePolicy({ policyYaml: cluster.policyYaml }, { kubernetesVersion: cluster.kubernetesVersion, allowUnsafePolicy: true, path: "" });
  const findings = alertsCannotFire(policy, { strict: alerts.strict, kubernetesVersion: cluster.kubernetesVersion }).map((c) => c.finding);
  if (alerts.strict && findings.length > 0) throw strictError(cluster.clusterName, findings);
  return { sink: sink.name, format, rules, findings, files: renderAlertRules(format, { indexPattern: indexPatternOf(sink) }) };
}

function lokiArgs(alerts: AlertsConfig, cluster: { clusterName: string; kubernetesVersion: string; policyYaml: string }) {
  return {
    clusterName: cluster.clusterName,
    policyYaml: cluster.policyYaml,
    kubernetesVersion: cluster.kubernetesVersion,
    strict: alerts.strict,
    dashboard: alerts.dashboard,
    ...(alerts.namespace !== undefined ? { namespace: alerts.namespace } : {}),
    ...(alerts.ruleLabels !== undefined ? { ruleLabels: alerts.ruleLabels } : {}),
  };
}

/** What buildClusterAlerts registered or exports for one cluster. */
export interface BuiltClusterAlerts {
  plan: ClusterAlertsPlan;
  /** Loki: the component. */
  component?: AuditAlerts;
}

/**
 * Deploys one cluster's alerts for its AuditLogShipping: Loki rules and the dashboard through the
 * shipping's Kubernetes provider (the downstream cluster), as `<cluster>-alerts`; for an
 * Elasticsearch/OpenSearch sink nothing is registered (the plan's files are exported instead).
 */
export function buildClusterAlerts(
  alerts: AlertsConfig,
  cluster: AuditedCluster,
  shipping: AuditLogShipping,
  opts: { parent?: pulumi.Resource } = {},
): BuiltClusterAlerts {
  const p = cluster.plan;
  if (!p.policy) throw new ConfigError(ALERTS_KEY, `cluster "${p.clusterName}" has audit logging off: there is no log to alert on; set ${PROJECT}:enabled true, or ${PROJECT}:alerts.enabled false`);
  const sink = alertSink(alerts, shipping.plan.sinks);
  const clusterInput = { clusterName: p.clusterName, kubernetesVersion: p.kubernetesVersion, policyYaml: p.policy.yaml };
  const plan = planClusterAlerts(alerts, sink, clusterInput);
  if (plan.format !== AlertFormat.Loki) return { plan };
  if (!shipping.kubernetesProvider) {
    throw new ConfigError(ALERTS_KEY, `cluster "${p.clusterName}": the shipping has no Kubernetes provider of its own to deploy the alert rules through`);
  }
  const component = new AuditAlerts(`${p.clusterName}-alerts`, lokiArgs(alerts, clusterInput), {
    providers: { kubernetes: shipping.kubernetesProvider },
    ...(opts.parent ? { parent: opts.parent } : {}),
  });
  return { plan, component };
}

/** The stack output of one cluster's alerts: sink, format, rules, the alerts that cannot fire, and the rule files (Elasticsearch/OpenSearch). */
export function alertsOutput(built: BuiltClusterAlerts) {
  const p = built.plan;
  return {
    sink: p.sink,
    format: p.format as string,
    rules: p.rules,
    cannotFire: p.findings.map((f) => f.message),
    ...(p.files ? { files: Object.fromEntries(p.files.map((f) => [f.path, f.content])) } : {}),
  };
}
