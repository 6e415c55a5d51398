/**
 * The CLI render target `render rke1`: the two YAML snippets, RKE1's defaults when a stack does not
 * set a log path, and refusals named after the flag or the stack key.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";

import { renderRke1AuditLog } from "../../components/rke1";
import { renderRke1Files } from "../../cli/render/rke1";
import type { RenderCliOptions } from "../../cli/render/input";
import { makeProject, throwsNamed } from "../rke2/project-fixture";

describe("render rke1 (CLI target)", () => {
  let dir = "";
  before(() => {
    dir = makeProject();
  });
  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  const opts = (o: Omit<RenderCliOptions, "projectDir">): RenderCliOptions => ({ projectDir: dir, ...o });

  it("--preset: cluster-audit.yml and rancher-cluster-audit.yaml, the renderer's bytes", () => {
    const r = renderRke1AuditLog({ preset: "cis" });
    assert.deepEqual(renderRke1Files(opts({ preset: "cis" })), [
      { path: "cluster-audit.yml", content: r.clusterYml, mode: 0o600 },
      { path: "rancher-cluster-audit.yaml", content: r.rancherClusterYaml, mode: 0o600 },
    ]);
  });

  it("--stack without a log path: RKE1's default path; the stack's policy path does not apply to RKE1", () => {
    const [clusterYml] = renderRke1Files(opts({ stack: "defaults" }));
    assert.equal(clusterYml.content, renderRke1AuditLog().clusterYml);
  });

  it("--stack whose log path RKE1 does not mount: refused, naming the stack key and the override", () => {
    throwsNamed(
      () => renderRke1Files(opts({ stack: "prod" })),
      "rancher-audit:logPath in stacks/Pulumi.prod.yaml (override it with --log-path)",
      /^"\/var\/lib\/rancher\/\{distro\}\/server\/logs\/prod-audit\.log" is outside \/var\/log\/kube-audit, the only host directory RKE mounts/,
    );
    const [clusterYml] = renderRke1Files(opts({ stack: "prod", logPath: "/var/log/kube-audit/prod.json" }));
    assert.equal(clusterYml.content, renderRke1AuditLog({ preset: "cis", logPath: "/var/log/kube-audit/prod.json", maxAge: 45, maxBackup: 12, maxSize: 150 }).clusterYml);
  });

  it("errors name the flag", () => {
    throwsNamed(() => renderRke1Files(opts({ preset: "cis", logPath: "/var/log/audit.json" })), "--log-path", /is outside \/var\/log\/kube-audit/);
    throwsNamed(() => renderRke1Files(opts({ preset: "cis", policyPath: "/etc/kubernetes/p.yaml" })), "--policy-path", /^does not apply to RKE1: RKE always writes the policy to \/etc\/kubernetes\/audit-policy\.yaml; remove --policy-path$/);
    throwsNamed(() => renderRke1Files(opts({ policyFile: "policies/unsafe.yaml" })), "--policy policies/unsafe.yaml", /pass --allow-unsafe-policy to deploy it anyway/);
    throwsNamed(() => renderRke1Files(opts({ preset: "cis", maxBackup: "-1" })), "--max-backup", /whole number of files/);
  });
});
