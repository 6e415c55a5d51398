/**
 * The two files that turn on kube-apiserver audit logging on a standalone RKE2 server (one that
 * Rancher does not provision), as RKE2's documentation describes it: the policy file and
 * `kube-apiserver-arg` entries in RKE2's config. Pure: the Rke2ServerAudit component and
 * `npm run cli -- render rke2` both write exactly these bytes.
 *
 * ## Why a drop-in with `kube-apiserver-arg+`
 *
 * RKE2 reads `/etc/rancher/rke2/config.yaml`, then `/etc/rancher/rke2/config.yaml.d/*.yaml` in
 * lexical order (RKE2 >= v1.21.2+rke2r1). For a repeated key the last file wins and a list
 * *replaces* the earlier list, unless the key ends in `+`: then the values are appended to the
 * list accumulated so far. Sources: rancher/rke2-docs `docs/install/configuration.md` ("Multiple
 * Config Files": "A `+` can be appended to the key to append the value to the existing string or
 * slice, instead of replacing it"), and the parser RKE2 uses, k3s-io/k3s
 * `pkg/configfilearg/parser.go` `readConfigFile` (`isAppend := strings.HasSuffix(k, "+")`,
 * introduced by k3s-io/k3s#3229, April 2021).
 *
 * So the drop-in writes `kube-apiserver-arg+:`. A plain `kube-apiserver-arg:` would silently
 * delete every kube-apiserver flag the user keeps in config.yaml (OIDC, admission plugins, ...).
 * With `+`, our flags come after the user's; kube-apiserver keeps the last value of a repeated
 * flag, so ours win if config.yaml also sets an audit flag. A later drop-in (`60-*.yaml` and up)
 * that sets `kube-apiserver-arg` without `+` still replaces the accumulated list, ours included:
 * the component's restart check catches that (see scripts.ts `restartScript`).
 *
 * The flags go through `kube-apiserver-arg` (not RKE2's own `audit-policy-file` key) so that
 * every value is explicit: with `audit-policy-file` RKE2 adds its own rotation defaults and, when
 * the file is missing, writes a policy that logs nothing
 * (RKE2's server start-up, https://github.com/rancher/rke2).
 */
import { parseDocument } from "yaml";
import { auditFlags } from "../core/apiserver-args";
import { renderConfigYaml } from "../core/config-yaml";
import { policyDigest } from "../core/policy";
import { resolveStandaloneAudit, type StandaloneAuditOptions } from "../core/standalone";
import type { Finding } from "../audit-policy";

/** Where RKE2's documentation puts the audit policy (also RKE2's own default with `profile: cis`). */
export const RKE2_DEFAULT_POLICY_PATH = "/etc/rancher/rke2/audit-policy.yaml";
/** RKE2's default audit log (`<data-dir>/server/logs/audit.log`). */
export const RKE2_DEFAULT_LOG_PATH = "/var/lib/rancher/rke2/server/logs/audit.log";
/** The drop-in this project owns; the user's `config.yaml` is never touched. */
export const RKE2_DROPIN_PATH = "/etc/rancher/rke2/config.yaml.d/50-audit.yaml";
/** The config key: `+` appends to the user's `kube-apiserver-arg` list instead of replacing it. */
export const RKE2_APISERVER_ARG_KEY = "kube-apiserver-arg+";
/** Mode of both files: root only, like RKE2's own policy file (WriteDefaultPolicyFile uses 0600). */
export const RKE2_FILE_MODE = "0600";

/** Options of renderRke2ServerFiles: the standalone audit options and the servers' Kubernetes version. */
export interface Rke2ServerFilesOptions extends StandaloneAuditOptions {
  /**
   * Kubernetes version the servers run, for version-specific policy checks (e.g. group "*" needs
   * 1.36). Example: `"v1.31.5+rke2r1"`. Default: no version-specific checks.
   */
  kubernetesVersion?: string;
}

/** The two files for standalone RKE2 servers (policy and config drop-in), their modes, flags and hashes. */
export interface Rke2ServerFiles {
  /** Absolute path of the policy file on each server. */
  policyPath: string;
  /** The policy, as the engine renders it (canonical YAML). */
  policyYaml: string;
  policyMode: typeof RKE2_FILE_MODE;
  /** Absolute path of the drop-in. */
  dropInPath: string;
  dropInYaml: string;
  dropInMode: typeof RKE2_FILE_MODE;
  /** The kube-apiserver flags in the drop-in, as kube-apiserver-arg entries ("name=value"). */
  apiServerArgs: string[];
  /** SHA-256 (hex) of both paths and both contents: a change means rke2-server must restart. */
  restartHash: string;
  /** SHA-256 (hex) of the policy text. */
  policySha256: string;
  findings: Finding[];
  /** Non-fatal remarks (retention below CIS minimums, analysis warnings). */
  warnings: string[];
}

const DROPIN_HEADER = [
  "# Managed by rancher-audit: kube-apiserver audit logging. Do not edit; changes are overwritten.",
  "# \"kube-apiserver-arg+\" appends to the kube-apiserver-arg list of config.yaml instead of replacing it.",
  "# A later file in config.yaml.d that sets kube-apiserver-arg without \"+\" would replace these flags.",
];

/** The drop-in text for a list of kube-apiserver-arg entries (header comment, then the key). */
export function renderDropIn(args: readonly string[]): string {
  return `${DROPIN_HEADER.join("\n")}\n${renderConfigYaml({ [RKE2_APISERVER_ARG_KEY]: [...args] })}`;
}

/**
 * Validates the options (errors name the option, prefixed with `prefix`: "" or "audit.") and
 * renders both files. Defaults: preset "recommended", the RKE2 paths above, 30 days / 10 files /
 * 100 MB, json.
 */
export function renderRke2ServerFiles(options: Rke2ServerFilesOptions = {}, prefix = ""): Rke2ServerFiles {
  const { kubernetesVersion, ...audit } = (options ?? {}) as Rke2ServerFilesOptions;
  const r = resolveStandaloneAudit(
    audit,
    {
      label: "standalone RKE2 servers",
      defaults: { policyPath: RKE2_DEFAULT_POLICY_PATH, logPath: RKE2_DEFAULT_LOG_PATH },
      kubernetesVersion,
    },
    prefix,
  );
  const apiServerArgs = auditFlags(r.settings, true);
  const dropInYaml = renderDropIn(apiServerArgs);
  // Safety net: the drop-in must read back as exactly these flags under the append key.
  const back = parseDocument(dropInYaml, { version: "1.1" }).toJS() as Record<string, unknown>;
  if (JSON.stringify(back) !== JSON.stringify({ [RKE2_APISERVER_ARG_KEY]: apiServerArgs })) {
    throw new Error(`internal: the drop-in does not read back as its flags: ${dropInYaml}`);
  }
  const policyPath = r.settings.policyPath;
  const restartHash = policyDigest(JSON.stringify([policyPath, r.policy.yaml, RKE2_DROPIN_PATH, dropInYaml])).sha256;
  return {
    policyPath,
    policyYaml: r.policy.yaml,
    policyMode: RKE2_FILE_MODE,
    dropInPath: RKE2_DROPIN_PATH,
    dropInYaml,
    dropInMode: RKE2_FILE_MODE,
    apiServerArgs,
    restartHash,
    policySha256: r.policy.sha256,
    findings: r.findings,
    warnings: r.warnings,
  };
}
