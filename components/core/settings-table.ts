/**
 * The audit settings, once. Every other place derives from this table or is checked against it:
 * the component's validation and defaults (settings.ts), the kube-apiserver flags
 * (apiserver-args.ts), the stack config parser and `Pulumi.yaml`'s `config:` block (program/), the
 * options of `rancher-audit render` (cli/render/) and the settings table of docs/configuration.md
 * (test/core/settings-table.test.ts). Adding a kube-apiserver flag is one row here plus its tests.
 *
 * Retention minimums: CIS Kubernetes Benchmark 1.2.17-1.2.19 (https://www.cisecurity.org/benchmark/kubernetes),
 * which are also RKE2's own defaults. Flags:
 * https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/
 */

/** Where a setting applies: Rancher-provisioned clusters, standalone RKE2 servers, RKE1 clusters, log shipping. */
export type SettingTarget = "rancher" | "rke2" | "rke1" | "shipping";

/** One audit setting. */
export interface SettingSpec {
  /** The key: the component's `audit.<key>` argument, the stack config key `rancher-audit:<key>`. */
  readonly key: string;
  /** What the key is: an `audit.<key>` setting of the components, the choice of policy, or a setting of the stack only. */
  readonly group: "audit" | "policy" | "stack";
  /** The value's type (Pulumi.yaml's `type:`). */
  readonly type: "string" | "integer" | "boolean";
  /** The value used when the setting is not given. `{distro}` in a path becomes `rke2` or `k3s`. */
  readonly default: string | number | boolean;
  /** The allowed values of a string setting with a fixed set of choices, the default first. */
  readonly choices?: readonly string[];
  /** Said after the choices when a value is refused. */
  readonly hint?: string;
  /** The smallest value that meets the CIS Kubernetes Benchmark (integer settings); smaller values warn. */
  readonly cisMinimum?: number;
  /** Unit of an integer setting, for messages ("days"). */
  readonly unit?: string;
  /** The kube-apiserver flag the setting sets, without dashes (`audit-log-maxbackup`). */
  readonly flag?: string;
  /** The option of `rancher-audit render` (`max-backup`), when the CLI offers one. */
  readonly cliOption?: string;
  /** The CLI option's value placeholder in help texts. */
  readonly cliValue?: string;
  /** One line for Pulumi.yaml and help texts. */
  readonly doc: string;
  /** Targets that accept the setting. */
  readonly targets: readonly SettingTarget[];
  /** Why the setting means nothing outside Rancher (said when a standalone target gets it). */
  readonly rancherOnlyBecause?: string;
}

const ALL: readonly SettingTarget[] = ["rancher", "rke2", "rke1"];

/** Every audit setting, in the order flags, docs and Pulumi.yaml list them. */
export const AUDIT_SETTINGS = [
  {
    key: "enabled",
    group: "audit",
    type: "boolean",
    default: true,
    doc: "Turn kube-apiserver audit logging on for every cluster of the stack. false removes the component's flags, files and policy objects (Rancher leaves delivered files on the nodes).",
    targets: ["rancher"],
    rancherOnlyBecause: "there is no switch: remove the resource (or the rendered files) to stop managing audit logging",
  },
  {
    key: "preset",
    group: "policy",
    type: "string",
    default: "recommended",
    cliOption: "preset",
    cliValue: "NAME",
    doc: "Policy preset: metadata, basic, detailed, cis or recommended. Used when policyFile is empty.",
    targets: ALL,
  },
  {
    key: "policyFile",
    group: "policy",
    type: "string",
    default: "",
    cliOption: "policy",
    cliValue: "FILE",
    doc: "Path of an audit.k8s.io/v1 Policy file, relative to the project directory (e.g. examples/policies/strict.yaml). When set, it is the policy and preset is not used.",
    targets: ALL,
  },
  {
    key: "delivery",
    group: "audit",
    hint: ' ("selector-files" works on RKE2 and K3s; "inline" on RKE2 only)',
    type: "string",
    default: "selector-files",
    choices: ["selector-files", "inline"],
    doc: 'How the policy reaches the control-plane nodes: "selector-files" (RKE2 and K3s) or "inline" (RKE2 only).',
    targets: ["rancher"],
    rancherOnlyBecause: "the policy file is written to the nodes directly, not delivered by Rancher",
  },
  {
    key: "source",
    group: "audit",
    hint: ' ("configmap" keeps the policy readable in previews)',
    type: "string",
    default: "secret",
    choices: ["secret", "configmap"],
    doc: 'Kind of policy object for selector-files delivery: "secret" or "configmap" (readable in previews).',
    targets: ["rancher"],
    rancherOnlyBecause: "there is no policy object on a Rancher management cluster",
  },
  {
    key: "policyPath",
    group: "audit",
    type: "string",
    default: "/etc/rancher/{distro}/audit-policy.yaml",
    flag: "audit-policy-file",
    cliOption: "policy-path",
    cliValue: "P",
    doc: "Absolute path of the policy file on control-plane nodes ({distro} becomes rke2 or k3s). Selector-files delivery only.",
    targets: ["rancher", "rke2"],
  },
  {
    key: "logPath",
    group: "audit",
    type: "string",
    default: "/var/lib/rancher/{distro}/server/logs/audit.log",
    flag: "audit-log-path",
    cliOption: "log-path",
    cliValue: "P",
    doc: "Absolute path of the audit log on control-plane nodes ({distro} becomes rke2 or k3s).",
    targets: [...ALL, "shipping"],
  },
  {
    key: "maxAge",
    group: "audit",
    type: "integer",
    default: 30,
    cisMinimum: 30,
    unit: "days",
    flag: "audit-log-maxage",
    cliOption: "max-age",
    cliValue: "N",
    doc: "Days to keep rotated audit logs (--audit-log-maxage); CIS minimum 30.",
    targets: ALL,
  },
  {
    key: "maxBackup",
    group: "audit",
    type: "integer",
    default: 10,
    cisMinimum: 10,
    unit: "files",
    flag: "audit-log-maxbackup",
    cliOption: "max-backup",
    cliValue: "N",
    doc: "Rotated audit log files to keep (--audit-log-maxbackup); CIS minimum 10.",
    targets: ALL,
  },
  {
    key: "maxSize",
    group: "audit",
    type: "integer",
    default: 100,
    cisMinimum: 100,
    unit: "megabytes",
    flag: "audit-log-maxsize",
    cliOption: "max-size",
    cliValue: "N",
    doc: "Megabytes at which the audit log rotates (--audit-log-maxsize); CIS minimum 100.",
    targets: ALL,
  },
  {
    key: "format",
    group: "audit",
    type: "string",
    default: "json",
    choices: ["json", "legacy"],
    flag: "audit-log-format",
    cliOption: "format",
    cliValue: "json|legacy",
    doc: 'Audit log format: "json" or "legacy".',
    targets: [...ALL, "shipping"],
  },
  {
    key: "allowUnsafePolicy",
    group: "audit",
    type: "boolean",
    default: false,
    cliOption: "allow-unsafe-policy",
    doc: "Deploy a policy even when the safety analysis reports an error finding (e.g. Secret bodies in the log).",
    targets: ALL,
  },
  {
    key: "ignorePsactHash",
    group: "audit",
    type: "boolean",
    default: true,
    doc: "For clusters with a podSecurityAdmissionTemplate: ignore the hash of Rancher's webhook file entry. Set false for the one update that changes the number of machineSelectorFiles entries of such a cluster (docs/component.md).",
    targets: ["rancher"],
    rancherOnlyBecause: "Rancher's Pod Security Admission webhook is not involved",
  },
  {
    key: "fleetNamespace",
    group: "stack",
    type: "string",
    default: "fleet-default",
    doc: "Namespace of the clusters (and of the policy objects) on the Rancher management cluster.",
    targets: ["rancher"],
  },
] as const satisfies readonly SettingSpec[];

/** The key of a setting in AUDIT_SETTINGS. */
export type SettingKey = (typeof AUDIT_SETTINGS)[number]["key"];

/** The row of a setting. */
export function settingSpec(key: SettingKey): SettingSpec {
  return AUDIT_SETTINGS.find((s) => s.key === key)!;
}

/** The rows that set a kube-apiserver flag, in flag order. */
export const FLAG_SETTINGS = AUDIT_SETTINGS.filter((s): s is Extract<(typeof AUDIT_SETTINGS)[number], { flag: string }> => "flag" in s);

/** The rows with a CIS Kubernetes Benchmark minimum (the retention flags), in flag order. */
export const CIS_RETENTION_SETTINGS = FLAG_SETTINGS.filter((s): s is Extract<(typeof FLAG_SETTINGS)[number], { cisMinimum: number }> => "cisMinimum" in s);

/** The rows that apply to a target. */
export function settingsFor(target: SettingTarget): SettingSpec[] {
  return AUDIT_SETTINGS.filter((s) => (s.targets as readonly SettingTarget[]).includes(target));
}
