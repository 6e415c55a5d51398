/**
 * The rancher-audit Pulumi program as functions: the stack config (schema and parser), the pure
 * plan, and `buildStack`, which registers the resources. `index.ts` at the project root runs them.
 */
export { CONFIG_KEYS, parseStackConfig, type ClusterConfig, type ConfigKeySpec, type ConfigType, type StackConfig } from "./config";
export { ConfigError, configNamer, PROJECT } from "./errors";
export { planStack, type StackPlan } from "./plan";
export { buildStack, readProjectConfig, stackOutputs, type BuildOptions, type BuiltStack, type ClusterOutputs } from "./build";
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
