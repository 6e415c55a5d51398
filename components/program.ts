/**
 * The Pulumi program's logic: stack config parsing (pure) and `buildStack` (registers the
 * resources). `index.ts` only feeds `new pulumi.Config()` values in; the offline CLI feeds the
 * values of `stacks/Pulumi.<env>.yaml` and runs `buildStack` under mocks. Every wrong value fails
 * in `parseStackConfig`, before anything is registered, naming the key `rancher-audit:<key>` and
 * the fix.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parseKubernetesVersion, requireSupportedKubernetesVersion, suggest } from "./audit-policy";
import { show } from "./rancher/errors";
import { isInside, readUserFile, UserFileError } from "./user-file";
import {
  AuditConfigError,
  AuditedCluster,
  AuditPolicySource,
  CIS_RETENTION,
  DEFAULT_FLEET_NAMESPACE,
  DELIVERIES,
  LOG_FORMATS,
  planAudit,
  planPolicySource,
  SOURCE_KINDS,
  type AuditPlan,
  type AuditSettings,
  type PlannedPolicySource,
  type RestartScope,
} from "./rancher";

/** The Pulumi project name, and so the namespace of the stack config keys. */
export const PROJECT = "rancher-audit";

export type ConfigType = "string" | "integer" | "boolean" | "array";

export interface ConfigKeySpec {
  type: ConfigType;
  /** The value used when the stack does not set the key (undefined: required or structured). */
  default?: string | number | boolean;
  description: string;
  /** Declared in Pulumi.yaml `config:` (structured keys are not: Pulumi cannot type them). */
  declared: boolean;
}

/** Every key under `rancher-audit:`; Pulumi.yaml declares the same types and defaults (a test checks). */
export const CONFIG_KEYS: Readonly<Record<string, ConfigKeySpec>> = {
  enabled: { type: "boolean", default: true, declared: true, description: "Turn kube-apiserver audit logging on for every cluster of the stack. false removes the component's flags, files and policy objects (Rancher leaves delivered files on the nodes)." },
  preset: { type: "string", default: "recommended", declared: true, description: "Policy preset: metadata, basic, detailed, cis or recommended. Used when policyFile is empty." },
  policyFile: { type: "string", default: "", declared: true, description: "Path of an audit.k8s.io/v1 Policy file, relative to the project directory (e.g. examples/policies/strict.yaml). When set, it is the policy and preset is not used." },
  delivery: { type: "string", default: "selector-files", declared: true, description: 'How the policy reaches the control-plane nodes: "selector-files" (RKE2 and K3s) or "inline" (RKE2 only).' },
  source: { type: "string", default: "secret", declared: true, description: 'Kind of policy object for selector-files delivery: "secret" or "configmap" (readable in previews).' },
  policyPath: { type: "string", default: "/etc/rancher/{distro}/audit-policy.yaml", declared: true, description: "Absolute path of the policy file on control-plane nodes ({distro} becomes rke2 or k3s). Selector-files delivery only." },
  logPath: { type: "string", default: "/var/lib/rancher/{distro}/server/logs/audit.log", declared: true, description: "Absolute path of the audit log on control-plane nodes ({distro} becomes rke2 or k3s)." },
  maxAge: { type: "integer", default: CIS_RETENTION.maxAge, declared: true, description: "Days to keep rotated audit logs (--audit-log-maxage); CIS minimum 30." },
  maxBackup: { type: "integer", default: CIS_RETENTION.maxBackup, declared: true, description: "Rotated audit log files to keep (--audit-log-maxbackup); CIS minimum 10." },
  maxSize: { type: "integer", default: CIS_RETENTION.maxSize, declared: true, description: "Megabytes at which the audit log rotates (--audit-log-maxsize); CIS minimum 100." },
  format: { type: "string", default: "json", declared: true, description: 'Audit log format: "json" or "legacy".' },
  allowUnsafePolicy: { type: "boolean", default: false, declared: true, description: "Deploy a policy even when the safety analysis reports an error finding (e.g. Secret bodies in the log)." },
  ignorePsactHash: { type: "boolean", default: true, declared: true, description: "For clusters with a podSecurityAdmissionTemplate: ignore the hash of Rancher's webhook file entry. Set false for the one update that changes the number of machineSelectorFiles entries of such a cluster (docs/component.md)." },
  fleetNamespace: { type: "string", default: DEFAULT_FLEET_NAMESPACE, declared: true, description: "Namespace of the clusters (and of the policy objects) on the Rancher management cluster." },
  clusters: { type: "array", declared: false, description: "The clusters: a list of { name, kubernetesVersion, group?, podSecurityAdmissionTemplate?, labels? }. Clusters with the same group share one policy object." },
};

const CLUSTER_KEYS = ["name", "kubernetesVersion", "group", "podSecurityAdmissionTemplate", "labels"] as const;

export interface ClusterConfig {
  /** Provisioning cluster name. */
  name: string;
  kubernetesVersion: string;
  /** Clusters of one group share one AuditPolicySource. */
  group?: string;
  /** `defaultPodSecurityAdmissionConfigurationTemplateName`, e.g. "rancher-restricted". */
  podSecurityAdmissionTemplate?: string;
  labels?: Record<string, string>;
}

/**
 * The stack's settings: the component's audit settings (policyPath and logPath still hold `{distro}`,
 * expanded per cluster), plus the policy choice, the namespace and the clusters.
 */
export interface StackConfig
  extends Pick<
    AuditSettings,
    "enabled" | "delivery" | "source" | "policyPath" | "logPath" | "maxAge" | "maxBackup" | "maxSize" | "format" | "allowUnsafePolicy" | "ignorePsactHash"
  > {
  preset: string;
  /** As given (relative to the project directory); "" when not set. */
  policyFile: string;
  /** The file's text when policyFile is set. */
  policyText?: string;
  fleetNamespace: string;
  clusters: ClusterConfig[];
}

export class ConfigError extends Error {
  readonly key: string;
  /** Set when the policy was refused by the safety analysis (not by kube-apiserver's rules): its error findings. */
  readonly unsafeFindings?: AuditConfigError["unsafeFindings"];
  constructor(key: string, detail: string, options: { unsafeFindings?: AuditConfigError["unsafeFindings"] } = {}) {
    super(`${PROJECT}:${key}: ${detail}`);
    this.name = "ConfigError";
    this.key = key;
    if (options.unsafeFindings) this.unsafeFindings = options.unsafeFindings;
  }
}

/** `did you mean "x"? ` (with the engine's suggestion rule), or "" when nothing is close. */
function didYouMean(key: string, known: readonly string[]): string {
  const best = suggest(key, known);
  return best ? `did you mean "${best}"? ` : "";
}

function readString(values: Record<string, unknown>, key: string): string {
  const v = values[key] ?? CONFIG_KEYS[key].default;
  if (typeof v !== "string") throw new ConfigError(key, `must be a string; got ${show(v)}`);
  return v;
}

function readEnum<T extends string>(values: Record<string, unknown>, key: string, allowed: readonly T[]): T {
  const v = readString(values, key);
  if (!(allowed as readonly string[]).includes(v)) {
    throw new ConfigError(key, `must be one of ${allowed.map((a) => `"${a}"`).join(", ")}; got ${show(v)}; fix with: pulumi config set ${PROJECT}:${key} ${allowed[0]}`);
  }
  return v as T;
}

function readInt(values: Record<string, unknown>, key: string): number {
  const raw = values[key] ?? CONFIG_KEYS[key].default;
  const n = typeof raw === "string" && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : raw;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 1) {
    throw new ConfigError(key, `must be a whole number of at least 1 (CIS minimum ${CONFIG_KEYS[key].default}); got ${show(raw)}; fix with: pulumi config set ${PROJECT}:${key} ${CONFIG_KEYS[key].default}`);
  }
  return n;
}

function readBool(values: Record<string, unknown>, key: string): boolean {
  const raw = values[key] ?? CONFIG_KEYS[key].default;
  if (raw === true || raw === "true") return true;
  if (raw === false || raw === "false") return false;
  throw new ConfigError(key, `must be true or false; got ${show(raw)}`);
}

function readClusters(raw: unknown): ClusterConfig[] {
  let value = raw;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      throw new ConfigError("clusters", `must be a list of clusters; got text that is not a list: ${show(raw)}`);
    }
  }
  const example = 'e.g. [{ name: prod-eu-1, kubernetesVersion: v1.31.5+rke2r1 }]';
  if (value === undefined || value === null) {
    throw new ConfigError("clusters", `is required: list the clusters of this stack in stacks/Pulumi.<stack>.yaml, ${example}`);
  }
  if (!Array.isArray(value) || value.length === 0) throw new ConfigError("clusters", `must be a non-empty list of clusters, ${example}; got ${show(value)}`);
  const seen = new Map<string, number>();
  return value.map((c, i) => {
    const key = `clusters[${i}]`;
    if (c === null || typeof c !== "object" || Array.isArray(c)) throw new ConfigError(key, `must be an object with name and kubernetesVersion, ${example}; got ${show(c)}`);
    const entry = c as Record<string, unknown>;
    for (const k of Object.keys(entry)) {
      if (!(CLUSTER_KEYS as readonly string[]).includes(k)) {
        throw new ConfigError(`${key}.${k}`, `is not a cluster setting; ${didYouMean(k, CLUSTER_KEYS)}known: ${CLUSTER_KEYS.join(", ")}`);
      }
    }
    if (typeof entry.name !== "string") throw new ConfigError(`${key}.name`, `is required: the provisioning cluster's name, e.g. "prod-eu-1"; got ${show(entry.name)}`);
    if (seen.has(entry.name)) throw new ConfigError(`${key}.name`, `"${entry.name}" is already clusters[${seen.get(entry.name)}]; cluster names must be unique`);
    seen.set(entry.name, i);
    if (typeof entry.kubernetesVersion !== "string") {
      throw new ConfigError(`${key}.kubernetesVersion`, `is required: the Rancher Kubernetes version, e.g. "v1.31.5+rke2r1" or "v1.31.5+k3s1"; got ${show(entry.kubernetesVersion)}`);
    }
    if (parseKubernetesVersion(entry.kubernetesVersion)) {
      try {
        requireSupportedKubernetesVersion(entry.kubernetesVersion, "");
      } catch (e) {
        throw new ConfigError(`${key}.kubernetesVersion`, (e as Error).message.replace(/^: /, ""));
      }
    }
    for (const k of ["group", "podSecurityAdmissionTemplate"] as const) {
      if (entry[k] !== undefined && (typeof entry[k] !== "string" || entry[k] === "")) throw new ConfigError(`${key}.${k}`, `must be a non-empty string; got ${show(entry[k])}`);
    }
    if (entry.group !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(entry.group as string)) {
      throw new ConfigError(`${key}.group`, `must be lowercase letters, digits and "-" (it names the shared policy object), e.g. "prod"; got ${show(entry.group)}`);
    }
    if (entry.labels !== undefined) {
      const l = entry.labels;
      if (l === null || typeof l !== "object" || Array.isArray(l) || !Object.values(l).every((v) => typeof v === "string")) {
        throw new ConfigError(`${key}.labels`, `must be a map of string labels, e.g. { env: prod }; got ${show(l)}`);
      }
    }
    const out: ClusterConfig = { name: entry.name, kubernetesVersion: entry.kubernetesVersion };
    if (entry.group !== undefined) out.group = entry.group as string;
    if (entry.podSecurityAdmissionTemplate !== undefined) out.podSecurityAdmissionTemplate = entry.podSecurityAdmissionTemplate as string;
    if (entry.labels !== undefined) out.labels = { ...(entry.labels as Record<string, string>) };
    return out;
  });
}

/** Maps a component argument path to the stack config key that sets it. */
function configKeyFor(argPath: string, clusterIndex: number | undefined): string {
  const c = clusterIndex === undefined ? "clusters" : `clusters[${clusterIndex}]`;
  if (argPath === "audit.policy" || argPath === "policy") return "policyFile";
  if (argPath === "audit.preset" || argPath === "preset") return "preset";
  if (argPath === "audit.policySource") return `${c}.group`;
  if (argPath.startsWith("audit.")) return argPath.slice("audit.".length).split(/[.[]/)[0];
  if (argPath === "clusterName") return `${c}.name`;
  if (argPath === "kubernetesVersion") return `${c}.kubernetesVersion`;
  if (argPath === "fleetNamespace") return "fleetNamespace";
  if (argPath === "cluster.defaultPodSecurityAdmissionConfigurationTemplateName") return `${c}.podSecurityAdmissionTemplate`;
  if (argPath === "authorizedClusters" || argPath.startsWith("authorizedClusters[")) return `${c}.name`;
  return clusterIndex === undefined ? "clusters" : c;
}

function rethrowAsConfig(e: unknown, clusterIndex: number | undefined, policyFile = ""): never {
  if (e instanceof AuditConfigError) {
    const key = configKeyFor(e.path, clusterIndex);
    // Policy issues carry "line:column: "; name the file in front, as compilers do.
    let detail = key === "policyFile" && policyFile ? e.detail.replace(/^(\d+:\d+: )/gm, `${policyFile}:$1`) : e.detail;
    // The builders' fix hints name component arguments (audit.allowUnsafePolicy); say the config key.
    detail = detail.replace(/\baudit\.([A-Za-z]+)\b/g, (_m, k: string) => `${PROJECT}:${k === "policy" ? "policyFile" : k}`);
    throw new ConfigError(key, detail, { unsafeFindings: e.unsafeFindings });
  }
  throw e;
}

/** The policy object of each group and the plan of each cluster: the pure dry run of buildStack. */
export interface StackPlan {
  sources: Record<string, PlannedPolicySource>;
  clusters: Record<string, AuditPlan>;
}

function compareVersions(a: string, b: string): number {
  const x = parseKubernetesVersion(a);
  const y = parseKubernetesVersion(b);
  if (!x || !y) return 0;
  return x.major - y.major || x.minor - y.minor || x.patch - y.patch;
}

function auditArgsFor(config: StackConfig): Record<string, unknown> {
  const audit: Record<string, unknown> = {
    enabled: config.enabled,
    delivery: config.delivery,
    logPath: config.logPath,
    maxAge: config.maxAge,
    maxBackup: config.maxBackup,
    maxSize: config.maxSize,
    format: config.format,
    allowUnsafePolicy: config.allowUnsafePolicy,
    ignorePsactHash: config.ignorePsactHash,
  };
  if (config.delivery === "selector-files") {
    audit.source = config.source;
    audit.policyPath = config.policyPath;
  }
  return audit;
}

function policySpecFor(config: StackConfig): Record<string, unknown> {
  return config.policyText !== undefined ? { policy: config.policyText } : { preset: config.preset };
}

function groupMembers(config: StackConfig): Map<string, { indexes: number[]; names: string[]; oldest: string }> {
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
function sourceArgsFor(config: StackConfig, g: { names: string[]; oldest: string }) {
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
      try {
        sources[group] = planPolicySource(`${group}-audit-policy`, sourceArgsFor(config, g));
      } catch (e) {
        rethrowAsConfig(e, g.indexes[0], config.policyFile);
      }
    }
  }
  const clusters: Record<string, AuditPlan> = {};
  config.clusters.forEach((c, i) => {
    const shared = c.group && config.enabled ? sources[c.group] : undefined;
    const audit = { ...auditArgsFor(config), ...(shared ? { policySource: { ...shared.spec } } : policySpecFor(config)) };
    try {
      clusters[c.name] = planAudit({
        clusterName: c.name,
        kubernetesVersion: c.kubernetesVersion,
        fleetNamespace: config.fleetNamespace,
        audit,
        podSecurityAdmissionConfigurationTemplateName: c.podSecurityAdmissionTemplate,
      });
    } catch (e) {
      rethrowAsConfig(e, i, config.policyFile);
    }
  });
  return { sources, clusters };
}

/**
 * Parses and validates the stack config (keys without the `rancher-audit:` prefix; values as
 * Pulumi gives them, strings, or as YAML gives them). Reads the policy file relative to
 * `projectDir`. Throws a ConfigError naming `rancher-audit:<key>` and the fix.
 */
export function parseStackConfig(values: Record<string, unknown>, options: { projectDir: string }): StackConfig {
  if (values === null || typeof values !== "object") throw new ConfigError("", "the stack config must be a map of keys");
  const known = Object.keys(CONFIG_KEYS);
  for (const key of Object.keys(values)) {
    const bare = key.startsWith(`${PROJECT}:`) ? key.slice(PROJECT.length + 1) : key;
    if (!known.includes(bare)) throw new ConfigError(bare, `is not a setting of this project; ${didYouMean(bare, known)}known keys: ${known.join(", ")}`);
  }
  const v: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) v[key.startsWith(`${PROJECT}:`) ? key.slice(PROJECT.length + 1) : key] = value;

  const config: StackConfig = {
    enabled: readBool(v, "enabled"),
    preset: readString(v, "preset"),
    policyFile: readString(v, "policyFile"),
    delivery: readEnum(v, "delivery", DELIVERIES),
    source: readEnum(v, "source", SOURCE_KINDS),
    policyPath: readString(v, "policyPath"),
    logPath: readString(v, "logPath"),
    maxAge: readInt(v, "maxAge"),
    maxBackup: readInt(v, "maxBackup"),
    maxSize: readInt(v, "maxSize"),
    format: readEnum(v, "format", LOG_FORMATS),
    allowUnsafePolicy: readBool(v, "allowUnsafePolicy"),
    ignorePsactHash: readBool(v, "ignorePsactHash"),
    fleetNamespace: readString(v, "fleetNamespace"),
    clusters: readClusters(v.clusters),
  };
  if (config.delivery === "inline" && config.policyPath !== CONFIG_KEYS.policyPath.default) {
    throw new ConfigError("policyPath", `is not used with delivery "inline" (Rancher writes the policy to /var/lib/rancher/rke2/etc/config-files/audit-policy-file); remove it with: pulumi config rm ${PROJECT}:policyPath`);
  }
  if (config.policyFile !== "") {
    if (path.isAbsolute(config.policyFile)) {
      throw new ConfigError("policyFile", `must be a path inside the project, relative to its directory (e.g. "examples/policies/strict.yaml"); got ${show(config.policyFile)}`);
    }
    const resolved = path.resolve(options.projectDir, config.policyFile);
    if (!isInside(options.projectDir, resolved)) throw new ConfigError("policyFile", `must stay inside the project directory; got ${show(config.policyFile)}`);
    try {
      config.policyText = readUserFile(config.policyFile, resolved, { root: options.projectDir });
    } catch (e) {
      if (!(e instanceof UserFileError)) throw e;
      throw new ConfigError("policyFile", `cannot read ${show(config.policyFile)} (${e.reason}); give a path relative to ${options.projectDir}, e.g. "examples/policies/strict.yaml"`);
    }
  }
  config.clusters.forEach((c, i) => {
    if (c.group && config.delivery === "inline") {
      throw new ConfigError(`clusters[${i}].group`, `groups share a policy object, which delivery "inline" does not use; remove the group or set ${PROJECT}:delivery selector-files`);
    }
    // A group's policy object is named like a cluster's own (`<name>-audit-policy-<hash>`), so a
    // group named like a cluster that has its own object would make two resources claim one object.
    const twin = c.group ? config.clusters.find((o) => !o.group && o.name === c.group) : undefined;
    if (twin) {
      throw new ConfigError(
        `clusters[${i}].group`,
        `"${c.group}" is also the name of a cluster with its own policy object ("${c.group}-audit-policy-<hash>" would be claimed twice); choose another group name, or put cluster "${twin.name}" in the group`,
      );
    }
  });
  planStack(config);
  return config;
}

export interface BuildOptions {
  /** Explicit providers (`{ kubernetes, rancher2 }`); default: the default providers configured by stack config. */
  providers?: pulumi.ComponentResourceOptions["providers"];
  parent?: pulumi.Resource;
}

export interface BuiltStack {
  clusters: Record<string, AuditedCluster>;
  sources: Record<string, AuditPolicySource>;
}

/** Registers the policy sources and clusters of a parsed config. */
export function buildStack(config: StackConfig, opts: BuildOptions = {}): BuiltStack {
  planStack(config); // validates again: buildStack may be given a hand-made config
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
  return { clusters, sources };
}

export interface ClusterOutputs {
  clusterV1Id: pulumi.Output<string>;
  policySourceName: pulumi.Output<string | undefined>;
  policySha256: pulumi.Output<string | undefined>;
  apiServerArgs: pulumi.Output<string[]>;
  restartScope: pulumi.Output<RestartScope>;
}

/** The stack outputs: per cluster ids, policy object, hash, flags, restart scope; the policies as plain text. */
export function stackOutputs(built: BuiltStack): { clusters: Record<string, ClusterOutputs>; policies: Record<string, pulumi.Output<string | undefined>> } {
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
  return { clusters, policies };
}

/** The project's config values as Pulumi gives them to the program (strings; objects as JSON). */
export function readProjectConfig(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (key.startsWith(`${PROJECT}:`)) out[key.slice(PROJECT.length + 1)] = value;
  }
  return out;
}
