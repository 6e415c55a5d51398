/**
 * Rancher-provisioned RKE2/K3s clusters: the pure builders (plan, rkeConfig fragments, object
 * names, restart scope) and the Pulumi components AuditedCluster and AuditPolicySource, with the
 * core they build on (settings, errors, flags, config YAML, policy resolution) re-exported.
 */
export { AuditConfigError } from "../core/errors";
export {
  distroOf,
  defaultPolicyPath,
  defaultLogPath,
  psactMountPath,
  psactSecretName,
  controlPlaneSelector,
  CONTROL_PLANE_ROLE_LABEL,
  ADMISSION_CONFIG_FLAG,
  PSACT_SECRET_KEY,
  Distro,
} from "../core/distro";
export { parseConfigYaml, renderConfigYaml } from "../core/config-yaml";
export { AUDIT_FLAGS, auditFlags, parseArg } from "../core/apiserver-args";
export {
  resolveAuditSettings,
  auditLogLocation,
  expandDistro,
  CIS_RETENTION,
  DELIVERIES,
  SOURCE_KINDS,
  LOG_FORMATS,
  type AuditSettings,
  type AuditSettingsInput,
  Delivery,
  SourceKind,
  LogFormat,
  type AuditLogLocation,
  type LogDistribution,
} from "../core/settings";
export { AUDIT_SETTINGS, type SettingSpec, type SettingKey, type SettingTarget } from "../core/settings-table";
export { AuditLevel, AuditStage, type AuditPolicy, type AuditPolicyRule, type AuditGroupResources } from "../core/policy-args";
export { resolvePolicy, policyDigest, type PolicySpec, type PolicyDigest, type ResolvedPolicy } from "../core/policy";
export {
  POLICY_KEY,
  AUTHORIZED_ANNOTATION,
  SHA256_ANNOTATION,
  authorizedClustersValue,
  policyObjectName,
  policyObjectSpec,
  checkClusterName,
  type PolicyObjectSpec,
} from "./policy-object";
export {
  planAudit,
  DEFAULT_FLEET_NAMESPACE,
  CONTROL_PLANE_SELECTOR_TEXT,
  type AuditPlan,
  type AuditPlanInput,
  type AuditInput,
  type PolicySourceRef,
  type RestartScope,
} from "./plan";
export {
  auditRkeConfig,
  composeRkeConfig,
  auditFileEntry,
  psactFileEntry,
  psactHashPath,
  type AuditRkeConfigInput,
  type AuditRkeConfigResult,
  type ComposedRkeConfig,
  type RkeFragment,
  type SelectorConfig,
  type SelectorFile,
  type LabelSelector,
  type FileItem,
  type FileSource,
  type FileObjectSource,
} from "./rke-config";
export { AuditPolicySource, planPolicySource, type AuditPolicySourceArgs, type PlannedPolicySource } from "./policy-source";
export { AuditedCluster, type AuditedClusterArgs, type AuditArgs, type AuditedClusterV2Args, type PolicySourceRefArgs } from "./audited-cluster";
