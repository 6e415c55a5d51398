/**
 * The input side of `npm run cli -- render rke2|rke1`, shared by both targets: the CLI-level
 * options (exactly one policy source: a stack, a preset or a policy file; optional path and
 * retention overrides) turned into StandaloneAuditOptions, and errors renamed after what the user
 * typed: the flag (`--max-age`) or the stack key (`rancher-audit:logPath in stacks/Pulumi.prod.yaml`).
 *
 * A stack is read with the program's own parser (parseStackConfig), so a stack the program accepts
 * renders the same policy, paths and retention here. Pure apart from reading the stack and policy files.
 */
import * as path from "node:path";
import { AuditConfigError, fail, show, type SettingNamer } from "../../components/core/errors";
import { expandDistro } from "../../components/core/settings";
import { AUDIT_SETTINGS, settingSpec } from "../../components/core/settings-table";
import type { StandaloneAuditOptions } from "../../components/core/standalone";
import { parseStackConfig, PROJECT } from "../../program";
import { loadStackFile } from "../stack-file";

/** The settings `render` takes as options (`--max-age`, ...): the table's rows with a CLI option, but the policy choice. */
const OPTION_SETTINGS = AUDIT_SETTINGS.filter((s): s is Extract<(typeof AUDIT_SETTINGS)[number], { cliOption: string }> => "cliOption" in s && s.group === "audit");

/** The settings options of `render` with their CLI option (`{ key: "maxAge", cliOption: "max-age", ... }`). */
export const RENDER_SETTINGS: readonly { key: (typeof OPTION_SETTINGS)[number]["key"]; cliOption: string; type: string }[] = OPTION_SETTINGS;
import { readUserFile, UserFileError } from "../../components/core/user-file";

/** The options of `render rke2` / `render rke1`, as the CLI parsed them. */
export type RenderCliOptions = {
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
  /** `--kubernetes-version V`, for version-specific policy checks. */
  kubernetesVersion?: string;
} & {
  /** The settings options (`--log-path P`, `--max-age N`, ...; `--policy-path` is RKE2 only): numbers may be given as text. */
  [K in (typeof OPTION_SETTINGS)[number]["key"]]?: K extends "allowUnsafePolicy" ? boolean : string | number;
};

/** One file to write, `path` relative to the output directory. */
export interface RenderedFile {
  path: string;
  content: string;
  /** File mode (e.g. 0o600); undefined: the CLI's default. */
  mode?: number;
}

/** The flag for each option key (and for the keys the settings checks name), from the settings table. */
export const RENDER_FLAGS: Readonly<Record<string, string>> = {
  stack: "--stack",
  ...Object.fromEntries(AUDIT_SETTINGS.flatMap((s) => ("cliOption" in s ? [[s.key, `--${s.cliOption}`]] : []))),
  policy: "--policy",
  prependRules: "--policy",
  appendRules: "--policy",
  omitStages: "--policy",
  omitManagedFields: "--policy",
  kubernetesVersion: "--kubernetes-version",
};

/** The render options as StandaloneAuditOptions, with where each value came from. */
export interface ResolvedRenderInput {
  options: StandaloneAuditOptions;
  kubernetesVersion?: string;
  /** For each option key, what the user called it: a flag or `rancher-audit:<key> in <stack file>`. */
  origin: Record<string, string>;
  /** The stack file read, when --stack was given. */
  stackFile?: string;
}

/** Each flag with its value placeholder, as help texts write it (`--policy FILE`, `--max-age N`). */
const FLAG_USAGE: Readonly<Record<string, string>> = {
  ...Object.fromEntries(AUDIT_SETTINGS.flatMap((s) => ("cliOption" in s ? [[s.key, "cliValue" in s ? `--${s.cliOption} ${s.cliValue}` : `--${s.cliOption}`]] : []))),
  policy: `--policy ${settingSpec("policyFile").cliValue}`,
};

/** Names the settings a message mentions as the flags that set them. */
function cliNamer(): SettingNamer {
  return {
    name: (setting) => FLAG_USAGE[setting] ?? RENDER_FLAGS[setting] ?? setting,
    assign: (setting, value) => {
      const flag = RENDER_FLAGS[setting] ?? setting;
      return value === true ? `pass ${flag}` : `pass ${flag} ${String(value)}`;
    },
  };
}

/** Runs `fn`, naming the option of an AuditConfigError as the user gave it (a flag or a stack key). */
export function renameForCli<T>(origin: Readonly<Record<string, string>>, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof AuditConfigError)) throw e;
    const key = e.path.split(/[.[]/)[0];
    throw e.renamed(origin[key] ?? RENDER_FLAGS[key] ?? e.path, cliNamer());
  }
}

/** The `rancher-audit:` keys of a stack file (the CLI's one stack-file reader), validated by the program's parser. */
function readStack(projectDir: string, env: string): { file: string; config: ReturnType<typeof parseStackConfig> } {
  const sf = loadStackFile(projectDir, env, PROJECT);
  const rel = path.relative(projectDir, sf.file);
  try {
    return { file: rel, config: parseStackConfig(sf.values, { projectDir }) };
  } catch (e) {
    if (e instanceof AuditConfigError) throw new AuditConfigError("--stack", `${rel}: ${e.message}`);
    throw e;
  }
}

/** A numeric flag: digits become a number; anything else is passed on for the checker to refuse by name. */
function numberFlag(value: unknown): unknown {
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
    for (const { key } of OPTION_SETTINGS) {
      if (key === "policyPath" || key === "logPath") continue;
      options[key] = config[key];
      origin[key] = from(key);
    }
    if (target === "rke2") {
      options.policyPath = expandDistro(config.policyPath, "rke2");
      options.logPath = expandDistro(config.logPath, "rke2");
      origin.policyPath = from("policyPath");
      origin.logPath = from("logPath");
    } else if (config.logPath !== settingSpec("logPath").default) {
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

  for (const { key, type } of OPTION_SETTINGS) {
    if (o[key] === undefined) continue;
    options[key] = type === "integer" ? numberFlag(o[key]) : o[key];
    origin[key] = RENDER_FLAGS[key];
  }
  return { options: options as StandaloneAuditOptions, kubernetesVersion: o.kubernetesVersion, origin, stackFile };
}

/** A node path as a path inside the output directory (`/etc/rancher/rke2/x` becomes `etc/rancher/rke2/x`). */
export function outputPathFor(nodePath: string): string {
  return nodePath.replace(/^\/+/, "");
}
