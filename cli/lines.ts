/**
 * Streaming JSON-lines input for replay and explain --events: a file, `-` for stdin, gzip
 * detected by its magic bytes (so `.gz` files and gzipped stdin both work). Lines are split on the
 * raw bytes and handed over one at a time, so memory stays flat however big the input is:
 * a line longer than MAX_LINE_BYTES is not buffered past that cap; the rest of it, up to the next
 * newline, is read and dropped, and the line is reported to `onLongLine` instead of `fn`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Readable } from "node:stream";
import * as zlib from "node:zlib";
import { shownPath } from "./paths";
import { CliError } from "./args";
import type { Io } from "./io";

/** The longest line handed over (bytes, without its newline): 64 MiB. Audit events are far smaller. */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

/** "64 MiB", "1 KiB", "100 bytes": a line cap in words. */
export function describeLineCap(bytes: number): string {
  if (bytes >= 1 << 20 && bytes % (1 << 20) === 0) return `${bytes / (1 << 20)} MiB`;
  if (bytes >= 1 << 10 && bytes % (1 << 10) === 0) return `${bytes / (1 << 10)} KiB`;
  return `${bytes} bytes`;
}

/** What reading the whole input gave. */
export interface LinesRead {
  /** Lines seen (including blank and over-long ones). */
  lines: number;
  /** Bytes read (uncompressed), newlines included. */
  bytes: number;
  /**
   * Set when the input ended early with a read error after the lines above were handed over: a
   * truncated or corrupt gzip stream (a log copied while it was being compressed), or an I/O error.
   * The lines before it were read normally; the error is not thrown so that callers can still
   * report them.
   */
  readError?: string;
  /**
   * With readError: the number of the line the input ended in the middle of (lines + 1). That
   * cut-off line is not handed over (it is not counted in `lines`).
   */
  partialLine?: number;
}

/** "ends early (not valid gzip: unexpected end of file) in line 18, which is cut off": for a warning. */
export function describeEarlyEnd(read: { lines: number; readError?: string | null; partialLine?: number | null }): string {
  const where =
    read.partialLine != null
      ? `in line ${read.partialLine.toLocaleString("en-US")}, which is cut off`
      : read.lines === 0
        ? "before its first line"
        : `after line ${read.lines.toLocaleString("en-US")}`;
  return `ends early (${read.readError ?? "read error"}) ${where}`;
}

export interface LineInput {
  label: string;
  /** Size of the file on disk (compressed size for .gz); undefined for stdin. */
  size?: number;
  /** Bytes read from the file so far (compressed bytes for .gz), for the progress bar; 0 for stdin. */
  bytesRead(): number;
  gzip: boolean;
  /** The line cap in bytes (MAX_LINE_BYTES unless opened with another). */
  maxLineBytes: number;
  /**
   * Calls fn for each line (without its newline; CRLF handled; a UTF-8 byte order mark at the start
   * of the input removed), 1-based line numbers. A line longer than maxLineBytes goes to onLongLine
   * instead, with its full length in bytes, and is never held in memory whole.
   */
  forEach(fn: (line: string, lineNo: number) => void, onLongLine: (lineNo: number, bytes: number) => void): Promise<LinesRead>;
}

/** Resolves with the first chunk (put back into the stream) or null for an empty stream. */
function peek(stream: Readable): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      stream.off("readable", onReadable);
      stream.off("error", onError);
      stream.off("end", onEnd);
    };
    const onReadable = () => {
      const chunk = stream.read() as Buffer | string | null;
      if (chunk === null) return;
      cleanup();
      const buf = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      stream.unshift(buf);
      resolve(buf);
    };
    const onError = (e: Error) => {
      cleanup();
      reject(e);
    };
    const onEnd = () => {
      cleanup();
      resolve(null);
    };
    stream.on("readable", onReadable);
    stream.on("error", onError);
    stream.on("end", onEnd);
  });
}

const NEWLINE = 0x0a;
const CR = 0x0d;
const BOM = [0xef, 0xbb, 0xbf];

/** A zlib error: the stream is not (or no longer) valid gzip. */
function isGzipError(err: NodeJS.ErrnoException): boolean {
  return err.code?.startsWith("Z_") === true || /incorrect header|unexpected end|invalid/i.test(err.message);
}

/**
 * Splits a byte stream into lines. At most maxLineBytes of an unfinished line are buffered: once a
 * line grows past that, the buffered part is dropped and the rest of the line is only counted,
 * until its newline; it is then reported to onLongLine. An error of the stream itself ends the
 * reading: the error is returned in `readError`, and the line it cut (if any) in `partialLine`
 * without being handed over (errors thrown by fn or onLongLine propagate).
 */
export async function splitLines(
  stream: AsyncIterable<Buffer | string>,
  fn: (line: string, lineNo: number) => void,
  onLongLine: (lineNo: number, bytes: number) => void,
  maxLineBytes: number = MAX_LINE_BYTES,
  describeError: (e: Error) => string = (e) => e.message,
): Promise<LinesRead> {
  if (!(Number.isInteger(maxLineBytes) && maxLineBytes > 0)) throw new Error(`maxLineBytes must be a positive integer, got ${maxLineBytes}`);
  let lineNo = 0;
  let bytes = 0;
  /** The unfinished line: its buffered parts (none while skipping), its length so far and last byte. */
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let pendingLast = -1;
  let skipping = false;
  const emit = (buf: Buffer, start: number, end: number) => {
    lineNo++;
    if (end > start && buf[end - 1] === CR) end--;
    if (lineNo === 1 && end - start >= 3 && buf[start] === BOM[0] && buf[start + 1] === BOM[1] && buf[start + 2] === BOM[2]) start += 3;
    fn(buf.toString("utf8", start, end), lineNo);
  };
  /** Ends the unfinished line (possibly empty) with `tail`, the bytes of the current chunk before its newline. */
  const finishPending = (tail: Buffer) => {
    const total = pendingBytes + tail.length;
    const last = tail.length > 0 ? tail[tail.length - 1] : pendingLast;
    // A CRLF line ending is not part of the line.
    const length = last === CR ? total - 1 : total;
    if (length > maxLineBytes) {
      lineNo++;
      onLongLine(lineNo, length);
    } else if (pending.length === 0) {
      emit(tail, 0, tail.length);
    } else {
      const joined = Buffer.concat([...pending, tail]);
      emit(joined, 0, joined.length);
    }
    pending = [];
    pendingBytes = 0;
    pendingLast = -1;
    skipping = false;
  };
  const addPending = (part: Buffer) => {
    pendingBytes += part.length;
    pendingLast = part[part.length - 1];
    if (skipping) return;
    // One byte of slack for the CR of a CRLF ending; past that the line is too long whatever follows.
    if (pendingBytes > maxLineBytes + 1) {
      pending = [];
      skipping = true;
      return;
    }
    // Copy small tails so that a few bytes of a 1 MiB read chunk do not keep all of it alive.
    pending.push(part.length < 4096 ? Buffer.from(part) : part);
  };

  const it = stream[Symbol.asyncIterator]();
  let readError: string | undefined;
  let done = false;
  try {
    for (;;) {
      let next: IteratorResult<Buffer | string>;
      try {
        next = await it.next();
      } catch (e) {
        readError = describeError(e as Error);
        done = true;
        break;
      }
      if (next.done) {
        done = true;
        break;
      }
      const raw = next.value;
      const chunk = typeof raw === "string" ? Buffer.from(raw) : raw;
      bytes += chunk.length;
      let start = 0;
      let nl = chunk.indexOf(NEWLINE, start);
      if (nl >= 0 && pendingBytes > 0) {
        finishPending(chunk.subarray(0, nl));
        start = nl + 1;
        nl = chunk.indexOf(NEWLINE, start);
      }
      while (nl >= 0) {
        if (nl - start > maxLineBytes) finishPending(chunk.subarray(start, nl));
        else emit(chunk, start, nl);
        start = nl + 1;
        nl = chunk.indexOf(NEWLINE, start);
      }
      if (start < chunk.length) addPending(chunk.subarray(start));
    }
  } finally {
    // fn threw: stop the stream as for-await would.
    if (!done) await it.return?.();
  }
  if (readError !== undefined) {
    return pendingBytes > 0 ? { lines: lineNo, bytes, readError, partialLine: lineNo + 1 } : { lines: lineNo, bytes, readError };
  }
  if (pendingBytes > 0) finishPending(Buffer.alloc(0));
  return { lines: lineNo, bytes };
}

export interface OpenLinesOptions {
  /** The line cap in bytes (default MAX_LINE_BYTES); tests give a small one. */
  maxLineBytes?: number;
}

/** Opens a JSON-lines input; a missing file is a CliError (exit 2). */
export async function openLines(spec: string, io: Io, what = "--events", options: OpenLinesOptions = {}): Promise<LineInput> {
  const maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
  let raw: Readable;
  let size: number | undefined;
  let label: string;
  let bytesRead: () => number;
  if (spec === "-") {
    raw = io.stdin;
    label = "<stdin>";
    // No progress for stdin (its size is unknown); a 'data' listener here would start the flow
    // before the gzip check and lose the first chunk.
    bytesRead = () => 0;
  } else {
    const file = path.resolve(io.cwd, spec);
    let st: fs.Stats;
    try {
      st = fs.statSync(file);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new CliError(`${what}: cannot read ${shownPath(spec, file)}: ${err.code === "ENOENT" ? "no such file" : err.message}`);
    }
    if (st.isDirectory()) throw new CliError(`${what}: ${shownPath(spec, file)} is a directory; give a JSON-lines audit log file`);
    size = st.size;
    label = spec;
    const fsStream = fs.createReadStream(file, { highWaterMark: 1 << 20 });
    raw = fsStream;
    bytesRead = () => fsStream.bytesRead;
  }
  const first = await peek(raw).catch((e: Error) => {
    throw new CliError(`${what}: cannot read ${label}: ${e.message}`);
  });
  const gzip = first !== null && first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b;
  return {
    label,
    size,
    gzip,
    bytesRead,
    maxLineBytes,
    async forEach(fn, onLongLine) {
      if (first === null) return { lines: 0, bytes: 0 };
      let source: AsyncIterable<Buffer | string> = raw;
      if (gzip) {
        const gunzip = zlib.createGunzip({ chunkSize: 1 << 18 });
        raw.on("error", (e) => gunzip.destroy(e));
        raw.pipe(gunzip);
        source = gunzip;
      }
      const describe = (e: Error) => {
        const err = e as NodeJS.ErrnoException;
        if (gzip && isGzipError(err)) return `not valid gzip: ${err.message}`;
        return `read error: ${err.message}`;
      };
      try {
        return await splitLines(source, fn, onLongLine, maxLineBytes, describe);
      } finally {
        if (raw !== io.stdin) raw.destroy();
      }
    },
  };
}
