import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { PRESET_NAMES } from "../../components/audit-policy";
import { cli, POLICIES, tmpDir } from "./support";

describe("cli check", () => {
  for (const name of PRESET_NAMES) {
    it(`preset:${name} is clean (exit 0)`, async () => {
      const r = await cli(["check", `preset:${name}`]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, new RegExp(`preset:${name}: ok`));
    });
  }

  it("every preset at once, as JSON lines", async () => {
    const r = await cli(["check", ...PRESET_NAMES.map((n) => `preset:${n}`), "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { file: string; valid: boolean; issues: unknown[]; findings: { severity: string }[] });
    assert.deepEqual(lines.map((l) => l.file), PRESET_NAMES.map((n) => `preset:${n}`));
    for (const l of lines) {
      assert.equal(l.valid, true);
      assert.deepEqual(l.issues, []);
      assert.ok(l.findings.every((f) => f.severity !== "error"));
    }
  });

  it("an unsafe policy (ConfigMap bodies at Request) exits 1 with a located secret-bodies finding", async () => {
    const file = path.join(POLICIES, "k8s-website-example.yaml");
    const r = await cli(["check", file]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /k8s-website-example\.yaml:\d+:\d+: error \[secret-bodies\] rules\[\d+\]/);
  });

  it("an unknown key kube-apiserver would drop is an error finding with line and column (exit 1)", async () => {
    const r = await cli(["check", path.join(POLICIES, "openshift-writerequestbodies.yaml"), "--json"]);
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout) as { valid: boolean; findings: { id: string; severity: string; path: string; line?: number; column?: number }[] };
    assert.equal(out.valid, true);
    const unknown = out.findings.find((f) => f.id === "never-matches" && f.path === "rules[2].resources[4].resource");
    assert.ok(unknown, JSON.stringify(out.findings));
    assert.equal(unknown.severity, "error");
    assert.equal(unknown.path, "rules[2].resources[4].resource");
    assert.equal(unknown.line, 50);
    assert.equal(unknown.column, 5);
  });

  it("a broken file exits 2 and shows file:line:column", async () => {
    const dir = tmpDir("check");
    const file = path.join(dir, "broken.yaml");
    fs.writeFileSync(file, "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: Metadata\n    verbs: get\n");
    const r = await cli(["check", file]);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stdout, /broken\.yaml:5:5: rules\[0\]\.verbs: must be a list of strings/);
  });

  it("a YAML syntax error exits 2 with its position", async () => {
    const dir = tmpDir("check");
    const file = path.join(dir, "syntax.yaml");
    fs.writeFileSync(file, "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [\n  - level: Metadata\n");
    const r = await cli(["check", file, "--json"]);
    assert.equal(r.code, 2);
    const out = JSON.parse(r.stdout) as { valid: boolean; issues: { line?: number; column?: number; message: string }[] };
    assert.equal(out.valid, false);
    assert.ok(out.issues.length > 0);
    assert.ok(out.issues.every((i) => typeof i.line === "number" && typeof i.column === "number"), JSON.stringify(out.issues));
    assert.match(out.issues[0].message, /YAML syntax error/);
  });

  it("what kube-apiserver refuses (an unknown level) exits 2 with its validation message and location", async () => {
    const dir = tmpDir("check");
    const file = path.join(dir, "level.yaml");
    fs.writeFileSync(file, "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Everything\n");
    const r = await cli(["check", file]);
    assert.equal(r.code, 2);
    assert.match(r.stdout, /level\.yaml:4:3: rules\[0\]\.level: Unsupported value: "Everything"/);
  });

  it("a removed apiVersion is unusable (exit 2)", async () => {
    const r = await cli(["check", path.join(POLICIES, "invalid-gce-historical-v1beta1.yaml")]);
    assert.equal(r.code, 2);
    assert.match(r.stdout, /apiVersion: audit\.k8s\.io\/v1beta1 was removed/);
  });

  it("group \"*\" is refused for Kubernetes 1.31 but accepted for 1.36", async () => {
    const dir = tmpDir("check");
    const file = path.join(dir, "wild.yaml");
    fs.writeFileSync(file, 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n  resources:\n  - group: "*"\n');
    assert.equal((await cli(["check", file, "--kubernetes-version", "v1.31.5+rke2r1"])).code, 2);
    assert.notEqual((await cli(["check", file, "--kubernetes-version", "v1.36.0+rke2r1"])).code, 2);
  });

  it("a missing file, an unknown preset and a bad --kubernetes-version are usage errors (exit 2)", async () => {
    const missing = await cli(["check", "no-such-policy.yaml"]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read policy no-such-policy\.yaml \(\/\S+\/no-such-policy\.yaml\): no such file/);
    const preset = await cli(["check", "preset:nope"]);
    assert.equal(preset.code, 2);
    assert.match(preset.stderr, /unknown preset "nope"; the presets are: metadata, basic, detailed, cis, recommended/);
    const version = await cli(["check", "preset:cis", "--kubernetes-version", "latest"]);
    assert.equal(version.code, 2);
    assert.match(version.stderr, /--kubernetes-version: "latest" is not a Kubernetes version/);
  });

  it("reads the policy from stdin with -", async () => {
    const r = await cli(["check", "-"], { stdin: "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n" });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /<stdin>: ok/);
  });
});
