/**
 * The stack config: the keys under `rancher-audit:` (derived from the settings table, with the
 * structured cluster list), and their parser. Every wrong value fails in `parseStackConfig`,
 * before anything is registered, naming the key `rancher-audit:<key>` and the fix.
 */
import * as path from "node:path";
import { parseKubernetesVersion, requireSupportedKubernetesVersion, suggest } from "../components/audit-policy";
import { show } from "../components/core/errors";
import { isInside, readUserFile, UserFileError } from "../components/core/user-file";
import type { AuditSettings } from "../components/core/settings";
import { AUDIT_SETTINGS, settingSpec, type SettingKey } from "../components/core/settings-table";
import { ConfigError, PROJECT } from "./errors";
import { ALERTS_DESCRIPTION, ALERTS_KEY, readStackAlerts, type StackAlerts } from "./alerts";
import { planStack } from "./plan";

/** The type of a stack config key, as Pulumi.yaml declares it. */
export type ConfigType = "string" | "integer" | "boolean" | "array" | "object";

/** A stack config key: type, default, description and whether Pulumi.yaml declares it. */
export interface ConfigKeySpec {
  type: ConfigType;
  /** The value used when the stack does not set the key (undefined: required or structured). */
  default?: string | number | boolean;
  description: string;
  /** Declared in Pulumi.yaml `config:` (structured keys are not: Pulumi cannot type them). */
  declared: boolean;
}

/** Every key under `rancher-audit:`: the settings table's rows, and the clusters. Pulumi.yaml declares the same (a test checks). */
export const CONFIG_KEYS: Readonly<Record<string, ConfigKeySpec>> = {
  ...Object.fromEntries(AUDIT_SETTINGS.map((s) => [s.key, { type: s.type, default: s.default, declared: true, description: s.doc }])),
  clusters: { type: "array", declared: false, description: "The clusters: a list of { name, kubernetesVersion, group?, podSecurityAdmissionTemplate?, labels? }. Clusters with the same group share one policy object." },
  [ALERTS_KEY]: { type: "object", declared: false, description: ALERTS_DESCRIPTION },
};

const CLUSTER_KEYS = ["name", "kubernetesVersion", "group", "podSecurityAdmissionTemplate", "labels"] as const;

/** One entry of `rancher-audit:clusters`. */
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
export interface StackConfig extends Omit<AuditSettings, "distro" | "warnings"> {
  preset: string;
  /** As given (relative to the project directory); "" when not set. */
  policyFile: string;
  /** The file's text when policyFile is set. */
  policyText?: string;
  fleetNamespace: string;
  clusters: ClusterConfig[];
  /** `rancher-audit:alerts` with the shipping sink the rules are for; undefined when not set or off. */
  alerts?: StackAlerts;
}

/** `did you mean "x"? ` (with the engine's suggestion rule), or "" when nothing is close. */
function didYouMean(key: string, known: readonly string[]): string {
  const best = suggest(key, known);
  return best ? `did you mean "${best}"? ` : "";
}

/** Reads one setting of the table: numbers and booleans may be strings (as Pulumi passes them). */
function readSetting(values: Record<string, unknown>, key: SettingKey): string | number | boolean {
  const spec = settingSpec(key);
  const raw = values[key] ?? spec.default;
  if (spec.type === "boolean") {
    if (raw === true || raw === "true") return true;
    if (raw === false || raw === "false") return false;
    throw new ConfigError(key, `must be true or false; got ${show(raw)}`);
  }
  if (spec.type === "integer") {
    const n = typeof raw === "string" && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : raw;
    if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 1) {
      throw new ConfigError(key, `must be a whole number of at least 1 (CIS minimum ${spec.cisMinimum}); got ${show(raw)}; fix with: pulumi config set ${PROJECT}:${key} ${spec.default}`);
    }
    return n;
  }
  if (typeof raw !== "string") throw new ConfigError(key, `must be a string; got ${show(raw)}`);
  if (spec.choices && !spec.choices.includes(raw)) {
    throw new ConfigError(key, `must be one of ${spec.choices.map((a) => `"${a}"`).join(", ")}; got ${show(raw)}; fix with: pulumi config set ${PROJECT}:${key} ${spec.choices[0]}`);
  }
  return raw;
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

  const settings: Record<string, unknown> = {};
  for (const { key } of AUDIT_SETTINGS) settings[key] = readSetting(v, key);
  const config = { ...settings, clusters: readClusters(v.clusters) } as StackConfig;
  const alerts = readStackAlerts(v, config.enabled as boolean);
  if (alerts) config.alerts = alerts;

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
