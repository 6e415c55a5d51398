/**
 * A temporary Pulumi project for the render target tests: Pulumi.yaml (stackConfigDir: stacks),
 * stacks/Pulumi.<env>.yaml files and two policy files. Tests never read the repository's stacks.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { AuditConfigError } from "../../components/rancher";

export const UNSAFE = "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: RequestResponse\n";
export const OWN = "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: None\n    users: [\"system:kube-proxy\"]\n  - level: Metadata\n";

const CLUSTERS = "  rancher-audit:clusters:\n    - name: a\n      kubernetesVersion: v1.31.5+rke2r1\n";

/** Creates the project; returns its directory. */
export function makeProject(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "render-targets-"));
  const stack = (name: string, body: string) => fs.writeFileSync(path.join(dir, "stacks", `Pulumi.${name}.yaml`), body);
  fs.mkdirSync(path.join(dir, "stacks"));
  fs.mkdirSync(path.join(dir, "policies"));
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: rancher-audit\nruntime: nodejs\nstackConfigDir: stacks\n");
  fs.writeFileSync(path.join(dir, "policies", "own.yaml"), OWN);
  fs.writeFileSync(path.join(dir, "policies", "unsafe.yaml"), UNSAFE);
  stack(
    "prod",
    [
      "config:",
      "  rancher2:apiUrl: https://rancher.example.com",
      "  rancher-audit:preset: cis",
      "  rancher-audit:policyPath: /etc/rancher/{distro}/audit/prod.yaml",
      "  rancher-audit:logPath: /var/lib/rancher/{distro}/server/logs/prod-audit.log",
      "  rancher-audit:maxAge: 45",
      "  rancher-audit:maxBackup: 12",
      "  rancher-audit:maxSize: 150",
      "  rancher-audit:clusters:",
      "    - name: prod-eu-1",
      "      kubernetesVersion: v1.31.5+rke2r1",
      "",
    ].join("\n"),
  );
  stack("own", `config:\n  rancher-audit:policyFile: policies/own.yaml\n${CLUSTERS}`);
  stack("defaults", `config:\n${CLUSTERS}`);
  stack("off", `config:\n  rancher-audit:enabled: false\n${CLUSTERS}`);
  stack("bad", `config:\n  rancher-audit:maxAge: 0\n${CLUSTERS}`);
  return dir;
}

/** Asserts that fn throws an AuditConfigError named `name` whose detail matches `re`. */
export function throwsNamed(fn: () => unknown, name: string, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof AuditConfigError, `an AuditConfigError, got ${String(e)}`);
    assert.equal(e.path, name);
    assert.match(e.detail, re);
    return true;
  });
}
