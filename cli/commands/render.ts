/**
 * `render rke2|rke1 (--stack ENV | --preset NAME | --policy FILE) [--out DIR]`: the files that turn
 * on kube-apiserver audit logging on nodes Rancher does not provision (standalone RKE2 servers) or
 * on RKE1 clusters. The renderers are the components' own (components/rke2, components/rke1).
 */
import * as path from "node:path";
import { AuditConfigError } from "../../components/rancher";
import { renderRke1Files } from "../render/rke1";
import { RENDER_SETTINGS, type RenderCliOptions, type RenderedFile } from "../render/input";
import { renderRke2Files } from "../render/rke2";
import { CliError, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, flag, str, type CommandSpec, parseOrHelp } from "../args";
import { Out, type Io } from "../io";
import { writeOutputFiles } from "../output";
import { findProjectDir } from "../paths";
import { kubernetesVersionOption } from "../policy-source";

const TARGETS: Record<string, { describe: string; render: (o: RenderCliOptions) => RenderedFile[] }> = {
  rke2: {
    describe: "the policy file and a config.yaml.d drop-in (kube-apiserver-arg+) for standalone RKE2 servers, at their node paths",
    render: renderRke2Files,
  },
  rke1: {
    describe: "the services.kube-api.audit_log block for RKE1: cluster-audit.yml (rke CLI) and rancher-cluster-audit.yaml (Rancher-managed RKE1)",
    render: renderRke1Files,
  },
};

export const spec: CommandSpec = {
  name: "render",
  summary: "write the files that enable audit logging on standalone RKE2 servers (rke2) or RKE1 clusters (rke1)",
  usage: [
    "render rke2 (--stack ENV | --preset NAME | --policy FILE) [--policy-path P] [--log-path P] [--max-age N] [--max-backup N] [--max-size N] [--format json|legacy] [--kubernetes-version VERSION] [--allow-unsafe-policy] [--project-dir DIR] [--out DIR]",
    "render rke1 (--stack ENV | --preset NAME | --policy FILE) [--log-path P] [--max-age N] [--max-backup N] [--max-size N] [--format json|legacy] [--kubernetes-version VERSION] [--allow-unsafe-policy] [--project-dir DIR] [--out DIR]",
  ],
  description: [
    ...Object.entries(TARGETS).map(([name, t]) => `${name}: ${t.describe}.`),
    "The policy comes from exactly one of --stack (the stack's policy, paths and retention, read with the program's own parser), --preset or --policy. Flags override the stack's values. Without --out the files are printed to stdout, each under a '# ==> path (mode) <==' header.",
  ],
  options: {
    stack: { type: "string", short: "s", value: "ENV", description: "take the settings of stacks/Pulumi.<ENV>.yaml" },
    preset: { type: "string", value: "NAME", description: "a policy preset: metadata, basic, detailed, cis, recommended" },
    policy: { type: "string", value: "FILE", description: "an audit.k8s.io/v1 Policy file" },
    "policy-path": { type: "string", value: "P", description: "where the policy goes on the node (rke2 only)" },
    "log-path": { type: "string", value: "P", description: "the audit log path on the node" },
    "max-age": { type: "string", value: "N", description: "days to keep rotated logs (CIS minimum 30)" },
    "max-backup": { type: "string", value: "N", description: "rotated files to keep (CIS minimum 10)" },
    "max-size": { type: "string", value: "N", description: "megabytes at which the log rotates (CIS minimum 100)" },
    format: { type: "string", value: "json|legacy", description: "audit log format (default json)" },
    "allow-unsafe-policy": { type: "boolean", description: "render a policy even if the analysis reports an error finding" },
    "kubernetes-version": { type: "string", value: "VERSION", description: "Kubernetes version of the nodes, for version-specific policy checks" },
    out: { type: "string", short: "o", value: "DIR", description: "write the files under DIR (node paths become paths inside DIR)" },
    "project-dir": { type: "string", value: "DIR", description: "the Pulumi project, for --stack (default: the nearest directory with Pulumi.yaml)" },
  },
  positionals: { min: 1, max: 1, names: "the target: rke2 or rke1" },
  exitCodes: [
    "0  rendered",
    "1  the policy has findings of severity error (unsafe) and --allow-unsafe-policy was not given; nothing is written",
    "2  bad options or stack config (the message names the flag or stack key), or a usage error",
  ],
  examples: [
    "rancher-audit render rke2 --preset recommended --out out/rke2",
    "rancher-audit render rke2 --stack prod --log-path /var/log/kube-audit/audit.log",
    "rancher-audit render rke1 --policy policy.yaml --max-age 90 --out out/rke1",
  ],
};

function mode(m: number | undefined): string {
  return m === undefined ? "0644" : `0${(m & 0o777).toString(8)}`;
}

export async function run(argv: string[], io: Io): Promise<number> {
  const out = new Out(io);
  const args = parseOrHelp(spec, argv, (text) => out.print(text));
  if (!args) return EXIT_OK;
  const target = args.positionals[0];
  const t = TARGETS[target];
  if (!t) throw new CliError(`render: unknown target "${target}"; the targets are: ${Object.keys(TARGETS).join(", ")}`);
  const v = args.values;
  const projectDir = path.resolve(io.cwd, str(v, "project-dir") ?? findProjectDir(io.cwd));
  const options: RenderCliOptions = { projectDir, cwd: io.cwd };
  const set = <K extends keyof RenderCliOptions>(key: K, value: RenderCliOptions[K] | undefined) => {
    if (value !== undefined) options[key] = value;
  };
  set("stack", str(v, "stack"));
  set("preset", str(v, "preset"));
  set("policyFile", str(v, "policy"));
  for (const setting of RENDER_SETTINGS) {
    if (setting.type === "boolean") {
      if (flag(v, setting.cliOption)) (options as Record<string, unknown>)[setting.key] = true;
    } else {
      set(setting.key, str(v, setting.cliOption));
    }
  }
  set("kubernetesVersion", kubernetesVersionOption(str(v, "kubernetes-version")));

  let files: RenderedFile[];
  try {
    files = t.render(options);
  } catch (e) {
    if (e instanceof AuditConfigError) {
      // The renderers refuse a policy with error findings (components/core/policy.ts): that is
      // "unsafe" (exit 1), like check; every other refusal is unusable input (exit 2).
      throw new CliError(`render ${target}: ${e.message}`, e.unsafeFindings ? EXIT_FINDINGS : EXIT_USAGE);
    }
    throw e;
  }
  const outDir = str(v, "out");
  if (outDir === undefined) {
    files.forEach((f, i) => {
      if (i > 0) out.print("");
      out.print(out.out.dim(`# ==> ${f.path} (mode ${mode(f.mode)}) <==`));
      out.print(f.content.trimEnd());
    });
    return EXIT_OK;
  }
  const dir = path.resolve(io.cwd, outDir);
  writeOutputFiles("--out", outDir, dir, files.map((f) => ({ ...f, mode: f.mode ?? 0o644 })));
  for (const f of files) {
    const file = path.join(dir, f.path);
    out.print(`wrote ${path.relative(io.cwd, file) || file} (mode ${mode(f.mode)})`);
  }
  return EXIT_OK;
}
