/**
 * renderRke1AuditLog: the services.kube-api.audit_log block for the rke CLI's cluster.yml and for
 * a Rancher-managed RKE1 cluster's YAML. Both parse as YAML and carry the policy exactly as the
 * engine renders it; RKE1's fixed policy path, mounted log folder and defaults are enforced.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseDocument } from "yaml";

import { canonicalPolicyObject, composePolicy, parsePolicy, policyFromObject, renderPolicy } from "../../components/audit-policy";
import { AuditConfigError } from "../../components/rancher";
import { RKE1_DEFAULT_LOG_PATH, RKE1_LOG_DIR, RKE1_POLICY_PATH, renderRke1AuditLog } from "../../components/rke1";

type Json = Record<string, unknown>;

/** Strict YAML 1.1 parse (duplicate keys are errors), as RKE and Rancher read these files. */
function parseStrict(text: string): Json {
  const doc = parseDocument(text, { version: "1.1", uniqueKeys: true, prettyErrors: false });
  assert.deepEqual(doc.errors, [], "parses as YAML without errors");
  assert.deepEqual(doc.warnings, []);
  return doc.toJS() as Json;
}

const auditLogOf = (cluster: Json) => ((cluster.services as Json)["kube-api"] as Json).audit_log as Json;

const METADATA_CLUSTER_YML = `# rancher-audit: kube-apiserver audit logging for RKE1. Merge into cluster.yml (under services.kube-api),
# then run \`rke up\`. RKE writes the policy to /etc/kubernetes/audit-policy.yaml on control-plane nodes and
# restarts kube-apiserver when it changes (RKE >= v1.2.6).

services:
  kube-api:
    audit_log:
      enabled: true
      configuration:
        max_age: 30
        max_backup: 10
        max_size: 100
        path: /var/log/kube-audit/audit-log.json
        format: json
        policy:
          apiVersion: audit.k8s.io/v1
          kind: Policy
          omitStages: ["RequestReceived"]
          rules:
          - level: Metadata
`;

describe("renderRke1AuditLog", () => {
  it("RKE1's facts as constants", () => {
    assert.equal(RKE1_POLICY_PATH, "/etc/kubernetes/audit-policy.yaml");
    assert.equal(RKE1_LOG_DIR, "/var/log/kube-audit");
    assert.equal(RKE1_DEFAULT_LOG_PATH, "/var/log/kube-audit/audit-log.json");
  });

  it("cluster.yml for preset metadata, byte for byte", () => {
    assert.equal(renderRke1AuditLog({ preset: "metadata" }).clusterYml, METADATA_CLUSTER_YML);
  });

  for (const preset of ["metadata", "basic", "detailed", "cis", "recommended"]) {
    it(`preset ${preset}: both forms parse and carry the engine's canonical policy object`, () => {
      const r = renderRke1AuditLog({ preset });
      const policy = composePolicy({ preset });
      const expected = {
        enabled: true,
        configuration: {
          max_age: 30,
          max_backup: 10,
          max_size: 100,
          path: "/var/log/kube-audit/audit-log.json",
          format: "json",
          policy: canonicalPolicyObject(policy),
        },
      };
      assert.deepEqual(r.auditLog, expected);
      assert.deepEqual(auditLogOf(parseStrict(r.clusterYml)), expected);
      const rancher = parseStrict(r.rancherClusterYaml);
      assert.deepEqual(Object.keys(rancher), ["rancher_kubernetes_engine_config"]);
      assert.deepEqual(auditLogOf(rancher.rancher_kubernetes_engine_config as Json), expected);
      // The policy inside reads back as the same policy and renders to the same bytes.
      const inside = (auditLogOf(parseStrict(r.clusterYml)).configuration as Json).policy;
      const back = policyFromObject(inside, { requireTypeMeta: true });
      assert.equal(renderPolicy(back), renderPolicy(policy));
      assert.equal(r.policyYaml, renderPolicy(policy));
    });
  }

  it("key order inside the YAML: RKE's AuditLogConfig order, then the policy in the engine's order", () => {
    const r = renderRke1AuditLog({ preset: "cis" });
    const conf = (auditLogOf(parseStrict(r.clusterYml)).configuration as Json);
    assert.deepEqual(Object.keys(conf), ["max_age", "max_backup", "max_size", "path", "format", "policy"]);
    assert.deepEqual(Object.keys(conf.policy as Json), Object.keys(canonicalPolicyObject(composePolicy({ preset: "cis" }))));
    // The policy's lines are the engine's rendering, indented.
    const body = renderPolicy(composePolicy({ preset: "cis" })).trimEnd().split("\n").map((l) => `          ${l}`).join("\n");
    assert.ok(r.clusterYml.includes(`        policy:\n${body}\n`));
  });

  it("RKE's own default policy (test/fixtures/policies/rke1-default.yaml) as an own policy: exactly RKE's default policy object", () => {
    const text = fs.readFileSync(path.join(__dirname, "../fixtures/policies/rke1-default.yaml"), "utf8");
    const r = renderRke1AuditLog({ policyYaml: text });
    assert.deepEqual(r.auditLog.configuration.policy, { apiVersion: "audit.k8s.io/v1", kind: "Policy", rules: [{ level: "Metadata" }] });
    assert.deepEqual(r.auditLog.configuration.policy, canonicalPolicyObject(parsePolicy(text)));
  });

  it("own retention, format and a log file inside /var/log/kube-audit", () => {
    const r = renderRke1AuditLog({ preset: "basic", logPath: "/var/log/kube-audit/cluster-a/audit.log", maxAge: 90, maxBackup: 30, maxSize: 500, format: "legacy" });
    const { policy: _p, ...conf } = r.auditLog.configuration;
    assert.deepEqual(conf, { max_age: 90, max_backup: 30, max_size: 500, path: "/var/log/kube-audit/cluster-a/audit.log", format: "legacy" });
    assert.deepEqual(auditLogOf(parseStrict(r.clusterYml)), r.auditLog);
  });

  it("policyPath equal to RKE's fixed path is accepted (and changes nothing)", () => {
    assert.deepEqual(renderRke1AuditLog({ policyPath: RKE1_POLICY_PATH }).auditLog, renderRke1AuditLog().auditLog);
  });

  it("the same options render the same bytes", () => {
    assert.equal(renderRke1AuditLog({ preset: "detailed", maxAge: 60 }).rancherClusterYaml, renderRke1AuditLog({ maxAge: 60, preset: "detailed" }).rancherClusterYaml);
  });

  describe("refusals name the option, say why and how to fix it", () => {
    const cases: [string, Parameters<typeof renderRke1AuditLog>[0], RegExp][] = [
      [
        "log path outside the mounted folder",
        { logPath: "/var/log/audit/audit.log" },
        /^logPath: "\/var\/log\/audit\/audit\.log" is outside \/var\/log\/kube-audit, the only host directory RKE mounts into the kube-apiserver container: kube-apiserver would write the log inside the container.*use a file under \/var\/log\/kube-audit\/, e\.g\. "\/var\/log\/kube-audit\/audit-log\.json" \(the default\)$/,
      ],
      ["RKE2's default log path", { logPath: "/var/lib/rancher/rke2/server/logs/audit.log" }, /^logPath: .* is outside \/var\/log\/kube-audit/],
      ["a sibling that only starts like it", { logPath: "/var/log/kube-audit-old/a.log" }, /^logPath: .* is outside \/var\/log\/kube-audit/],
      ["the folder itself", { logPath: "/var/log/kube-audit" }, /^logPath: "\/var\/log\/kube-audit" is the mounted directory itself; kube-apiserver needs a file in it/],
      ["relative log path", { logPath: "kube-audit/audit.log" }, /^logPath: must be an absolute path \(start with "\/"\), e\.g\. "\/var\/log\/kube-audit\/audit-log\.json"/],
      ["escaping with ..", { logPath: "/var/log/kube-audit/../audit.log" }, /^logPath: must be a normalized file path/],
      ["a policy path", { policyPath: "/etc/rancher/rke2/audit-policy.yaml" }, /^policyPath: cannot be chosen on RKE1: RKE always writes the policy to \/etc\/kubernetes\/audit-policy\.yaml .*; remove policyPath/],
      ["unsafe policy", { policy: { apiVersion: "audit.k8s.io/v1", kind: "Policy", rules: [{ level: "RequestResponse" }] } }, /^policy: the audit policy is unsafe: \[secret-bodies\].*set allowUnsafePolicy: true/s],
      ["retention", { maxBackup: -1 }, /^maxBackup: must be a whole number of files of at least 1/],
      ["Rancher-only setting", { source: "configmap" } as never, /^source: is a setting of Rancher-provisioned clusters \(AuditedCluster\) and does not apply to RKE1 clusters/],
      ["unknown option", { path: "/var/log/kube-audit/x" } as never, /^path: is not an audit option of RKE1 clusters/],
    ];
    for (const [what, options, re] of cases) {
      it(what, () => {
        assert.throws(
          () => renderRke1AuditLog(options),
          (e: unknown) => e instanceof AuditConfigError && re.test(e.message),
        );
      });
    }
  });
});
