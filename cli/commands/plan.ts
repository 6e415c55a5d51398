/**
 * `plan --stack <env> [--out DIR] [--diff <env | plan.json>]`: runs the program's buildStack
 * offline under Pulumi's mocks and prints the resource tree with each resource's inputs, the
 * delivered policy, the kube-apiserver flags, the restart scope and the analysis findings.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { CliError, EXIT_FINDINGS, EXIT_OK, flag, str, type CommandSpec, parseOrHelp } from "../args";
import { Out, type Io } from "../io";
import { findProjectDir, shownPath } from "../paths";
import { StepProgress } from "../status";
import type { Plan } from "../plan/collect";
import { loadStackFile, stackFilePath } from "../stack-file";

export const spec: CommandSpec = {
  name: "plan",
  summary: "run the Pulumi program offline for a stack and show what it would hand the providers",
  usage: ["plan --stack <env> [--out DIR] [--diff <env | plan.json>] [--json] [--project-dir DIR]"],
  description: [
    "Loads stacks/Pulumi.<env>.yaml, checks its rancher-audit:* settings exactly as the program does, and runs the program's own buildStack under Pulumi's mock monitor (no Pulumi CLI, Rancher server or credentials). Prints the resources with their inputs (Secret data in clear: the audit policy is not secret), the delivered policy, the kube-apiserver flags, which machines a change restarts, and the safety findings.",
    "--out DIR writes plan.json (the recorded inputs, keys sorted, for diffs and review) and one manifest per resource (<Kind>-<name>.yaml).",
    "--diff compares with another stack (--diff prod) or a saved plan.json (--diff out/plan.json): policy rules, flags, restart scope and resources.",
  ],
  options: {
    stack: { type: "string", short: "s", value: "ENV", description: "the stack (stacks/Pulumi.<ENV>.yaml)" },
    out: { type: "string", short: "o", value: "DIR", description: "write plan.json and the manifests to DIR" },
    diff: { type: "string", value: "ENV|FILE", description: "compare with another stack or a saved plan.json" },
    json: { type: "boolean", description: "print plan.json to stdout instead of the text" },
    "project-dir": { type: "string", value: "DIR", description: "the Pulumi project (default: the nearest directory with Pulumi.yaml)" },
  },
  positionals: { min: 0, max: 0, names: "no positional arguments" },
  exitCodes: [
    "0  planned; no finding of severity error",
    "1  the policy is unsafe (findings of severity error): refused by the safety analysis (nothing planned), or planned with allowUnsafePolicy: true",
    "2  unusable stack config (the message names the rancher-audit:<key>), missing stack file, or a usage error",
  ],
  examples: ["npm run plan -- --stack dev", "rancher-audit plan --stack prod --out out/prod", "rancher-audit plan --stack prod --diff dev", "rancher-audit plan --stack prod --diff out/prod/plan.json"],
};

/**
 * The program, the mock engine and the plan's renderers, loaded on first use: they load
 * @pulumi/pulumi and the provider SDKs, most of a second of CPU that `plan --help` and usage
 * errors need not pay.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const planning = () => ({
  ...(require("../../program") as typeof import("../../program")),
  ...(require("../plan/collect") as typeof import("../plan/collect")),
  ...(require("../plan/diff") as typeof import("../plan/diff")),
  ...(require("../plan/render") as typeof import("../plan/render")),
});
/* eslint-enable @typescript-eslint/no-require-imports */

/** Plans a stack: stack file → parseStackConfig → buildStack under mocks. Config errors are CliErrors (exit 2). */
export async function planStackOffline(projectDir: string, stack: string): Promise<{ plan: Plan; file: string }> {
  const { ConfigError, parseStackConfig, PROJECT, collectPlan } = planning();
  const sf = loadStackFile(projectDir, stack, PROJECT);
  let config;
  try {
    config = parseStackConfig(sf.values, { projectDir });
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError(`${path.relative(projectDir, sf.file)}: ${e.message}`, e.unsafeFindings ? EXIT_FINDINGS : undefined);
    throw e;
  }
  try {
    return { plan: await collectPlan(config, { stack, project: PROJECT, allConfig: sf.all }), file: sf.file };
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError(`${path.relative(projectDir, sf.file)}: ${e.message}`, e.unsafeFindings ? EXIT_FINDINGS : undefined);
    const err = e as Error;
    if (/AuditedCluster|AuditPolicySource/.test(err.message)) throw new CliError(`${path.relative(projectDir, sf.file)}: ${err.message}`);
    throw e;
  }
}

function readSavedPlan(spec: string, file: string): Plan {
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new CliError(`--diff ${shownPath(spec, file)}: ${err.code === "ENOENT" ? "no such file" : `not a plan.json (${err.message})`}`);
  }
  const p = data as Partial<Plan>;
  if (p === null || typeof p !== "object" || p.formatVersion !== 1 || !Array.isArray(p.resources) || !Array.isArray(p.clusters)) {
    throw new CliError(`--diff ${shownPath(spec, file)}: not a plan.json written by 'rancher-audit plan --out' (formatVersion 1)`);
  }
  return { warnings: [], ...p } as Plan;
}

export async function run(argv: string[], io: Io): Promise<number> {
  const out = new Out(io);
  const args = parseOrHelp(spec, argv, (text) => out.print(text));
  if (!args) return EXIT_OK;
  const stack = str(args.values, "stack");
  if (!stack) throw new CliError("plan: --stack ENV is required (e.g. --stack dev, for stacks/Pulumi.dev.yaml)\nRun 'rancher-audit plan --help' for the options.");
  const projectDir = path.resolve(io.cwd, str(args.values, "project-dir") ?? findProjectDir(io.cwd));
  const diffArg = str(args.values, "diff");
  const outDir = str(args.values, "out");

  // Every argument is checked before the (slow) planning prints anything: a typo in --diff is
  // refused here, not after the whole plan.
  const diffIsFile = diffArg !== undefined && (diffArg.endsWith(".json") || diffArg.includes("/") || diffArg.includes(path.sep));
  const savedPlan = diffArg !== undefined && diffIsFile ? readSavedPlan(diffArg, path.resolve(io.cwd, diffArg)) : undefined;
  if (diffArg !== undefined && !diffIsFile) stackFilePath(projectDir, diffArg, "--diff");
  stackFilePath(projectDir, stack);

  // On a terminal, stderr shows what runs while the program runs under mocks (seconds per stack).
  const otherStack = diffArg !== undefined && !diffIsFile ? diffArg : undefined;
  const progress = new StepProgress(io.stderr, otherStack ? [1, 1] : [1], io.env);
  let planned;
  let before: Plan | undefined = savedPlan;
  try {
    progress.step(`planning stack ${stack}: running the program under Pulumi's mocks`);
    planned = await planStackOffline(projectDir, stack);
    if (otherStack) {
      progress.step(`planning stack ${otherStack} (for --diff): running the program under Pulumi's mocks`);
      before = (await planStackOffline(projectDir, otherStack)).plan;
    }
  } finally {
    progress.stop();
  }
  const { plan, file } = planned;
  const { planJson, planPolicies, renderDiff, renderPlanText, writePlan } = planning();
  const policies = planPolicies(plan);

  if (flag(args.values, "json")) out.print(planJson(plan).trimEnd());
  else out.print(renderPlanText(plan, policies, out.out, path.relative(projectDir, file)).trimEnd());

  if (outDir !== undefined) {
    const dir = path.resolve(io.cwd, outDir);
    const written = writePlan(dir, plan, outDir);
    out.error(`wrote ${written.length} files to ${path.relative(io.cwd, dir) || "."}: ${written.join(", ")}`);
  }

  if (diffArg !== undefined) {
    const label = savedPlan ? `${diffArg} (stack ${savedPlan.stack})` : `stack ${diffArg}`;
    const text = renderDiff(before as Plan, plan, label, `stack ${stack}`, out.out);
    if (flag(args.values, "json")) out.error(text.trimEnd());
    else out.print(`\n${text.trimEnd()}`);
  }
  return policies.some((p) => p.check.exitCode === EXIT_FINDINGS) ? EXIT_FINDINGS : EXIT_OK;
}
