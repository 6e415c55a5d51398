/** Runs the CLI in-process with captured streams. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Readable, Writable } from "node:stream";
import type { Io } from "../../cli/io";
import { run } from "../../cli/main";

export const REPO = path.resolve(__dirname, "..", "..");
export const FIXTURES = path.join(REPO, "test", "fixtures");
export const EVENTS = path.join(FIXTURES, "events");
export const POLICIES = path.join(FIXTURES, "policies");

class Capture extends Writable {
  text = "";
  isTTY = false;
  _write(chunk: Buffer | string, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.text += chunk.toString();
    cb();
  }
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(argv: string[], options: { stdin?: Buffer | string; cwd?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  const stdout = new Capture();
  const stderr = new Capture();
  const stdin = Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]);
  const code = await run(argv, { stdout, stderr, stdin, cwd: options.cwd ?? REPO, env: options.env ?? {} });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `rancher-audit-${prefix}-`));
}

/** Non-empty lines of a JSON-lines file. */
export function lineCount(file: string): number {
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "").length;
}

/** An Io for calling the CLI's modules directly (openLines, ...), with captured output. */
export function testIo(options: { stdin?: Buffer | string; cwd?: string } = {}): Io & { stdout: Capture; stderr: Capture } {
  return {
    stdout: new Capture(),
    stderr: new Capture(),
    stdin: Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]),
    cwd: options.cwd ?? REPO,
    env: {},
  };
}
