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
import { fail, show } from "./errors";
import { findingWarning, pickPolicySpec, POLICY_SPEC_KEYS, resolvePolicy, type PolicySpec, type ResolvedPolicy } from "./policy";
import { resolveAuditSettings, type AuditLogSettingsInput, type AuditSettings, type AuditSettingsInput } from "./settings";
import { AUDIT_SETTINGS, settingsFor } from "./settings-table";

/**
 * Policy and log settings for one set of nodes: the fields of AuditedCluster's `audit` argument
 * that mean something without Rancher (the paths, retention, format and allowUnsafePolicy), with
 * the same defaults and checks.
 */
export interface StandaloneAuditOptions extends PolicySpec, AuditLogSettingsInput {}

/** The AuditedCluster settings that mean nothing without Rancher. */
export type RancherOnlySetting = Exclude<keyof AuditSettingsInput, keyof AuditLogSettingsInput>;

/** The settings keys a standalone RKE2 target accepts (from the settings table). */
const STANDALONE_SETTING_KEYS: readonly string[] = settingsFor("rke2").filter((s) => s.group === "audit").map((s) => s.key);

/** AuditedCluster settings that mean nothing without Rancher, and why. */
const RANCHER_ONLY: Readonly<Record<string, string>> = {
  ...Object.fromEntries(AUDIT_SETTINGS.flatMap((s) => ("rancherOnlyBecause" in s ? [[s.key, s.rancherOnlyBecause]] : []))),
  policySource: "there is no shared policy object on a Rancher management cluster; give the same preset or policy to each target",
};

/** The checked options of a standalone target: its settings, policy, findings and warnings. */
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
  const known = [...POLICY_SPEC_KEYS, ...STANDALONE_SETTING_KEYS] as readonly string[];
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
  const settingsInput: Record<string, unknown> = { ...target.defaults };
  for (const k of STANDALONE_SETTING_KEYS) if (o[k] !== undefined) settingsInput[k] = o[k];
  // distro "rke2": the settings resolver then refuses RKE2's own config locations as policy path.
  const settings = resolveAuditSettings(settingsInput, "rke2", where);
  const policy = resolvePolicy(pickPolicySpec(o), {
    kubernetesVersion: target.kubernetesVersion,
    allowUnsafePolicy: settings.allowUnsafePolicy,
    path: where,
  });
  const warnings = [...settings.warnings, ...policy.findings.map(findingWarning)];
  return { settings, policy, findings: policy.findings, warnings };
}
