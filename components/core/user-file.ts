/**
 * The one way the product reads a file a user names (a policy file from stack config or a flag).
 * Path strings are not trusted: the real path is resolved (symlinks followed), it must stay inside
 * the given root when there is one, it must be a regular file (not a device such as /dev/zero, a
 * FIFO or a directory), and its size is checked before a byte is read, so a huge or endless file
 * can neither exhaust memory nor end up quoted in an error.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** The largest policy file we read: real policies are a few KiB (the CIS preset renders to about 3 KiB). */
export const MAX_POLICY_FILE_BYTES = 1024 * 1024;

/** Options of readUserFile: the directory the file must stay in and the size cap. */
export interface ReadUserFileOptions {
  /** When set, the file's real path (after following symlinks) must be inside this directory. */
  root?: string;
  /** Refuse files larger than this many bytes (default MAX_POLICY_FILE_BYTES). */
  maxBytes?: number;
}

/** Why a user file was not read; `reason` is one short clause meant to follow the file's name. */
export class UserFileError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
    /** The errno code when the file system refused (ENOENT, EACCES, ...). */
    readonly code?: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = "UserFileError";
  }
}

/** True when `child` is `root` or inside it (path-segment-wise: "..x.yaml" is inside, "../x" is not). */
export function isInside(root: string, child: string): boolean {
  const rel = path.relative(root, child);
  if (rel === "") return true;
  if (path.isAbsolute(rel)) return false;
  return rel !== ".." && !rel.startsWith(`..${path.sep}`);
}

function errnoReason(e: unknown): { reason: string; code?: string } {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return { reason: "no such file", code };
  if (code === "EACCES" || code === "EPERM") return { reason: "permission denied", code };
  if (code === "ELOOP") return { reason: "too many levels of symbolic links", code };
  if (code === "ENOTDIR") return { reason: "a part of the path is not a directory", code };
  return { reason: code ?? (e as Error).message, code };
}

/** Reads a user's file as UTF-8 after the checks above; throws UserFileError naming `file` (as the user gave it). */
export function readUserFile(file: string, fullPath: string, options: ReadUserFileOptions = {}): string {
  const maxBytes = options.maxBytes ?? MAX_POLICY_FILE_BYTES;
  let real: string;
  try {
    real = fs.realpathSync(fullPath);
  } catch (e) {
    const { reason, code } = errnoReason(e);
    throw new UserFileError(file, reason, code);
  }
  if (options.root !== undefined) {
    let root: string;
    try {
      root = fs.realpathSync(options.root);
    } catch {
      root = path.resolve(options.root);
    }
    if (!isInside(root, real)) {
      const via = path.resolve(fullPath) !== real ? " (through a symbolic link)" : "";
      throw new UserFileError(file, `resolves to a file outside the project directory ${root}${via}; copy the file into the project`);
    }
  }
  let stat: fs.Stats;
  try {
    stat = fs.statSync(real);
  } catch (e) {
    const { reason, code } = errnoReason(e);
    throw new UserFileError(file, reason, code);
  }
  if (stat.isDirectory()) throw new UserFileError(file, "is a directory", "EISDIR");
  if (!stat.isFile()) throw new UserFileError(file, "is not a regular file (a device, FIFO or socket); give the path of a policy file");
  if (stat.size > maxBytes) throw new UserFileError(file, `is ${stat.size} bytes, over the ${maxBytes}-byte limit for a policy file`);
  let fd: number;
  try {
    fd = fs.openSync(real, "r");
  } catch (e) {
    const { reason, code } = errnoReason(e);
    throw new UserFileError(file, reason, code);
  }
  try {
    // Read at most one byte past the limit: a file that grew since stat is still refused.
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (;;) {
      const n = fs.readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > maxBytes) throw new UserFileError(file, `is over the ${maxBytes}-byte limit for a policy file`);
    }
    return buffer.subarray(0, length).toString("utf8");
  } finally {
    fs.closeSync(fd);
  }
}
