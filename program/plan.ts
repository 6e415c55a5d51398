/**
 * The pure dry run of the program: the policy object of each group and the plan of each cluster,
 * with every error named by its stack config key.
 */
import { parseKubernetesVersion } from "../components/audit-policy";
import { AUDIT_SETTINGS, settingSpec } from "../components/core/settings-table";
import { planAudit, planPolicySource, type AuditPlan, type PlannedPolicySource } from "../components/rancher";
import { AuditConfigError } from "../components/core/errors";
import { planShipping, type ShippingPlan } from "../components/shipping";
import type { StackConfig } from "./config";
import { asConfigError, ConfigError, ConfigProblems } from "./errors";
import { shippedClusters, shippingArgsFrom, shippingConfigKey } from "./shipping-config";
import { planClusterAlerts, type ClusterAlertsPlan } from "./alerts";

/** The policy object of each group and the plan of each cluster: the pure dry run of buildStack. */
export interface StackPlan {
  sources: Record<string, PlannedPolicySource>;
  clusters: Record<string, AuditPlan>;
  /** The shipping plan of each shipped cluster (empty when shipping is off). */
  shipping: Record<string, ShippingPlan>;
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
  return config.policyText !== undefined ? { policyYaml: config.policyText } : { preset: config.preset };
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

/**
 * Plans of configs already planned, by identity: parseStackConfig plans the config it returns and
 * buildStack plans it again before registering anything (it may be given a hand-made config), so
 * a stack of hundreds of clusters is planned once, not twice. (Each component still checks its
 * own arguments.)
 */
const planned = new WeakMap<StackConfig, StackPlan>();

/**
 * Plans every policy object and cluster without registering anything (errors name config keys).
 * Every problem is found: with `problems`, they are recorded there and the plan holds what could
 * be planned; without, one error listing them all is thrown (and the plan is cached).
 */
export function planStack(config: StackConfig, problems?: ConfigProblems): StackPlan {
  if (problems) return planStackUncached(config, problems);
  const known = planned.get(config);
  if (known) return known;
  const plan = planStackUncached(config);
  planned.set(config, plan);
  return plan;
}

function planStackUncached(config: StackConfig, problems?: ConfigProblems): StackPlan {
  const found = problems ?? new ConfigProblems();
  const sources: Record<string, PlannedPolicySource> = {};
  const groups = groupMembers(config);
  if (config.enabled) {
    for (const [group, g] of groups) {
      const source = found.check(() => asConfigError(g.indexes[0], config.policyFile, () => planPolicySource(`${group}-audit-policy`, sourceArgsFor(config, g))), undefined);
      if (source) sources[group] = source;
    }
  }
  const clusters: Record<string, AuditPlan> = {};
  config.clusters.forEach((c, i) => {
    const shared = c.group && config.enabled ? sources[c.group] : undefined;
    if (c.group && config.enabled && !shared) return; // its group's problem is recorded
    const audit = { ...auditArgsFor(config), ...(shared ? { policySource: { ...shared.spec } } : policySpecFor(config)) };
    const plan = found.check(
      () =>
        asConfigError(i, config.policyFile, () =>
          planAudit({
            clusterName: c.name,
            kubernetesVersion: c.kubernetesVersion,
            fleetNamespace: config.fleetNamespace,
            audit,
            podSecurityAdmissionConfigurationTemplateName: c.podSecurityAdmissionTemplate,
          }),
        ),
      undefined,
    );
    if (plan) clusters[c.name] = plan;
  });
  const shipping: Record<string, ShippingPlan> = {};
  for (const c of shippedClusters(config.clusters, config.shipping)) {
    const audit = clusters[c.name];
    if (!audit) continue; // its problem is recorded
    const plan = found.check(() => planClusterShipping(config, config.clusters.indexOf(c), audit), undefined);
    if (plan) shipping[c.name] = plan;
  }
  const alerts: Record<string, ClusterAlertsPlan> = {};
  if (config.alerts) {
    const stackAlerts = config.alerts;
    for (const c of config.clusters) {
      // Alerts run where the log is shipped: a cluster opted out of shipping has none.
      if (c.shipping === false) continue;
      const p = clusters[c.name];
      if (!p?.policy) continue;
      const policyYaml = p.policy.yaml;
      const plan = found.check(() => planClusterAlerts(stackAlerts, stackAlerts.target, { clusterName: c.name, kubernetesVersion: c.kubernetesVersion, policyYaml }), undefined);
      if (plan) alerts[c.name] = plan;
    }
  }
  if (!problems) found.throwIfAny();
  return { sources, clusters, shipping, alerts };
}

/**
 * One cluster's shipping plan, from the same resolved settings that built its flags (what
 * AuditLogShipping computes from the cluster's AuditedCluster). Errors name the config key.
 */
export function planClusterShipping(config: StackConfig, clusterIndex: number, audit: AuditPlan): ShippingPlan {
  const shipping = config.shipping!;
  try {
    return planShipping({
      source: { clusterName: audit.clusterName, distro: audit.distro, logPath: audit.settings.logPath, format: audit.settings.format },
      sourcePath: "cluster",
      ...shippingArgsFrom(shipping, (secret) => secret),
    });
  } catch (e) {
    if (!(e instanceof AuditConfigError)) throw e;
    throw new ConfigError(shippingConfigKey(e.path, shipping, clusterIndex), e.parts);
  }
}
