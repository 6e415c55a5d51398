/**
 * The rancher-audit Pulumi program: reads the stack config (`stacks/Pulumi.<stack>.yaml`), then
 * creates each cluster with audit logging. All logic lives in program/ (config, plan, build).
 *
 * Providers: the default `rancher2` provider (stack config `rancher2:apiUrl`, secret
 * `rancher2:tokenKey`) and the default `kubernetes` provider pointed at the Rancher management
 * ("local") cluster (`kubernetes:context` or `kubernetes:kubeconfig`). See docs/configuration.md.
 */
import { buildStack, parseStackConfig, readProjectConfig, stackOutputs } from "./program";

const config = parseStackConfig(readProjectConfig(), { projectDir: __dirname });
const outputs = stackOutputs(buildStack(config));

/** Per cluster: clusterV1Id, policySourceName, policySha256, apiServerArgs, restartScope. */
export const clusters = outputs.clusters;
/** Per cluster: the delivered audit policy as plain text, so `pulumi preview --diff` shows policy changes. */
export const policies = outputs.policies;
/**
 * Per cluster, when rancher-audit:alerts is on: the sink, the rule names, the alerts the policy keeps from
 * firing, and for Elasticsearch/OpenSearch sinks the rule files to load (the program cannot load them there).
 */
export const alerts = outputs.alerts;
