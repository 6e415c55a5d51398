/**
 * The rancher-audit Pulumi program as functions: the stack config (schema and parser), the pure
 * plan, and `buildStack`, which registers the resources. `index.ts` at the project root runs them.
 */
export { CONFIG_KEYS, parseStackConfig, parseStackFileConfig, type ClusterConfig, type ConfigKeySpec, type ConfigType, type StackConfig, type StackConfigOptions } from "./config";
export { ConfigError, ConfigErrors, ConfigProblems, configNamer, PROJECT } from "./errors";
export { KNOWN_NAMESPACES } from "./namespaces";
export { planStack, planClusterShipping, type StackPlan } from "./plan";
export { buildStack, buildShipping, loadStackConfig, projectSecretKeys, readProjectConfig, stackOutputs, type BuildOptions, type BuiltStack, type ClusterOutputs, type ShippingOutputs } from "./build";
export { readShipping, SecretConfigValue, offlineSecretText, SHIPPING_FIELDS, type ShippingConfig, type ShippingFieldSpec, type ShippingSinkConfig } from "./shipping-config";
export {
  ALERTS_KEY,
  ALERTS_FIELDS,
  alertSink,
  buildClusterAlerts,
  planClusterAlerts,
  readAlertsConfig,
  shippingSinksFromConfig,
  type AlertsConfig,
  type AlertSinkRef,
  type BuiltClusterAlerts,
  type ClusterAlertsPlan,
  type StackAlerts,
} from "./alerts";
