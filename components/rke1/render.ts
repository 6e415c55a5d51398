/**
 * Audit logging for legacy RKE1 clusters: the `services.kube-api.audit_log` block, rendered for
 * both places users keep it. Pure.
 *
 * - `cluster.yml` of the `rke` CLI: `services: kube-api: audit_log: ...`
 * - a Rancher-managed RKE1 cluster edited as YAML in Rancher:
 *   `rancher_kubernetes_engine_config: services: kube-api: audit_log: ...`
 *
 * RKE1's rules (rancher/rke `cluster/defaults.go`, `cluster/plan.go`, `types/rke_types.go`;
 * https://github.com/rancher/rke), encoded here:
 * - RKE writes the policy to `/etc/kubernetes/audit-policy.yaml` on control-plane nodes; the path
 *   is not configurable (`DefaultKubeAPIArgAuditPolicyFileValue`);
 * - only the host directory `/var/log/kube-audit` is bind-mounted into the kube-apiserver
 *   container, so a log `path` elsewhere would be written inside the container: refused;
 * - defaults: 30 days, 10 files, 100 MB, format json, path `/var/log/kube-audit/audit-log.json`;
 * - `configuration.policy` is the Policy as an object (AuditLogConfig.Policy is *auditv1.Policy);
 *   here it is exactly the engine's canonical policy object, so a change of policy changes
 *   RKE's `RKE_AUDITLOG_CONFIG_CHECKSUM` and restarts kube-apiserver (RKE >= 1.2.6).
 */
import { Document, parseDocument, type Node } from "yaml";
import { canonicalPolicyObject, type Finding } from "../audit-policy";
import { fail, show } from "../core/errors";
import { checkNodePath } from "../core/settings";
import { resolveStandaloneAudit, type StandaloneAuditOptions } from "../core/standalone";
import { RKE1_DEFAULT_LOG_PATH, RKE1_LOG_DIR } from "../core/distro";

/** Where RKE writes the policy on control-plane nodes (not configurable). */
export const RKE1_POLICY_PATH = "/etc/kubernetes/audit-policy.yaml";

/** Options of renderRke1AuditLog: the standalone audit options (RKE fixes the policy path) and the Kubernetes version. */
export interface Rke1AuditLogOptions extends StandaloneAuditOptions {
  /**
   * Kubernetes version of the cluster, for version-specific policy checks (e.g. `"v1.27.16-rancher1-1"`
   * or `"1.27"`). Default: no version-specific checks.
   */
  kubernetesVersion?: string;
}

/** `services.kube-api.audit_log` as RKE reads it (snake_case keys, in rke_types.go order). */
export interface Rke1AuditLog {
  enabled: true;
  configuration: {
    max_age: number;
    max_backup: number;
    max_size: number;
    path: string;
    format: string;
    /** The engine's canonical policy object (canonicalPolicyObject). */
    policy: Record<string, unknown>;
  };
}

/** The RKE1 `audit_log` block as data and as the two YAML snippets users merge. */
export interface Rke1AuditLogRender {
  /** YAML to merge into the `rke` CLI's cluster.yml (top level `services:`). */
  clusterYml: string;
  /** YAML to merge into a Rancher-managed RKE1 cluster's YAML (top level `rancher_kubernetes_engine_config:`). */
  rancherClusterYaml: string;
  /** The block itself. */
  auditLog: Rke1AuditLog;
  /** The policy as the engine renders it (what RKE writes to /etc/kubernetes/audit-policy.yaml, modulo formatting). */
  policyYaml: string;
  findings: Finding[];
  /** Non-fatal remarks (retention below CIS minimums, analysis warnings). */
  warnings: string[];
}

const CLUSTER_YML_HEADER = [
  " rancher-audit: kube-apiserver audit logging for RKE1. Merge into cluster.yml (under services.kube-api),",
  " then run `rke up`. RKE writes the policy to /etc/kubernetes/audit-policy.yaml on control-plane nodes and",
  " restarts kube-apiserver when it changes (RKE >= v1.2.6).",
].join("\n");

const RANCHER_HEADER = [
  " rancher-audit: kube-apiserver audit logging for a Rancher-managed RKE1 cluster. In Rancher: Cluster",
  " Management > the cluster > Edit Config > Edit as YAML; merge under rancher_kubernetes_engine_config.services.kube-api.",
].join("\n");

/** The refusal for a log path RKE would not mount. */
function checkMountedLogPath(logPath: string, key: string): void {
  if (logPath === RKE1_LOG_DIR) {
    fail(key, `${show(logPath)} is the mounted directory itself; kube-apiserver needs a file in it, e.g. "${RKE1_DEFAULT_LOG_PATH}" (the default)`);
  }
  if (!logPath.startsWith(`${RKE1_LOG_DIR}/`)) {
    fail(
      key,
      `${show(logPath)} is outside ${RKE1_LOG_DIR}, the only host directory RKE mounts into the kube-apiserver container: ` +
        `kube-apiserver would write the log inside the container, where log shippers on the node cannot read it and it is lost ` +
        `whenever RKE recreates the container; use a file under ${RKE1_LOG_DIR}/, e.g. "${RKE1_DEFAULT_LOG_PATH}" (the default)`,
    );
  }
}

/** The block as YAML under `path` (a list of keys), with the policy node taken from the engine's own rendering. */
function renderBlock(path: string[], auditLog: Rke1AuditLog, policyYaml: string, header: string): string {
  const { policy: _policy, ...configuration } = auditLog.configuration;
  let value: Record<string, unknown> = { audit_log: { enabled: true, configuration: { ...configuration, policy: null } } };
  for (const key of [...path].reverse()) value = { [key]: value };
  const doc = new Document(value, { version: "1.1", aliasDuplicateObjects: false });
  // The policy node comes from the engine's renderPolicy text: same key order and list style.
  const policyNode = parseDocument(policyYaml, { version: "1.1" }).contents as Node;
  doc.setIn([...path, "audit_log", "configuration", "policy"], policyNode);
  doc.commentBefore = header;
  return doc.toString({ lineWidth: 0, minContentWidth: 0, indentSeq: false, flowCollectionPadding: false });
}

/**
 * Validates the options (errors name the option, prefixed with `prefix`) and renders the block.
 * Defaults: preset "recommended", RKE's defaults above.
 */
export function renderRke1AuditLog(options: Rke1AuditLogOptions = {}, prefix = ""): Rke1AuditLogRender {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    fail(prefix.replace(/\.$/, ""), `must be an object of audit options (e.g. { preset: "recommended" }); got ${show(options)}`);
  }
  const { kubernetesVersion, policyPath, ...audit } = options;
  if (policyPath !== undefined && policyPath !== RKE1_POLICY_PATH) {
    fail(
      `${prefix}policyPath`,
      `cannot be chosen on RKE1: RKE always writes the policy to ${RKE1_POLICY_PATH} on the control-plane nodes ` +
        `and points kube-apiserver at it; remove policyPath (got ${show(policyPath)})`,
    );
  }
  if (audit.logPath !== undefined) {
    // Where RKE mounts first: a stack's `{distro}` path is refused for being outside the mount, with the override to use.
    if (typeof audit.logPath === "string" && audit.logPath.startsWith("/")) checkMountedLogPath(audit.logPath, `${prefix}logPath`);
    checkNodePath(audit.logPath, `${prefix}logPath`, RKE1_DEFAULT_LOG_PATH);
  }
  const r = resolveStandaloneAudit(
    audit,
    { label: "RKE1 clusters", defaults: { policyPath: RKE1_POLICY_PATH, logPath: RKE1_DEFAULT_LOG_PATH }, kubernetesVersion },
    prefix,
  );
  checkMountedLogPath(r.settings.logPath, `${prefix}logPath`);
  const policyObject = canonicalPolicyObject(r.policy.policy);
  const auditLog: Rke1AuditLog = {
    enabled: true,
    configuration: {
      max_age: r.settings.maxAge,
      max_backup: r.settings.maxBackup,
      max_size: r.settings.maxSize,
      path: r.settings.logPath,
      format: r.settings.format,
      policy: policyObject,
    },
  };
  const clusterYml = renderBlock(["services", "kube-api"], auditLog, r.policy.yaml, CLUSTER_YML_HEADER);
  const rancherClusterYaml = renderBlock(["rancher_kubernetes_engine_config", "services", "kube-api"], auditLog, r.policy.yaml, RANCHER_HEADER);
  // Safety net: both texts must read back as exactly this block.
  const want = JSON.stringify(auditLog);
  const a = parseDocument(clusterYml, { version: "1.1" }).toJS() as { services: { "kube-api": { audit_log: unknown } } };
  const b = parseDocument(rancherClusterYaml, { version: "1.1" }).toJS() as { rancher_kubernetes_engine_config: typeof a };
  if (JSON.stringify(a.services["kube-api"].audit_log) !== want || JSON.stringify(b.rancher_kubernetes_engine_config.services["kube-api"].audit_log) !== want) {
    throw new Error("internal: the rendered RKE1 block does not read back as the audit_log block");
  }
  return { clusterYml, rancherClusterYaml, auditLog, policyYaml: r.policy.yaml, findings: r.findings, warnings: r.warnings };
}
