/**
 * Output files (issue 11, defects 3 and 9): an unusable --out directory is a one-line error with
 * exit 2 (never a stack trace, never a hang), and every file holding a policy or a plan is 0600.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { cli, POLICIES } from "../cli/support";

describe("--out directories and file modes", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rancher-audit-out-"));
  const blocker = path.join(dir, "a-file");
  fs.writeFileSync(blocker, "in the way\n");
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const expectUsageError = (r: { code: number; stdout: string; stderr: string }, re: RegExp) => {
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, re);
    assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
  };

  it("render --out below a file exits 2 naming the flag and the file in the way (defect 3)", async () => {
    const r = await cli(["render", "rke2", "--preset", "cis", "--out", path.join(blocker, "out")]);
    expectUsageError(r, /^--out .*a-file\/out: .*a-file is a file, not a directory; give a writable directory on disk/);
  });

  it("render --out into /proc exits 2 at once instead of hanging (defect 3)", async () => {
    expectUsageError(await cli(["render", "rke2", "--preset", "cis", "--out", "/proc/self/rancher-audit"]), /is under \/proc, a kernel pseudo filesystem/);
  });

  it("render --out onto a directory where a file should go exits 2 and writes nothing (defect 3)", async () => {
    const out = path.join(dir, "half");
    fs.mkdirSync(path.join(out, "etc", "rancher", "rke2", "config.yaml.d", "50-audit.yaml"), { recursive: true });
    expectUsageError(await cli(["render", "rke2", "--preset", "cis", "--out", out]), /50-audit\.yaml exists and is not a regular file/);
    assert.equal(fs.existsSync(path.join(out, "etc", "rancher", "rke2", "audit-policy.yaml")), false);
  });

  it("plan --out below a file exits 2 (defect 3)", async () => {
    expectUsageError(await cli(["plan", "--stack", "dev", "--out", path.join(blocker, "plan")]), /^--out .*a-file is a file, not a directory/);
  });

  it("plan --out writes plan.json and the manifests 0600 (defect 9)", async () => {
    const out = path.join(dir, "plan");
    assert.equal((await cli(["plan", "--stack", "dev", "--out", out])).code, 0);
    const files = fs.readdirSync(out);
    assert.ok(files.includes("plan.json") && files.length > 1, files.join(", "));
    for (const f of files) assert.equal(fs.statSync(path.join(out, f)).mode & 0o777, 0o600, f);
  });

  it("render rke1 --out writes both snippets 0600, also over existing 0644 files (defect 9)", async () => {
    const out = path.join(dir, "rke1");
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, "cluster-audit.yml"), "old\n", { mode: 0o644 });
    const r = await cli(["render", "rke1", "--policy", path.join(POLICIES, "rke1-default.yaml"), "--out", out]);
    assert.equal(r.code, 0, r.stderr);
    for (const f of ["cluster-audit.yml", "rancher-cluster-audit.yaml"]) assert.equal(fs.statSync(path.join(out, f)).mode & 0o777, 0o600, f);
  });
});
