/**
 * `render` and `plan` report the policy's findings and the CIS warnings on stderr exactly as
 * `check` prints them (one formatting function), with check's exit-code rules (issue 12, item 1).
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { cli, POLICIES, tmpDir } from "./support";

const LOGS_NOTHING = "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: None\n";

/** check's finding lines for a policy (the indented lines of its human output). */
async function checkLines(spec: string, cwd?: string): Promise<string[]> {
  const r = await cli(["check", spec], { cwd });
  return r.stdout
    .split("\n")
    .filter((l) => l.startsWith("  "))
    .map((l) => l.trim());
}

const lines = (text: string) => text.split("\n").filter((l) => l !== "");

describe("findings and CIS warnings on stderr (render, plan)", () => {
  it("render rke2 --preset metadata --max-age 5 warns below the CIS minimums, exit 0", async () => {
    const r = await cli(["render", "rke2", "--preset", "metadata", "--max-age", "5"]);
    assert.equal(r.code, 0);
    assert.deepEqual(lines(r.stderr), ["warning: maxAge below the CIS minimums (maxAge 30, maxBackup 10, maxSize 100): fine for development, not for a CIS-scanned cluster"]);
    assert.match(r.stdout, /audit-log-maxage=5/);
    const clean = await cli(["render", "rke1", "--preset", "metadata"]);
    assert.equal(clean.code, 0);
    assert.equal(clean.stderr, "");
  });

  it("render of a policy that logs nothing prints check's logs-nothing warning, exit 0 (rke2 and rke1)", async () => {
    const dir = tmpDir("render-none");
    fs.writeFileSync(path.join(dir, "none.yaml"), LOGS_NOTHING);
    const expected = await checkLines("none.yaml", dir);
    assert.equal(expected.length, 1);
    assert.match(expected[0], /^none\.yaml:3:1: warning \[logs-nothing\] rules: /);
    for (const target of ["rke2", "rke1"]) {
      const r = await cli(["render", target, "--policy", "none.yaml"], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(lines(r.stderr), expected);
    }
  });

  it("render --allow-unsafe-policy writes the files, prints the error findings it allowed as check does, exit 1", async () => {
    const unsafe = path.join(POLICIES, "k8s-website-example.yaml");
    const expected = await checkLines(unsafe);
    const errors = expected.filter((l) => l.includes(": error ["));
    assert.ok(errors.length > 0);
    const out = tmpDir("render-unsafe");
    const r = await cli(["render", "rke2", "--policy", unsafe, "--allow-unsafe-policy", "--out", out]);
    assert.equal(r.code, 1);
    const err = lines(r.stderr);
    for (const e of errors) assert.ok(err.includes(e), `missing on stderr: ${e}`);
    assert.match(err[err.length - 1], /^--allow-unsafe-policy: rendered although the policy has \d+ finding\(s\) of severity error/);
    assert.ok(fs.existsSync(path.join(out, "etc/rancher/rke2/audit-policy.yaml")));
    const refused = await cli(["render", "rke2", "--policy", unsafe]);
    assert.equal(refused.code, 1);
    assert.equal(refused.stdout, "");
  });

  it("plan prints the CIS warnings on stderr (once per cluster), stdout unchanged, exit 0", async () => {
    const r = await cli(["plan", "--stack", "staging"]);
    assert.equal(r.code, 0);
    assert.deepEqual(lines(r.stderr), [
      "warning: stg-a: audit.maxAge, audit.maxBackup below the CIS minimums (maxAge 30, maxBackup 10, maxSize 100): fine for development, not for a CIS-scanned cluster",
      "warning: stg-b: audit.maxAge, audit.maxBackup below the CIS minimums (maxAge 30, maxBackup 10, maxSize 100): fine for development, not for a CIS-scanned cluster",
    ]);
    const json = await cli(["plan", "--stack", "staging", "--json"]);
    assert.equal(json.stderr, r.stderr);
    JSON.parse(json.stdout);
  });

  it("plan of a stack whose policy logs nothing prints check's finding line on stderr, exit 0", async () => {
    const project = tmpDir("plan-none");
    fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: rancher-audit\nruntime: nodejs\n");
    fs.writeFileSync(path.join(project, "none.yaml"), LOGS_NOTHING);
    fs.writeFileSync(
      path.join(project, "Pulumi.x.yaml"),
      "config:\n  rancher-audit:policyFile: none.yaml\n  rancher-audit:clusters:\n    - name: a\n      kubernetesVersion: v1.31.5+rke2r1\n",
    );
    const r = await cli(["plan", "--stack", "x", "--project-dir", project]);
    assert.equal(r.code, 0, r.stderr);
    const [finding, ...rest] = lines(r.stderr);
    const fromCheck = (await checkLines("none.yaml", project))[0];
    // plan names the policy by its hash (it may come from a preset or several files); the rest is check's line.
    assert.equal(finding.replace(/^policy [0-9a-f]{10}/, "none.yaml"), fromCheck);
    assert.deepEqual(rest, []);
  });
});
