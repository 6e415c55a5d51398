/** Reading `stacks/Pulumi.<env>.yaml` the way Pulumi does for this project (stackConfigDir: stacks). */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { suggest } from "../components/audit-policy";
import { CliError } from "./args";

/** A stack file as read: its path, every config key, and the project's keys. */
export interface StackFile {
  stack: string;
  /** Path of the stack file. */
  file: string;
  /** Every key of `config:` as written (`rancher2:apiUrl`, `rancher-audit:preset`, ...). */
  all: Record<string, unknown>;
  /** The project's keys without the `<project>:` prefix, for parseStackConfig. */
  values: Record<string, unknown>;
}

/** The stack config directory: Pulumi.yaml's stackConfigDir, else the project directory. */
export function stackConfigDir(projectDir: string): string {
  const projectFile = path.join(projectDir, "Pulumi.yaml");
  if (fs.existsSync(projectFile)) {
    const project = parseYaml(fs.readFileSync(projectFile, "utf8")) as { stackConfigDir?: unknown } | null;
    if (project && typeof project.stackConfigDir === "string") return path.resolve(projectDir, project.stackConfigDir);
  }
  return projectDir;
}

/** The stacks of the project: the names of its `Pulumi.<name>.yaml` files, sorted. */
export function availableStacks(projectDir: string): string[] {
  const dir = stackConfigDir(projectDir);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

/**
 * The stack file of `stack`, or a CliError naming the option it came from (`--stack`, `--diff`),
 * the file it looked for, and the stacks there are (with a did-you-mean).
 */
export function stackFilePath(projectDir: string, stack: string, option = "--stack"): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(stack)) throw new CliError(`${option}: "${stack}" is not a stack name (letters, digits, "-", "_", ".")`);
  const dir = stackConfigDir(projectDir);
  const candidates = [`Pulumi.${stack}.yaml`, `Pulumi.${stack}.yml`].map((f) => path.join(dir, f));
  const file = candidates.find((f) => fs.existsSync(f));
  if (file) return file;
  const known = availableStacks(projectDir);
  const close = suggest(stack, known);
  throw new CliError(
    `${option} ${stack}: no stack file ${candidates[0]}` +
      (known.length > 0 ? `; ${close ? `did you mean "${close}"? ` : ""}the stacks are: ${known.join(", ")}` : "; run it in the project directory or give --project-dir"),
  );
}

/** Reads `Pulumi.<stack>.yaml` from the stack config directory (the CLI's one stack-file reader, used by plan and render). Throws a CliError naming the file. */
export function loadStackFile(projectDir: string, stack: string, project: string): StackFile {
  const file = stackFilePath(projectDir, stack);
  let doc: unknown;
  try {
    doc = parseYaml(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new CliError(`${file}: not valid YAML: ${(e as Error).message}`);
  }
  const config = (doc as { config?: unknown } | null)?.config ?? {};
  if (config === null || typeof config !== "object" || Array.isArray(config)) throw new CliError(`${file}: config must be a map of keys`);
  const all = config as Record<string, unknown>;
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(all)) {
    if (key.startsWith(`${project}:`)) {
      if (value !== null && typeof value === "object" && "secure" in (value as object)) {
        throw new CliError(`${file}: ${key} is an encrypted value; plan runs without credentials, so project settings must be plain`);
      }
      values[key.slice(project.length + 1)] = value;
    }
  }
  return { stack, file, all, values };
}
