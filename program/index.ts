/**
 * The rancher-audit Pulumi program as functions: the stack config (schema and parser), the pure
 * plan, and `buildStack`, which registers the resources. `index.ts` at the project root runs them.
 */
export { CONFIG_KEYS, parseStackConfig, type ClusterConfig, type ConfigKeySpec, type ConfigType, type StackConfig } from "./config";
export { ConfigError, configNamer, PROJECT } from "./errors";
export { planStack, planClusterShipping, type StackPlan } from "./plan";
export { buildStack, buildShipping, projectSecretKeys, readProjectConfig, stackOutputs, type BuildOptions, type BuiltStack, type ClusterOutputs, type ShippingOutputs } from "./build";
export { readShipping, SecretConfigValue, offlineSecretText, SHIPPING_FIELDS, type ShippingConfig, type ShippingFieldSpec, type ShippingSinkConfig } from "./shipping-config";
