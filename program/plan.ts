/**
 * The pure dry run of the program: the policy object of each group and the plan of each cluster,
 * with every error named by its stack config key.
 */
import { parseKubernetesVersion } from "../components/audit-policy";
import { AUDIT_SETTINGS, settingSpec } from "../components/core/settings-table";
import { planAudit, planPolicySource, type AuditPlan, type PlannedPolicySource } from "../components/rancher";
import type { StackConfig } from "./config";
import { planClusterAlerts, type ClusterAlertsPlan } from "./alerts";
import { asConfigError } from "./errors";

/** The policy object of each group and the plan of each cluster: the pure dry run of buildStack. */
export interface StackPlan {
  sources: Record<string, PlannedPolicySource>;
  clusters: Record<string, AuditPlan>;
  /** Per cluster, when `rancher-audit:alerts` is on: the alert rules and the can-fire findings. */
  alerts: Record<string, ClusterAlertsPlan>;
}

function compareVersions(a: string, b: string): number {
  const x = parseKubernetesVersion(a);
  const y = parseKubernetesVersion(b);
  if (!x || !y) return 0;
  return x.major - y.major || x.minor - y.minor || x.patch - y.patch;
}

/** The component's `audit` settings from the stack's (source and policyPath only with selector-files delivery). */
export function auditArgsFor(config: StackConfig): Record<string, unknown> {
  const audit: Record<string, unknown> = {};
  for (const { key } of AUDIT_SETTINGS) {
    if (settingSpec(key).group !== "audit") continue;
    if (config.delivery !== "selector-files" && (key === "source" || key === "policyPath")) continue;
    audit[key] = config[key as keyof StackConfig];
  }
  return audit;
}

/** The policy part of the component arguments: the policy file's text, or the preset. */
export function policySpecFor(config: StackConfig): Record<string, unknown> {
  return config.policyText !== undefined ? { policy: config.policyText } : { preset: config.preset };
}

/** The clusters of each group: their indexes, names and oldest Kubernetes version. */
export function groupMembers(config: StackConfig): Map<string, { indexes: number[]; names: string[]; oldest: string }> {
  const groups = new Map<string, { indexes: number[]; names: string[]; oldest: string }>();
  config.clusters.forEach((c, i) => {
    if (!c.group) return;
    const g = groups.get(c.group) ?? { indexes: [], names: [], oldest: c.kubernetesVersion };
    g.indexes.push(i);
    g.names.push(c.name);
    if (compareVersions(c.kubernetesVersion, g.oldest) < 0) g.oldest = c.kubernetesVersion;
    groups.set(c.group, g);
  });
  return groups;
}

/** The shared policy object's arguments for one group: what planStack checks and buildStack registers. */
export function sourceArgsFor(config: StackConfig, g: { names: string[]; oldest: string }) {
  return {
    ...policySpecFor(config),
    authorizedClusters: g.names,
    fleetNamespace: config.fleetNamespace,
    source: config.source,
    kubernetesVersion: g.oldest,
    allowUnsafePolicy: config.allowUnsafePolicy,
  };
}

/** Plans every policy object and cluster without registering anything (errors name config keys). */
export function planStack(config: StackConfig): StackPlan {
  const sources: Record<string, PlannedPolicySource> = {};
  const groups = groupMembers(config);
  if (config.enabled) {
    for (const [group, g] of groups) {
      sources[group] = asConfigError(g.indexes[0], config.policyFile, () => planPolicySource(`${group}-audit-policy`, sourceArgsFor(config, g)));
    }
  }
  const clusters: Record<string, AuditPlan> = {};
  config.clusters.forEach((c, i) => {
    const shared = c.group && config.enabled ? sources[c.group] : undefined;
    const audit = { ...auditArgsFor(config), ...(shared ? { policySource: { ...shared.spec } } : policySpecFor(config)) };
    clusters[c.name] = asConfigError(i, config.policyFile, () =>
      planAudit({
        clusterName: c.name,
        kubernetesVersion: c.kubernetesVersion,
        fleetNamespace: config.fleetNamespace,
        audit,
        podSecurityAdmissionConfigurationTemplateName: c.podSecurityAdmissionTemplate,
      }),
    );
  });
  const alerts: Record<string, ClusterAlertsPlan> = {};
  if (config.alerts) {
    for (const c of config.clusters) {
      // Alerts run where the log is shipped: a cluster opted out of shipping has none.
      if ((c as { shipping?: unknown }).shipping === false) continue;
      const p = clusters[c.name];
      if (p.policy) alerts[c.name] = planClusterAlerts(config.alerts, config.alerts.target, { clusterName: c.name, kubernetesVersion: c.kubernetesVersion, policyYaml: p.policy.yaml });
    }
  }
  return { sources, clusters, alerts };
}
