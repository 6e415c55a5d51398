/**
 * Audit options for nodes that Rancher does not provision (standalone RKE2 servers, RKE1 clusters):
 * the same policy options, paths and retention as the Rancher component's `audit` argument, checked
 * by the same functions (components/rancher: resolveAuditSettings, resolvePolicy with its analysis
 * gate), minus the Rancher-only settings. Pure.
 *
 * Errors are AuditConfigErrors whose `path` is the option key with a caller-chosen prefix:
 * `audit.logPath` for the Rke2ServerAudit component (like AuditedCluster), `logPath` for the pure
 * functions, and the CLI maps the key to its flag.
 */
import { requireKubernetesVersion, type Finding } from "../audit-policy";
import { AuditConfigError, fail, show } from "./errors";
import { pickPolicySpec, resolvePolicy, type PolicySpec, type ResolvedPolicy } from "./policy";
import { resolveAuditSettings, type AuditSettings, type AuditSettingsInput, type LogFormat } from "./settings";

/** Policy and log settings for one set of nodes (see AuditArgs of AuditedCluster for the same fields). */
export interface StandaloneAuditOptions extends PolicySpec, Pick<AuditSettingsInput, "policyPath" | "logPath"> {
  /** Days to keep rotated audit logs (`audit-log-maxage`). Default 30 (CIS 1.2.17 minimum). */
  maxAge?: number;
  /** Rotated audit log files to keep (`audit-log-maxbackup`). Default 10 (CIS 1.2.18 minimum). */
  maxBackup?: number;
  /** Megabytes at which the audit log rotates (`audit-log-maxsize`). Default 100 (CIS 1.2.19 minimum). */
  maxSize?: number;
  /** Audit log format: `"json"` (default) or `"legacy"`. */
  format?: LogFormat;
  /** Deploy a policy even when the safety analysis reports an `error` finding. Default `false`. */
  allowUnsafePolicy?: boolean;
}

/** The policy keys (PolicySpec) and the settings keys a standalone target accepts. */
export const POLICY_OPTION_KEYS = ["preset", "policy", "prependRules", "appendRules", "omitStages", "omitManagedFields"] as const;
export const SETTING_OPTION_KEYS = ["policyPath", "logPath", "maxAge", "maxBackup", "maxSize", "format", "allowUnsafePolicy"] as const;

/** AuditedCluster settings that mean nothing without Rancher, and why. */
const RANCHER_ONLY: Record<string, string> = {
  enabled: "there is no switch: remove the resource (or the rendered files) to stop managing audit logging",
  delivery: "the policy file is written to the nodes directly, not delivered by Rancher",
  source: "there is no policy object on a Rancher management cluster",
  ignorePsactHash: "Rancher's Pod Security Admission webhook is not involved",
  policySource: "there is no shared policy object on a Rancher management cluster; give the same preset or policy to each target",
};

const KEY_NAMES = [...POLICY_OPTION_KEYS, ...SETTING_OPTION_KEYS].join("|");

/**
 * Renames the argument paths the Rancher helpers produce (`audit.<key>`, also inside the message,
 * e.g. "set audit.allowUnsafePolicy: true") to `<prefix><key>`.
 */
export function rebaseError<T>(prefix: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof AuditConfigError) || prefix === "audit.") throw e;
    const rename = (s: string) => s.replace(new RegExp(`\\baudit\\.(${KEY_NAMES})\\b`, "g"), `${prefix}$1`);
    throw e.withPath(rename(e.path), rename(e.detail));
  }
}

export interface ResolvedStandaloneAudit {
  settings: AuditSettings;
  policy: ResolvedPolicy;
  /** Findings of the safety analysis (errors only when allowUnsafePolicy was set). */
  findings: Finding[];
  /** Non-fatal remarks: retention below the CIS minimums, analysis findings. */
  warnings: string[];
}

/**
 * Checks the options (unknown and Rancher-only keys, paths, retention, format, the policy and its
 * safety analysis) and applies the defaults. `defaults` supplies the target's own default paths;
 * `prefix` is put before every key in errors ("" or "audit.").
 */
export function resolveStandaloneAudit(
  options: unknown,
  target: { label: string; defaults: { policyPath: string; logPath: string }; kubernetesVersion?: string; kubernetesVersionKey?: string },
  prefix = "",
): ResolvedStandaloneAudit {
  const where = prefix.replace(/\.$/, "");
  if (options !== undefined && (options === null || typeof options !== "object" || Array.isArray(options))) {
    fail(where, `must be an object of audit options (e.g. { preset: "recommended", maxAge: 30 }); got ${show(options)}`);
  }
  const o = (options ?? {}) as Record<string, unknown>;
  const known = [...POLICY_OPTION_KEYS, ...SETTING_OPTION_KEYS] as readonly string[];
  for (const key of Object.keys(o)) {
    if (o[key] === undefined) continue;
    if (RANCHER_ONLY[key] !== undefined) {
      fail(`${prefix}${key}`, `is a setting of Rancher-provisioned clusters (AuditedCluster) and does not apply to ${target.label}: ${RANCHER_ONLY[key]}; remove it`);
    }
    if (!known.includes(key)) fail(`${prefix}${key}`, `is not an audit option of ${target.label}; the options are: ${known.join(", ")}`);
  }
  if (target.kubernetesVersion !== undefined) {
    try {
      requireKubernetesVersion(target.kubernetesVersion, "");
    } catch {
      fail(
        target.kubernetesVersionKey ?? "kubernetesVersion",
        `${show(target.kubernetesVersion)} is not a Kubernetes version; use the form "v1.31.5+rke2r1" or "1.31"`,
      );
    }
  }
  const settingsInput: Record<string, unknown> = {
    policyPath: o.policyPath ?? target.defaults.policyPath,
    logPath: o.logPath ?? target.defaults.logPath,
  };
  for (const k of ["maxAge", "maxBackup", "maxSize", "format", "allowUnsafePolicy"] as const) {
    if (o[k] !== undefined) settingsInput[k] = o[k];
  }
  // distro "rke2": the Rancher helper then refuses RKE2's own config locations as policy path.
  const settings = rebaseError(prefix, () => resolveAuditSettings(settingsInput, "rke2", "audit"));
  const policy = rebaseError(prefix, () =>
    resolvePolicy(pickPolicySpec(o), {
      kubernetesVersion: target.kubernetesVersion,
      allowUnsafePolicy: settings.allowUnsafePolicy,
      path: "audit",
    }),
  );
  const rename = (s: string) => s.replace(new RegExp(`\\baudit\\.(${KEY_NAMES})\\b`, "g"), `${prefix}$1`);
  const warnings = [
    ...settings.warnings.map(rename),
    ...policy.findings.map((f) => `audit policy ${f.severity} [${f.id}]${f.path ? ` ${f.path}:` : ""} ${f.message}`),
  ];
  return { settings, policy, findings: policy.findings, warnings };
}
