/**
 * Reading user files (issue 11, defect 1): real paths, not path strings, decide what is inside the
 * project; only regular files are read, and only up to the policy size limit.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { ConfigError, parseStackConfig } from "../../program";
import { isInside, MAX_POLICY_FILE_BYTES, readUserFile, UserFileError } from "../../components/core/user-file";
import { cli } from "../cli/support";

const POLICY = "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: Metadata\n";
const minimal = (policyFile: string) => ({ clusters: [{ name: "a-1", kubernetesVersion: "v1.31.5+rke2r1" }], policyFile });

function refusal(fn: () => unknown): UserFileError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof UserFileError, `expected UserFileError, got ${String(e)}`);
    return e;
  }
  assert.fail("expected a refusal");
}

describe("readUserFile", () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "rancher-audit-userfile-"));
  const project = path.join(base, "project");
  const outside = path.join(base, "outside");
  fs.mkdirSync(project);
  fs.mkdirSync(outside);
  const secret = "root:x:0:0:root:/root:/bin/bash\n".repeat(200);
  fs.writeFileSync(path.join(outside, "passwd"), secret);
  fs.writeFileSync(path.join(project, "policy.yaml"), POLICY);
  fs.writeFileSync(path.join(project, "..x.yaml"), POLICY);
  fs.symlinkSync(path.join(outside, "passwd"), path.join(project, "escape.yaml"));
  fs.symlinkSync("policy.yaml", path.join(project, "alias.yaml"));
  fs.symlinkSync("/dev/zero", path.join(project, "zero.yaml"));
  fs.mkdirSync(path.join(project, "dir.yaml"));
  fs.writeFileSync(path.join(project, "big.yaml"), Buffer.alloc(MAX_POLICY_FILE_BYTES + 1, 0x20));
  after(() => fs.rmSync(base, { recursive: true, force: true }));

  it("reads a file inside the root, also through a symlink that stays inside", () => {
    assert.equal(readUserFile("policy.yaml", path.join(project, "policy.yaml"), { root: project }), POLICY);
    assert.equal(readUserFile("alias.yaml", path.join(project, "alias.yaml"), { root: project }), POLICY);
  });

  it("reads a file whose name starts with '..' (it is inside)", () => {
    assert.equal(readUserFile("..x.yaml", path.join(project, "..x.yaml"), { root: project }), POLICY);
  });

  it("refuses a symlink that leaves the root, without quoting the target's content", () => {
    const e = refusal(() => readUserFile("escape.yaml", path.join(project, "escape.yaml"), { root: project }));
    assert.match(e.reason, /outside the project directory.*symbolic link/);
    assert.doesNotMatch(e.message, /root:x/);
  });

  it("refuses a device (/dev/zero through a symlink) before reading it", () => {
    const e = refusal(() => readUserFile("zero.yaml", path.join(project, "zero.yaml")));
    assert.match(e.reason, /not a regular file/);
  });

  it("refuses a directory, a missing file and a file over the size limit", () => {
    assert.equal(refusal(() => readUserFile("dir.yaml", path.join(project, "dir.yaml"))).reason, "is a directory");
    assert.equal(refusal(() => readUserFile("none.yaml", path.join(project, "none.yaml"))).reason, "no such file");
    assert.match(refusal(() => readUserFile("big.yaml", path.join(project, "big.yaml"))).reason, /1048577 bytes, over the 1048576-byte limit/);
    // One byte under the limit is read.
    assert.equal(readUserFile("big.yaml", path.join(project, "big.yaml"), { maxBytes: MAX_POLICY_FILE_BYTES + 1 }).length, MAX_POLICY_FILE_BYTES + 1);
  });

  it("isInside compares path segments, not string prefixes", () => {
    assert.equal(isInside("/p", "/p"), true);
    assert.equal(isInside("/p", "/p/..x.yaml"), true);
    assert.equal(isInside("/p", "/p/a/b"), true);
    assert.equal(isInside("/p", "/pp/a"), false);
    assert.equal(isInside("/p", "/a"), false);
    assert.equal(isInside("/p/a", "/p"), false);
  });

  describe("stack config policyFile (defect 1)", () => {
    const configError = (file: string): ConfigError => {
      try {
        parseStackConfig(minimal(file), { projectDir: project });
      } catch (e) {
        assert.ok(e instanceof ConfigError, String(e));
        return e;
      }
      assert.fail("expected a ConfigError");
    };

    it("refuses a symlink to a file outside the project and does not quote it", () => {
      const e = configError("escape.yaml");
      assert.match(e.message, /^rancher-audit:policyFile: cannot read "escape.yaml" \(resolves to a file outside the project directory/);
      assert.doesNotMatch(e.message, /root:x/);
    });

    it("refuses a symlink to /dev/zero at once", () => {
      assert.match(configError("zero.yaml").message, /outside the project directory/);
    });

    it("accepts a policy file named ..x.yaml", () => {
      assert.equal(parseStackConfig(minimal("..x.yaml"), { projectDir: project }).policyText, POLICY);
    });
  });

  describe("CLI policy arguments", () => {
    it("check refuses /dev/zero with exit 2 and one line", async () => {
      const r = await cli(["check", path.join(project, "zero.yaml")]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^cannot read policy .*zero\.yaml: is not a regular file/);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    });

    it("check on a non-policy file quotes only a short excerpt of it", async () => {
      const r = await cli(["check", path.join(outside, "passwd")]);
      assert.equal(r.code, 2, r.stderr);
      const output = r.stdout + r.stderr;
      assert.ok(output.length < 600, `output is ${output.length} characters: ${output.slice(0, 300)}`);
      assert.match(output, /got the string "root:x:0:0:root:\/root:\/bin\/bash root:x:0\.\.\." \(6399 characters\)/);
    });

    it("render rke2 --policy refuses a device", async () => {
      const r = await cli(["render", "rke2", "--policy", path.join(project, "zero.yaml")], { cwd: project });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /not a regular file/);
    });
  });
});
