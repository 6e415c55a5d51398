/**
 * Streaming JSON-lines input for replay and explain --events: a file, `-` for stdin, gzip
 * detected by its magic bytes (so `.gz` files and gzipped stdin both work). Lines are split on the
 * raw bytes and handed over one at a time, so memory stays flat however big the input is.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Readable } from "node:stream";
import * as zlib from "node:zlib";
import { CliError } from "./args";
import type { Io } from "./io";

export interface LineInput {
  label: string;
  /** Size of the file on disk (compressed size for .gz); undefined for stdin. */
  size?: number;
  /** Bytes read from the file so far (compressed bytes for .gz), for the progress bar; 0 for stdin. */
  bytesRead(): number;
  gzip: boolean;
  /** Calls fn for each line (without its newline; CRLF handled), 1-based line numbers. */
  forEach(fn: (line: string, lineNo: number) => void): Promise<{ lines: number; bytes: number }>;
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

async function splitLines(stream: AsyncIterable<Buffer | string>, fn: (line: string, lineNo: number) => void): Promise<{ lines: number; bytes: number }> {
  let lineNo = 0;
  let bytes = 0;
  let pending: Buffer[] = [];
  const emit = (buf: Buffer, start: number, end: number) => {
    if (end > start && buf[end - 1] === 0x0d) end--;
    lineNo++;
    fn(buf.toString("utf8", start, end), lineNo);
  };
  for await (const raw of stream) {
    const chunk = typeof raw === "string" ? Buffer.from(raw) : raw;
    bytes += chunk.length;
    let start = 0;
    let nl = chunk.indexOf(NEWLINE, start);
    if (nl >= 0 && pending.length > 0) {
      pending.push(chunk.subarray(0, nl));
      const joined = Buffer.concat(pending);
      pending = [];
      emit(joined, 0, joined.length);
      start = nl + 1;
      nl = chunk.indexOf(NEWLINE, start);
    }
    while (nl >= 0) {
      emit(chunk, start, nl);
      start = nl + 1;
      nl = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  }
  if (pending.length > 0) {
    const joined = Buffer.concat(pending);
    if (joined.length > 0) emit(joined, 0, joined.length);
  }
  return { lines: lineNo, bytes };
}

/** Opens a JSON-lines input; a missing file is a CliError (exit 2). */
export async function openLines(spec: string, io: Io, what = "--events"): Promise<LineInput> {
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
      throw new CliError(`${what}: cannot read ${spec}: ${err.code === "ENOENT" ? "no such file" : err.message}`);
    }
    if (st.isDirectory()) throw new CliError(`${what}: ${spec} is a directory; give a JSON-lines audit log file`);
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
    async forEach(fn) {
      if (first === null) return { lines: 0, bytes: 0 };
      let source: AsyncIterable<Buffer | string> = raw;
      if (gzip) {
        const gunzip = zlib.createGunzip({ chunkSize: 1 << 18 });
        raw.on("error", (e) => gunzip.destroy(e));
        raw.pipe(gunzip);
        source = gunzip;
      }
      try {
        return await splitLines(source, fn);
      } catch (e) {
        if (e instanceof CliError) throw e;
        const err = e as NodeJS.ErrnoException;
        if (err.code?.startsWith("Z_") || /incorrect header|unexpected end|invalid/i.test(err.message)) {
          throw new CliError(`${what}: ${label} is not valid gzip: ${err.message}`);
        }
        throw e;
      } finally {
        if (raw !== io.stdin) raw.destroy();
      }
    },
  };
}
