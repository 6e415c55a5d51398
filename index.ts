/**
 * The rancher-audit Pulumi program: reads the stack config (`stacks/Pulumi.<stack>.yaml`), then
 * creates each cluster with audit logging. All logic lives in program/ (config, plan, build).
 *
 * Providers: the default `rancher2` provider (stack config `rancher2:apiUrl`, secret
 * `rancher2:tokenKey`) and the default `kubernetes` provider pointed at the Rancher management
 * ("local") cluster (`kubernetes:context` or `kubernetes:kubeconfig`). See docs/configuration.md.
 */
import { buildStack, loadStackConfig, stackOutputs } from "./program";

// Pulumi's component analyzer (`pulumi package add`, see PulumiPlugin.yaml and
// docs/cross-language.md) starts at this file, because package.json's `main` points into dist/
// where there is no TypeScript source, and finds the components by following imports from here.
// Type-only: erased at run time, so the program and its outputs are unchanged.
export type * from "./components";

const config = loadStackConfig(__dirname);
const outputs = stackOutputs(buildStack(config));

/** Per cluster: clusterV1Id, policySourceName, policySha256, apiServerArgs, restartScope. */
export const clusters = outputs.clusters;
/** Per cluster: the delivered audit policy as plain text, so `pulumi preview --diff` shows policy changes. */
export const policies = outputs.policies;
/** Per shipped cluster: the collector, the exact file it reads on control-plane nodes, the sink names. */
export const shipping = outputs.shipping;
/**
 * Per cluster, when rancher-audit:alerts is on: the sink, the rule names, the alerts the policy keeps from
 * firing, and for Elasticsearch/OpenSearch sinks the rule files to load (the program cannot load them there).
 */
export const alerts = outputs.alerts;
