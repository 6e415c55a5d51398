/** Pulumi.yaml as `plan` reads it: the project's name, runtime, entry point and project-level config. */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { CliError } from "../args";

/** What plan needs from Pulumi.yaml. */
export interface PulumiProject {
  dir: string;
  /** Path of Pulumi.yaml. */
  file: string;
  name: string;
  /** `main` as Pulumi.yaml gives it (undefined: the project directory). */
  main?: string;
  /** Project-level config values (`<namespace>:<key>`), before the stack's. */
  config: Record<string, unknown>;
}


/** The entry file Node would load for `main` (a file, or a directory with package.json main or index.ts/js). */
export function entryFile(dir: string, main: string | undefined, where: string): string {
  const target = path.resolve(dir, main ?? ".");
  const tryFile = (f: string) => (fs.existsSync(f) && fs.statSync(f).isFile() ? f : undefined);
  const direct = tryFile(target) ?? [".ts", ".js"].map((ext) => tryFile(target + ext)).find((f) => f !== undefined);
  if (direct) return direct;
  if (fs.existsSync(target) && fs.statSync(target).isDirectory()) {
    const pkgFile = path.join(target, "package.json");
    const pkgMain = fs.existsSync(pkgFile) ? (JSON.parse(fs.readFileSync(pkgFile, "utf8")) as { main?: unknown }).main : undefined;
    if (typeof pkgMain === "string") {
      const m = tryFile(path.resolve(target, pkgMain)) ?? [".ts", ".js"].map((ext) => tryFile(path.resolve(target, pkgMain) + ext)).find((f) => f !== undefined);
      if (m) return m;
    }
    const index = ["index.ts", "index.js"].map((f) => tryFile(path.join(target, f))).find((f) => f !== undefined);
    if (index) return index;
  }
  throw new CliError(`${where}: the program's entry point ${main === undefined ? "(index.ts or index.js in the project directory)" : `main: ${JSON.stringify(main)}`} does not exist; set main in Pulumi.yaml to the program's file or directory`);
}

/** Project-level config of Pulumi.yaml as `<namespace>:<key>` values: `key: value`, or `key: { default | value }`. */
function projectConfig(name: string, config: unknown, where: string): Record<string, unknown> {
  if (config === undefined || config === null) return {};
  if (typeof config !== "object" || Array.isArray(config)) throw new CliError(`${where}: config must be a map of keys`);
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(config as Record<string, unknown>)) {
    const full = key.includes(":") ? key : `${name}:${key}`;
    if (spec !== null && typeof spec === "object" && !Array.isArray(spec)) {
      const s = spec as Record<string, unknown>;
      if ("value" in s) out[full] = s.value;
      else if ("default" in s) out[full] = s.default;
    } else out[full] = spec;
  }
  return out;
}

/** Reads Pulumi.yaml: the project's name, runtime (nodejs only), entry point and config. Errors are CliErrors naming the file. */
export function readPulumiProject(dir: string): PulumiProject {
  const file = path.join(dir, "Pulumi.yaml");
  if (!fs.existsSync(file)) {
    throw new CliError(`plan: no Pulumi.yaml in ${dir} or above it; run plan inside a Pulumi project, or give --project-dir DIR (the directory holding Pulumi.yaml)`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new CliError(`${file}: not valid YAML: ${(e as Error).message}`);
  }
  const p = (doc ?? {}) as Record<string, unknown>;
  if (typeof p.name !== "string" || p.name === "") throw new CliError(`${file}: name is missing; Pulumi.yaml needs the project's name (name: my-platform)`);
  const runtime = typeof p.runtime === "object" && p.runtime !== null ? (p.runtime as { name?: unknown }).name : p.runtime;
  if (runtime !== "nodejs") {
    throw new CliError(
      `${file}: runtime is ${JSON.stringify(runtime ?? null)}; plan runs Pulumi TypeScript/JavaScript programs (runtime: nodejs) only; for other languages run \`pulumi preview\``,
    );
  }
  if (p.main !== undefined && typeof p.main !== "string") throw new CliError(`${file}: main must be a path (e.g. main: src/index.ts)`);
  return { dir, file, name: p.name, main: p.main as string | undefined, config: projectConfig(p.name, p.config, file) };
}

