/**
 * Writing a command's output files (`--out DIR`). Everything is checked before the first byte is
 * written, so a bad directory leaves nothing half-written, and every failure is a CliError (exit 2)
 * naming the flag and the fix. Kernel pseudo filesystems (/proc, /sys, /dev) are refused up front:
 * creating directories there can fail in odd ways or never return.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { CliError } from "./args";

export interface OutputFile {
  /** Relative to the output directory. */
  path: string;
  content: string;
  /** Permission bits; files holding a policy or a plan are 0o600. */
  mode: number;
}

const PSEUDO_FILESYSTEMS = ["/proc", "/sys", "/dev"];

function why(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EROFS") return "read-only file system";
  if (code === "ENOTDIR") return "a part of the path is a file, not a directory";
  if (code === "ENOSPC") return "no space left on the device";
  return code ?? (e as Error).message;
}

/** The real path of `dir`'s nearest ancestor that exists (symlinks resolved), and the parts below it. */
function existingAncestor(dir: string): { real: string; missing: string[] } {
  const missing: string[] = [];
  let current = dir;
  for (;;) {
    try {
      return { real: fs.realpathSync(current), missing };
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return { real: current, missing };
      missing.unshift(path.basename(current));
      current = parent;
    }
  }
}

/** Creates `dir` one level at a time (not mkdir's recursive mode, which can spin on pseudo filesystems). */
function makeDirectory(dir: string, fail: (detail: string) => never): void {
  const { real, missing } = existingAncestor(dir);
  let current = real;
  for (const part of [undefined, ...missing]) {
    if (part !== undefined) current = path.join(current, part);
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(current);
    } catch {
      stat = undefined;
    }
    if (stat && !stat.isDirectory()) fail(`${current} is a file, not a directory`);
    if (!stat) {
      try {
        fs.mkdirSync(current);
      } catch (e) {
        fail(`cannot create the directory ${current} (${why(e)})`);
      }
    }
  }
}

/**
 * Writes `files` under `dir` (as given on the command line: `given`), with their modes (applied
 * also when a file already existed). Throws CliError naming `flag` when the directory is not usable.
 */
export function writeOutputFiles(flag: string, given: string, dir: string, files: readonly OutputFile[]): void {
  const fail = (detail: string): never => {
    throw new CliError(`${flag} ${given}: ${detail}; give a writable directory on disk`);
  };
  const { real } = existingAncestor(dir);
  for (const pseudo of PSEUDO_FILESYSTEMS) {
    if (real === pseudo || real.startsWith(`${pseudo}/`)) fail(`is under ${pseudo}, a kernel pseudo filesystem`);
  }
  // Check every target first: nothing is written unless everything can be.
  for (const f of files) {
    const file = path.join(dir, f.path);
    makeDirectory(path.dirname(file), fail);
    let stat: fs.Stats | undefined;
    try {
      stat = fs.lstatSync(file);
    } catch {
      stat = undefined;
    }
    if (stat && !stat.isFile()) fail(`${file} exists and is not a regular file`);
    try {
      fs.accessSync(stat ? file : path.dirname(file), fs.constants.W_OK);
    } catch (e) {
      fail(`cannot write ${file} (${why(e)})`);
    }
  }
  for (const f of files) {
    const file = path.join(dir, f.path);
    try {
      fs.writeFileSync(file, f.content, { mode: f.mode });
      fs.chmodSync(file, f.mode);
    } catch (e) {
      fail(`cannot write ${file} (${why(e)})`);
    }
  }
}
