/**
 * Rancher wiring: pure builders (rkeConfig fragments, flags, hashes, object names, restart scope)
 * and the Pulumi components that hand them to the providers.
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
  type Distro,
} from "../core/distro";
export { parseConfigYaml, renderConfigYaml } from "../core/config-yaml";
export { AUDIT_FLAGS, auditFlags, parseArg } from "../core/apiserver-args";
export {
  resolveAuditSettings,
  expandDistro,
  CIS_RETENTION,
  DELIVERIES,
  SOURCE_KINDS,
  LOG_FORMATS,
  type AuditSettings,
  type AuditSettingsInput,
  type Delivery,
  type SourceKind,
  type LogFormat,
} from "../core/settings";
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
  auditRkeConfig,
  planAudit,
  composeRkeConfig,
  auditFileEntry,
  psactFileEntry,
  psactHashPath,
  DEFAULT_FLEET_NAMESPACE,
  CONTROL_PLANE_SELECTOR_TEXT,
  type AuditRkeConfigInput,
  type AuditRkeConfigResult,
  type AuditPlan,
  type AuditPlanInput,
  type AuditInput,
  type ComposedRkeConfig,
  type PolicySourceRef,
  type RestartScope,
  type RkeFragment,
  type SelectorConfig,
  type SelectorFile,
  type LabelSelector,
  type FileItem,
  type FileSource,
  type FileObjectSource,
} from "./rke-config";
export { AuditPolicySource, planPolicySource, type AuditPolicySourceArgs, type PlannedPolicySource } from "./policy-source";
export { AuditedCluster, type AuditedClusterArgs, type AuditArgs, type AuditedClusterV2Args } from "./audited-cluster";
