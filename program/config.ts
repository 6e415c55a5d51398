/**
 * The stack config: the keys under `rancher-audit:` (derived from the settings table, with the
 * structured cluster list), and their parser. Every wrong value is found in `parseStackConfig`,
 * before anything is registered: the parser collects all problems (ConfigProblems) and throws
 * one error naming each `rancher-audit:<key>` and its fix.
 *
 * Values are what Pulumi hands the program: a scalar is its text as written in the stack file
 * (`30`, `true`, `0x20` are the strings "30", "true", "0x20"; an empty or null value is ""), a
 * structured value is JSON (or, from tests and the CLI, the object itself).
 */
import * as path from "node:path";
import { parseKubernetesVersion, requireSupportedKubernetesVersion, suggest } from "../components/audit-policy";
import { show } from "../components/core/errors";
import { labelKeyProblem, labelValueProblem } from "../components/core/labels";
import { isInside, readUserFile, UserFileError } from "../components/core/user-file";
import type { AuditSettings } from "../components/core/settings";
import { AUDIT_SETTINGS, settingSpec, type SettingKey } from "../components/core/settings-table";
import { ConfigError, ConfigProblems, PROJECT } from "./errors";
import { projectValues } from "./namespaces";
import { ALERTS_DESCRIPTION, ALERTS_KEY, readStackAlerts, type StackAlerts } from "./alerts";
import { planStack } from "./plan";
import { readShipping, type ShippingConfig } from "./shipping-config";

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

/** Every key under `rancher-audit:`: the settings table's rows, the clusters and log shipping. Pulumi.yaml declares the typed ones (a test checks). */
export const CONFIG_KEYS: Readonly<Record<string, ConfigKeySpec>> = {
  ...Object.fromEntries(AUDIT_SETTINGS.map((s) => [s.key, { type: s.type, default: s.default, declared: true, description: s.doc }])),
  clusters: { type: "array", declared: false, description: "The clusters: a list of { name, kubernetesVersion, group?, podSecurityAdmissionTemplate?, labels? }. Clusters with the same group share one policy object." },
  shipping: { type: "object", declared: false, description: "Log shipping: { collector?, sinks: { <name>: { kind, url, ... } }, rancherLogging?, fluentBit? } (program/shipping-config.ts). Unset: no shipping. Credentials only as secrets on a path." },
  [ALERTS_KEY]: { type: "object", declared: false, description: ALERTS_DESCRIPTION },
};

const CLUSTER_KEYS = ["name", "kubernetesVersion", "group", "podSecurityAdmissionTemplate", "labels", "shipping"] as const;

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
  /** false: this cluster's log is not shipped although `rancher-audit:shipping` is set. Default true. */
  shipping?: boolean;
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
  /** Log shipping of every cluster not opted out; undefined: off. */
  shipping?: ShippingConfig;
  /** `rancher-audit:alerts` with the shipping sink the rules are for; undefined when not set or off. */
  alerts?: StackAlerts;
}

/** `did you mean "x"? ` (with the engine's suggestion rule), or "" when nothing is close. */
function didYouMean(key: string, known: readonly string[]): string {
  const best = suggest(key, known);
  return best ? `did you mean "${best}"? ` : "";
}

/** A whole number as Pulumi passes it (text) or as a caller gives it (a number); undefined when it is neither. */
function wholeNumber(raw: unknown): number | undefined {
  // Decimal digits only: Pulumi hands "0x20" or "1e3" to the program as text, and its own
  // getNumber would read them as 0 and 1000. Past 2^53 the text is kept, so it is shown as typed.
  if (typeof raw === "string") return /^[1-9][0-9]*$/.test(raw) && Number.isSafeInteger(Number(raw)) ? Number(raw) : undefined;
  return typeof raw === "number" && Number.isSafeInteger(raw) ? raw : undefined;
}

/**
 * Reads one setting of the table (numbers and booleans as Pulumi passes them: text). An unset key
 * takes the default; a key set to nothing ("" or null) is refused, not defaulted.
 */
function readSetting(values: Record<string, unknown>, key: SettingKey): string | number | boolean {
  const spec = settingSpec(key);
  const raw = values[key];
  if (raw === undefined) return spec.default;
  const fix = (value: unknown) => `fix with: pulumi config set ${PROJECT}:${key} ${String(value)}, or remove the key for the default (${show(spec.default)})`;
  if ((raw === null || raw === "") && spec.type !== "string") throw new ConfigError(key, `has no value (an empty or null value in the stack file); ${fix(spec.default)}`);
  if (spec.type === "boolean") {
    if (raw === true || raw === "true") return true;
    if (raw === false || raw === "false") return false;
    throw new ConfigError(key, `must be true or false; got ${show(raw)}; ${fix(spec.default)}`);
  }
  if (spec.type === "integer") {
    const n = wholeNumber(raw);
    if (n === undefined || n < 1) {
      throw new ConfigError(key, `must be a whole number of at least 1 (CIS minimum ${spec.cisMinimum}), written in decimal digits; got ${show(raw)}; ${fix(spec.default)}`);
    }
    if (spec.maximum !== undefined && n > spec.maximum) {
      throw new ConfigError(key, `must be at most ${spec.maximum} ${spec.unit ?? ""} (${spec.maximumBecause}); got ${show(raw)}; ${fix(spec.default)}`);
    }
    return n;
  }
  if (typeof raw !== "string") throw new ConfigError(key, `must be a string; got ${show(raw)}; ${fix(spec.default)}`);
  if (spec.choices && !spec.choices.includes(raw)) {
    throw new ConfigError(key, `must be one of ${spec.choices.map((a) => `"${a}"`).join(", ")}; got ${show(raw)}; ${didYouMean(raw, spec.choices)}${fix(spec.default)}`);
  }
  return raw;
}

const CLUSTER_EXAMPLE = "e.g. [{ name: prod-eu-1, kubernetesVersion: v1.31.5+rke2r1 }]";

/** The cluster list as a value: a list, or its JSON text (as Pulumi passes structured values). */
function clusterList(raw: unknown): unknown[] {
  let value = raw;
  if (typeof value === "string" && value !== "") {
    try {
      value = JSON.parse(value);
    } catch {
      throw new ConfigError("clusters", `must be a list of clusters; got text that is not a list: ${show(raw)}`);
    }
  }
  if (value === undefined || value === null || value === "") {
    throw new ConfigError("clusters", `is required: list the clusters of this stack in stacks/Pulumi.<stack>.yaml, ${CLUSTER_EXAMPLE}`);
  }
  if (!Array.isArray(value) || value.length === 0) throw new ConfigError("clusters", `must be a non-empty list of clusters, ${CLUSTER_EXAMPLE}; got ${show(value)}`);
  return value;
}

/** Checks a cluster's labels against Kubernetes' label syntax, one problem per bad key or value. */
function checkLabels(labels: unknown, key: string, problems: ConfigProblems): void {
  if (labels === null || typeof labels !== "object" || Array.isArray(labels)) {
    problems.add(key, `must be a map of string labels, e.g. { env: prod }; got ${show(labels)}`);
    return;
  }
  for (const [k, v] of Object.entries(labels as Record<string, unknown>)) {
    const keyProblem = labelKeyProblem(k);
    if (keyProblem) problems.add(`${key}.${k}`, `is not a valid label key: ${keyProblem}`);
    if (typeof v !== "string") problems.add(`${key}.${k}`, `must be a string; got ${show(v)} (quote numbers and booleans, e.g. "1.0", "true")`);
    else {
      const valueProblem = labelValueProblem(v);
      if (valueProblem) problems.add(`${key}.${k}`, `the label value ${valueProblem}; got ${show(v.length > 70 ? `${v.slice(0, 67)}...` : v)}`);
    }
  }
}

/** One entry of the cluster list, or undefined when it has problems (each recorded). */
function readCluster(c: unknown, key: string, problems: ConfigProblems): ClusterConfig | undefined {
  if (c === null || typeof c !== "object" || Array.isArray(c)) {
    problems.add(key, `must be an object with name and kubernetesVersion, ${CLUSTER_EXAMPLE}; got ${show(c)}`);
    return undefined;
  }
  const before = problems.count;
  const entry = c as Record<string, unknown>;
  for (const k of Object.keys(entry)) {
    if (!(CLUSTER_KEYS as readonly string[]).includes(k)) problems.add(`${key}.${k}`, `is not a cluster setting; ${didYouMean(k, CLUSTER_KEYS)}known: ${CLUSTER_KEYS.join(", ")}`);
  }
  if (typeof entry.name !== "string") problems.add(`${key}.name`, `is required: the provisioning cluster's name, e.g. "prod-eu-1"; got ${show(entry.name)}`);
  if (typeof entry.kubernetesVersion !== "string") {
    problems.add(`${key}.kubernetesVersion`, `is required: the Rancher Kubernetes version, e.g. "v1.31.5+rke2r1" or "v1.31.5+k3s1"; got ${show(entry.kubernetesVersion)}`);
  } else if (parseKubernetesVersion(entry.kubernetesVersion)) {
    try {
      requireSupportedKubernetesVersion(entry.kubernetesVersion, "");
    } catch (e) {
      problems.add(`${key}.kubernetesVersion`, (e as Error).message.replace(/^: /, ""));
    }
  }
  for (const k of ["group", "podSecurityAdmissionTemplate"] as const) {
    if (entry[k] !== undefined && (typeof entry[k] !== "string" || entry[k] === "")) problems.add(`${key}.${k}`, `must be a non-empty string; got ${show(entry[k])}`);
  }
  if (typeof entry.group === "string" && entry.group !== "" && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(entry.group)) {
    problems.add(`${key}.group`, `must be lowercase letters, digits and "-" (it names the shared policy object), e.g. "prod"; got ${show(entry.group)}`);
  }
  if (entry.labels !== undefined) checkLabels(entry.labels, `${key}.labels`, problems);
  if (entry.shipping !== undefined && entry.shipping !== false && entry.shipping !== "false") {
    problems.add(`${key}.shipping`, `can only be false (this cluster's log is not shipped); remove it to ship with ${PROJECT}:shipping; got ${show(entry.shipping)}`);
  }
  if (problems.count > before) return undefined;
  const out: ClusterConfig = { name: entry.name as string, kubernetesVersion: entry.kubernetesVersion as string };
  if (entry.group !== undefined) out.group = entry.group as string;
  if (entry.podSecurityAdmissionTemplate !== undefined) out.podSecurityAdmissionTemplate = entry.podSecurityAdmissionTemplate as string;
  if (entry.labels !== undefined) out.labels = { ...(entry.labels as Record<string, string>) };
  if (entry.shipping !== undefined) out.shipping = false;
  return out;
}

/** The clusters without problems and their positions in the list (each problem recorded; a duplicate name is one). */
function readClusters(raw: unknown, problems: ConfigProblems): { clusters: ClusterConfig[]; indexes: number[] } {
  const list = problems.check(() => clusterList(raw), []);
  const seen = new Map<string, number>();
  const clusters: ClusterConfig[] = [];
  const indexes: number[] = [];
  list.forEach((c, i) => {
    const cluster = readCluster(c, `clusters[${i}]`, problems);
    if (!cluster) return;
    if (seen.has(cluster.name)) {
      problems.add(`clusters[${i}].name`, `"${cluster.name}" is already clusters[${seen.get(cluster.name)}]; cluster names must be unique`);
      return;
    }
    seen.set(cluster.name, i);
    clusters.push(cluster);
    indexes.push(i);
  });
  return { clusters, indexes };
}

/** The same error with `clusters[j]` (an index among the clusters without problems) named by its position in the stack file. */
function atListPosition(e: ConfigError, indexes: readonly number[]): ConfigError {
  const m = /^clusters\[(\d+)\](.*)$/.exec(e.key);
  if (!m || indexes[Number(m[1])] === Number(m[1])) return e;
  return new ConfigError(`clusters[${indexes[Number(m[1])]}]${m[2]}`, e.parts, { unsafeFindings: e.unsafeFindings, namer: e.namer });
}

/** Reads the policy file through the safe user-file reader (real path inside the project, regular file, size cap). */
function readPolicyFile(policyFile: string, projectDir: string): string {
  if (path.isAbsolute(policyFile)) {
    throw new ConfigError("policyFile", `must be a path inside the project, relative to its directory (e.g. "examples/policies/strict.yaml"); got ${show(policyFile)}`);
  }
  const resolved = path.resolve(projectDir, policyFile);
  if (!isInside(projectDir, resolved)) throw new ConfigError("policyFile", `must stay inside the project directory; got ${show(policyFile)}`);
  try {
    return readUserFile(policyFile, resolved, { root: projectDir });
  } catch (e) {
    if (!(e instanceof UserFileError)) throw e;
    throw new ConfigError("policyFile", `cannot read ${show(policyFile)} (${e.reason}); give a path relative to ${projectDir}, e.g. "examples/policies/strict.yaml"`);
  }
}

/** The checks between keys: delivery against policyPath and groups, group names against cluster names. */
function checkCombinations(config: StackConfig, indexes: readonly number[], problems: ConfigProblems): void {
  if (config.delivery === "inline" && config.policyPath !== CONFIG_KEYS.policyPath.default) {
    problems.add("policyPath", `is not used with delivery "inline" (Rancher writes the policy to /var/lib/rancher/rke2/etc/config-files/audit-policy-file); remove it with: pulumi config rm ${PROJECT}:policyPath`);
  }
  config.clusters.forEach((c, j) => {
    const key = `clusters[${indexes[j]}].group`;
    if (c.group && config.delivery === "inline") {
      problems.add(key, `groups share a policy object, which delivery "inline" does not use; remove the group or set ${PROJECT}:delivery selector-files`);
    }
    // A group's policy object is named like a cluster's own (`<name>-audit-policy-<hash>`), so a
    // group named like a cluster that has its own object would make two resources claim one object.
    const twin = c.group ? config.clusters.find((o) => !o.group && o.name === c.group) : undefined;
    if (twin) {
      problems.add(key, `"${c.group}" is also the name of a cluster with its own policy object ("${c.group}-audit-policy-<hash>" would be claimed twice); choose another group name, or put cluster "${twin.name}" in the group`);
    }
  });
}

/**
 * Options of the stack config parser: the project directory (policyFile is relative to it) and
 * the keys Pulumi marks secret (`shipping` when a credential below it is a `secure:` value).
 */
export interface StackConfigOptions {
  projectDir: string;
  secretKeys?: readonly string[];
}

/** Parses our keys into `problems`: the config with defaults in place of wrong values, and the clusters without problems. */
function collectStackConfig(values: Record<string, unknown>, options: StackConfigOptions, problems: ConfigProblems): StackConfig {
  const known = Object.keys(CONFIG_KEYS);
  const v: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    const bare = key.startsWith(`${PROJECT}:`) ? key.slice(PROJECT.length + 1) : key;
    if (!known.includes(bare)) problems.add(bare, `is not a setting of this project; ${didYouMean(bare, known)}known keys: ${known.join(", ")}`);
    else v[bare] = value;
  }
  const settings: Record<string, unknown> = {};
  for (const { key } of AUDIT_SETTINGS) settings[key] = problems.check(() => readSetting(v, key), settingSpec(key).default);
  const { clusters, indexes } = readClusters(v.clusters, problems);
  const config = { ...settings, clusters } as StackConfig;
  if (config.policyFile !== "" && !problems.has("policyFile")) {
    config.policyText = problems.check(() => readPolicyFile(config.policyFile, options.projectDir), undefined);
  }
  const secretShipping = (options.secretKeys ?? []).some((k) => k === "shipping" || k === `${PROJECT}:shipping`);
  const shipping = problems.check(() => readShipping(v.shipping, secretShipping), undefined);
  if (shipping) {
    if (!config.enabled) {
      problems.add("shipping", `is set while ${PROJECT}:enabled is false: there is no audit log to ship; remove ${PROJECT}:shipping or set ${PROJECT}:enabled true`);
    } else config.shipping = shipping;
  }
  const alerts = problems.check(() => readStackAlerts(v, config.enabled as boolean), undefined);
  if (alerts) config.alerts = alerts;
  checkCombinations(config, indexes, problems);
  // The component's own checks (policy, paths, versions), on the clusters without problems and
  // with defaults in place of wrong values, so their problems are reported in the same run.
  const planning = { ...config, clusters: config.clusters.filter((_, j) => !problems.has(`clusters[${indexes[j]}]`)) };
  const planIndexes = indexes.filter((i) => !problems.has(`clusters[${i}]`));
  for (const { key } of AUDIT_SETTINGS) if (problems.has(key)) (planning as Record<string, unknown>)[key] = settingSpec(key).default;
  const planned = new ConfigProblems();
  planStack(planning, planned);
  planned.errors.forEach((e) => problems.record(atListPosition(e, planIndexes)));
  return config;
}

/**
 * Parses and validates our keys of the stack config (without the `rancher-audit:` prefix, or
 * with it; values as Pulumi gives them, text, or as YAML gives them). Reads the policy file
 * relative to `projectDir`. Throws a ConfigError naming `rancher-audit:<key>` and the fix, or a
 * ConfigErrors listing every problem when there are several.
 */
export function parseStackConfig(values: Record<string, unknown>, options: StackConfigOptions): StackConfig {
  if (values === null || typeof values !== "object") throw new ConfigError("", "the stack config must be a map of keys");
  const problems = new ConfigProblems();
  const config = collectStackConfig(values, options, problems);
  problems.throwIfAny();
  return config;
}

/**
 * Parses a stack's whole config: every key as the stack file writes it or as
 * `pulumi.runtime.allConfig()` gives it (`rancher2:apiUrl`, `rancher-audit:preset`). Keys of
 * other namespaces are left to their providers, except a key without a namespace or in one that
 * looks like a misspelling of ours (program/namespaces.ts), which are problems like any other.
 */
export function parseStackFileConfig(all: Record<string, unknown>, options: StackConfigOptions): StackConfig {
  if (all === null || typeof all !== "object") throw new ConfigError("", "the stack config must be a map of keys");
  const problems = new ConfigProblems();
  const values = projectValues(all, Object.keys(CONFIG_KEYS), problems);
  const config = collectStackConfig(values, options, problems);
  problems.throwIfAny();
  return config;
}
