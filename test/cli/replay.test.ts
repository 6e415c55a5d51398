import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { getPreset } from "../../components/audit-policy";
import { openLines } from "../../cli/lines";
import { compileForReplay, replay } from "../../cli/replay/engine";
import { cli, EVENTS, lineCount, POLICIES, testIo, tmpDir } from "./support";

interface Report {
  input: {
    lines: number;
    events: number;
    requests: number;
    malformed: { count: number; lines: number[]; messages: string[] };
    gzip: boolean;
    readError: string | null;
    partialLine: number | null;
  };
  policies: {
    label: string;
    requests: number;
    levels: Record<string, number>;
    loggedBytes: number;
    loggedEvents: number;
    leaks: Record<string, { count: number; lines: number[] }>;
    detections: { id: string; seen: number; kept: number }[];
  }[];
  changes?: { class: string; from: string; to: string; requests: number; bytesBefore: number; bytesAfter: number }[];
}

async function replayJson(args: string[], stdin?: Buffer): Promise<{ code: number; report: Report; stderr: string }> {
  const r = await cli(["replay", ...args, "--json"], { stdin });
  return { code: r.code, report: JSON.parse(r.stdout) as Report, stderr: r.stderr };
}

const FILES = ["falco-k8s-audit-traces.jsonl", "audit2rbac-demo-v1.jsonl", "audit2rbac-demo-2017-responsecomplete.jsonl"];

describe("cli replay", () => {
  for (const f of FILES) {
    it(`${f}: every line is one request, counted once per level`, async () => {
      const file = path.join(EVENTS, f);
      const { code, report } = await replayJson(["--events", file, "preset:recommended"]);
      assert.equal(code, 0);
      const n = lineCount(file);
      assert.equal(report.input.lines, n);
      assert.equal(report.input.events, n);
      assert.equal(report.input.requests, n);
      assert.equal(report.input.malformed.count, 0);
      const p = report.policies[0];
      assert.equal(p.requests, n);
      assert.equal(Object.values(p.levels).reduce((a, b) => a + b, 0), n);
      assert.ok(p.loggedBytes > 0);
    });
  }

  it("reports a malformed line with its line number and goes on", async () => {
    const dir = tmpDir("replay");
    const lines = fs.readFileSync(path.join(EVENTS, "audit2rbac-demo-v1.jsonl"), "utf8").trim().split("\n");
    const mixed = [...lines.slice(0, 3), '{"kind": "Event", "verb": ', "", "[1,2]", ...lines.slice(3)];
    const file = path.join(dir, "mixed.jsonl");
    fs.writeFileSync(file, `${mixed.join("\n")}\n`);
    const { code, report } = await replayJson(["--events", file, "preset:metadata"]);
    assert.equal(code, 0);
    assert.equal(report.input.malformed.count, 2);
    assert.deepEqual(report.input.malformed.lines, [4, 6]);
    assert.match(report.input.malformed.messages[0], /^line 4: not JSON/);
    assert.equal(report.input.requests, lines.length);
    const human = await cli(["replay", "--events", file, "preset:metadata"]);
    assert.match(human.stdout, /2 malformed line\(s\) skipped/);
    assert.match(human.stdout, /mixed\.jsonl:4: not JSON/);
  });

  it("reads .gz files and gzipped stdin", async () => {
    const dir = tmpDir("replay");
    const src = path.join(EVENTS, "falco-k8s-audit-traces.jsonl");
    const gz = path.join(dir, "audit.log.gz");
    fs.writeFileSync(gz, zlib.gzipSync(fs.readFileSync(src)));
    const plain = await replayJson(["--events", src, "preset:cis"]);
    const fromFile = await replayJson(["--events", gz, "preset:cis"]);
    assert.equal(fromFile.report.input.gzip, true);
    assert.deepEqual(fromFile.report.policies, plain.report.policies);
    const fromStdin = await replayJson(["--events", "-", "preset:cis"], zlib.gzipSync(fs.readFileSync(src)));
    assert.deepEqual(fromStdin.report.policies, plain.report.policies);
  });

  it("folds earlier-stage lines of a request into its final line", async () => {
    const dir = tmpDir("replay");
    const line = JSON.parse(fs.readFileSync(path.join(EVENTS, "audit2rbac-demo-v1.jsonl"), "utf8").split("\n")[0]) as Record<string, unknown>;
    const received: Record<string, unknown> = { ...line, stage: "RequestReceived" };
    delete received.responseStatus;
    const file = path.join(dir, "stages.jsonl");
    fs.writeFileSync(file, `${JSON.stringify(received)}\n${JSON.stringify(line)}\n`);
    const { report } = await replayJson(["--events", file, "preset:metadata"]);
    assert.equal(report.input.lines, 2);
    assert.equal(report.input.requests, 1);
    assert.equal(report.policies[0].loggedEvents, 1); // the metadata preset omits RequestReceived
  });

  it("compares two policies: level changes, largest byte change first", async () => {
    const file = path.join(EVENTS, "falco-k8s-audit-traces.jsonl");
    const { report } = await replayJson(["--events", file, "preset:recommended", path.join(POLICIES, "kubespray-default.yaml")]);
    assert.equal(report.policies.length, 2);
    const changes = report.changes!;
    assert.ok(changes.length > 0);
    const delta = (c: { bytesBefore: number; bytesAfter: number }) => Math.abs(c.bytesAfter - c.bytesBefore);
    for (let i = 1; i < changes.length; i++) assert.ok(delta(changes[i - 1]) >= delta(changes[i]));
    for (const c of changes) assert.notEqual(c.from, c.to);
    const human = await cli(["replay", "--events", file, "preset:recommended", path.join(POLICIES, "kubespray-default.yaml")]);
    assert.match(human.stdout, /Level changes preset:recommended → .*kubespray-default\.yaml, largest byte change first/);
  });

  it("counts detection classes in the log and what each policy keeps of them", async () => {
    const file = path.join(EVENTS, "falco-k8s-audit-traces.jsonl");
    const { report } = await replayJson(["--events", file, "preset:recommended", "preset:metadata"]);
    const [rec, meta] = report.policies;
    const exec = rec.detections.find((d) => d.id === "exec-attach")!;
    assert.equal(exec.seen, 2);
    assert.equal(exec.kept, 2);
    // Metadata cannot keep a detection that needs the request body.
    const privileged = meta.detections.find((d) => d.id === "privileged-pod")!;
    assert.ok(privileged.seen > 0);
    assert.equal(privileged.kept, 0);
  });

  it("exits 1 when a policy would log Secret bodies for requests in the log", async () => {
    const dir = tmpDir("replay");
    const policy = path.join(dir, "everything.yaml");
    fs.writeFileSync(policy, "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: RequestResponse\n");
    const file = path.join(EVENTS, "falco-k8s-audit-traces.jsonl");
    const { code, report } = await replayJson(["--events", file, policy]);
    assert.equal(code, 1);
    assert.ok(report.policies[0].leaks.secrets.count > 0);
    assert.ok(report.policies[0].leaks.configmaps.count > 0);
    const safe = await replayJson(["--events", file, "preset:recommended"]);
    assert.equal(safe.code, 0);
    assert.equal(Object.values(safe.report.policies[0].leaks).reduce((n, l) => n + l.count, 0), 0);
  });

  it("a line longer than the line cap is counted as malformed with its line number; the rest is replayed", async () => {
    const dir = tmpDir("replay");
    const lines = fs.readFileSync(path.join(EVENTS, "audit2rbac-demo-v1.jsonl"), "utf8").trim().split("\n");
    // A huge line (an event with a giant body, or garbage) between real events; the cap is made small.
    const huge = `{"verb":"get","x":"${"a".repeat(20_000)}"}`;
    const text = `${[...lines.slice(0, 3), huge, ...lines.slice(3)].join("\n")}\n`;
    const file = path.join(dir, "long.jsonl");
    fs.writeFileSync(file, text);
    fs.writeFileSync(`${file}.gz`, zlib.gzipSync(text));
    for (const f of [file, `${file}.gz`]) {
      const input = await openLines(f, testIo(), "--events", { maxLineBytes: 4096 });
      const r = await replay(input, [compileForReplay("preset:metadata", getPreset("metadata"), {})]);
      assert.equal(r.input.lines, lines.length + 1);
      assert.equal(r.input.malformed.count, 1);
      assert.deepEqual(r.input.malformed.lines, [4]);
      assert.deepEqual(r.input.malformed.messages, [`line 4: longer than 4 KiB (${huge.length.toLocaleString("en-US")} bytes), skipped`]);
      assert.equal(r.input.requests, lines.length);
      assert.equal(r.input.readError, null);
    }
  });

  it("a truncated .gz: the report of what was read, a warning naming the cut line, exit 2", async () => {
    const dir = tmpDir("replay");
    const src = fs.readFileSync(path.join(EVENTS, "audit2rbac-demo-2017-responsecomplete.jsonl"));
    const gz = zlib.gzipSync(src);
    const file = path.join(dir, "cut.jsonl.gz");
    fs.writeFileSync(file, gz.subarray(0, Math.floor(gz.length / 2)));
    const { code, report, stderr } = await replayJson(["--events", file, "preset:metadata"]);
    assert.equal(code, 2);
    assert.equal(report.input.gzip, true);
    assert.match(report.input.readError ?? "", /^not valid gzip: unexpected end of file/);
    const read = report.input.lines;
    assert.ok(read > 0 && read < lineCount(path.join(EVENTS, "audit2rbac-demo-2017-responsecomplete.jsonl")));
    assert.equal(report.input.partialLine, read + 1);
    // The cut line is not replayed (it would be a bogus "not JSON" line).
    assert.equal(report.input.malformed.count, 0);
    assert.equal(report.input.requests, read);
    assert.equal(report.policies[0].requests, read);
    assert.match(stderr, new RegExp(`cut\\.jsonl\\.gz ends early \\(not valid gzip: unexpected end of file\\) in line ${read + 1}, which is cut off; the report covers only the ${read} complete line\\(s\\) before`));
    const human = await cli(["replay", "--events", file, "preset:metadata"]);
    assert.equal(human.code, 2);
    assert.match(human.stdout, /^Replayed .*cut\.jsonl\.gz \(gzip\)/);
    assert.match(human.stdout, /the input ends early .* in line \d+, which is cut off: this report covers only the \d+ complete line\(s\) before/);
    assert.match(human.stdout, /requests kept \(logged\)/);
  });

  it("a UTF-8 byte order mark before the first event is not a malformed line", async () => {
    const dir = tmpDir("replay");
    const src = path.join(EVENTS, "audit2rbac-demo-v1.jsonl");
    const file = path.join(dir, "bom.jsonl");
    fs.writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), fs.readFileSync(src)]));
    const { code, report } = await replayJson(["--events", file, "preset:metadata"]);
    assert.equal(code, 0);
    assert.equal(report.input.malformed.count, 0);
    assert.equal(report.input.requests, lineCount(src));
    const plain = await replayJson(["--events", src, "preset:metadata"]);
    assert.deepEqual(report.policies, plain.report.policies);
  });

  it("an input with no audit event at all exits 2 with a message (empty, blank lines only)", async () => {
    const empty = await cli(["replay", "--events", "-", "preset:recommended"], { stdin: "" });
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /replay: <stdin> is empty: no audit event to replay/);
    const blank = await cli(["replay", "--events", "-", "preset:recommended", "--json"], { stdin: "\n \r\n\n" });
    assert.equal(blank.code, 2);
    assert.match(blank.stderr, /replay: <stdin> holds no audit event \(only 3 blank line\(s\)\)/);
    assert.equal((JSON.parse(blank.stdout) as Report).input.events, 0);
  });

  it("usage errors exit 2", async () => {
    assert.equal((await cli(["replay", "preset:cis"])).code, 2);
    assert.equal((await cli(["replay", "--events", "nope.jsonl", "preset:cis"])).code, 2);
    assert.equal((await cli(["replay", "--events", path.join(EVENTS, "audit2rbac-demo-v1.jsonl")])).code, 2);
    const notLog = await cli(["replay", "--events", path.join(POLICIES, "rke1-default.yaml"), "preset:cis"]);
    assert.equal(notLog.code, 2);
    assert.match(notLog.stderr, /no line of .* is an audit event/);
  });
});
