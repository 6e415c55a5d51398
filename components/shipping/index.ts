/**
 * Audit log shipping: the AuditLogShipping component and its pure builders (plan, Fluent Bit
 * configuration and manifests, rancher-logging values and routes). See docs/shipping.md.
 */
export * from "./types";
export {
  planShipping,
  planSource,
  controlPlaneNodes,
  indexNameProblem,
  AUDIT_JOB,
  DEFAULT_INDEX,
  FLUENT_BIT_IMAGE,
  type ShippingPlan,
  type ShippingPlanInput,
  type ShippingSource,
  type ShippingSourceInput,
  type PlannedSink,
  type SinkInput,
  type ControlPlaneNodes,
} from "./plan";
export { fluentBitConfig, fluentBitManifests, sinkSecrets, credentialEnv, FLUENT_BIT_NAME, FLUENT_BIT_TAG, FLUENT_BIT_STATE_DIR, type SecretSpec } from "./fluent-bit";
export {
  rancherLoggingValues,
  rancherLoggingValuesYaml,
  rancherLoggingRoutes,
  clusterOutputName,
  RANCHER_LOGGING_NAMESPACE,
  RANCHER_LOGGING_CHART,
  RANCHER_CHARTS_REPO,
  CLUSTER_FLOW_NAME,
} from "./rancher-logging";
export { describeShipping, type ShippingSummary } from "./describe";
export { AuditLogShipping, shippingPlanInput } from "./shipping";
