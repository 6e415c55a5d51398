/**
 * renderRke2ServerFiles: the policy file and the config drop-in of a standalone RKE2 server, byte
 * for byte; the restart hash; the drop-in's list semantics under RKE2's config merge; refusals.
 */
import * as assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";

import { composePolicy, renderPolicy } from "../../components/audit-policy";
import { AuditConfigError } from "../../components/rancher";
import { RKE2_DROPIN_PATH, renderRke2ServerFiles } from "../../components/rke2";

const DEFAULT_DROPIN = `# Managed by rancher-audit: kube-apiserver audit logging. Do not edit; changes are overwritten.
# "kube-apiserver-arg+" appends to the kube-apiserver-arg list of config.yaml instead of replacing it.
# A later file in config.yaml.d that sets kube-apiserver-arg without "+" would replace these flags.
kube-apiserver-arg+:
  - audit-policy-file=/etc/rancher/rke2/audit-policy.yaml
  - audit-log-path=/var/lib/rancher/rke2/server/logs/audit.log
  - audit-log-maxage=30
  - audit-log-maxbackup=10
  - audit-log-maxsize=100
  - audit-log-format=json
`;

/**
 * RKE2's config merge as k3s-io/k3s pkg/configfilearg/parser.go readConfigFile does it: files in
 * order, a key ending in "+" appends to the value so far, any other key replaces it. Returns the
 * flags RKE2 passes on (`--key=value`, one per list item).
 */
function rke2Merge(files: string[]): string[] {
  const order: string[] = [];
  const values = new Map<string, unknown[]>();
  for (const text of files) {
    for (const [rawKey, v] of Object.entries(parseYaml(text) as Record<string, unknown>)) {
      const append = rawKey.endsWith("+");
      const key = append ? rawKey.slice(0, -1) : rawKey;
      if (!order.includes(key)) order.push(key);
      const list = Array.isArray(v) ? v : [v];
      values.set(key, append && values.has(key) ? [...values.get(key)!, ...list] : list);
    }
  }
  return order.flatMap((k) => values.get(k)!.map((v) => `--${k}=${String(v)}`));
}

describe("renderRke2ServerFiles", () => {
  it("defaults: preset recommended, RKE2's documented paths, CIS retention, json, mode 0600", () => {
    const f = renderRke2ServerFiles();
    assert.equal(f.policyPath, "/etc/rancher/rke2/audit-policy.yaml");
    assert.equal(f.policyYaml, renderPolicy(composePolicy({ preset: "recommended" })));
    assert.equal(f.policyMode, "0600");
    assert.equal(f.dropInPath, "/etc/rancher/rke2/config.yaml.d/50-audit.yaml");
    assert.equal(f.dropInPath, RKE2_DROPIN_PATH);
    assert.equal(f.dropInYaml, DEFAULT_DROPIN);
    assert.equal(f.dropInMode, "0600");
    assert.deepEqual(f.apiServerArgs, [
      "audit-policy-file=/etc/rancher/rke2/audit-policy.yaml",
      "audit-log-path=/var/lib/rancher/rke2/server/logs/audit.log",
      "audit-log-maxage=30",
      "audit-log-maxbackup=10",
      "audit-log-maxsize=100",
      "audit-log-format=json",
    ]);
    assert.match(f.restartHash, /^[0-9a-f]{64}$/);
    assert.deepEqual(f.warnings, []);
  });

  it("custom preset, paths, retention and format: the flags in their fixed order", () => {
    const f = renderRke2ServerFiles({
      preset: "cis",
      policyPath: "/etc/rancher/rke2/audit/policy.yaml",
      logPath: "/var/log/kube-audit/audit.log",
      maxAge: 90,
      maxBackup: 20,
      maxSize: 200,
      format: "legacy",
    });
    assert.equal(f.policyYaml, renderPolicy(composePolicy({ preset: "cis" })));
    assert.deepEqual(parseYaml(f.dropInYaml), {
      "kube-apiserver-arg+": [
        "audit-policy-file=/etc/rancher/rke2/audit/policy.yaml",
        "audit-log-path=/var/log/kube-audit/audit.log",
        "audit-log-maxage=90",
        "audit-log-maxbackup=20",
        "audit-log-maxsize=200",
        "audit-log-format=legacy",
      ],
    });
  });

  it("an own policy (YAML text or object) is delivered as the engine renders it, with extra rules", () => {
    const text = "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: Metadata\n";
    const fromText = renderRke2ServerFiles({ policyYaml: text, prependRules: [{ level: "None", users: ["system:kube-proxy"] }] });
    assert.equal(fromText.policyYaml, 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  users: ["system:kube-proxy"]\n- level: Metadata\n');
    const fromObject = renderRke2ServerFiles({
      policy: { apiVersion: "audit.k8s.io/v1", kind: "Policy", rules: [{ level: "Metadata" }] },
      prependRules: [{ level: "None", users: ["system:kube-proxy"] }],
    });
    assert.equal(fromObject.policyYaml, fromText.policyYaml);
    assert.equal(fromObject.restartHash, fromText.restartHash);
  });

  it("the restart hash is deterministic and changes exactly when a file or path changes", () => {
    const base = renderRke2ServerFiles({ preset: "basic", maxAge: 30 });
    assert.equal(renderRke2ServerFiles({ maxAge: 30, preset: "basic" }).restartHash, base.restartHash);
    const changed = [
      renderRke2ServerFiles({ preset: "cis", maxAge: 30 }),
      renderRke2ServerFiles({ preset: "basic", maxAge: 31 }),
      renderRke2ServerFiles({ preset: "basic", logPath: "/var/log/audit/x.log" }),
      renderRke2ServerFiles({ preset: "basic", policyPath: "/etc/rancher/rke2/p.yaml" }),
      renderRke2ServerFiles({ preset: "basic", format: "legacy" }),
    ];
    for (const c of changed) assert.notEqual(c.restartHash, base.restartHash);
    assert.equal(new Set(changed.map((c) => c.restartHash)).size, changed.length);
  });

  describe("RKE2's config merge (k3s configfilearg): the drop-in appends, the user's config.yaml keeps its flags", () => {
    const userConfig = "token: s3cret\nkube-apiserver-arg:\n  - oidc-issuer-url=https://sso.example.com\n  - enable-admission-plugins=NodeRestriction\n";

    it("with kube-apiserver-arg+ the user's flags stay, ours follow", () => {
      const args = rke2Merge([userConfig, renderRke2ServerFiles().dropInYaml]).filter((a) => a.startsWith("--kube-apiserver-arg="));
      assert.deepEqual(args, [
        "--kube-apiserver-arg=oidc-issuer-url=https://sso.example.com",
        "--kube-apiserver-arg=enable-admission-plugins=NodeRestriction",
        "--kube-apiserver-arg=audit-policy-file=/etc/rancher/rke2/audit-policy.yaml",
        "--kube-apiserver-arg=audit-log-path=/var/lib/rancher/rke2/server/logs/audit.log",
        "--kube-apiserver-arg=audit-log-maxage=30",
        "--kube-apiserver-arg=audit-log-maxbackup=10",
        "--kube-apiserver-arg=audit-log-maxsize=100",
        "--kube-apiserver-arg=audit-log-format=json",
      ]);
    });

    it("(why not a plain key: it would have dropped the user's flags)", () => {
      const plain = renderRke2ServerFiles().dropInYaml.replace("kube-apiserver-arg+:", "kube-apiserver-arg:");
      const args = rke2Merge([userConfig, plain]).filter((a) => a.startsWith("--kube-apiserver-arg="));
      assert.equal(args.some((a) => a.includes("oidc-issuer-url")), false);
    });

    it("(and a later drop-in without + replaces ours: what the restart check detects)", () => {
      const args = rke2Merge([userConfig, renderRke2ServerFiles().dropInYaml, "kube-apiserver-arg:\n  - v=2\n"]);
      assert.equal(args.some((a) => a.includes("audit-policy-file")), false);
    });
  });

  describe("refusals name the option and the fix", () => {
    const cases: [string, Parameters<typeof renderRke2ServerFiles>[0], RegExp][] = [
      ["relative policy path", { policyPath: "audit-policy.yaml" }, /^policyPath: must be an absolute path \(start with "\/"\), e\.g\. "\/etc\/rancher\/rke2\/audit-policy\.yaml"; got "audit-policy\.yaml"$/],
      ["relative log path", { logPath: "logs/audit.log" }, /^logPath: must be an absolute path .*"\/var\/lib\/rancher\/rke2\/server\/logs\/audit\.log"/],
      ["policy inside config.yaml.d", { policyPath: "/etc/rancher/rke2/config.yaml.d/audit.yaml" }, /^policyPath: .*is not allowed: rke2 reads that location as its own configuration/],
      ["log path = policy path", { policyPath: "/etc/a.yaml", logPath: "/etc/a.yaml" }, /^logPath: must not be the policy path/],
      ["retention", { maxAge: 0 }, /^maxAge: must be a whole number of days of at least 1/],
      ["size not a number", { maxSize: "100" as never }, /^maxSize: must be a whole number of megabytes/],
      ["format", { format: "text" as never }, /^format: must be one of "json", "legacy"/],
      ["unknown preset", { preset: "all" }, /^preset: "all" is not a preset; use one of "metadata", "basic", "detailed", "cis", "recommended"/],
      ["invalid policy", { policyYaml: "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: []\n" }, /^policyYaml: the audit policy is not valid; kube-apiserver would refuse to start with it:\n.*0 rules/],
      [
        "unsafe policy",
        { policy: { apiVersion: "audit.k8s.io/v1", kind: "Policy", rules: [{ level: "RequestResponse" }] } },
        /^policy: the audit policy is unsafe: \[secret-bodies\].*set allowUnsafePolicy: true to deploy it anyway$/s,
      ],
      ["a Rancher-only setting", { delivery: "inline" } as never, /^delivery: is a setting of Rancher-provisioned clusters \(AuditedCluster\) and does not apply to standalone RKE2 servers: .*; remove it$/],
      ["policySource", { policySource: { name: "x" } } as never, /^policySource: is a setting of Rancher-provisioned clusters/],
      ["unknown option", { maxAgeDays: 3 } as never, /^maxAgeDays: is not an audit option of standalone RKE2 servers; the options are: preset, policy/],
      ["bad Kubernetes version", { kubernetesVersion: "latest" }, /^kubernetesVersion: "latest" is not a Kubernetes version/],
    ];
    for (const [what, options, re] of cases) {
      it(what, () => {
        assert.throws(
          () => renderRke2ServerFiles(options),
          (e: unknown) => e instanceof AuditConfigError && re.test(e.message),
        );
      });
    }

    it("with the component's prefix the same errors say audit.<option>", () => {
      assert.throws(() => renderRke2ServerFiles({ logPath: "x" }, "audit."), /^AuditConfigError: audit\.logPath: must be an absolute path/);
      assert.throws(
        () => renderRke2ServerFiles({ policy: { apiVersion: "audit.k8s.io/v1", kind: "Policy", rules: [{ level: "RequestResponse" }] } }, "audit."),
        /audit\.policy: the audit policy is unsafe: .*set audit\.allowUnsafePolicy: true/s,
      );
    });

    it("allowUnsafePolicy lets the policy through and keeps the finding", () => {
      const f = renderRke2ServerFiles({
        policy: { apiVersion: "audit.k8s.io/v1", kind: "Policy", rules: [{ level: "RequestResponse" }] },
        allowUnsafePolicy: true,
      });
      assert.ok(f.findings.some((x) => x.id === "secret-bodies" && x.severity === "error"));
      assert.ok(f.warnings.some((w) => w.startsWith("audit policy error [secret-bodies]")));
    });

    it("retention below the CIS minimums is a warning, not an error", () => {
      assert.deepEqual(renderRke2ServerFiles({ maxAge: 7 }).warnings, [
        "maxAge below the CIS minimums (maxAge 30, maxBackup 10, maxSize 100): fine for development, not for a CIS-scanned cluster",
      ]);
    });
  });
});
