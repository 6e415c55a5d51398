#!/usr/bin/env node
/**
 * rancher-audit: the offline tool. `run(argv, io)` is the whole CLI (tests call it in-process);
 * running this file runs it on the process's argv and streams.
 */
import * as nodeModule from "node:module";
import { CliError, EXIT_OK, EXIT_USAGE, PROGRAM } from "./args";
import { processIo, type Io } from "./io";
import { packageVersion } from "./paths";

interface CommandModule {
  run(argv: string[], io: Io): Promise<number>;
}

/*
 * Commands load lazily, so `check` does not pay for loading @pulumi/pulumi. `require` rather than
 * `import()`: this is CommonJS, and a dynamic import() would bypass the TypeScript loaders that
 * mocha and tsx register for require.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const COMMANDS: Record<string, { summary: string; load: () => CommandModule }> = {
  plan: {
    summary: "run the Pulumi program offline for a stack: resources, policy, flags, restart scope, findings",
    load: () => require("./commands/plan") as CommandModule,
  },
  check: {
    summary: "parse, validate and analyze a policy (exit 0 clean, 1 error findings, 2 unusable)",
    load: () => require("./commands/check") as CommandModule,
  },
  explain: {
    summary: "which rule decides a request, its level and omitted stages",
    load: () => require("./commands/explain") as CommandModule,
  },
  replay: {
    summary: "replay a real audit log through one or two policies: volume, leaks, detection coverage",
    load: () => require("./commands/replay") as CommandModule,
  },
  alerts: {
    summary: "write the alert rule files for Loki, OpenSearch or Elasticsearch; check that a policy lets them fire",
    load: () => require("./commands/alerts") as CommandModule,
  },
  render: {
    summary: "write the files that enable audit logging on standalone RKE2 servers (rke2) or RKE1 clusters (rke1)",
    load: () => require("./commands/render") as CommandModule,
  },
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** The error classes (by name) that describe bad user input: PolicyError, AuditConfigError, ConfigError, UserFileError. */
const USER_INPUT_ERRORS = ["PolicyError", "AuditConfigError", "ConfigError", "UserFileError"];

/** Exit code for an unexpected failure (a bug): distinct from the 0/1/2 the commands promise. */
export const EXIT_INTERNAL = 3;

export function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length)) + 2;
  return [
    `${PROGRAM}: offline tooling for kube-apiserver audit logging on Rancher-managed RKE2/K3s clusters`,
    "",
    "Usage:",
    `  ${PROGRAM} <command> [options]`,
    `  ${PROGRAM} <command> --help`,
    `  ${PROGRAM} --version (-v)`,
    "",
    "Commands:",
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}${c.summary}`),
    "",
    "Exit codes: 0 ok; 1 findings of severity error (the policy is unsafe); 2 unusable input or a usage error;",
    "3 an internal error (a bug: the message asks you to report it).",
    "Colours are used only on a terminal and never when NO_COLOR is set.",
    "",
  ].join("\n");
}

export async function run(argv: string[], io: Io = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    if (command === "help" && rest[0] && COMMANDS[rest[0]]) return run([rest[0], "--help"], io);
    (command === undefined ? io.stderr : io.stdout).write(mainHelp());
    return command === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (command === "--version" || command === "-v" || command === "-V") {
    io.stdout.write(`${packageVersion()}\n`);
    return EXIT_OK;
  }
  const entry = COMMANDS[command];
  if (!entry) {
    io.stderr.write(`${PROGRAM}: unknown command "${command}"\n\n${mainHelp()}`);
    return EXIT_USAGE;
  }
  try {
    const mod = entry.load();
    return await mod.run(rest, io);
  } catch (e) {
    if (e instanceof CliError) {
      io.stderr.write(`${e.message}\n`);
      return e.exitCode;
    }
    // Errors about the user's input that a command did not wrap (they name the input and the fix):
    // unusable input, not a bug. Matched by name so this start-up path loads none of their modules.
    if (e instanceof Error && USER_INPUT_ERRORS.includes(e.name)) {
      io.stderr.write(`${PROGRAM} ${command}: ${e.message}\n`);
      return EXIT_USAGE;
    }
    io.stderr.write(`${PROGRAM} ${command}: internal error (please report it): ${(e as Error).stack ?? String(e)}\n`);
    return EXIT_INTERNAL;
  }
}

/** Runs the CLI on the process's argv and streams (the package `bin` and ./rancher-audit call this). */
export function main(): void {
  // Node 22.1+ keeps the compiled code of the modules on disk between runs, which shortens every
  // start after the first; Node 20 has no compile cache and starts as before.
  (nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });
  run(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`${String((e as Error)?.stack ?? e)}\n`);
      process.exitCode = EXIT_INTERNAL;
    },
  );
}

if (require.main === module) main();
