/**
 * The program's Pulumi side: registers the policy sources and clusters of a parsed stack config,
 * and the stack outputs. `index.ts` feeds `new pulumi.Config()` values in; the offline CLI runs
 * `buildStack` under mocks.
 */
import * as pulumi from "@pulumi/pulumi";
import { AuditedCluster, AuditPolicySource, type RestartScope } from "../components/rancher";
import { alertsOutput, type BuiltClusterAlerts, type ClusterAlertsPlan } from "./alerts";
import type { StackConfig } from "./config";
import { PROJECT } from "./errors";
import { auditArgsFor, groupMembers, planStack, policySpecFor, sourceArgsFor } from "./plan";

/** Options of buildStack: explicit providers and a parent resource. */
export interface BuildOptions {
  /** Explicit providers (`{ kubernetes, rancher2 }`); default: the default providers configured by stack config. */
  providers?: pulumi.ComponentResourceOptions["providers"];
  parent?: pulumi.Resource;
}

/** The resources buildStack registered: the clusters and the shared policy sources, by name. */
export interface BuiltStack {
  clusters: Record<string, AuditedCluster>;
  sources: Record<string, AuditPolicySource>;
  /** Per cluster, when `rancher-audit:alerts` is on: what buildClusterAlerts (program/alerts.ts) deployed or exports, next to the cluster's AuditLogShipping. */
  alerts: Record<string, BuiltClusterAlerts>;
  /** Per cluster, when `rancher-audit:alerts` is on: the alert plan (rules, can-fire findings), as planStack made it. */
  alertPlans: Record<string, ClusterAlertsPlan>;
}

/** Registers the policy sources and clusters of a parsed config. */
export function buildStack(config: StackConfig, opts: BuildOptions = {}): BuiltStack {
  const planned = planStack(config); // validates again: buildStack may be given a hand-made config
  const common: pulumi.ComponentResourceOptions = {};
  if (opts.providers) common.providers = opts.providers;
  if (opts.parent) common.parent = opts.parent;
  const sources: Record<string, AuditPolicySource> = {};
  if (config.enabled) {
    for (const [group, g] of groupMembers(config)) {
      sources[group] = new AuditPolicySource(
        `${group}-audit-policy`,
        sourceArgsFor(config, g),
        common,
      );
    }
  }
  const clusters: Record<string, AuditedCluster> = {};
  for (const c of config.clusters) {
    const shared = c.group ? sources[c.group] : undefined;
    clusters[c.name] = new AuditedCluster(
      c.name,
      {
        clusterName: c.name,
        kubernetesVersion: c.kubernetesVersion,
        fleetNamespace: config.fleetNamespace,
        cluster: {
          ...(c.labels ? { labels: c.labels } : {}),
          ...(c.podSecurityAdmissionTemplate ? { defaultPodSecurityAdmissionConfigurationTemplateName: c.podSecurityAdmissionTemplate } : {}),
        },
        audit: { ...auditArgsFor(config), ...(shared ? { policySource: shared } : policySpecFor(config)) },
      },
      common,
    );
  }
  // Alerts are built next to each cluster's AuditLogShipping (they deploy through its provider):
  // alerts[name] = buildClusterAlerts(config.alerts, clusters[name], shipping) where shipping is built.
  const alerts: Record<string, BuiltClusterAlerts> = {};
  return { clusters, sources, alerts, alertPlans: planned.alerts };
}

/** The stack outputs of one cluster. */
export interface ClusterOutputs {
  clusterV1Id: pulumi.Output<string>;
  policySourceName: pulumi.Output<string | undefined>;
  policySha256: pulumi.Output<string | undefined>;
  apiServerArgs: pulumi.Output<string[]>;
  restartScope: pulumi.Output<RestartScope>;
}

/** The stack outputs: per cluster ids, policy object, hash, flags, restart scope; the policies as plain text; the alerts. */
export function stackOutputs(built: BuiltStack): {
  clusters: Record<string, ClusterOutputs>;
  policies: Record<string, pulumi.Output<string | undefined>>;
  alerts: Record<string, ReturnType<typeof alertsOutput>>;
} {
  const clusters: Record<string, ClusterOutputs> = {};
  const policies: Record<string, pulumi.Output<string | undefined>> = {};
  for (const [name, c] of Object.entries(built.clusters)) {
    clusters[name] = {
      clusterV1Id: c.clusterV1Id,
      policySourceName: c.policySourceName,
      policySha256: c.policySha256,
      apiServerArgs: c.apiServerArgs,
      restartScope: c.restartScope,
    };
    policies[name] = c.policyYaml;
  }
  const alerts = Object.fromEntries(Object.entries(built.alerts).map(([name, a]) => [name, alertsOutput(a)]));
  return { clusters, policies, alerts };
}

/** The project's config values as Pulumi gives them to the program (strings; objects as JSON). */
export function readProjectConfig(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (key.startsWith(`${PROJECT}:`)) out[key.slice(PROJECT.length + 1)] = value;
  }
  return out;
}
