/**
 * The program's Pulumi side: registers the policy sources and clusters of a parsed stack config,
 * and the stack outputs. `index.ts` feeds `new pulumi.Config()` values in; the offline CLI runs
 * `buildStack` under mocks.
 */
import * as pulumi from "@pulumi/pulumi";
import { AuditedCluster, AuditPolicySource, type RestartScope } from "../components/rancher";
import { AuditLogShipping } from "../components/shipping";
import { parseStackFileConfig, type StackConfig } from "./config";
import { ConfigError, PROJECT } from "./errors";
import { alertsOutput, buildClusterAlerts, type BuiltClusterAlerts, type ClusterAlertsPlan } from "./alerts";
import { auditArgsFor, groupMembers, planStack, policySpecFor, sourceArgsFor } from "./plan";
import { offlineSecretText, shippedClusters, shippingArgsFrom } from "./shipping-config";

/** Options of buildStack: explicit providers and a parent resource. */
export interface BuildOptions {
  /** Explicit providers (`{ kubernetes, rancher2 }`); default: the default providers configured by stack config. */
  providers?: pulumi.ComponentResourceOptions["providers"];
  parent?: pulumi.Resource;
}

/** The resources buildStack registered: the clusters, the shared policy sources and the log shipping, by cluster or group name. */
export interface BuiltStack {
  clusters: Record<string, AuditedCluster>;
  sources: Record<string, AuditPolicySource>;
  /** One AuditLogShipping per shipped cluster (empty when shipping is off). */
  shipping: Record<string, AuditLogShipping>;
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
        audit: { ...auditArgsFor(config), ...(shared ? { policySource: shared.ref } : policySpecFor(config)) },
      },
      common,
    );
  }
  const shipping = buildShipping(config, clusters, common);
  // Alerts deploy through each shipped cluster's AuditLogShipping provider (Loki sinks), or are
  // exported as rule files (Elasticsearch/OpenSearch sinks).
  const alerts: Record<string, BuiltClusterAlerts> = {};
  if (config.alerts) {
    for (const [name, s] of Object.entries(shipping)) alerts[name] = buildClusterAlerts(config.alerts, clusters[name], s);
  }
  return { clusters, sources, shipping, alerts, alertPlans: planned.alerts };
}

/**
 * One AuditLogShipping per shipped cluster, named `<cluster>-shipping`, reading the log its
 * AuditedCluster writes (path, format, distribution from the settings that built its flags). It
 * reaches the downstream cluster through rancher2.ClusterSync, so it depends on nothing in the
 * ClusterV2's inputs: turning shipping on, off or changing a sink leaves the ClusterV2 alone.
 * Credentials become Pulumi secrets; offline (`plan`) they are a text naming the key.
 */
export function buildShipping(config: StackConfig, clusters: Record<string, AuditedCluster>, opts: pulumi.ComponentResourceOptions = {}): Record<string, AuditLogShipping> {
  const shipping: Record<string, AuditLogShipping> = {};
  if (!config.shipping) return shipping;
  const args = shippingArgsFrom(config.shipping, (secret) => pulumi.secret(secret.value ?? offlineSecretText(secret.key)));
  for (const c of shippedClusters(config.clusters, config.shipping)) {
    shipping[c.name] = new AuditLogShipping(`${c.name}-shipping`, { cluster: clusters[c.name], ...args }, opts);
  }
  return shipping;
}

/** The stack outputs of one cluster. */
export interface ClusterOutputs {
  clusterV1Id: pulumi.Output<string>;
  policySourceName: pulumi.Output<string | undefined>;
  policySha256: pulumi.Output<string | undefined>;
  apiServerArgs: pulumi.Output<string[]>;
  restartScope: pulumi.Output<RestartScope>;
}

/** The stack outputs of one shipped cluster: the collector and the exact file it reads. */
export interface ShippingOutputs {
  collector: pulumi.Output<string>;
  logPath: pulumi.Output<string>;
  sinkNames: pulumi.Output<string[]>;
}

/** The stack outputs: per cluster ids, policy object, hash, flags, restart scope; the policies as plain text; per shipped cluster what is shipped; the alerts. */
export function stackOutputs(built: BuiltStack): {
  clusters: Record<string, ClusterOutputs>;
  policies: Record<string, pulumi.Output<string | undefined>>;
  shipping: Record<string, ShippingOutputs>;
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
  const shipping: Record<string, ShippingOutputs> = {};
  for (const [name, s] of Object.entries(built.shipping ?? {})) shipping[name] = { collector: s.collector, logPath: s.logPath, sinkNames: s.sinkNames };
  const alerts = Object.fromEntries(Object.entries(built.alerts).map(([name, a]) => [name, alertsOutput(a)]));
  return { clusters, policies, shipping, alerts };
}

/**
 * The project's keys Pulumi marks secret (a `secure:` value at or below them). Read through the SDK's
 * `isConfigSecret` (exported but internal); when an SDK lacks it, no key counts as secret, so a
 * credential in the config is refused rather than trusted.
 */
export function projectSecretKeys(): string[] {
  const isSecret = (pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean }).isConfigSecret;
  if (typeof isSecret !== "function") return [];
  return Object.keys(pulumi.runtime.allConfig()).filter((k) => k.startsWith(`${PROJECT}:`) && isSecret(k)).map((k) => k.slice(PROJECT.length + 1));
}

/** The project's config values as Pulumi gives them to the program (text; structured values as JSON), keys without the prefix. */
export function readProjectConfig(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (key.startsWith(`${PROJECT}:`)) out[key.slice(PROJECT.length + 1)] = value;
  }
  return out;
}

/**
 * The program's stack config: every key Pulumi hands the program (`pulumi.runtime.allConfig()`:
 * ours, the providers', and misspelled namespaces, which `new pulumi.Config()` would never see)
 * through parseStackFileConfig. A config problem becomes a pulumi.RunError, which Pulumi prints
 * as its message alone, without a stack trace.
 */
export function loadStackConfig(projectDir: string): StackConfig {
  try {
    return parseStackFileConfig(pulumi.runtime.allConfig(), { projectDir, secretKeys: projectSecretKeys() });
  } catch (e) {
    if (e instanceof ConfigError) throw new pulumi.RunError(e.message);
    throw e;
  }
}
