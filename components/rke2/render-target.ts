/**
 * The input side of `npm run cli -- render rke2|rke1`, shared by both targets: the CLI-level
 * options (exactly one policy source: a stack, a preset or a policy file; optional path and
 * retention overrides) turned into StandaloneAuditOptions, and errors renamed after what the user
 * typed: the flag (`--max-age`) or the stack key (`rancher-audit:logPath in stacks/Pulumi.prod.yaml`).
 *
 * A stack is read with the program's own parser (parseStackConfig), so a stack the program accepts
 * renders the same policy, paths and retention here. Pure apart from reading the stack and policy files.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { CONFIG_KEYS, ConfigError, parseStackConfig, PROJECT } from "../program";
import { AuditConfigError, fail, show } from "../rancher/errors";
import { expandDistro } from "../rancher/settings";
import { readUserFile, UserFileError } from "../user-file";
import type { LogFormat } from "../rancher/settings";
import type { StandaloneAuditOptions } from "./options";

/** The options of `render rke2` / `render rke1`, as the CLI parsed them. */
export interface RenderCliOptions {
  /** Directory of the Pulumi project (holds Pulumi.yaml and the stack files). */
  projectDir: string;
  /** Directory relative `policyFile` paths are resolved against. Default: projectDir. */
  cwd?: string;
  /** `--stack ENV`: take the policy, paths and retention from `stacks/Pulumi.<ENV>.yaml`. */
  stack?: string;
  /** `--preset NAME`. */
  preset?: string;
  /** `--policy FILE`: an audit.k8s.io/v1 Policy file (YAML or JSON). */
  policyFile?: string;
  /** `--policy-path P` (RKE2 only: RKE1 fixes the path). */
  policyPath?: string;
  /** `--log-path P`. */
  logPath?: string;
  /** `--max-age N` (days). */
  maxAge?: number | string;
  /** `--max-backup N` (files). */
  maxBackup?: number | string;
  /** `--max-size N` (megabytes). */
  maxSize?: number | string;
  /** `--format json|legacy`. */
  format?: string;
  /** `--allow-unsafe-policy`. */
  allowUnsafePolicy?: boolean;
  /** `--kubernetes-version V`, for version-specific policy checks. */
  kubernetesVersion?: string;
}

/** One file to write, `path` relative to the output directory. */
export interface RenderedFile {
  path: string;
  content: string;
  /** File mode (e.g. 0o600); undefined: the CLI's default. */
  mode?: number;
}

/** The flag for each option key (and for the keys the Rancher helpers name). */
export const RENDER_FLAGS: Readonly<Record<string, string>> = {
  stack: "--stack",
  preset: "--preset",
  policy: "--policy",
  policyFile: "--policy",
  prependRules: "--policy",
  appendRules: "--policy",
  omitStages: "--policy",
  omitManagedFields: "--policy",
  policyPath: "--policy-path",
  logPath: "--log-path",
  maxAge: "--max-age",
  maxBackup: "--max-backup",
  maxSize: "--max-size",
  format: "--format",
  allowUnsafePolicy: "--allow-unsafe-policy",
  kubernetesVersion: "--kubernetes-version",
};

export interface ResolvedRenderInput {
  options: StandaloneAuditOptions;
  kubernetesVersion?: string;
  /** For each option key, what the user called it: a flag or `rancher-audit:<key> in <stack file>`. */
  origin: Record<string, string>;
  /** The stack file read, when --stack was given. */
  stackFile?: string;
}

/** Rewrites an AuditConfigError from the option names to the user's names (flags, stack keys). */
export function renameForCli<T>(origin: Readonly<Record<string, string>>, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof AuditConfigError)) throw e;
    const key = e.path.split(/[.[]/)[0];
    const name = origin[key] ?? RENDER_FLAGS[key] ?? e.path;
    // The Rancher helpers' fix hints name the option; say the flag instead.
    const detail = e.detail
      .replace(/set allowUnsafePolicy: true to deploy it anyway/g, `pass ${RENDER_FLAGS.allowUnsafePolicy} to render it anyway`)
      .replace(/give your own policy in policy\b/g, `give your own policy with ${RENDER_FLAGS.policy} FILE`);
    throw e.withPath(name, detail);
  }
}

function stackFileOf(projectDir: string, env: string): string {
  if (typeof env !== "string" || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(env)) {
    fail("--stack", `must be a stack name such as "prod" (letters, digits, "-", "_", "."), naming stacks/Pulumi.<name>.yaml; got ${show(env)}`);
  }
  let configDir = ".";
  const projectFile = path.join(projectDir, "Pulumi.yaml");
  if (fs.existsSync(projectFile)) {
    const project = parseYaml(fs.readFileSync(projectFile, "utf8")) as Record<string, unknown> | null;
    if (project && typeof project.stackConfigDir === "string") configDir = project.stackConfigDir;
  }
  return path.join(projectDir, configDir, `Pulumi.${env}.yaml`);
}

/** The `rancher-audit:` keys of a stack file, validated by the program's parser. */
function readStack(projectDir: string, env: string): { file: string; config: ReturnType<typeof parseStackConfig> } {
  const file = stackFileOf(projectDir, env);
  const rel = path.relative(projectDir, file);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    fail("--stack", `cannot read ${rel} (${code === "ENOENT" ? "no such file" : (code ?? (e as Error).message)}); give the name of an existing stack (the part between "Pulumi." and ".yaml")`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    fail("--stack", `${rel} is not valid YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  const config = (doc as { config?: unknown } | null)?.config;
  const values: Record<string, unknown> = {};
  if (config !== null && typeof config === "object" && !Array.isArray(config)) {
    for (const [k, v] of Object.entries(config)) if (k.startsWith(`${PROJECT}:`)) values[k] = v;
  }
  try {
    return { file: rel, config: parseStackConfig(values, { projectDir }) };
  } catch (e) {
    if (e instanceof ConfigError) throw new AuditConfigError("--stack", `${rel}: ${e.message}`);
    throw e;
  }
}

/** A numeric flag: digits become a number; anything else is passed on for the checker to refuse by name. */
function numberFlag(value: number | string | undefined): unknown {
  // Past 2^53 a number would round (9007199254740993 -> ...992): left a string, refused as typed.
  if (typeof value === "string" && /^\s*\d+\s*$/.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
  return value;
}

/**
 * Turns the CLI options into audit options. Exactly one of stack, preset and policyFile. Flags
 * override the stack's values. `target` decides which stack paths apply: for "rke1" the stack's
 * policy path is not used (RKE fixes it) and its log path only when the stack sets one.
 */
export function resolveRenderInput(o: RenderCliOptions, target: "rke2" | "rke1"): ResolvedRenderInput {
  if (o === null || typeof o !== "object") fail("", `internal: render options must be an object; got ${show(o)}`);
  if (typeof o.projectDir !== "string" || o.projectDir === "") fail("", "internal: render options need projectDir");
  const sources = (["stack", "preset", "policyFile"] as const).filter((k) => o[k] !== undefined);
  if (sources.length !== 1) {
    fail(
      sources.length === 0 ? "--stack" : RENDER_FLAGS[sources[1]],
      `give exactly one policy source: --stack ENV (a stack's settings), --preset NAME or --policy FILE; got ${sources.length === 0 ? "none" : sources.map((k) => RENDER_FLAGS[k]).join(" and ")}`,
    );
  }
  const options: Record<string, unknown> = {};
  const origin: Record<string, string> = { ...RENDER_FLAGS };
  let stackFile: string | undefined;

  if (o.stack !== undefined) {
    const { file, config } = readStack(o.projectDir, o.stack);
    stackFile = file;
    const from = (key: string) => `${PROJECT}:${key} in ${file}`;
    if (!config.enabled) {
      fail("--stack", `${from("enabled")} is false: the stack turns audit logging off, so there is nothing to render; set it to true, or use --preset/--policy`);
    }
    if (config.policyText !== undefined) {
      options.policy = config.policyText;
      origin.policy = from("policyFile");
    } else {
      options.preset = config.preset;
      origin.preset = from("preset");
    }
    for (const key of ["maxAge", "maxBackup", "maxSize", "format", "allowUnsafePolicy"] as const) {
      options[key] = config[key];
      origin[key] = from(key);
    }
    if (target === "rke2") {
      options.policyPath = expandDistro(config.policyPath, "rke2");
      options.logPath = expandDistro(config.logPath, "rke2");
      origin.policyPath = from("policyPath");
      origin.logPath = from("logPath");
    } else if (config.logPath !== CONFIG_KEYS.logPath.default) {
      // RKE1 has its own default log path; a stack's explicit one is used (and checked).
      options.logPath = config.logPath;
      origin.logPath = `${from("logPath")} (override it with --log-path)`;
    }
  } else if (o.preset !== undefined) {
    options.preset = o.preset;
  } else {
    const file = path.resolve(o.cwd ?? o.projectDir, String(o.policyFile));
    try {
      options.policy = readUserFile(String(o.policyFile), file);
    } catch (e) {
      if (!(e instanceof UserFileError)) throw e;
      fail("--policy", `cannot read ${show(o.policyFile)} (${e.reason}); give the path of an audit.k8s.io/v1 Policy file`);
    }
    origin.policy = `--policy ${o.policyFile}`;
  }

  const flags: [keyof RenderCliOptions, string][] = [
    ["policyPath", "policyPath"],
    ["logPath", "logPath"],
    ["maxAge", "maxAge"],
    ["maxBackup", "maxBackup"],
    ["maxSize", "maxSize"],
    ["format", "format"],
    ["allowUnsafePolicy", "allowUnsafePolicy"],
  ];
  for (const [flag, key] of flags) {
    if (o[flag] === undefined) continue;
    options[key] = flag === "maxAge" || flag === "maxBackup" || flag === "maxSize" ? numberFlag(o[flag] as number | string) : o[flag];
    origin[key] = RENDER_FLAGS[key];
  }
  return { options: options as StandaloneAuditOptions & { format?: LogFormat }, kubernetesVersion: o.kubernetesVersion, origin, stackFile };
}

/** A node path as a path inside the output directory (`/etc/rancher/rke2/x` becomes `etc/rancher/rke2/x`). */
export function outputPathFor(nodePath: string): string {
  return nodePath.replace(/^\/+/, "");
}
