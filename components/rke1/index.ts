/** Legacy RKE1 clusters: the services.kube-api.audit_log block (pure) and the CLI render target. */
export {
  renderRke1AuditLog,
  RKE1_POLICY_PATH,
  type Rke1AuditLog,
  type Rke1AuditLogOptions,
  type Rke1AuditLogRender,
} from "./render";
export { RKE1_DEFAULT_LOG_PATH, RKE1_LOG_DIR } from "../core/distro";
