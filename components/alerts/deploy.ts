/**
 * The pure plan of the AuditAlerts component: the arguments checked, the can-fire analysis of the
 * cluster's policy, and the exact objects the component registers (a PrometheusRule whose rules
 * read only this cluster's stream, and the dashboard ConfigMap). No Pulumi import: the component
 * (component.ts) only wires what this returns.
 */
import { requireSupportedKubernetesVersion, type Finding } from "../audit-policy";
import { fail, show } from "../core/errors";
import { resolvePolicy } from "../core/policy";
import { AlertId, isAlertId, selectAlerts } from "./catalog";
import { alertsCannotFire } from "./coverage";
import { dashboardConfigMap } from "./dashboard";
import { DEFAULT_LOKI_SELECTOR } from "./logql";
import { prometheusRuleObject } from "./render";

/** What AuditAlerts is given (its Args: plain values, so the analysis runs before anything is registered). */
export interface AlertsPlanInput {
  clusterName: string;
  policyYaml: string;
  kubernetesVersion?: string;
  strict?: boolean;
  alerts?: readonly AlertId[];
  namespace?: string;
  ruleLabels?: Record<string, string>;
  window?: string;
  dashboard?: boolean;
  dashboardDatasourceUid?: string;
}

/** What AuditAlerts registers, and why. */
export interface AlertsPlan {
  /** The alerts deployed, in table order. */
  alerts: AlertId[];
  /** `alert-cannot-fire` findings (severity error when strict). */
  findings: Finding[];
  /** The ids of the alerts the policy keeps from firing. */
  cannotFire: AlertId[];
  /** The `monitoring.coreos.com/v1` PrometheusRule (LogQL rules for Alloy's `loki.rules.kubernetes`). */
  prometheusRule: Record<string, unknown>;
  /** The Grafana dashboard ConfigMap (cattle-dashboards), unless `dashboard: false`. */
  dashboardConfigMap?: Record<string, unknown>;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** The stream selector of one cluster's rules: the shipper's labels (components/shipping AUDIT_JOB, cluster). */
export function clusterSelector(clusterName: string): string {
  return `${DEFAULT_LOKI_SELECTOR.slice(0, -1)}, cluster=${JSON.stringify(clusterName)}}`;
}

/** The fix the component's messages give (the program names its own config keys instead). */
export const CANNOT_FIRE_FIX =
  "log these requests at the level the alert needs (the `recommended` preset lets every alert fire), or leave the alerts out (alerts), or accept it (strict: false reports this as a warning).";

/** The message naming the alerts that cannot fire and the fix (the strict error and the warning). */
export function cannotFireMessage(findings: readonly Finding[], clusterName: string, fix: string = CANNOT_FIRE_FIX): string {
  return [`${findings.length} alert(s) cannot fire with the audit policy of cluster "${clusterName}":`, ...findings.map((f) => `  ${f.message}`), `Fix: ${fix}`].join("\n");
}

/** Checks the arguments and runs the can-fire analysis; throws AuditConfigError naming the argument. */
export function planAuditAlerts(input: AlertsPlanInput): AlertsPlan {
  if (input === null || typeof input !== "object") fail("", "the arguments must be an object { clusterName, policyYaml, ... }");
  if (typeof input.clusterName !== "string" || input.clusterName.trim() === "" || /["\\\n]/.test(input.clusterName)) {
    fail("clusterName", `is required: the cluster's name as the shipper labels its stream (the \`cluster\` label), e.g. "prod-eu-1"; got ${show(input.clusterName)}`);
  }
  if (typeof input.policyYaml !== "string" || input.policyYaml.trim() === "") {
    fail("policyYaml", `is required: the YAML (or JSON) text of the audit.k8s.io/v1 Policy the cluster runs, e.g. cluster.plan.policy.yaml of an AuditedCluster; got ${show(input.policyYaml)}`);
  }
  if (input.kubernetesVersion !== undefined) {
    try {
      requireSupportedKubernetesVersion(input.kubernetesVersion, "kubernetesVersion");
    } catch (e) {
      fail("kubernetesVersion", (e as Error).message.replace(/^kubernetesVersion:\s*/, ""));
    }
  }
  for (const key of ["strict", "dashboard"] as const) {
    if (input[key] !== undefined && typeof input[key] !== "boolean") fail(key, `must be true or false; got ${show(input[key])}`);
  }
  if (input.alerts !== undefined) {
    if (!Array.isArray(input.alerts) || input.alerts.length === 0) fail("alerts", `must be a non-empty list of alert ids (AlertId), or left out for all; got ${show(input.alerts)}`);
    const unknown = input.alerts.filter((a) => !isAlertId(a));
    if (unknown.length > 0) fail("alerts", `unknown alert ${unknown.map(show).join(", ")}; the alerts are: ${Object.values(AlertId).join(", ")}`);
  }
  if (input.namespace !== undefined && (typeof input.namespace !== "string" || !DNS_LABEL.test(input.namespace) || input.namespace.length > 63)) {
    fail("namespace", `must be a Kubernetes namespace name (lowercase letters, digits, "-"), e.g. "cattle-monitoring-system"; got ${show(input.namespace)}`);
  }
  if (input.ruleLabels !== undefined) {
    const l = input.ruleLabels;
    if (l === null || typeof l !== "object" || Array.isArray(l)) fail("ruleLabels", `must be a map of labels, e.g. { "alloy-rules": "kube-audit" }; got ${show(l)}`);
    for (const [k, v] of Object.entries(l)) {
      if (!LABEL_KEY.test(k) || k.length > 253) fail(`ruleLabels`, `${show(k)} is not a Kubernetes label key (e.g. "alloy-rules" or "example.com/rules")`);
      if (typeof v !== "string" || !LABEL_VALUE.test(v) || v.length > 63) fail(`ruleLabels.${k}`, `must be a Kubernetes label value (at most 63 letters, digits, "-", "_", "."); got ${show(v)}`);
    }
  }
  if (input.window !== undefined && (typeof input.window !== "string" || !/^[1-9]\d*[smhd]$/.test(input.window))) {
    fail("window", `must be a LogQL duration such as "5m" or "1h"; got ${show(input.window)}`);
  }
  if (input.dashboardDatasourceUid !== undefined && (typeof input.dashboardDatasourceUid !== "string" || input.dashboardDatasourceUid.trim() === "")) {
    fail("dashboardDatasourceUid", `must be the uid of a Loki data source in Grafana; got ${show(input.dashboardDatasourceUid)}`);
  }

  const { policy } = resolvePolicy({ policyYaml: input.policyYaml }, { kubernetesVersion: input.kubernetesVersion, allowUnsafePolicy: true, path: "" });
  const alerts = selectAlerts(input.alerts).map((a) => a.id);
  const blocked = alertsCannotFire(policy, { strict: input.strict === true, kubernetesVersion: input.kubernetesVersion, alerts });
  const findings = blocked.map((b) => b.finding);
  const cannotFire = blocked.map((b) => b.alert);
  if (input.strict === true && findings.length > 0) fail("policyYaml", cannotFireMessage(findings, input.clusterName));

  const prometheusRule = prometheusRuleObject({
    alerts,
    selector: clusterSelector(input.clusterName),
    window: input.window,
    namespace: input.namespace,
    labels: input.ruleLabels,
  });
  return {
    alerts,
    findings,
    cannotFire,
    prometheusRule,
    ...(input.dashboard === false ? {} : { dashboardConfigMap: dashboardConfigMap({ datasourceUid: input.dashboardDatasourceUid }) }),
  };
}
