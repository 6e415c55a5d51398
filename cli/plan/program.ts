/**
 * `plan` on the user's own Pulumi TypeScript program: a consumer project with its own Pulumi.yaml
 * (name, runtime, main, stackConfigDir, project config), its own stack files and config
 * namespace, using our components. The program runs offline, exactly as `pulumi preview` would
 * start it (project directory as the working directory, the project's and the stack's config in
 * Pulumi's runtime settings, the entry point run inside the root Stack resource), under the same
 * recording mock as the bundled program. Every registration is recorded; the AuditedCluster
 * components found while it runs give the policies, flags and restart scope.
 *
 * Encrypted (`secure:`) config values cannot be decrypted without the Pulumi CLI: the program sees
 * a placeholder that names the key (read as a secret), never the ciphertext, so plan cannot print
 * one.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { CliError } from "../args";
import { entryFile, type PulumiProject } from "./project";
import { loadStackFile } from "../stack-file";
import {
  assemblePlan,
  capturingWarnings,
  inferParents,
  installMocks,
  oneAtATime,
  ownResources,
  plannedCluster,
  redactSecrets,
  settle,
  type ClusterComponentOutputs,
  type Plan,
  type PlannedCluster,
  type RecordedRegistration,
} from "./collect";

const STACK_TYPE = "pulumi:pulumi:Stack";
const AUDITED_CLUSTER_TYPE = "rancher-audit:index:AuditedCluster";

/** The stack's config over the project's; `secure:` values become placeholders read as secrets. */
export function programConfig(project: PulumiProject, stackConfig: Record<string, unknown>): { config: Record<string, unknown>; secretKeys: string[] } {
  const config: Record<string, unknown> = { ...project.config };
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(stackConfig)) {
    const full = key.includes(":") ? key : `${project.name}:${key}`;
    if (value !== null && typeof value === "object" && !Array.isArray(value) && "secure" in value) {
      config[full] = `[secret ${full}: encrypted, not readable offline]`;
      secretKeys.push(full);
    } else config[full] = value;
  }
  return { config, secretKeys };
}

/** The first stack frame in the user's project (not in node_modules), as `file:line:column` relative to it. */
function programFrame(stack: string | undefined, dir: string): string | undefined {
  for (const line of (stack ?? "").split("\n").slice(1)) {
    const m = /\(?((?:file:\/\/)?\/[^():]+):(\d+):(\d+)\)?\s*$/.exec(line.trim());
    if (!m) continue;
    const file = m[1].replace(/^file:\/\//, "");
    const rel = path.relative(dir, file);
    if (rel.startsWith("..") || rel.split(path.sep).includes("node_modules")) continue;
    return `${rel}:${m[2]}:${m[3]}`;
  }
  return undefined;
}

/** The user's program failed: its message and where, without a stack trace. */
function programError(e: unknown, project: PulumiProject, entry: string): CliError {
  if (e instanceof CliError) return e;
  const err = e instanceof Error ? e : new Error(String(e));
  const where = programFrame(err.stack, project.dir);
  const main = path.relative(project.dir, entry);
  return new CliError(`plan: the program ${main} failed${where ? ` at ${where}` : ""}: ${err.message}`);
}

/** Loads the program's entry file (TypeScript through tsx) fresh, and runs an exported function as Pulumi does. */
async function runEntry(project: PulumiProject, entry: string): Promise<unknown> {
  // Fresh module instances of the project's own files: a second stack (--diff) runs the program again.
  for (const id of Object.keys(require.cache)) {
    if (id.startsWith(project.dir + path.sep) && !id.includes(`${path.sep}node_modules${path.sep}`)) delete require.cache[id];
  }
  // tsx (a dependency) compiles the program's TypeScript as `pulumi preview` would; a namespace
  // keeps its hooks to the program's own module graph.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { register } = require("tsx/cjs/api") as {
    register(options: { namespace: string }): { require(id: string, fromFile: string): unknown; unregister(): void };
  };
  const api = register({ namespace: `rancher-audit-plan-${Date.now()}` });
  try {
    const exported: unknown = api.require(entry, project.file);
    return typeof exported === "function" ? await (exported as () => unknown)() : exported;
  } finally {
    api.unregister();
  }
}

interface Constructed {
  type: string;
  name: string;
  parent: string | null;
  resource: unknown;
}

/** Plans the user's program for a stack: runs it under the recording mock and collects the plan. */
export function planProgram(project: PulumiProject, stack: string, options: { timeoutMs?: number } = {}): Promise<{ plan: Plan; file: string }> {
  const sf = loadStackFile(project.dir, stack, project.name, { allowSecure: true });
  const entry = entryFile(project.dir, project.main, project.file);
  const { config, secretKeys } = programConfig(project, sf.all);
  const timeoutMs = options.timeoutMs ?? 120_000;
  return oneAtATime(async () => {
    const recorded: RecordedRegistration[] = [];
    await installMocks(recorded, project.name, stack, config, secretKeys);
    const constructed: Constructed[] = [];
    const plan = await capturingWarnings(async (logged) => {
      const cwd = process.cwd();
      process.chdir(project.dir);
      try {
        await pulumi.runtime.runInPulumiStack(async () => {
          // Sees every resource as it is constructed: the components' objects (for their outputs) and each resource's parent.
          pulumi.runtime.registerStackTransformation((a) => {
            const parent = a.opts.parent as { __name?: string; __pulumiType?: string } | undefined;
            constructed.push({ type: a.type, name: a.name, parent: parent && parent.__pulumiType !== STACK_TYPE ? (parent.__name ?? null) : null, resource: a.resource });
            return undefined;
          });
          return runEntry(project, entry);
        });
      } catch (e) {
        throw programError(e, project, entry);
      } finally {
        process.chdir(cwd);
      }
      const clusters: PlannedCluster[] = [];
      for (const c of constructed.filter((x) => x.type === AUDITED_CLUSTER_TYPE)) {
        const component = c.resource as ClusterComponentOutputs & { plan: { kubernetesVersion: string; warnings: string[] } };
        clusters.push(await plannedCluster(c.name, component, component.plan.kubernetesVersion, component.plan.warnings, timeoutMs));
      }
      await settle(() => recorded.length);
      const parents = new Map(constructed.map((c) => [`${c.type} ${c.name}`, c.parent] as const));
      const resources = inferParents(recorded.filter((r) => r.type !== STACK_TYPE)).map((r) => {
        const parent = parents.get(`${r.type} ${r.name}`);
        return parent === undefined ? r : { ...r, parent };
      });
      // Only our resources' inputs are shown; the others' secrets never reach plan.json either.
      const own = ownResources(resources);
      const shown = resources.map((r) => (own.has(r.name) ? r : { ...r, inputs: redactSecrets(r.inputs) as Record<string, unknown> }));
      return assemblePlan(project.name, stack, shown, clusters, logged);
    });
    return { plan, file: sf.file };
  });
}
