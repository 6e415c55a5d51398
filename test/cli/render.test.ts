import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { renderRke2Files } from "../../cli/render/rke2";
import { cli, POLICIES, REPO, tmpDir } from "./support";

describe("cli render", () => {
  it("rke2 --preset prints the policy file and the drop-in, byte for byte what the renderer returns", async () => {
    const r = await cli(["render", "rke2", "--preset", "recommended"]);
    assert.equal(r.code, 0, r.stderr);
    const files = renderRke2Files({ projectDir: REPO, preset: "recommended" });
    for (const f of files) {
      assert.ok(r.stdout.includes(`# ==> ${f.path} (mode 0600) <==\n${f.content.trimEnd()}`), f.path);
    }
  });

  it("rke2 --stack prod --out writes the files at their node paths with mode 0600", async () => {
    const out = tmpDir("render-rke2");
    const r = await cli(["render", "rke2", "--stack", "prod", "--out", out]);
    assert.equal(r.code, 0, r.stderr);
    const expected = renderRke2Files({ projectDir: REPO, stack: "prod" });
    for (const f of expected) {
      const file = path.join(out, f.path);
      assert.equal(fs.readFileSync(file, "utf8"), f.content);
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    }
  });

  it("rke1 --policy with retention flags writes both snippets", async () => {
    const out = tmpDir("render-rke1");
    const r = await cli(["render", "rke1", "--policy", path.join(POLICIES, "rke1-default.yaml"), "--max-age", "90", "--out", out]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(fs.readdirSync(out).sort(), ["cluster-audit.yml", "rancher-cluster-audit.yaml"]);
    assert.match(fs.readFileSync(path.join(out, "cluster-audit.yml"), "utf8"), /max_age: 90/);
  });

  it("a bad flag value exits 2 naming the flag; two policy sources exit 2", async () => {
    const bad = await cli(["render", "rke2", "--preset", "cis", "--max-age", "x"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--max-age: must be a whole number/);
    const two = await cli(["render", "rke2", "--preset", "cis", "--stack", "dev"]);
    assert.equal(two.code, 2);
    assert.match(two.stderr, /give exactly one policy source/);
    assert.equal((await cli(["render", "rke3", "--preset", "cis"])).code, 2);
  });

  it("an unsafe policy exits 1: refused, or rendered with --allow-unsafe-policy", async () => {
    const unsafe = path.join(POLICIES, "k8s-website-example.yaml");
    const refused = await cli(["render", "rke1", "--policy", unsafe]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /the audit policy is unsafe: \[secret-bodies\]/);
    const allowed = await cli(["render", "rke1", "--policy", unsafe, "--allow-unsafe-policy"]);
    assert.equal(allowed.code, 1);
    assert.match(allowed.stdout, /cluster-audit\.yml/);
  });
});
