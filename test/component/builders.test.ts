/**
 * The pure core of the Rancher wiring (components/rancher): distribution detection, settings and
 * their defaults, kube-apiserver flag merging, deterministic config YAML, the selector-files entry
 * and its hash, the policy object's name and annotation, inline delivery, Pod Security Admission
 * templates, restart scope, and every refusal with the argument it names.
 */
import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { parse as parseYaml } from "yaml";

import { getPreset, parsePolicy, renderPolicy } from "../../components/audit-policy";
import {
  AuditConfigError,
  auditRkeConfig,
  authorizedClustersValue,
  AUTHORIZED_ANNOTATION,
  distroOf,
  parseConfigYaml,
  planAudit,
  composeRkeConfig,
  policyDigest,
  policyObjectName,
  renderConfigYaml,
  resolveAuditSettings,
  type AuditRkeConfigInput,
  type SelectorFile,
} from "../../components/rancher";

const CP = { matchLabels: { "rke.cattle.io/control-plane-role": "true" } };
const RKE2 = "v1.31.5+rke2r1";
const K3S = "v1.31.5+k3s1";

function b64sha256(text: string): string {
  return createHash("sha256").update(Buffer.from(text, "utf8")).digest("base64");
}

/** Runs fn, expects an AuditConfigError whose path is `path` and whose message matches `re`. */
function expectError(fn: () => unknown, path: string, re?: RegExp): AuditConfigError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof AuditConfigError, `expected AuditConfigError, got ${String(e)}`);
    assert.equal(e.path, path, `path of: ${e.message}`);
    if (re) assert.match(e.message, re);
    return e;
  }
  assert.fail(`expected an error at ${path}`);
}

function base(extra: Partial<AuditRkeConfigInput> = {}): AuditRkeConfigInput {
  return { clusterName: "prod-a", kubernetesVersion: RKE2, audit: { preset: "cis" }, ...extra };
}

function configOf(yamlText: string | undefined): Record<string, unknown> {
  return parseYaml(yamlText ?? "") as Record<string, unknown>;
}

describe("rancher builders: distribution and settings", () => {
  it("detects RKE2 and K3s from the Rancher version string", () => {
    assert.equal(distroOf("v1.31.5+rke2r1"), "rke2");
    assert.equal(distroOf("v1.30.4+rke2r2"), "rke2");
    assert.equal(distroOf("v1.31.5+k3s1"), "k3s");
    expectError(() => distroOf("v1.31.5"), "kubernetesVersion", /RKE2 or K3s.*v1\.31\.5\+rke2r1/);
    expectError(() => distroOf("v1.31.5+eks"), "kubernetesVersion");
    expectError(() => distroOf("latest"), "kubernetesVersion", /not a Kubernetes version/);
    expectError(() => distroOf(undefined), "kubernetesVersion");
  });

  it("defaults: selector-files, secret, per-distro paths, CIS retention, json", () => {
    const rke2 = resolveAuditSettings(undefined, "rke2");
    assert.deepEqual(
      { ...rke2, warnings: undefined },
      {
        enabled: true,
        distro: "rke2",
        delivery: "selector-files",
        source: "secret",
        policyPath: "/etc/rancher/rke2/audit-policy.yaml",
        logPath: "/var/lib/rancher/rke2/server/logs/audit.log",
        maxAge: 30,
        maxBackup: 10,
        maxSize: 100,
        format: "json",
        allowUnsafePolicy: false,
        ignorePsactHash: true,
        warnings: undefined,
      },
    );
    const k3s = resolveAuditSettings({}, "k3s");
    assert.equal(k3s.policyPath, "/etc/rancher/k3s/audit-policy.yaml");
    assert.equal(k3s.logPath, "/var/lib/rancher/k3s/server/logs/audit.log");
    assert.deepEqual(rke2.warnings, []);
  });

  it("expands {distro} in paths and warns below the CIS retention minimums", () => {
    const s = resolveAuditSettings({ policyPath: "/etc/rancher/{distro}/a.yaml", logPath: "/var/log/{distro}/audit.log", maxAge: 3 }, "k3s");
    assert.equal(s.policyPath, "/etc/rancher/k3s/a.yaml");
    assert.equal(s.logPath, "/var/log/k3s/audit.log");
    assert.equal(s.warnings.length, 1);
    assert.match(s.warnings[0], /audit\.maxAge below the CIS minimums/);
  });

  const bad: [string, Record<string, unknown>, string, RegExp][] = [
    ["relative policy path", { policyPath: "etc/policy.yaml" }, "audit.policyPath", /absolute/],
    ["relative log path", { logPath: "audit.log" }, "audit.logPath", /absolute/],
    ["log path equal to policy path", { policyPath: "/etc/a.yaml", logPath: "/etc/a.yaml" }, "audit.logPath", /must not be the policy path/],
    ["path with ..", { policyPath: "/etc/../a.yaml" }, "audit.policyPath", /normalized/],
    ["path with a space", { logPath: "/var/log/a b.log" }, "audit.logPath", /whitespace/],
    ["policy inside config.yaml.d", { policyPath: "/etc/rancher/rke2/config.yaml.d/50-audit.yaml" }, "audit.policyPath", /reads that location as its own configuration/],
    ["policy at the PSACT mount", { policyPath: "/etc/rancher/rke2/config/rancher-psact.yaml" }, "audit.policyPath", /Pod Security Admission/],
    ["log inside config.yaml.d", { logPath: "/etc/rancher/rke2/config.yaml.d/audit.yaml" }, "audit.logPath", /reads that location as its own configuration.*write audit events into it/],
    ["log on config.yaml", { logPath: "/etc/rancher/rke2/config.yaml" }, "audit.logPath", /own configuration/],
    ["log at the PSACT mount", { logPath: "/etc/rancher/rke2/config/rancher-psact.yaml" }, "audit.logPath", /Pod Security Admission/],
    ["negative maxAge", { maxAge: -1 }, "audit.maxAge", /whole number of days/],
    ["fractional maxBackup", { maxBackup: 2.5 }, "audit.maxBackup", /whole number of files/],
    ["zero maxSize", { maxSize: 0 }, "audit.maxSize", /whole number of megabytes/],
    ["string maxAge", { maxAge: "30" }, "audit.maxAge", /got "30"/],
    ["unknown delivery", { delivery: "file" }, "audit.delivery", /"selector-files", "inline"/],
    ["unknown source", { source: "vault" }, "audit.source", /"secret", "configmap"/],
    ["unknown format", { format: "yaml" }, "audit.format", /"json", "legacy"/],
    ["non-boolean enabled", { enabled: "yes" }, "audit.enabled", /true or false/],
    ["non-boolean allowUnsafePolicy", { allowUnsafePolicy: 1 }, "audit.allowUnsafePolicy", /true or false/],
    ["unknown key", { maxAgeDays: 3 }, "audit.maxAgeDays", /not a known audit setting/],
    ["policyPath with inline", { delivery: "inline", policyPath: "/etc/a.yaml" }, "audit.policyPath", /not used with delivery "inline".*config-files\/audit-policy-file/],
  ];
  for (const [what, input, path, re] of bad) {
    it(`refuses ${what} (${path})`, () => expectError(() => resolveAuditSettings(input, "rke2"), path, re));
  }

  it("refuses inline delivery on K3s, saying why and naming the working option", () => {
    const e = expectError(() => resolveAuditSettings({ delivery: "inline" }, "k3s"), "audit.delivery");
    assert.match(e.message, /silently drops the "audit-policy-file" config key for K3s/);
    assert.match(e.message, /use delivery "selector-files"/);
  });

  it("accepts inline on K3s when audit is disabled (nothing is delivered)", () => {
    assert.equal(resolveAuditSettings({ delivery: "inline", enabled: false }, "k3s").enabled, false);
  });
});

describe("rancher builders: hash, object name, annotation", () => {
  it("hash is base64 of the raw SHA-256 of the rendered text, not hex", () => {
    const text = renderPolicy(getPreset("cis"));
    const d = policyDigest(text);
    assert.equal(d.sha256Base64, b64sha256(text));
    assert.equal(Buffer.from(d.sha256Base64, "base64").toString("hex"), d.sha256);
    assert.match(d.sha256, /^[0-9a-f]{64}$/);
    assert.notEqual(d.sha256Base64, d.sha256);
  });

  it("names the object after the content: new content, new name", () => {
    const a = policyDigest("a\n").sha256;
    const b = policyDigest("b\n").sha256;
    assert.equal(policyObjectName("prod-a-audit-policy", a), `prod-a-audit-policy-${a.slice(0, 10)}`);
    assert.notEqual(policyObjectName("x", a), policyObjectName("x", b));
    expectError(() => policyObjectName("Prod_A", a), "name", /lowercase DNS name/);
  });

  it("authorizes clusters sorted, deduplicated, comma-joined without spaces", () => {
    assert.equal(authorizedClustersValue(["prod-us-1", "prod-eu-1", "prod-us-1"], "x"), "prod-eu-1,prod-us-1");
    expectError(() => authorizedClustersValue([], "authorizedClusters"), "authorizedClusters", /at least one/);
    expectError(() => authorizedClustersValue(["ok", "Bad Name"], "authorizedClusters"), "authorizedClusters[1]", /metadata\.name/);
    expectError(() => authorizedClustersValue(["local"], "authorizedClusters"), "authorizedClusters[0]", /management cluster/);
  });
});

describe("rancher builders: config YAML", () => {
  it("renders sorted keys, keeps list order, literal blocks for multi-line strings, and round-trips", () => {
    const text = renderConfigYaml({ z: 1, "kube-apiserver-arg": ["b=2", "a=1"], a: { w: true, x: "on" }, p: "l1\nl2\n" });
    assert.equal(text, 'a:\n  w: true\n  x: "on"\nkube-apiserver-arg:\n  - b=2\n  - a=1\np: |\n  l1\n  l2\nz: 1\n');
    assert.deepEqual(parseConfigYaml(text, "x"), { a: { w: true, x: "on" }, "kube-apiserver-arg": ["b=2", "a=1"], p: "l1\nl2\n", z: 1 });
  });

  it("reads user config as the provider does: an unquoted date stays a string, and is rendered back unchanged", () => {
    const cfg = parseConfigYaml("node-label: [built=2001-12-14]\nfoo: 2001-12-14\n", "g");
    assert.deepEqual(cfg, { "node-label": ["built=2001-12-14"], foo: "2001-12-14" });
    assert.equal(renderConfigYaml(cfg), "foo: 2001-12-14\nnode-label:\n  - built=2001-12-14\n");
  });

  it("refuses YAML that is not a mapping, or not YAML", () => {
    expectError(() => parseConfigYaml("- a\n- b\n", "cluster.rkeConfig.machineGlobalConfig"), "cluster.rkeConfig.machineGlobalConfig", /mapping/);
    expectError(() => parseConfigYaml("a: [1,\n", "g"), "g", /not valid YAML/);
    expectError(() => parseConfigYaml({ a: 1 }, "g"), "g", /YAML string/);
  });
});

describe("rancher builders: selector-files delivery", () => {
  for (const [distro, version] of [
    ["rke2", RKE2],
    ["k3s", K3S],
  ] as const) {
    for (const source of ["secret", "configmap"] as const) {
      it(`${distro}, ${source}: control-plane file entry with key, path, 0600, dynamic false, hash; flags in a control-plane selector config`, () => {
        const r = auditRkeConfig({ clusterName: "edge-1", kubernetesVersion: version, audit: { preset: "recommended", source } });
        const text = r.plan.policy!.yaml;
        assert.deepEqual(parsePolicy(text), getPreset("recommended"));
        const name = `edge-1-audit-policy-${r.plan.policy!.sha256.slice(0, 10)}`;
        const item = { key: "audit-policy", path: `/etc/rancher/${distro}/audit-policy.yaml`, permissions: "0600", dynamic: false, hash: b64sha256(text) };
        const expected: SelectorFile = {
          machineLabelSelector: CP,
          fileSources: [source === "secret" ? { secret: { name, items: [item] } } : { configmap: { name, items: [item] } }],
        };
        assert.deepEqual(r.machineSelectorFiles, [expected]);
        assert.equal(r.machineGlobalConfig, undefined, "no user global config, no PSACT: nothing global");
        assert.equal(r.machineSelectorConfigs!.length, 1);
        assert.deepEqual(r.machineSelectorConfigs![0].machineLabelSelector, CP);
        const flags = [
          `audit-policy-file=/etc/rancher/${distro}/audit-policy.yaml`,
          `audit-log-path=/var/lib/rancher/${distro}/server/logs/audit.log`,
          "audit-log-maxage=30",
          "audit-log-maxbackup=10",
          "audit-log-maxsize=100",
          "audit-log-format=json",
        ];
        assert.equal(r.machineSelectorConfigs![0].config, `kube-apiserver-arg:\n${flags.map((f) => `  - ${f}\n`).join("")}`);
        assert.deepEqual(r.apiServerArgs, flags);
        assert.deepEqual(r.ignoreChanges, []);
        const obj = r.plan.policyObject!;
        assert.equal(obj.kind, source);
        assert.equal(obj.name, name);
        assert.equal(obj.namespace, "fleet-default");
        assert.equal(obj.text, text);
        assert.equal(obj.annotations[AUTHORIZED_ANNOTATION], "edge-1");
        assert.deepEqual(r.plan.restartScope.roles, ["control-plane"]);
      });
    }
  }

  it("merges the user's global kube-apiserver-arg into the control-plane list (user's first, in order), keeping the global config", () => {
    const r = auditRkeConfig(
      base({
        rkeConfig: {
          machineGlobalConfig: "profile: cis\nkube-apiserver-arg:\n- enable-admission-plugins=NodeRestriction,AlwaysPullImages\n- audit-log-compress=true\n- service-account-issuer=a\n- service-account-issuer=b\ncni: calico\n",
        },
        audit: { preset: "cis", maxAge: 60, maxBackup: 20, maxSize: 200, format: "legacy", logPath: "/var/log/kube-audit/audit.log", policyPath: "/etc/rancher/rke2/audit/policy.yaml" },
      }),
    );
    assert.deepEqual(configOf(r.machineGlobalConfig), {
      cni: "calico",
      "kube-apiserver-arg": [
        "enable-admission-plugins=NodeRestriction,AlwaysPullImages",
        "audit-log-compress=true",
        "service-account-issuer=a",
        "service-account-issuer=b",
      ],
      profile: "cis",
    });
    assert.deepEqual(r.apiServerArgs, [
      "enable-admission-plugins=NodeRestriction,AlwaysPullImages",
      "audit-log-compress=true",
      "service-account-issuer=a",
      "service-account-issuer=b",
      "audit-policy-file=/etc/rancher/rke2/audit/policy.yaml",
      "audit-log-path=/var/log/kube-audit/audit.log",
      "audit-log-maxage=60",
      "audit-log-maxbackup=20",
      "audit-log-maxsize=200",
      "audit-log-format=legacy",
    ]);
    assert.deepEqual(configOf(r.machineSelectorConfigs![0].config)["kube-apiserver-arg"], r.apiServerArgs);
    // Keys sorted in the re-rendered global config.
    assert.equal(r.machineGlobalConfig!.split("\n")[0], "cni: calico");
  });

  it("deduplicates a user flag with the same value as ours, refuses a different one naming both and the argument to use", () => {
    const same = auditRkeConfig(base({ rkeConfig: { machineGlobalConfig: "kube-apiserver-arg: [audit-log-maxage=30, --audit-log-path=/var/lib/rancher/rke2/server/logs/audit.log]\n" } }));
    assert.equal(same.apiServerArgs.filter((a) => a.includes("audit-log-maxage")).length, 1);
    assert.equal(same.apiServerArgs.filter((a) => a.includes("audit-log-path")).length, 1);
    const e = expectError(
      () => auditRkeConfig(base({ rkeConfig: { machineGlobalConfig: "kube-apiserver-arg:\n- audit-log-path=/var/log/other.log\n" } })),
      "cluster.rkeConfig.machineGlobalConfig: kube-apiserver-arg[0]",
    );
    assert.match(e.message, /"audit-log-path=\/var\/log\/other\.log" conflicts with "audit-log-path=\/var\/lib\/rancher\/rke2\/server\/logs\/audit\.log".*set audit\.logPath instead/);
    expectError(
      () => auditRkeConfig(base({ rkeConfig: { machineGlobalConfig: "kube-apiserver-arg: [audit-policy-file=/etc/other.yaml]\n" } })),
      "cluster.rkeConfig.machineGlobalConfig: kube-apiserver-arg[0]",
      /set audit\.policyPath instead/,
    );
    expectError(
      () => auditRkeConfig(base({ rkeConfig: { machineGlobalConfig: "kube-apiserver-arg: [audit-log-format=legacy]\n" } })),
      "cluster.rkeConfig.machineGlobalConfig: kube-apiserver-arg[0]",
      /set audit\.format instead/,
    );
  });

  it("refuses an audit-policy-file config key in the user's global or selector config, and a path in it even when disabled", () => {
    expectError(
      () => auditRkeConfig(base({ rkeConfig: { machineGlobalConfig: "audit-policy-file: |\n  apiVersion: audit.k8s.io/v1\n" } })),
      "cluster.rkeConfig.machineGlobalConfig",
      /component manages/,
    );
    expectError(
      () => auditRkeConfig(base({ audit: { enabled: false }, rkeConfig: { machineGlobalConfig: "audit-policy-file: /etc/rancher/rke2/audit-policy.yaml\n" } })),
      "cluster.rkeConfig.machineGlobalConfig",
      /treats this key's value as the policy's content/,
    );
    expectError(
      () => auditRkeConfig(base({ rkeConfig: { machineSelectorConfigs: [{ machineLabelSelector: CP, config: "audit-policy-file: /x\n" }] } })),
      "cluster.rkeConfig.machineSelectorConfigs[0].config",
      /path/,
    );
  });

  it("keeps the user's selector configs first and unchanged, and merges an exact control-plane entry's flags", () => {
    const userEntries = [
      { machineLabelSelector: { matchLabels: { "rke.cattle.io/worker-role": "true" } }, config: "kubelet-arg: [max-pods=200]\n" },
      { machineLabelSelector: CP, config: "kube-apiserver-arg: [request-timeout=120s]\nkube-controller-manager-arg: [x=y]\n" },
    ];
    const r = auditRkeConfig(base({ rkeConfig: { machineGlobalConfig: "kube-apiserver-arg: [global=1]\n", machineSelectorConfigs: userEntries } }));
    assert.deepEqual(r.machineSelectorConfigs!.slice(0, 2), userEntries);
    assert.equal(r.machineSelectorConfigs!.length, 3);
    // The user's control-plane entry already replaced the global list on control-plane machines.
    assert.deepEqual(r.apiServerArgs.slice(0, 1), ["request-timeout=120s"]);
    assert.ok(!r.apiServerArgs.includes("global=1"));
  });

  it("refuses a user selector entry that sets kube-apiserver-arg for a subset of machines", () => {
    expectError(
      () =>
        auditRkeConfig(
          base({ rkeConfig: { machineSelectorConfigs: [{ machineLabelSelector: { matchLabels: { pool: "a" } }, config: "kube-apiserver-arg: [x=1]\n" }] } }),
        ),
      "cluster.rkeConfig.machineSelectorConfigs[0]",
      /would be lost on control-plane machines.*move them to machineGlobalConfig/,
    );
  });

  it("keeps the user's file entries first and refuses one at the policy path or for the policy object", () => {
    const userFile: SelectorFile = { machineLabelSelector: CP, fileSources: [{ configmap: { name: "extra", items: [{ key: "k", path: "/etc/extra.conf" }] } }] };
    const r = auditRkeConfig(base({ rkeConfig: { machineSelectorFiles: [userFile] } }));
    assert.deepEqual(r.machineSelectorFiles![0], userFile);
    assert.equal(r.machineSelectorFiles!.length, 2);
    expectError(
      () => auditRkeConfig(base({ rkeConfig: { machineSelectorFiles: [{ fileSources: [{ secret: { name: "x", items: [{ key: "k", path: "/etc/rancher/rke2/audit-policy.yaml" }] } }] }] } })),
      "cluster.rkeConfig.machineSelectorFiles[0].fileSources[0].items[0].path",
      /audit policy path/,
    );
  });

  it("never changes the cluster name or namespace, and composes byte-identically on every run", () => {
    const inputs = ["metadata", "cis", "recommended"].map((preset) => auditRkeConfig(base({ audit: { preset } })));
    for (const r of inputs) {
      assert.equal(r.plan.clusterName, "prod-a");
      assert.equal(r.plan.fleetNamespace, "fleet-default");
    }
    assert.equal(new Set(inputs.map((r) => r.plan.policyObject!.name)).size, 3);
    const once = JSON.stringify(auditRkeConfig(base({ rkeConfig: { machineGlobalConfig: "b: 1\na: 2\n" } })));
    const twice = JSON.stringify(auditRkeConfig(base({ rkeConfig: { machineGlobalConfig: "b: 1\na: 2\n" } })));
    assert.equal(once, twice);
  });
});

describe("rancher builders: inline delivery (RKE2)", () => {
  it("puts the policy text in the control-plane selector config's audit-policy-file key, no flag for it, no object", () => {
    const r = auditRkeConfig(base({ audit: { preset: "metadata", delivery: "inline", maxAge: 45 } }));
    assert.equal(r.plan.policyObject, undefined);
    assert.deepEqual(r.machineSelectorFiles, []);
    assert.equal(r.machineGlobalConfig, undefined, "never machineGlobalConfig: that would reconfigure every worker");
    const cfg = configOf(r.machineSelectorConfigs![0].config);
    assert.deepEqual(r.machineSelectorConfigs![0].machineLabelSelector, CP);
    assert.equal(cfg["audit-policy-file"], renderPolicy(getPreset("metadata")));
    assert.deepEqual(cfg["kube-apiserver-arg"], [
      "audit-log-path=/var/lib/rancher/rke2/server/logs/audit.log",
      "audit-log-maxage=45",
      "audit-log-maxbackup=10",
      "audit-log-maxsize=100",
      "audit-log-format=json",
    ]);
    assert.ok(r.machineSelectorConfigs![0].config!.includes("audit-policy-file: |\n  apiVersion: audit.k8s.io/v1\n"));
    assert.equal(r.plan.settings.policyPath, "/var/lib/rancher/rke2/etc/config-files/audit-policy-file");
  });

  it("refuses a user audit-policy-file flag pointing anywhere with inline delivery", () => {
    expectError(
      () => auditRkeConfig(base({ audit: { delivery: "inline" }, rkeConfig: { machineGlobalConfig: "kube-apiserver-arg: [audit-policy-file=/etc/x.yaml]\n" } })),
      "cluster.rkeConfig.machineGlobalConfig: kube-apiserver-arg[0]",
      /RKE2 sets it/,
    );
  });

  it("refuses inline on K3s through the builder too", () => {
    expectError(() => auditRkeConfig({ clusterName: "e", kubernetesVersion: K3S, audit: { delivery: "inline" } }), "audit.delivery", /K3s/);
  });
});

describe("rancher builders: Pod Security Admission templates", () => {
  const psact = (extra: Partial<AuditRkeConfigInput> = {}) => base({ podSecurityAdmissionConfigurationTemplateName: "rancher-restricted", ...extra });

  it("puts the webhook's flag first in the global and control-plane lists and its file entry last, with ignoreChanges on exactly its hash", () => {
    const r = auditRkeConfig(psact({ rkeConfig: { machineGlobalConfig: "kube-apiserver-arg: [a=1]\n", machineSelectorFiles: [{ fileSources: [{ secret: { name: "u", items: [{ key: "k", path: "/etc/u" }] } }] }] } }));
    const flag = "admission-control-config-file=/etc/rancher/rke2/config/rancher-psact.yaml";
    assert.deepEqual(configOf(r.machineGlobalConfig)["kube-apiserver-arg"], [flag, "a=1"]);
    assert.equal(r.apiServerArgs[0], flag);
    assert.equal(r.apiServerArgs[1], "a=1");
    assert.equal(r.machineSelectorFiles!.length, 3);
    assert.equal(r.psactFileIndex, 2);
    assert.deepEqual(r.machineSelectorFiles![2], {
      machineLabelSelector: CP,
      fileSources: [{ secret: { name: "prod-a-admission-configuration-psact", items: [{ key: "admission-config-psact", path: "/etc/rancher/rke2/config/rancher-psact.yaml", dynamic: false }] } }],
    });
    assert.deepEqual(r.ignoreChanges, ["rkeConfig.machineSelectorFiles[2].fileSources[0].secret.items[0].hash"]);
  });

  it("uses the K3s mount path on K3s", () => {
    const r = auditRkeConfig(psact({ kubernetesVersion: K3S }));
    assert.equal(r.apiServerArgs[0], "admission-control-config-file=/etc/rancher/k3s/config/rancher-psact.yaml");
    assert.equal(r.machineSelectorFiles![1].fileSources![0].secret!.items![0].path, "/etc/rancher/k3s/config/rancher-psact.yaml");
  });

  it("accepts the user's own copy of the webhook flag (the known Terraform workaround) and refuses a different admission config file", () => {
    const r = auditRkeConfig(psact({ rkeConfig: { machineGlobalConfig: "kube-apiserver-arg: [a=1, admission-control-config-file=/etc/rancher/rke2/config/rancher-psact.yaml]\n" } }));
    assert.deepEqual(configOf(r.machineGlobalConfig)["kube-apiserver-arg"], ["admission-control-config-file=/etc/rancher/rke2/config/rancher-psact.yaml", "a=1"]);
    expectError(
      () => auditRkeConfig(psact({ rkeConfig: { machineGlobalConfig: "kube-apiserver-arg: [admission-control-config-file=/etc/mine.yaml]\n" } })),
      "cluster.rkeConfig.machineGlobalConfig: kube-apiserver-arg[0]",
      /webhook sets this flag/,
    );
  });

  it("refuses a user copy of the webhook's file entry", () => {
    expectError(
      () => auditRkeConfig(psact({ rkeConfig: { machineSelectorFiles: [{ fileSources: [{ secret: { name: "prod-a-admission-configuration-psact", items: [] } }] }] } })),
      "cluster.rkeConfig.machineSelectorFiles[0].fileSources[0]",
      /webhook manages/,
    );
  });

  it("keeps the webhook entries when audit is disabled, and drops ignoreChanges when asked to", () => {
    const off = auditRkeConfig(psact({ audit: { enabled: false } }));
    assert.equal(off.machineSelectorFiles!.length, 1);
    assert.deepEqual(off.machineSelectorConfigs, []);
    assert.deepEqual(off.ignoreChanges, ["rkeConfig.machineSelectorFiles[0].fileSources[0].secret.items[0].hash"]);
    const noIgnore = auditRkeConfig(psact({ audit: { ignorePsactHash: false } }));
    assert.deepEqual(noIgnore.ignoreChanges, []);
  });

  it("refuses a template name that is not a plain string", () => {
    expectError(
      () => planAudit({ clusterName: "a", kubernetesVersion: RKE2, podSecurityAdmissionConfigurationTemplateName: 5 as unknown as string }),
      "cluster.defaultPodSecurityAdmissionConfigurationTemplateName",
    );
  });
});

describe("rancher builders: disabled, policies, restart scope", () => {
  it("enabled: false adds nothing of its own and leaves the user's config as it was", () => {
    const user = { machineGlobalConfig: "cni: canal\n", machineSelectorConfigs: [{ config: "a: 1\n" }] };
    const r = auditRkeConfig(base({ audit: { enabled: false, preset: "does-not-matter" }, rkeConfig: user }));
    assert.equal(r.plan.policy, undefined);
    assert.equal(r.plan.policyObject, undefined);
    assert.equal(r.machineGlobalConfig, "cni: canal\n");
    assert.deepEqual(r.machineSelectorConfigs, user.machineSelectorConfigs);
    assert.deepEqual(r.machineSelectorFiles, []);
    assert.deepEqual(r.plan.restartScope.roles, []);
    assert.match(r.plan.restartScope.summary, /does not delete files/);
  });

  it("restart scope names the service that restarts: rke2-server on RKE2, k3s on K3s", () => {
    assert.match(planAudit({ clusterName: "a", kubernetesVersion: RKE2 }).restartScope.summary, /restarts rke2-server on control-plane machines only/);
    const k3s = planAudit({ clusterName: "a", kubernetesVersion: K3S }).restartScope;
    assert.deepEqual(k3s.roles, ["control-plane"]);
    assert.match(k3s.summary, /restarts k3s \(the server service\) on control-plane machines only/);
  });

  it("defaults to the recommended preset; takes a policy object or YAML text; refuses bad policies with their location", () => {
    assert.equal(planAudit({ clusterName: "a", kubernetesVersion: RKE2 }).policy!.yaml, renderPolicy(getPreset("recommended")));
    const text = "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n";
    assert.equal(planAudit({ clusterName: "a", kubernetesVersion: RKE2, audit: { policyYaml: text } }).policy!.yaml, text);
    assert.equal(planAudit({ clusterName: "a", kubernetesVersion: RKE2, audit: { policy: { apiVersion: "audit.k8s.io/v1", kind: "Policy", rules: [{ level: "Metadata" }] } } }).policy!.yaml, text);
    expectError(() => planAudit({ clusterName: "a", kubernetesVersion: RKE2, audit: { preset: "paranoid" } }), "audit.preset", /"metadata", "basic"/);
    expectError(() => planAudit({ clusterName: "a", kubernetesVersion: RKE2, audit: { policyYaml: "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Everything\n" } }), "audit.policyYaml", /Unsupported value/);
    expectError(() => planAudit({ clusterName: "a", kubernetesVersion: RKE2, audit: { preset: "cis", prependRules: [{ level: "Nope" as never }] } }), "audit.prependRules", /Unsupported value/);
  });

  it("stops on an error finding unless allowUnsafePolicy", () => {
    const unsafe = "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: RequestResponse\n";
    expectError(() => planAudit({ clusterName: "a", kubernetesVersion: RKE2, audit: { policyYaml: unsafe } }), "audit.policyYaml", /unsafe: \[secret-bodies\].*allowUnsafePolicy/);
    const allowed = planAudit({ clusterName: "a", kubernetesVersion: RKE2, audit: { policyYaml: unsafe, allowUnsafePolicy: true } });
    assert.ok(allowed.policy!.findings.some((f) => f.id === "secret-bodies" && f.severity === "error"));
    assert.ok(allowed.warnings.some((w) => w.includes("secret-bodies")));
  });

  it("refuses a bad cluster name or namespace, naming the argument", () => {
    expectError(() => planAudit({ clusterName: "Prod_A", kubernetesVersion: RKE2 }), "clusterName", /metadata\.name/);
    expectError(() => planAudit({ clusterName: "local", kubernetesVersion: RKE2 }), "clusterName", /management cluster/);
    expectError(() => planAudit({ clusterName: "a", kubernetesVersion: RKE2, fleetNamespace: "Fleet Default" }), "fleetNamespace");
  });

  it("composeRkeConfig refuses non-list selector fields", () => {
    const plan = planAudit({ clusterName: "a", kubernetesVersion: RKE2 });
    expectError(() => composeRkeConfig(plan, { machineSelectorFiles: {} as never }), "cluster.rkeConfig.machineSelectorFiles", /list/);
    expectError(() => composeRkeConfig(plan, { machineSelectorConfigs: "x" as never }), "cluster.rkeConfig.machineSelectorConfigs", /list/);
  });
});
