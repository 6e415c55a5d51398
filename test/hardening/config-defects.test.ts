/**
 * Regression tests for issue 11, defects 8 and 10 and the kubernetesVersion range (from defect 5):
 * what a policy or a version really does, said as kube-apiserver would.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { parsePolicy, PolicyError, requireSupportedKubernetesVersion } from "../../components/audit-policy";
import { ConfigError, parseStackConfig } from "../../program";
import { cli } from "../cli/support";

const HEAD = "apiVersion: audit.k8s.io/v1\nkind: Policy\n";
const issuesOf = (text: string): string[] => {
  try {
    parsePolicy(text);
  } catch (e) {
    assert.ok(e instanceof PolicyError, String(e));
    return e.issues.map((i) => `${i.path}: ${i.message}`);
  }
  return [];
};

describe("nulls decoded as Go decodes them (defect 10)", () => {
  it("a bare '-' under rules is the zero rule: rules[0].level: Required value", () => {
    assert.deepEqual(issuesOf(`${HEAD}rules:\n-\n`), ["rules[0].level: Required value"]);
  });
  it("a null level is Required value", () => {
    assert.deepEqual(issuesOf(`${HEAD}rules:\n- level: null\n`), ["rules[0].level: Required value"]);
  });
  it("null items in string lists are empty strings, validated as such", () => {
    assert.deepEqual(issuesOf(`${HEAD}rules:\n- level: None\n  omitStages: [~]\n`), [
      'rules[0].omitStages[0]: Invalid value: "": allowed stages are RequestReceived,ResponseStarted,ResponseComplete,Panic',
    ]);
    assert.deepEqual(issuesOf(`${HEAD}rules:\n- level: None\n  nonResourceURLs: [null]\n`), [
      `rules[0].nonResourceURLs[0]: Invalid value: "": non-resource URL rules must begin with a '/' character`,
    ]);
    assert.deepEqual(parsePolicy(`${HEAD}rules:\n- level: None\n  users: [~]\n`).rules[0].users, [""]);
  });
  it("null resources entries, groups and pointers are zero values", () => {
    assert.deepEqual(parsePolicy(`${HEAD}rules:\n- level: None\n  resources:\n  -\n  - group: null\n  omitManagedFields: null\n`).rules, [{ level: "None", resources: [{}, {}] }]);
    assert.deepEqual(parsePolicy(`${HEAD}omitStages: null\nrules:\n- level: None\n`).omitStages, undefined);
  });
});

describe("a policy with only dropped keys (defect 8)", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rancher-audit-dropped-"));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    fs.writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };
  it("render says kube-apiserver loads it with a warning, not that it refuses to start", async () => {
    const policy = `${HEAD}rules:\n- level: Metadata\n  verb: [get]\n`;
    const r = await cli(["render", "rke2", "--policy", file("dropped.yaml", policy)]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /keys kube-apiserver would ignore \(it loads the policy with a warning/);
    assert.doesNotMatch(r.stderr, /refuse to start/);
  });
  it("a policy kube-apiserver refuses still says so", async () => {
    const r = await cli(["render", "rke2", "--policy", file("invalid.yaml", `${HEAD}rules:\n- level: Metadat\n  verb: [get]\n`)]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /not valid; kube-apiserver would refuse to start with it/);
  });
});

describe("kubernetesVersion outside the supported range (defect 5, version part)", () => {
  for (const version of ["v1.10.0+rke2r1", "v9.99.0+rke2r1", "v1.37.0+k3s1", "v1.23.17+rke2r1"]) {
    it(`refuses ${version} naming the supported range`, () => {
      assert.throws(
        () => parseStackConfig({ clusters: [{ name: "a", kubernetesVersion: version }] }, { projectDir: __dirname }),
        (e: unknown) =>
          e instanceof ConfigError && e.key === "clusters[0].kubernetesVersion" && /is outside the supported Kubernetes versions v1\.24 to v1\.36/.test(e.message),
      );
    });
  }
  it("accepts the range's ends", () => {
    assert.equal(requireSupportedKubernetesVersion("v1.24.0+rke2r1").minor, 24);
    assert.equal(requireSupportedKubernetesVersion("1.36").minor, 36);
  });
  it("check --kubernetes-version refuses it with exit 2", async () => {
    const r = await cli(["check", "preset:recommended", "--kubernetes-version", "v9.99.0+rke2r1"]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--kubernetes-version: "v9\.99\.0\+rke2r1" is outside the supported Kubernetes versions/);
  });
  for (const target of ["rke2", "rke1"]) {
    it(`render ${target} --kubernetes-version refuses it with exit 2 and writes nothing`, async () => {
      const r = await cli(["render", target, "--preset", "cis", "--kubernetes-version", "v1.10.0+rke2r1"]);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr.trim(), '--kubernetes-version: "v1.10.0+rke2r1" is outside the supported Kubernetes versions v1.24 to v1.36; give the cluster\'s real version (e.g. "v1.31.5+rke2r1")');
      assert.equal(r.stdout, "");
    });
  }
});

describe("CLI numbers (defect 11)", () => {
  it("--max-size past 2^53 is reported as typed, not rounded", async () => {
    const r = await cli(["render", "rke2", "--preset", "cis", "--max-size", "9007199254740993"]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--max-size: must be a whole number of megabytes of at least 1 \(e\.g\. 100\); got "9007199254740993"/);
  });
  it("--max-age -1 gets our message naming the flag, not parseArgs' 'ambiguous'", async () => {
    const r = await cli(["render", "rke2", "--preset", "cis", "--max-age", "-1"]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--max-age: the value "-1" starts with "-", so it reads as an option; write --max-age=-1/);
    assert.doesNotMatch(r.stderr, /ambiguous/);
    const direct = await cli(["render", "rke2", "--preset", "cis", "--max-age=-1"]);
    assert.equal(direct.code, 2, direct.stderr);
    assert.match(direct.stderr, /--max-age: must be a whole number of days of at least 1/);
  });
});
