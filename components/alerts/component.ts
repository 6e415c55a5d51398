/**
 * AuditAlerts: deploys the alert rules (a PrometheusRule for Grafana Alloy's `loki.rules.kubernetes`)
 * and the Grafana dashboard ConfigMap to one cluster, through the Kubernetes provider it is given,
 * after checking that the cluster's audit policy lets every alert fire. Only wires: the objects and
 * the analysis come from planAuditAlerts (deploy.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { inComponent } from "../core/errors";
import type { AlertId } from "./catalog";
import { cannotFireMessage, planAuditAlerts, type AlertsPlan } from "./deploy";

const TYPE = "rancher-audit:index:AuditAlerts";

export interface AuditAlertsArgs {
  /**
   * The cluster's name as the shipper labels its stream (the `cluster` label of every line):
   * the rules read only `{job="kube-audit", cluster="<clusterName>"}`. Example: `"prod-eu-1"`.
   */
  clusterName: string;
  /**
   * The audit policy the cluster runs: the YAML (or JSON) text of an `audit.k8s.io/v1` Policy.
   * A plain string, not an Output: the can-fire analysis runs during `pulumi preview`, before
   * anything is registered. Example: `cluster.plan.policy!.yaml` of an AuditedCluster, or
   * `renderPolicy(getPreset("recommended"))`.
   */
  policyYaml: string;
  /**
   * The cluster's Kubernetes version, for version-dependent policy behaviour in the analysis.
   * Example: `"v1.31.5+rke2r1"`. Default: the newest behaviour.
   */
  kubernetesVersion?: string;
  /**
   * When true, an alert the policy keeps from firing is an error: the component registers
   * nothing and names the alerts and the fix. Default `false`: a warning on the component in
   * `pulumi preview` / `pulumi up`.
   */
  strict?: boolean;
  /** The alerts to deploy, e.g. `[AlertId.RbacChange, AlertId.ExecAttach]`. Default: every alert (docs/alerts.md). */
  alerts?: AlertId[];
  /** Namespace of the PrometheusRule; it must exist. Default `"cattle-monitoring-system"`. */
  namespace?: string;
  /**
   * Extra labels on the PrometheusRule, for Alloy's `rule_selector`. The label
   * `rancher-audit.io/rule-engine: loki` is always set (keep it out of Prometheus' `ruleSelector`).
   * Example: `{ "alloy-rules": "kube-audit" }`. Default: none.
   */
  ruleLabels?: Record<string, string>;
  /** Window of each rule's `count_over_time`: how long one event keeps the alert firing. LogQL duration. Default `"5m"`. */
  window?: string;
  /** Deploy the Grafana dashboard ConfigMap (namespace `cattle-dashboards`, label `grafana_dashboard: "1"`). Default `true`. */
  dashboard?: boolean;
  /** Uid of the Loki data source the dashboard queries. Default: a `datasource` variable that lists every Loki data source. */
  dashboardDatasourceUid?: string;
}

/** The alerts the policy keeps from firing, and the objects deployed. */
/** Members for TypeScript callers only: kept out of the cross-language schema (getters are not outputs). */
const tsOnly = new WeakMap<AuditAlerts, { plan: AlertsPlan; prometheusRule: k8s.apiextensions.CustomResource; dashboardConfigMap?: k8s.core.v1.ConfigMap }>();

export class AuditAlerts extends pulumi.ComponentResource {
  static readonly __pulumiType = TYPE;

  /** The validated plan: alerts, findings, the exact objects. TypeScript only. */
  get plan(): AlertsPlan {
    return tsOnly.get(this)!.plan;
  }
  /** The PrometheusRule holding the LogQL rules. TypeScript only. */
  get prometheusRule(): k8s.apiextensions.CustomResource {
    return tsOnly.get(this)!.prometheusRule;
  }
  /** The dashboard ConfigMap (unless `dashboard: false`). TypeScript only. */
  get dashboardConfigMap(): k8s.core.v1.ConfigMap | undefined {
    return tsOnly.get(this)!.dashboardConfigMap;
  }
  /** The ids of the alerts deployed. */
  readonly alertIds: pulumi.Output<string[]>;
  /** The ids of the alerts the cluster's policy keeps from firing (empty: all can fire). */
  readonly cannotFire: pulumi.Output<string[]>;

  constructor(name: string, args: AuditAlertsArgs, opts?: pulumi.ComponentResourceOptions) {
    // Everything, the analysis included, runs before anything is registered: strict fails here.
    const plan = inComponent("AuditAlerts", name, () => planAuditAlerts(args));
    super(TYPE, name, {}, opts);
    if (plan.findings.length > 0) pulumi.log.warn(cannotFireMessage(plan.findings, args.clusterName), this);

    const prometheusRule = new k8s.apiextensions.CustomResource(`${name}-rules`, plan.prometheusRule as k8s.apiextensions.CustomResourceArgs, { parent: this });
    const dashboardConfigMap = plan.dashboardConfigMap
      ? new k8s.core.v1.ConfigMap(`${name}-dashboard`, plan.dashboardConfigMap as k8s.core.v1.ConfigMapArgs, { parent: this })
      : undefined;
    tsOnly.set(this, { plan, prometheusRule, dashboardConfigMap });
    this.alertIds = pulumi.output(plan.alerts as string[]);
    this.cannotFire = pulumi.output(plan.cannotFire as string[]);
    this.registerOutputs({ alertIds: this.alertIds, cannotFire: this.cannotFire });
  }
}
