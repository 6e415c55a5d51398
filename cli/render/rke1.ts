/**
 * `npm run cli -- render rke1 ...`: the audit_log block for RKE1, in the two forms users need.
 * The same checks and policy options as every other target.
 */
import { fail } from "../../components/core/errors";
import { renameForCli, resolveRenderInput, type RenderCliOptions, type RenderedFile } from "./input";
import { renderRke1AuditLog, RKE1_POLICY_PATH } from "../../components/rke1/render";

/** File names in the output directory (snippets to merge, never named like the user's own cluster.yml). */
export const RKE1_CLUSTER_YML_FILE = "cluster-audit.yml";
/** Output file name of the snippet for a Rancher-managed RKE1 cluster's YAML. */
export const RKE1_RANCHER_YAML_FILE = "rancher-cluster-audit.yaml";

/**
 * `cluster-audit.yml` (merge into the rke CLI's cluster.yml) and `rancher-cluster-audit.yaml`
 * (merge into a Rancher-managed RKE1 cluster's YAML). Throws an AuditConfigError naming the flag
 * (`--log-path`) or the stack key at fault.
 */
export function renderRke1Files(options: RenderCliOptions): RenderedFile[] {
  if (options?.policyPath !== undefined) {
    fail("--policy-path", `does not apply to RKE1: RKE always writes the policy to ${RKE1_POLICY_PATH}; remove --policy-path`);
  }
  const input = resolveRenderInput(options, "rke1");
  const r = renameForCli(input.origin, () => renderRke1AuditLog({ ...input.options, kubernetesVersion: input.kubernetesVersion }));
  // Both snippets hold the policy: owner-only, like the policy file RKE2 gets.
  return [
    { path: RKE1_CLUSTER_YML_FILE, content: r.clusterYml, mode: 0o600 },
    { path: RKE1_RANCHER_YAML_FILE, content: r.rancherClusterYaml, mode: 0o600 },
  ];
}
