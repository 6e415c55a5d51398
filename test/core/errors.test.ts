/**
 * Errors carry the setting and a structured fix; the program and the CLI name them their way
 * through the settings table, never by rewriting message text.
 */
import * as assert from "node:assert/strict";
import { AuditConfigError, argumentNamer, fixWith, mention, msg } from "../../components/core/errors";
import { resolvePolicy } from "../../components/core/policy";
import { resolveAuditSettings } from "../../components/core/settings";
import { ConfigError, configNamer, parseStackConfig } from "../../program";
import { renameForCli } from "../../cli/render/input";

const CLUSTERS = [{ name: "c1", kubernetesVersion: "v1.31.5+rke2r1" }];

function caught(fn: () => unknown): AuditConfigError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof AuditConfigError, String(e));
    return e;
  }
  assert.fail("expected an error");
}

describe("core: errors name settings per caller", () => {
  it("rancher-audit:logPath: audit.log quotes the value unchanged and suggests a correct absolute path (regression)", () => {
    const e = caught(() => parseStackConfig({ logPath: "audit.log", clusters: CLUSTERS }, { projectDir: __dirname }));
    assert.ok(e instanceof ConfigError);
    assert.equal(e.key, "logPath");
    assert.equal(e.message, 'rancher-audit:logPath: must be an absolute path (start with "/"), e.g. "/var/lib/rancher/rke2/server/logs/audit.log"; got "audit.log"');
  });

  it("a value that looks like an argument name is never rewritten (audit.policy, audit.maxAge)", () => {
    const e = caught(() => parseStackConfig({ policyPath: "audit.policy", logPath: "/var/log/audit.maxAge", clusters: CLUSTERS }, { projectDir: __dirname }));
    assert.match(e.message, /^rancher-audit:policyPath: .*got "audit\.policy"$/);
  });

  it("a fix is structured: the component says audit.<key>, the program rancher-audit:<key>, the CLI the flag", () => {
    const unsafe = { policyYaml: "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: RequestResponse\n" };
    const e = caught(() => resolvePolicy(unsafe));
    assert.deepEqual(e.fix, { setting: "allowUnsafePolicy", value: true });
    assert.equal(e.setting, "policyYaml");
    assert.match(e.detail, /or set audit\.allowUnsafePolicy: true to deploy it anyway$/);
    assert.match(e.renamed("rancher-audit:policyFile", configNamer()).message, /^rancher-audit:policyFile: .*or set rancher-audit:allowUnsafePolicy: true to deploy it anyway$/s);
    const cli = caught(() => renameForCli({ policyYaml: "--policy p.yaml" }, () => resolvePolicy(unsafe, { path: "" })));
    assert.equal(cli.path, "--policy p.yaml");
    assert.match(cli.detail, /or pass --allow-unsafe-policy to deploy it anyway$/);
  });

  it("the setting of an error is its argument's key", () => {
    assert.equal(caught(() => resolveAuditSettings({ maxBackup: 0 }, "rke2")).setting, "maxBackup");
    assert.equal(caught(() => resolveAuditSettings({ maxBackup: 0 }, "rke2", "")).path, "maxBackup");
  });

  it("msg keeps mentions structured and renders them with any namer", () => {
    const parts = msg`use ${mention("maxAge")} or ${fixWith("allowUnsafePolicy", true)}; got ${"audit.log"}`;
    const e = new AuditConfigError("x", parts, { namer: argumentNamer("") });
    assert.equal(e.detail, "use maxAge or set allowUnsafePolicy: true; got audit.log");
    assert.equal(e.renamed("y", configNamer()).message, "y: use rancher-audit:maxAge or set rancher-audit:allowUnsafePolicy: true; got audit.log");
  });
});
