/**
 * Standalone RKE2 servers (not provisioned by Rancher): the policy file and config drop-in
 * (pure), the SSH scripts (pure), the Rke2ServerAudit component and the CLI render target.
 */
export {
  renderRke2ServerFiles,
  renderDropIn,
  RKE2_DEFAULT_POLICY_PATH,
  RKE2_DEFAULT_LOG_PATH,
  RKE2_DROPIN_PATH,
  RKE2_APISERVER_ARG_KEY,
  RKE2_FILE_MODE,
  type Rke2ServerFiles,
  type Rke2ServerFilesOptions,
} from "./render";
export { resolveStandaloneAudit, type StandaloneAuditOptions, type ResolvedStandaloneAudit } from "../core/standalone";
export { asRoot, writeFileScript, removeFileScript, restartScript, type RestartScriptOptions } from "./scripts";
export {
  Rke2ServerAudit,
  planRke2ServerAudit,
  secretConnection,
  RKE2_LOCAL_KUBECONFIG,
  RKE2_DEFAULT_DATA_DIR,
  DEFAULT_READY_TIMEOUT_SECONDS,
  type Rke2ServerAuditArgs,
  type Rke2ServerHost,
  type Rke2AuditArgs,
  type Rke2ServerAuditPlan,
  type Rke2HostPlan,
} from "./server-audit";
