/**
 * The CLI render target `render rke2`: CLI-level options in, files out; a stack read through the
 * program's parser; every error named after the flag or the stack key.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import { renderRke2ServerFiles } from "../../components/rke2";
import type { RenderCliOptions } from "../../cli/render/input";
import { CliError } from "../../cli/args";
import { renderRke2Files } from "../../cli/render/rke2";
import { makeProject, OWN, throwsNamed } from "./project-fixture";

describe("render rke2 (CLI target)", () => {
  let dir = "";
  before(() => {
    dir = makeProject();
  });
  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  const opts = (o: Omit<RenderCliOptions, "projectDir">): RenderCliOptions => ({ projectDir: dir, ...o });

  it("--preset: the policy and the drop-in at their node paths, mode 0600, the component's bytes", () => {
    const f = renderRke2ServerFiles({ preset: "cis" });
    assert.deepEqual(renderRke2Files(opts({ preset: "cis" })), [
      { path: "etc/rancher/rke2/audit-policy.yaml", content: f.policyYaml, mode: 0o600 },
      { path: "etc/rancher/rke2/config.yaml.d/50-audit.yaml", content: f.dropInYaml, mode: 0o600 },
    ]);
  });

  it("--policy FILE (relative to cwd) with path and retention flags (numbers as the CLI parses them: strings)", () => {
    const files = renderRke2Files(opts({ policyFile: "own.yaml", cwd: path.join(dir, "policies"), policyPath: "/etc/rancher/rke2/own.yaml", logPath: "/var/log/rke2/audit.log", maxAge: "60", maxBackup: "5", maxSize: 20, format: "legacy" }));
    const f = renderRke2ServerFiles({ policyYaml: OWN, policyPath: "/etc/rancher/rke2/own.yaml", logPath: "/var/log/rke2/audit.log", maxAge: 60, maxBackup: 5, maxSize: 20, format: "legacy" });
    assert.deepEqual(files, [
      { path: "etc/rancher/rke2/own.yaml", content: f.policyYaml, mode: 0o600 },
      { path: "etc/rancher/rke2/config.yaml.d/50-audit.yaml", content: f.dropInYaml, mode: 0o600 },
    ]);
  });

  it("--stack: the stack's preset, paths ({distro} = rke2) and retention; flags override the stack", () => {
    const expected = renderRke2ServerFiles({
      preset: "cis",
      policyPath: "/etc/rancher/rke2/audit/prod.yaml",
      logPath: "/var/lib/rancher/rke2/server/logs/prod-audit.log",
      maxAge: 45,
      maxBackup: 12,
      maxSize: 150,
    });
    const files = renderRke2Files(opts({ stack: "prod" }));
    assert.deepEqual(files.map((x) => x.path), ["etc/rancher/rke2/audit/prod.yaml", "etc/rancher/rke2/config.yaml.d/50-audit.yaml"]);
    assert.equal(files[0].content, expected.policyYaml);
    assert.equal(files[1].content, expected.dropInYaml);
    const overridden = renderRke2Files(opts({ stack: "prod", maxAge: "90" }));
    assert.match(overridden[1].content, /- audit-log-maxage=90\n/);
    assert.match(overridden[1].content, /- audit-log-maxbackup=12\n/);
  });

  it("--stack with a policy file and with nothing but clusters (program defaults = component defaults)", () => {
    assert.equal(renderRke2Files(opts({ stack: "own" }))[0].content, renderRke2ServerFiles({ policyYaml: OWN }).policyYaml);
    assert.deepEqual(renderRke2Files(opts({ stack: "defaults" })).map((x) => x.content), [renderRke2ServerFiles().policyYaml, renderRke2ServerFiles().dropInYaml]);
  });

  it("errors name the flag or the stack key", () => {
    throwsNamed(() => renderRke2Files(opts({})), "--stack", /^give exactly one policy source: --stack ENV \(a stack's settings\), --preset NAME or --policy FILE; got none$/);
    throwsNamed(() => renderRke2Files(opts({ stack: "prod", preset: "cis" })), "--preset", /got --stack and --preset/);
    throwsNamed(() => renderRke2Files(opts({ preset: "all" })), "--preset", /^"all" is not a preset; use one of .*, or give your own policy with --policy FILE$/);
    throwsNamed(() => renderRke2Files(opts({ preset: "cis", logPath: "audit.log" })), "--log-path", /^must be an absolute path/);
    throwsNamed(() => renderRke2Files(opts({ preset: "cis", policyPath: "/etc/rancher/rke2/config.yaml" })), "--policy-path", /rke2 reads that location as its own configuration/);
    throwsNamed(() => renderRke2Files(opts({ preset: "cis", maxAge: "ten" })), "--max-age", /^must be a whole number of days of at least 1 \(e\.g\. 30\); got "ten"$/);
    throwsNamed(() => renderRke2Files(opts({ preset: "cis", maxSize: "0" })), "--max-size", /at least 1/);
    throwsNamed(() => renderRke2Files(opts({ preset: "cis", format: "yaml" })), "--format", /must be one of "json", "legacy"/);
    throwsNamed(() => renderRke2Files(opts({ preset: "cis", kubernetesVersion: "new" })), "--kubernetes-version", /"new" is not a Kubernetes version/);
    throwsNamed(() => renderRke2Files(opts({ policyFile: "missing.yaml" })), "--policy", /^cannot read "missing\.yaml" \(no such file\)/);
    throwsNamed(
      () => renderRke2Files(opts({ policyFile: "policies/unsafe.yaml" })),
      "--policy policies/unsafe.yaml",
      /^the audit policy is unsafe: \[secret-bodies\].*pass --allow-unsafe-policy to deploy it anyway$/s,
    );
    throwsNamed(() => renderRke2Files(opts({ policyFile: "Pulumi.yaml" })), "--policy Pulumi.yaml", /^the audit policy is not valid/);
    // The stack file is read by the CLI's one stack-file reader (the same messages as plan).
    assert.throws(() => renderRke2Files(opts({ stack: "nope" })), (e: unknown) => e instanceof CliError && /^--stack nope: no stack file .*Pulumi\.nope\.yaml; the stacks are: bad, defaults, off, own, prod$/.test(e.message));
    assert.throws(() => renderRke2Files(opts({ stack: "../prod" })), (e: unknown) => e instanceof CliError && /^--stack: "\.\.\/prod" is not a stack name/.test(e.message));
    throwsNamed(() => renderRke2Files(opts({ stack: "bad" })), "--stack", /^stacks\/Pulumi\.bad\.yaml: rancher-audit:maxAge: must be a whole number of at least 1/);
    throwsNamed(() => renderRke2Files(opts({ stack: "off" })), "--stack", /^rancher-audit:enabled in stacks\/Pulumi\.off\.yaml is false: the stack turns audit logging off/);
  });

  it("--allow-unsafe-policy renders an unsafe policy", () => {
    const files = renderRke2Files(opts({ policyFile: "policies/unsafe.yaml", allowUnsafePolicy: true }));
    assert.match(files[0].content, /- level: RequestResponse/);
  });
});
