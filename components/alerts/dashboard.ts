/**
 * A Grafana dashboard over the shipped audit log (Loki data source), and the ConfigMap that Rancher
 * Monitoring's Grafana sidecar loads it from (namespace `cattle-dashboards`, label
 * `grafana_dashboard: "1"`). The RBAC, exec and Secret panels show exactly the events of the
 * corresponding alerts (same LogQL, from the alert table).
 */
import { sortKeysDeep } from "../audit-policy";
import { ALERTS, AlertId, type AlertDefinition } from "./catalog";
import { alertLogQuery } from "./logql";

export interface DashboardOptions {
  /** Grafana dashboard uid. Default `kube-audit`. */
  uid?: string;
  /** Title. Default `Kubernetes audit log`. */
  title?: string;
  /** The Loki data source uid. Default: the `${datasource}` variable, any Loki data source. */
  datasourceUid?: string;
}

/** The stream selector of every panel: the `cluster` variable picks the clusters. */
export const DASHBOARD_SELECTOR = '{job="kube-audit", cluster=~"$cluster"}';

const alert = (id: AlertId): AlertDefinition => {
  const a = ALERTS.find((x) => x.id === id);
  if (!a) throw new Error(`no alert ${id}`);
  return a;
};

interface PanelSpec {
  title: string;
  type: "timeseries" | "logs" | "alertlist";
  expr?: string;
  legend?: string;
  description: string;
}

/** Every panel and its LogQL (the queries a test parses with Grafana's grammar). */
export function dashboardPanels(): PanelSpec[] {
  const sel = DASHBOARD_SELECTOR;
  const q = (id: AlertId) => alertLogQuery(alert(id), { selector: sel });
  return [
    {
      title: "Requests by user and verb",
      type: "timeseries",
      expr: `sum by (user_username, verb) (count_over_time(${sel} | json | stage="ResponseComplete" [$__auto]))`,
      legend: "{{user_username}} {{verb}}",
      description: "Completed requests the policy logged, per identity and verb.",
    },
    {
      title: "Denied requests",
      type: "timeseries",
      expr: `sum by (user_username, verb, objectRef_resource) (count_over_time(${sel} | json | stage="ResponseComplete" | (annotations_authorization_k8s_io_decision="forbid" or responseStatus_code=~"401|403") [$__auto]))`,
      legend: "{{user_username}} {{verb}} {{objectRef_resource}}",
      description: "Requests refused by authorization (403) or authentication (401): enumeration, stolen or expired tokens.",
    },
    { title: "RBAC changes", type: "logs", expr: q(AlertId.RbacChange), description: "The events of the KubeAuditRbacChange alert." },
    { title: "Exec and attach sessions", type: "logs", expr: q(AlertId.ExecAttach), description: "The events of the KubeAuditPodExec alert." },
    {
      title: "Secret reads by people",
      type: "timeseries",
      expr: `sum by (user_username, objectRef_namespace) (count_over_time(${q(AlertId.SecretRead)} [$__auto]))`,
      legend: "{{user_username}} {{objectRef_namespace}}",
      description: "The events of the KubeAuditSecretReadByHuman alert, per identity and namespace.",
    },
    { title: "Firing alerts", type: "alertlist", description: "Loki ruler alerts of this project (label detection)." },
  ];
}

function panel(spec: PanelSpec, index: number, datasource: object): object {
  const gridPos = { h: 8, w: 12, x: (index % 2) * 12, y: Math.floor(index / 2) * 8 };
  const base = { id: index + 1, title: spec.title, type: spec.type, description: spec.description, gridPos };
  if (spec.type === "alertlist") {
    return { ...base, options: { alertInstanceLabelFilter: "detection=~\".+\"", stateFilter: { firing: true, pending: true }, viewMode: "list", groupMode: "default", maxItems: 50 } };
  }
  return {
    ...base,
    datasource,
    targets: [{ refId: "A", datasource, expr: spec.expr, ...(spec.legend ? { legendFormat: spec.legend } : {}), queryType: "range" }],
    ...(spec.type === "logs" ? { options: { showTime: true, wrapLogMessage: true, sortOrder: "Descending" } } : {}),
  };
}

/** The dashboard JSON model (Grafana's import format). */
export function auditDashboard(options: DashboardOptions = {}): Record<string, unknown> {
  const datasource = { type: "loki", uid: options.datasourceUid ?? "${datasource}" };
  return sortKeysDeep({
    uid: options.uid ?? "kube-audit",
    title: options.title ?? "Kubernetes audit log",
    tags: ["kube-audit", "rancher-audit"],
    schemaVersion: 39,
    editable: true,
    time: { from: "now-24h", to: "now" },
    refresh: "1m",
    templating: {
      list: [
        { name: "datasource", type: "datasource", query: "loki", label: "Loki" },
        { name: "cluster", type: "query", datasource, query: { label: "cluster", stream: '{job="kube-audit"}', type: 1 }, includeAll: true, multi: true, allValue: ".+", refresh: 2 },
      ],
    },
    panels: dashboardPanels().map((p, i) => panel(p, i, datasource)),
  }) as Record<string, unknown>;
}

/** The ConfigMap Rancher Monitoring's Grafana sidecar loads dashboards from. */
export function dashboardConfigMap(options: DashboardOptions & { name?: string } = {}): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: options.name ?? "kube-audit-dashboard", namespace: "cattle-dashboards", labels: { grafana_dashboard: "1" } },
    data: { "kube-audit.json": `${JSON.stringify(auditDashboard(options), null, 2)}\n` },
  };
}
