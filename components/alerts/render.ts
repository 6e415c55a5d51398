/**
 * Alert rule files for each sink, from the alert table:
 * - Loki: a ruler rule-group file (Prometheus rule format with LogQL), and the same groups as a
 *   `monitoring.coreos.com/v1` PrometheusRule for Grafana Alloy's `loki.rules.kubernetes`;
 * - OpenSearch: one per query monitor per alert (`POST _plugins/_alerting/monitors`) whose query is
 *   the alert's query DSL over the window, triggered when it finds a document. Not a per document
 *   monitor: those run Lucene query strings whose field names the alerting plugin rewrites as text
 *   (opensearch-project/alerting DocLevelMonitorQueries.kt), which breaks `.keyword` sub-fields and
 *   keys such as `authorization.k8s.io/decision` (see docs/alerts.md);
 * - Elasticsearch: one Kibana "Elasticsearch query" rule per alert (`POST /api/alerting/rule`,
 *   rule type `.es-query`, available on the free Basic licence; see docs/alerts.md for the choice).
 * Output is deterministic: table order, sorted keys.
 */
import { stringify } from "yaml";

import { sortKeysDeep } from "../audit-policy";
import { selectAlerts, type AlertDefinition, type AlertSeverity } from "./catalog";
import { esQuery, type ElasticQueryOptions } from "./elastic";
import { alertExpr, DEFAULT_WINDOW, type LokiQueryOptions } from "./logql";

/** Where the rules are loaded. */
export enum AlertFormat {
  Loki = "loki",
  OpenSearch = "opensearch",
  Elasticsearch = "elasticsearch",
}

export interface AlertRenderOptions extends LokiQueryOptions, ElasticQueryOptions {
  /** Which alerts (ids of ALERTS). Default: all. */
  alerts?: readonly string[];
  /** Elasticsearch/OpenSearch index pattern the audit events are in. Default `kube-audit*`. */
  indexPattern?: string;
  /** How often Kibana rules and OpenSearch monitors run, in minutes. Default 1. */
  intervalMinutes?: number;
  /** The rule group name (Loki) and the tag on every rule. Default `kube-audit`. */
  groupName?: string;
}

export interface RenderedFile {
  /** Relative path, `/`-separated. */
  path: string;
  content: string;
}

export const DEFAULT_INDEX_PATTERN = "kube-audit*";
const DEFAULT_GROUP = "kube-audit";

function checkOptions(o: AlertRenderOptions): void {
  const interval = o.intervalMinutes ?? 1;
  if (!Number.isInteger(interval) || interval < 1) {
    throw new Error(`intervalMinutes: must be a whole number of minutes, at least 1 (got ${JSON.stringify(o.intervalMinutes)})`);
  }
  for (const [key, value] of [["indexPattern", o.indexPattern], ["groupName", o.groupName], ["selector", o.selector]] as const) {
    if (value !== undefined && (typeof value !== "string" || value.trim() === "")) throw new Error(`${key}: must be a non-empty string (got ${JSON.stringify(value)})`);
  }
  if (o.window !== undefined && !/^\d+[smhd]$/.test(o.window)) throw new Error(`window: must be a LogQL duration such as 5m or 1h (got ${JSON.stringify(o.window)})`);
}

/** One Prometheus-format rule of the Loki ruler. */
export function lokiRule(alert: AlertDefinition, options: LokiQueryOptions = {}) {
  return {
    alert: alert.name,
    expr: alertExpr(alert, options),
    labels: { severity: alert.severity, detection: alert.id },
    annotations: { summary: alert.summary, description: `False positives: ${alert.falsePositives}` },
  };
}

/** The Loki ruler rule groups (`groups:` document). */
export function lokiRuleGroups(options: AlertRenderOptions = {}) {
  checkOptions(options);
  const alerts = selectAlerts(options.alerts);
  return { groups: [{ name: options.groupName ?? DEFAULT_GROUP, rules: alerts.map((a) => lokiRule(a, options)) }] };
}

export interface PrometheusRuleOptions extends AlertRenderOptions {
  /** Object name. Default `kube-audit-alerts`. */
  name?: string;
  /** Namespace. Default `cattle-monitoring-system`. */
  namespace?: string;
  /** Extra labels (e.g. what Alloy's `rule_selector` matches). */
  labels?: Record<string, string>;
}

/** Label on our PrometheusRule objects: their expressions are LogQL, for Loki only (see docs/alerts.md). */
export const RULE_ENGINE_LABEL = "rancher-audit.io/rule-engine";

/** The rule groups as a PrometheusRule object for Grafana Alloy's `loki.rules.kubernetes`. */
export function prometheusRuleObject(options: PrometheusRuleOptions = {}) {
  const { groups } = lokiRuleGroups(options);
  return sortKeysDeep({
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: {
      name: options.name ?? "kube-audit-alerts",
      namespace: options.namespace ?? "cattle-monitoring-system",
      labels: { ...options.labels, [RULE_ENGINE_LABEL]: "loki", "app.kubernetes.io/managed-by": "rancher-audit" },
    },
    spec: { groups },
  }) as Record<string, unknown>;
}

const OPENSEARCH_SEVERITY: Record<AlertSeverity, string> = { critical: "1", warning: "2", info: "3" };

/** An OpenSearch per query monitor (the body of `POST _plugins/_alerting/monitors`). */
export function openSearchMonitor(alert: AlertDefinition, options: AlertRenderOptions = {}) {
  const window = options.window ?? DEFAULT_WINDOW;
  const query = esQuery(alert.conditions, options) as { bool: { filter: object[]; must_not?: object[] } };
  const range = { range: { "@timestamp": { gte: `{{period_end}}||-${window}`, lte: "{{period_end}}", format: "epoch_millis" } } };
  return {
    type: "monitor",
    monitor_type: "query_level_monitor",
    name: alert.name,
    enabled: true,
    schedule: { period: { interval: options.intervalMinutes ?? 1, unit: "MINUTES" } },
    inputs: [
      {
        search: {
          indices: [options.indexPattern ?? DEFAULT_INDEX_PATTERN],
          query: { size: 10, query: { bool: { ...query.bool, filter: [range, ...query.bool.filter] } } },
        },
      },
    ],
    triggers: [
      {
        name: alert.summary,
        severity: OPENSEARCH_SEVERITY[alert.severity],
        condition: { script: { source: "ctx.results[0].hits.total.value > 0", lang: "painless" } },
        actions: [],
      },
    ],
  };
}

/** A Kibana "Elasticsearch query" rule (the body of `POST /api/alerting/rule`). */
export function kibanaRule(alert: AlertDefinition, options: AlertRenderOptions = {}) {
  const window = options.window ?? DEFAULT_WINDOW;
  return {
    name: alert.name,
    rule_type_id: ".es-query",
    consumer: "stackAlerts",
    tags: [options.groupName ?? DEFAULT_GROUP, alert.id, alert.severity],
    schedule: { interval: `${options.intervalMinutes ?? 1}m` },
    actions: [],
    params: {
      searchType: "esQuery",
      index: [options.indexPattern ?? DEFAULT_INDEX_PATTERN],
      timeField: "@timestamp",
      esQuery: JSON.stringify({ query: esQuery(alert.conditions, options) }),
      size: 100,
      threshold: [0],
      thresholdComparator: ">",
      timeWindowSize: Number(window.slice(0, -1)),
      timeWindowUnit: window.slice(-1),
      excludeHitsFromPreviousRun: true,
    },
  };
}

const json = (o: object) => `${JSON.stringify(sortKeysDeep(o), null, 2)}\n`;

/** The rule files for one sink, ready to write or load (paths relative to an output folder). */
export function renderAlertRules(format: AlertFormat, options: AlertRenderOptions = {}): RenderedFile[] {
  checkOptions(options);
  const alerts = selectAlerts(options.alerts);
  switch (format) {
    case AlertFormat.Loki:
      return [{ path: "loki/kube-audit-alerts.yaml", content: stringify(sortKeysDeep(lokiRuleGroups(options)), { lineWidth: 0 }) }];
    case AlertFormat.OpenSearch:
      return alerts.map((a) => ({ path: `opensearch/${a.id}.json`, content: json(openSearchMonitor(a, options)) }));
    case AlertFormat.Elasticsearch:
      return alerts.map((a) => ({ path: `elasticsearch/${a.id}.json`, content: json(kibanaRule(a, options)) }));
    default:
      throw new Error(`format: unknown alert format ${JSON.stringify(format)}; the formats are: ${Object.values(AlertFormat).join(", ")}`);
  }
}


