/**
 * `npm run cli -- render rke2 ...`: the files for people who manage their RKE2 servers with other
 * tools (Ansible, cloud-init, images). The same bytes, checks and defaults as Rke2ServerAudit.
 */
import { renderRke2ServerFiles } from "../../components/rke2/render";
import { outputPathFor, renameForCli, renderOutcome, resolveRenderInput, type RenderCliOptions, type RenderedFile, type RenderOutcome } from "./input";

/**
 * The policy file and the drop-in, at their node paths inside the output directory
 * (`etc/rancher/rke2/audit-policy.yaml`, `etc/rancher/rke2/config.yaml.d/50-audit.yaml`), mode
 * 0600. Throws an AuditConfigError naming the flag (`--log-path`) or the stack key at fault.
 */
export function renderRke2Files(options: RenderCliOptions): RenderedFile[] {
  return renderRke2(options).files;
}

/** renderRke2Files with the policy's findings and the settings' warnings, for the CLI to report. */
export function renderRke2(options: RenderCliOptions): RenderOutcome {
  const input = resolveRenderInput(options, "rke2");
  const files = renameForCli(input.origin, () =>
    renderRke2ServerFiles({ ...input.options, kubernetesVersion: input.kubernetesVersion }),
  );
  const mode = Number.parseInt(files.policyMode, 8);
  return renderOutcome(
    [
      { path: outputPathFor(files.policyPath), content: files.policyYaml, mode },
      { path: outputPathFor(files.dropInPath), content: files.dropInYaml, mode: Number.parseInt(files.dropInMode, 8) },
    ],
    input,
    files,
  );
}
