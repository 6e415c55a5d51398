import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { describeLineCap, MAX_LINE_BYTES, openLines, splitLines, type LinesRead } from "../../cli/lines";
import { testIo, tmpDir } from "./support";

interface Split {
  lines: [number, string][];
  long: [number, number][];
  read: LinesRead;
}

/** Splits the chunks with a small cap; each chunk is one read of the stream. */
async function split(chunks: (string | Buffer)[], cap: number, failAfter?: Error): Promise<Split> {
  async function* source(): AsyncGenerator<Buffer> {
    for (const c of chunks) yield Buffer.from(c);
    if (failAfter) throw failAfter;
  }
  const lines: [number, string][] = [];
  const long: [number, number][] = [];
  const read = await splitLines(
    source(),
    (line, n) => lines.push([n, line]),
    (n, bytes) => long.push([n, bytes]),
    cap,
  );
  return { lines, long, read };
}

describe("cli line reader", () => {
  it("the default line cap is 64 MiB", () => {
    assert.equal(MAX_LINE_BYTES, 64 * 1024 * 1024);
    assert.equal(describeLineCap(MAX_LINE_BYTES), "64 MiB");
    assert.equal(describeLineCap(4096), "4 KiB");
    assert.equal(describeLineCap(100), "100 bytes");
  });

  it("a line of exactly the cap is handed over; one byte more is reported as too long, with its length", async () => {
    const r = await split([`${"a".repeat(16)}\n${"b".repeat(17)}\n${"c".repeat(16)}\r\nok`], 16);
    assert.deepEqual(r.lines, [
      [1, "a".repeat(16)],
      [3, "c".repeat(16)],
      [4, "ok"],
    ]);
    assert.deepEqual(r.long, [[2, 17]]);
    assert.deepEqual(r.read, { lines: 4, bytes: 16 + 1 + 17 + 1 + 16 + 2 + 2 });
  });

  it("a long line spread over many reads is skipped up to its newline and the next lines are intact", async () => {
    // 200 reads of 100 bytes with no newline: 20,000 bytes of one line against a cap of 64.
    const chunks = ["first\nstart-", ...Array.from({ length: 200 }, () => "x".repeat(100)), "-end\r\nsecond\n", "thi", "rd"];
    const r = await split(chunks, 64);
    assert.deepEqual(r.lines, [
      [1, "first"],
      [3, "second"],
      [4, "third"],
    ]);
    assert.deepEqual(r.long, [[2, "start-".length + 20_000 + "-end".length]]);
    assert.equal(r.read.lines, 4);
  });

  it("a long line at the end of the input without a newline is reported too", async () => {
    const r = await split(["ok\n", "y".repeat(50), "y".repeat(50)], 64);
    assert.deepEqual(r.lines, [[1, "ok"]]);
    assert.deepEqual(r.long, [[2, 100]]);
  });

  it("a line that joins two reads is handed over whole (CRLF too)", async () => {
    const r = await split(['{"a":', '1}\r', "\n", '{"b":2}'], 64);
    assert.deepEqual(r.lines, [
      [1, '{"a":1}'],
      [2, '{"b":2}'],
    ]);
    assert.deepEqual(r.long, []);
  });

  it("removes a UTF-8 byte order mark at the start of the input only, even split over two reads", async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const r = await split([bom.subarray(0, 1), Buffer.concat([bom.subarray(1), Buffer.from('{"a":1}\n')]), Buffer.concat([bom, Buffer.from("x\n")])], 64);
    assert.deepEqual(r.lines, [
      [1, '{"a":1}'],
      [2, "\ufeffx"],
    ]);
  });

  it("a read error ends the input: the lines before are handed over, the cut line is named, nothing is thrown", async () => {
    const r = await split(["one\ntwo\nthr"], 64, new Error("unexpected end of file"));
    assert.deepEqual(r.lines, [
      [1, "one"],
      [2, "two"],
    ]);
    assert.deepEqual(r.read, { lines: 2, bytes: 11, readError: "unexpected end of file", partialLine: 3 });
    const atNewline = await split(["one\n"], 64, new Error("boom"));
    assert.deepEqual(atNewline.read, { lines: 1, bytes: 4, readError: "boom" });
  });

  it("an error thrown by the line callback is not taken for a read error", async () => {
    async function* source(): AsyncGenerator<Buffer> {
      yield Buffer.from("a\nb\n");
    }
    await assert.rejects(
      splitLines(
        source(),
        () => {
          throw new Error("bug");
        },
        () => undefined,
        64,
      ),
      /bug/,
    );
  });

  it("openLines takes the cap as a parameter and applies it to files and .gz files", async () => {
    const dir = tmpDir("lines");
    const text = `short\n${"z".repeat(5000)}\nafter\n`;
    fs.writeFileSync(path.join(dir, "a.jsonl"), text);
    fs.writeFileSync(path.join(dir, "a.jsonl.gz"), zlib.gzipSync(text));
    for (const f of ["a.jsonl", "a.jsonl.gz"]) {
      const input = await openLines(f, testIo({ cwd: dir }), "--events", { maxLineBytes: 1024 });
      assert.equal(input.maxLineBytes, 1024);
      const lines: string[] = [];
      const long: [number, number][] = [];
      const read = await input.forEach(
        (l) => lines.push(l),
        (n, b) => long.push([n, b]),
      );
      assert.deepEqual(lines, ["short", "after"], f);
      assert.deepEqual(long, [[2, 5000]], f);
      assert.deepEqual(read, { lines: 3, bytes: text.length }, f);
    }
    assert.equal((await openLines(path.join(dir, "a.jsonl"), testIo())).maxLineBytes, MAX_LINE_BYTES);
  });

  it("a truncated .gz gives the lines before the cut and a gzip read error", async () => {
    const dir = tmpDir("lines");
    const text = Array.from({ length: 2000 }, (_, i) => `{"line":${i},"pad":"${"p".repeat(i % 50)}${i * 7919}"}`).join("\n");
    const gz = zlib.gzipSync(text);
    fs.writeFileSync(path.join(dir, "cut.gz"), gz.subarray(0, Math.floor(gz.length / 2)));
    const input = await openLines("cut.gz", testIo({ cwd: dir }));
    const lines: string[] = [];
    const read = await input.forEach(
      (l) => lines.push(l),
      () => assert.fail("no long line"),
    );
    assert.ok(lines.length > 0 && lines.length < 2000);
    assert.equal(read.lines, lines.length);
    lines.forEach((l, i) => assert.equal((JSON.parse(l) as { line: number }).line, i));
    assert.match(read.readError ?? "", /^not valid gzip: unexpected end of file/);
    assert.equal(read.partialLine, lines.length + 1);
  });
});
