import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { cli, EVENTS, lineCount, POLICIES, tmpDir } from "./support";

interface Report {
  input: { lines: number; events: number; requests: number; malformed: { count: number; lines: number[]; messages: string[] }; gzip: boolean };
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

  it("usage errors exit 2", async () => {
    assert.equal((await cli(["replay", "preset:cis"])).code, 2);
    assert.equal((await cli(["replay", "--events", "nope.jsonl", "preset:cis"])).code, 2);
    assert.equal((await cli(["replay", "--events", path.join(EVENTS, "audit2rbac-demo-v1.jsonl")])).code, 2);
    const notLog = await cli(["replay", "--events", path.join(POLICIES, "rke1-default.yaml"), "preset:cis"]);
    assert.equal(notLog.code, 2);
    assert.match(notLog.stderr, /no line of .* is an audit event/);
  });
});
