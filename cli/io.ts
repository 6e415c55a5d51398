/**
 * The streams a command talks to. Commands never touch `process` directly: `run(argv, io)` gets
 * them injected, so tests run every command in-process with string buffers.
 */
import type { Readable, Writable } from "node:stream";

export interface Io {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable;
  /** Directory that relative paths are resolved against. */
  cwd: string;
  env: Record<string, string | undefined>;
}

/**
 * The real process streams. Relative paths resolve against the directory the user is in: the
 * process's own, or under `npm run cli` (which runs scripts in the package root) the directory npm
 * was started in (INIT_CWD).
 */
export function processIo(): Io {
  const underNpmScript = process.env.npm_lifecycle_event === "cli" && process.env.INIT_CWD !== undefined;
  const cwd = underNpmScript ? (process.env.INIT_CWD as string) : process.cwd();
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, cwd, env: process.env };
}

export function isTty(stream: Writable): boolean {
  return (stream as Writable & { isTTY?: boolean }).isTTY === true;
}

/**
 * Colours only on a terminal: never when NO_COLOR is set (https://no-color.org), TERM is "dumb",
 * or the stream is a pipe or file.
 */
export function colorEnabled(stream: Writable, env: Io["env"]): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.TERM === "dumb") return false;
  return isTty(stream);
}

export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

const ansi = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;
const plain = (s: string) => s;

export function style(enabled: boolean): Style {
  if (!enabled) return { bold: plain, dim: plain, red: plain, green: plain, yellow: plain, cyan: plain };
  return { bold: ansi(1, 22), dim: ansi(2, 22), red: ansi(31, 39), green: ansi(32, 39), yellow: ansi(33, 39), cyan: ansi(36, 39) };
}

/** A stdout/stderr pair of writers with the right colour setting for each stream. */
export class Out {
  readonly out: Style;
  readonly err: Style;
  constructor(readonly io: Io) {
    this.out = style(colorEnabled(io.stdout, io.env));
    this.err = style(colorEnabled(io.stderr, io.env));
  }
  print(text = ""): void {
    this.io.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  }
  error(text: string): void {
    this.io.stderr.write(text.endsWith("\n") ? text : `${text}\n`);
  }
}

/** Waits until everything written to the stream so far has been flushed (for big outputs before exit). */
export function drain(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    if (stream.write("")) resolve();
    else stream.once("drain", () => resolve());
  });
}
