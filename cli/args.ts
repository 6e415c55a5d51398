/**
 * Argument parsing for every command: node:util parseArgs (strict), a help text generated from
 * the same option table, and the exit-code conventions shared by all commands.
 */
import { parseArgs } from "node:util";

/** 0: ok. */
export const EXIT_OK = 0;
/** 1: the input is usable but unsafe: findings of severity error. */
export const EXIT_FINDINGS = 1;
/** 2: unusable input or a usage error (bad flag, missing file, a policy kube-apiserver refuses, bad stack config). */
export const EXIT_USAGE = 2;

/** An error that ends the command with a message (no stack trace) and an exit code (2 unless told). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_USAGE,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
  /** Placeholder shown in the help, e.g. "DIR". */
  value?: string;
  description: string;
}

export interface CommandSpec {
  name: string;
  summary: string;
  /** Usage lines without the program name, e.g. "check <policy.yaml | preset:NAME> [--json]". */
  usage: string[];
  /** Paragraphs printed after the usage. */
  description?: string[];
  options: Record<string, OptionSpec>;
  /** Number of positional arguments allowed. */
  positionals: { min: number; max: number; names: string };
  examples?: string[];
  /** Exit codes and their meaning for this command. */
  exitCodes?: string[];
}

export const PROGRAM = "rancher-audit";

const HELP_OPTION: OptionSpec = { type: "boolean", short: "h", description: "show this help and exit" };

export function helpText(spec: CommandSpec): string {
  const lines: string[] = [];
  lines.push(`${PROGRAM} ${spec.name}: ${spec.summary}`, "", "Usage:");
  for (const u of spec.usage) lines.push(`  ${PROGRAM} ${u}`);
  if (spec.description) for (const p of spec.description) lines.push("", ...wrap(p, 78));
  const opts = { ...spec.options, help: HELP_OPTION };
  const rows = Object.entries(opts).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : "    "}--${name}${o.type === "string" ? ` ${o.value ?? "VALUE"}` : ""}`;
    return [flag, o.description + (o.multiple ? " (repeatable)" : "")];
  });
  // Flags longer than 26 characters put their description on the next line.
  const width = Math.min(28, Math.max(...rows.map((r) => r[0].length)) + 2);
  lines.push("", "Options:");
  for (const [flag, desc] of rows) {
    const wrapped = wrap(desc, 78 - width - 2);
    if (flag.length + 2 > width) lines.push(`  ${flag}`, `  ${" ".repeat(width)}${wrapped[0]}`);
    else lines.push(`  ${flag.padEnd(width)}${wrapped[0]}`);
    for (const more of wrapped.slice(1)) lines.push(`  ${" ".repeat(width)}${more}`);
  }
  if (spec.exitCodes) {
    lines.push("", "Exit codes:");
    for (const e of spec.exitCodes) lines.push(`  ${e}`);
  }
  if (spec.examples) {
    lines.push("", "Examples:");
    for (const e of spec.examples) lines.push(`  ${e}`);
  }
  return `${lines.join("\n")}\n`;
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== "" && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "" || out.length === 0) out.push(line);
  return out;
}

export type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

export interface Parsed {
  help: boolean;
  values: Values;
  positionals: string[];
}

/** Parses argv (after the command name) strictly; a bad flag or argument count is a CliError (exit 2). */
export function parseCommand(spec: CommandSpec, argv: string[]): Parsed {
  const options: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> = {};
  for (const [name, o] of Object.entries({ ...spec.options, help: HELP_OPTION })) {
    options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  }
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true }) as { values: Values; positionals: string[] };
  } catch (e) {
    const ambiguous = /^Option '(-[^']+)' argument is ambiguous/.exec((e as Error).message);
    if (ambiguous) {
      // parseArgs refuses a value that starts with "-" (`--max-age -1`): say which value and how to pass it.
      const flag = ambiguous[1].split(", ").pop()!;
      const value = argv[argv.findIndex((a) => a === flag || ambiguous[1].split(", ").includes(a)) + 1] ?? "";
      throw new CliError(`${PROGRAM} ${spec.name}: ${flag}: the value "${value}" starts with "-", so it reads as an option; write ${flag}=${value} to pass it as the value`);
    }
    const msg = (e as Error).message.replace(/\. To specify a positional argument.*$/s, "");
    throw new CliError(`${PROGRAM} ${spec.name}: ${msg}\nRun '${PROGRAM} ${spec.name} --help' for the options.`);
  }
  if (parsed.values.help === true) return { help: true, values: parsed.values, positionals: parsed.positionals };
  const n = parsed.positionals.length;
  if (n < spec.positionals.min || n > spec.positionals.max) {
    const { min, max } = spec.positionals;
    const expected = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    throw new CliError(
      `${PROGRAM} ${spec.name}: expected ${expected} argument(s) (${spec.positionals.names}), got ${n}` +
        (n > 0 ? `: ${parsed.positionals.join(" ")}` : "") +
        `\nUsage: ${spec.usage.map((u) => `${PROGRAM} ${u}`).join("\n       ")}`,
    );
  }
  return { help: false, values: parsed.values, positionals: parsed.positionals };
}

/**
 * The start of every command: parse argv; on --help print the command's help and return undefined
 * (the command then exits 0).
 */
export function parseOrHelp(spec: CommandSpec, argv: string[], print: (text: string) => void): Parsed | undefined {
  const args = parseCommand(spec, argv);
  if (!args.help) return args;
  print(helpText(spec));
  return undefined;
}

export function str(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === "string" ? v : undefined;
}

export function strs(values: Values, name: string): string[] {
  const v = values[name];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === "string");
  return typeof v === "string" ? [v] : [];
}

export function flag(values: Values, name: string): boolean {
  return values[name] === true;
}

/** A positive integer option, or a CliError naming it. */
export function intOption(values: Values, name: string, command: string): number | undefined {
  const v = str(values, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) <= 0) throw new CliError(`${PROGRAM} ${command}: --${name} must be a positive whole number, got "${v}"`);
  return Number(v);
}
