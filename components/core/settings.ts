/**
 * The audit settings of one cluster: validated, with defaults applied. Pure.
 * Defaults: delivery "selector-files", source "secret", policy and log paths per distribution,
 * retention 30 days / 10 files / 100 MB (the CIS 1.2.17-1.2.19 minimums), format "json".
 */
import {
  defaultLogPath,
  defaultPolicyPath,
  inlinePolicyPath,
  psactMountPath,
  type Distro,
} from "./distro";
import { suggest } from "../audit-policy";
import { fail, show } from "./errors";
import { POLICY_SPEC_KEYS } from "./policy";
import { AUDIT_SETTINGS, settingSpec, type SettingSpec } from "./settings-table";

// The choices below are `as const` objects with a type of the same name (Pulumi's component
// analyzer turns them into enums for other languages) rather than TypeScript `enum`s, so that
// TypeScript callers may keep writing the plain strings (`delivery: "inline"`) as well as
// `Delivery.Inline`.

/** How the policy reaches the control-plane nodes: `"selector-files"` (default; RKE2 and K3s) or `"inline"` (RKE2 only). */
export const Delivery = {
  /** A policy object on the management cluster, copied to the nodes by machineSelectorFiles (RKE2 and K3s). The default. */
  SelectorFiles: "selector-files",
  /** The RKE2 config key `audit-policy-file` carries the policy text (RKE2 only; no policy object). */
  Inline: "inline",
} as const;
/** How the policy reaches the control-plane nodes: `"selector-files"` (default; RKE2 and K3s) or `"inline"` (RKE2 only). */
export type Delivery = (typeof Delivery)[keyof typeof Delivery];
/** The kind of policy object on the management cluster: `"secret"` (default) or `"configmap"`. */
export const SourceKind = {
  /** A Secret (the default). */
  Secret: "secret",
  /** A ConfigMap: readable in `pulumi preview --diff` (an audit policy holds no secrets). */
  ConfigMap: "configmap",
} as const;
/** The kind of policy object on the management cluster: `"secret"` (default) or `"configmap"`. */
export type SourceKind = (typeof SourceKind)[keyof typeof SourceKind];
/** Audit log line format (`--audit-log-format`): `"json"` (default) or `"legacy"`. */
export const LogFormat = {
  /** One JSON audit event per line (the default; the only format that can be shipped). */
  Json: "json",
  /** kube-apiserver's legacy text format. */
  Legacy: "legacy",
} as const;
/** Audit log line format (`--audit-log-format`): `"json"` (default) or `"legacy"`. */
export type LogFormat = (typeof LogFormat)[keyof typeof LogFormat];

/** The choices of a string setting, from the settings table. */
function choicesOf<T extends string>(key: "delivery" | "source" | "format"): readonly T[] {
  return settingSpec(key).choices as readonly T[];
}

/** How the policy reaches the nodes: `"selector-files"` (default) or `"inline"`. */
export const DELIVERIES: readonly Delivery[] = choicesOf("delivery");
/** Kinds of policy object: `"secret"` (default) or `"configmap"`. */
export const SOURCE_KINDS: readonly SourceKind[] = choicesOf("source");
/** Audit log formats: `"json"` (default) or `"legacy"`. */
export const LOG_FORMATS: readonly LogFormat[] = choicesOf("format");

/** The policy part of the `audit` argument (checked by the policy resolver). */
const AUDIT_POLICY_KEYS: readonly string[] = [...POLICY_SPEC_KEYS, "policySource"];

/** The rows of the component's `audit` settings (everything but the policy). */
const AUDIT_ROWS: readonly SettingSpec[] = AUDIT_SETTINGS.filter((s) => s.group === "audit");

/** The retention settings' CIS Kubernetes Benchmark 1.2.17-1.2.19 minimums (also RKE2's own defaults), e.g. `{ maxAge: 30, ... }`. */
export const CIS_RETENTION: Readonly<Record<"maxAge" | "maxBackup" | "maxSize", number>> = Object.fromEntries(
  AUDIT_ROWS.filter((s) => s.cisMinimum !== undefined).map((s) => [s.key, s.cisMinimum!]),
) as Record<"maxAge" | "maxBackup" | "maxSize", number>;

/**
 * The settings that write the audit log, for every target (Rancher clusters, standalone RKE2,
 * RKE1): paths, retention, format, and the safety gate.
 */
export interface AuditLogSettingsInput {
  /**
   * Absolute path of the policy file on control-plane nodes (selector-files delivery; `{distro}`
   * is replaced by `rke2` or `k3s`). Default `/etc/rancher/<distro>/audit-policy.yaml`. Not
   * allowed with inline delivery (Rancher chooses the path).
   */
  policyPath?: string;
  /**
   * Absolute path of the audit log on control-plane nodes (`{distro}` is replaced). Must differ
   * from the policy path. Default `/var/lib/rancher/<distro>/server/logs/audit.log`.
   */
  logPath?: string;
  /** Days to keep rotated audit logs (`--audit-log-maxage`). Default 30 (CIS 1.2.17 minimum). */
  maxAge?: number;
  /** Rotated audit log files to keep (`--audit-log-maxbackup`). Default 10 (CIS 1.2.18 minimum). */
  maxBackup?: number;
  /** Size in megabytes at which the audit log rotates (`--audit-log-maxsize`). Default 100 (CIS 1.2.19 minimum). */
  maxSize?: number;
  /** Audit log line format (`--audit-log-format`): `"json"` (default) or `"legacy"`. */
  format?: LogFormat;
  /**
   * Deploy a policy even when the safety analysis reports an `error` finding (for example
   * Secret bodies logged at Request level). Default `false`: such a policy stops the program.
   */
  allowUnsafePolicy?: boolean;
}

/** The settings part of the component's `audit` argument (everything but the policy). */
export interface AuditSettingsInput extends AuditLogSettingsInput {
  /**
   * Turn audit logging on. `false` removes the component's flags, files and policy object from the
   * cluster (Rancher leaves files it already delivered on the nodes). Default `true`.
   */
  enabled?: boolean;
  /**
   * How the policy reaches the control-plane machines. `"selector-files"` (default, RKE2 and K3s):
   * a policy object on the management cluster copied by machineSelectorFiles. `"inline"` (RKE2
   * only): the RKE2 config key `audit-policy-file` carries the policy text; no policy object.
   */
  delivery?: Delivery;
  /**
   * The kind of policy object for selector-files delivery: `"secret"` (default) or `"configmap"`
   * (the policy is not secret; a ConfigMap keeps it readable in `pulumi preview --diff`).
   * Ignored with inline delivery.
   */
  source?: SourceKind;
  /**
   * With a Pod Security Admission template, ignore changes to the `hash` of the webhook's file
   * entry (only Rancher's webhook knows it). Default `true`. Set `false` for the one update that
   * changes the number of machineSelectorFiles entries on such a cluster (see docs/component.md).
   */
  ignorePsactHash?: boolean;
}

/** The settings of one cluster, validated, with the defaults applied (`{distro}` expanded in paths). */
export interface AuditSettings extends Required<AuditSettingsInput> {
  /** The cluster's distribution. */
  distro: Distro;
  /** Non-fatal remarks (retention below the CIS minimums). */
  warnings: string[];
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T, path: string, hint: string): T {
  if (value === undefined) return fallback;
  if (typeof value === "string" && (allowed as readonly string[]).includes(value)) return value as T;
  fail(path, `must be one of ${allowed.map((a) => `"${a}"`).join(", ")}${hint}; got ${show(value)}`);
}

function bool(value: unknown, fallback: boolean, path: string): boolean {
  if (value === undefined) return fallback;
  if (typeof value === "boolean") return value;
  fail(path, `must be true or false; got ${show(value)}`);
}

function positiveInt(value: unknown, row: SettingSpec, path: string): number {
  if (value === undefined) return row.default as number;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    fail(path, `must be a whole number of ${row.unit ?? ""} of at least 1 (e.g. ${String(row.default)}); got ${show(value)}`);
  }
  if (row.maximum !== undefined && value > row.maximum) {
    fail(path, `must be at most ${row.maximum} ${row.unit ?? ""} (${row.maximumBecause ?? "the largest value accepted"}); got ${value}`);
  }
  return value;
}

/** Replaces `{distro}` with "rke2" or "k3s", so one setting serves clusters of both distributions. */
export function expandDistro(path: string, distro: Distro): string {
  return path.split(DISTRO_PLACEHOLDER).join(distro);
}

/** The one placeholder of a node path setting. */
export const DISTRO_PLACEHOLDER = "{distro}";

/**
 * Refuses braces left in a node path after `{distro}` was expanded: a placeholder typo such as
 * `{distr}` would otherwise reach kube-apiserver as a literal directory name.
 */
function checkPlaceholders(value: string, path: string): void {
  const left = /\{[^{}/]*\}?|\}/.exec(value);
  if (!left) return;
  if (left[0] === DISTRO_PLACEHOLDER) {
    fail(path, `${DISTRO_PLACEHOLDER} is replaced only for RKE2 and K3s clusters, not for this target; write the path in full; got ${show(value)}`);
  }
  const close = suggest(left[0], [DISTRO_PLACEHOLDER]);
  fail(path, `${show(left[0])} is not a placeholder: the only one is ${DISTRO_PLACEHOLDER} (replaced by rke2 or k3s)${close ? `; did you mean "${close}"?` : ", and braces are not allowed otherwise"}; got ${show(value)}`);
}

/** An absolute, normalized node path without whitespace, as kube-apiserver flag values need. */
export function checkNodePath(value: unknown, path: string, example: string): string {
  if (typeof value !== "string" || value === "") {
    fail(path, `must be an absolute path on the node, e.g. "${example}"; got ${show(value)}`);
  }
  if (!value.startsWith("/")) {
    fail(path, `must be an absolute path (start with "/"), e.g. "${example}"; got ${show(value)}`);
  }
  checkPlaceholders(value, path);
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\s\u0000-\u001f,]/.test(value)) {
    fail(path, `must not contain whitespace, control characters or commas (it becomes a kube-apiserver flag value); got ${show(value)}`);
  }
  const segments = value.split("/").slice(1);
  if (value.endsWith("/") || segments.some((s) => s === "" || s === "." || s === "..")) {
    fail(path, `must be a normalized file path (no "//", ".", ".." or trailing "/"), e.g. "${example}"; got ${show(value)}`);
  }
  return value;
}

/**
 * Paths neither the policy file nor the audit log may use: RKE2/K3s would read them as their own
 * config, or Rancher writes something else there.
 */
function reservedNodePath(p: string, distro: Distro): string | undefined {
  const etc = `/etc/rancher/${distro}`;
  if (p === `${etc}/config.yaml` || p.startsWith(`${etc}/config.yaml.d/`)) return `${distro} reads that location as its own configuration`;
  if (p === `${etc}/registries.yaml`) return "Rancher writes the private registry configuration there";
  if (p === psactMountPath(distro)) return "Rancher's webhook mounts the Pod Security Admission configuration there";
  return undefined;
}

/**
 * Validates the settings and applies the defaults. `path` prefixes argument names in errors
 * (default "audit").
 */
export function resolveAuditSettings(input: unknown, distro: Distro, path = "audit"): AuditSettings {
  if (input !== undefined && (input === null || typeof input !== "object" || Array.isArray(input))) {
    fail(path, `must be an object (e.g. { preset: "recommended" }); got ${show(input)}`);
  }
  const a = (input ?? {}) as Record<string, unknown>;
  const at = (key: string) => (path ? `${path}.${key}` : key);
  const value: Record<string, unknown> = {};
  for (const row of AUDIT_ROWS) {
    if (row.type === "boolean") value[row.key] = bool(a[row.key], row.default as boolean, at(row.key));
    else if (row.type === "integer") value[row.key] = positiveInt(a[row.key], row, at(row.key));
    else if (row.choices) value[row.key] = oneOf(a[row.key], row.choices, row.default as string, at(row.key), row.hint ?? "");
  }
  const { enabled, delivery } = value as { enabled: boolean; delivery: Delivery };

  if (enabled && delivery === "inline" && distro === "k3s") {
    fail(
      at("delivery"),
      'delivery "inline" does not work on K3s: Rancher silently drops the "audit-policy-file" config key for K3s clusters (K3s has no such option in Rancher\'s KDM data), so the policy would never reach the nodes; use delivery "selector-files" (the default), which works on RKE2 and K3s',
    );
  }

  let policyPath: string;
  if (delivery === "inline") {
    if (a.policyPath !== undefined) {
      fail(
        at("policyPath"),
        `is not used with delivery "inline": Rancher writes the policy to ${inlinePolicyPath(distro)} itself; remove policyPath, or use delivery "selector-files" to choose the path`,
      );
    }
    policyPath = inlinePolicyPath(distro);
  } else {
    const raw = a.policyPath === undefined ? defaultPolicyPath(distro) : a.policyPath;
    policyPath = checkNodePath(typeof raw === "string" ? expandDistro(raw, distro) : raw, at("policyPath"), defaultPolicyPath(distro));
    const reserved = reservedNodePath(policyPath, distro);
    if (reserved) fail(at("policyPath"), `${show(policyPath)} is not allowed: ${reserved}; use e.g. "${defaultPolicyPath(distro)}"`);
  }
  const rawLog = a.logPath === undefined ? defaultLogPath(distro) : a.logPath;
  const logPath = checkNodePath(typeof rawLog === "string" ? expandDistro(rawLog, distro) : rawLog, at("logPath"), defaultLogPath(distro));
  const reservedLog = reservedNodePath(logPath, distro);
  if (reservedLog) fail(at("logPath"), `${show(logPath)} is not allowed: ${reservedLog}, and kube-apiserver would write audit events into it; use e.g. "${defaultLogPath(distro)}"`);
  if (logPath === policyPath) {
    fail(at("logPath"), `must not be the policy path (${show(policyPath)}): kube-apiserver would write its audit log over the policy file; use e.g. "${defaultLogPath(distro)}"`);
  }

  const warnings: string[] = [];
  if (enabled) {
    const low = (Object.keys(CIS_RETENTION) as (keyof typeof CIS_RETENTION)[]).filter((k) => (value[k] as number) < CIS_RETENTION[k]);
    if (low.length > 0) {
      const minimums = Object.entries(CIS_RETENTION).map(([k, v]) => `${k} ${v}`).join(", ");
      warnings.push(`${low.map(at).join(", ")} below the CIS minimums (${minimums}): fine for development, not for a CIS-scanned cluster`);
    }
  }

  const known = [...AUDIT_ROWS.map((r) => r.key), ...AUDIT_POLICY_KEYS];
  for (const key of Object.keys(a)) {
    if (!known.includes(key)) fail(at(key), `is not a known audit setting; known: ${known.join(", ")}`);
  }

  return { ...(value as Omit<AuditSettings, "distro" | "policyPath" | "logPath" | "warnings">), distro, policyPath, logPath, warnings };
}

/** A distribution whose control-plane nodes write the audit log. */
export type LogDistribution = Distro | "rke1";

/** Where and how a cluster's kube-apiserver writes its audit log: what a log shipper needs to read it. */
export interface AuditLogLocation {
  /** The distribution: `"rke2"`, `"k3s"` (Rancher or standalone) or `"rke1"`. */
  distribution: LogDistribution;
  /** Absolute path of the audit log on the control-plane nodes, `{distro}` expanded, e.g. `/var/lib/rancher/rke2/server/logs/audit.log`. */
  logPath: string;
  /** Line format: `"json"` (one audit.k8s.io/v1 Event per line) or `"legacy"`. */
  format: LogFormat;
}

/**
 * The audit log of a cluster from its resolved settings (AuditPlan.settings of AuditedCluster,
 * ResolvedStandaloneAudit.settings of the RKE2 and RKE1 targets): the one place log shipping and
 * alerting read the log path, format and distribution from.
 *
 * @example auditLogLocation(planAudit(args).settings, "rke2") // { distribution: "rke2", logPath: "/var/lib/rancher/rke2/server/logs/audit.log", format: "json" }
 */
export function auditLogLocation(settings: Pick<AuditSettings, "logPath" | "format">, distribution: LogDistribution): AuditLogLocation {
  const logPath = distribution === "rke1" ? settings.logPath : expandDistro(settings.logPath, distribution);
  return { distribution, logPath, format: settings.format };
}
