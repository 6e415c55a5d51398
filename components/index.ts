/**
 * rancher-audit: kube-apiserver audit logging for Rancher-managed RKE2/K3s clusters, standalone
 * RKE2 servers and RKE1 clusters. The package's public API:
 *
 * - Pulumi components: AuditedCluster and AuditPolicySource (Rancher, docs/component.md),
 *   Rke2ServerAudit (standalone RKE2, docs/rke2-standalone.md), with their `...Args` types;
 * - pure builders: auditRkeConfig for ClusterV2s you declare yourself, renderRke2ServerFiles,
 *   renderRke1AuditLog (docs/rke1.md);
 * - the audit settings (AUDIT_SETTINGS, resolveAuditSettings, auditLogLocation) and errors;
 * - the policy engine's main functions and types (the whole engine: `rancher-audit/audit-policy`).
 */
export {
  composePolicy,
  parsePolicy,
  decodePolicy,
  policyFromObject,
  validatePolicy,
  evaluatePolicy,
  compilePolicy,
  evaluateCompiled,
  renderPolicy,
  canonicalPolicyObject,
  analyzePolicy,
  requestFromEvent,
  parseKubernetesVersion,
  supportsGroupWildcard,
  getPreset,
  isPresetName,
  presets,
  PRESET_NAMES,
  DETECTIONS,
  detectEvents,
  detectionCoverage,
  measureVolume,
  LEVELS,
  STAGES,
  PolicyError,
  type Policy,
  type PolicyRule,
  type PolicyComposition,
  type ComposeOptions,
  type GroupResources,
  type Level,
  type Stage,
  type Finding,
  type FindingId,
  type Severity,
  type PolicyIssue,
  type RequestAttributes,
  type Decision,
  type Preset,
  type PresetName,
  type Detection,
  type DetectionId,
  type KubernetesVersion,
  type ParseOptions,
  type AnalyzeOptions,
  type CompiledPolicy,
} from "./audit-policy";
export * from "./rancher";
export * from "./rke2";
export * from "./rke1";
// Shipping the audit log to Loki, Elasticsearch or OpenSearch (AuditLogShipping): docs/shipping.md.
export * from "./shipping";
// Alerts on the shipped log (AuditAlerts: Loki rules as a PrometheusRule, and the dashboard): docs/alerts.md.
// The pure alert builders (rule files for every sink, the can-fire analysis) are `rancher-audit/alerts`.
export { AuditAlerts, type AuditAlertsArgs } from "./alerts/component";
export { AlertId, AlertSeverity } from "./alerts/catalog";
