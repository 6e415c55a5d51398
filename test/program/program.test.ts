/**
 * The Pulumi program: stack config parsing (every wrong value names its `rancher-audit:` key and
 * the fix, before anything is registered), Pulumi.yaml's declarations, the three stacks, and
 * `index.ts` run under mocks for each stack.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createRequire } from "node:module";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";

import { getPreset, renderPolicy } from "../../components/audit-policy";
import { buildStack, CONFIG_KEYS, ConfigError, parseStackConfig, planStack, PROJECT, stackOutputs, type StackConfig } from "../../program";
import { unwrap } from "../support/pulumi";

const ROOT = path.join(__dirname, "..", "..");
const STACKS = ["dev", "staging", "prod"] as const;
const CLUSTER_TYPE = "rancher2:index/clusterV2:ClusterV2";

type Json = Record<string, unknown>;


function promiseOf<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply(resolve));
}

/** The `config:` map of stacks/Pulumi.<stack>.yaml. */
function stackFile(stack: string): Json {
  return (parseYaml(fs.readFileSync(path.join(ROOT, "stacks", `Pulumi.${stack}.yaml`), "utf8")) as { config: Json }).config;
}

/** The project's keys of a stack file, without the prefix (what the CLI hands to parseStackConfig). */
function projectValues(stack: string): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(stackFile(stack))) if (k.startsWith(`${PROJECT}:`)) out[k.slice(PROJECT.length + 1)] = v;
  return out;
}

const minimal = (extra: Json = {}): Json => ({ clusters: [{ name: "a-1", kubernetesVersion: "v1.31.5+rke2r1" }], ...extra });

function expectConfigError(values: Json, key: string, re?: RegExp, projectDir = ROOT): ConfigError {
  try {
    parseStackConfig(values, { projectDir });
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    assert.equal(e.key, key, e.message);
    assert.ok(e.message.startsWith(`${PROJECT}:${key}: `), e.message);
    if (re) assert.match(e.message, re);
    return e;
  }
  assert.fail(`expected an error for ${PROJECT}:${key}`);
}

describe("program: Pulumi.yaml", () => {
  const project = parseYaml(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as Json & { config: Record<string, Json> };

  it("is the rancher-audit nodejs project with index.ts and stacks/", () => {
    assert.equal(project.name, PROJECT);
    assert.equal(project.runtime, "nodejs");
    assert.equal(project.main, "index.ts");
    assert.equal(project.stackConfigDir, "stacks");
  });

  it("declares every typed key with the type, default and description the parser uses", () => {
    const declared = Object.entries(CONFIG_KEYS).filter(([, s]) => s.declared);
    assert.deepEqual(Object.keys(project.config).sort(), declared.map(([k]) => k).sort());
    for (const [key, spec] of declared) {
      const d = project.config[key];
      assert.equal(d.type, spec.type, key);
      assert.equal(d.default, spec.default, key);
      assert.equal(d.description, spec.description, key);
      assert.ok(["string", "integer", "boolean", "array"].includes(d.type as string));
    }
  });
});

describe("program: the three stacks", () => {
  it("parse, and differ in preset, paths and retention as intended", () => {
    const c = Object.fromEntries(STACKS.map((s) => [s, parseStackConfig(projectValues(s), { projectDir: ROOT })])) as Record<string, StackConfig>;
    assert.equal(c.dev.preset, "metadata");
    assert.equal(c.staging.preset, "cis");
    assert.equal(c.prod.preset, "recommended");
    assert.ok(c.dev.maxAge < 30 && c.dev.maxBackup < 10);
    assert.deepEqual([c.prod.maxAge, c.prod.maxBackup, c.prod.maxSize], [30, 10, 100]);
    assert.notEqual(c.dev.policyPath, c.staging.policyPath);
    assert.notEqual(c.staging.logPath, c.prod.logPath);
    for (const s of STACKS) {
      for (const k of Object.keys(stackFile(s))) {
        assert.ok(k.startsWith(`${PROJECT}:`) || k.startsWith("rancher2:") || k.startsWith("kubernetes:"), `${s}: ${k}`);
      }
    }
  });

  it("plan every cluster on control-plane machines only, with the stack's retention", () => {
    const plan = planStack(parseStackConfig(projectValues("prod"), { projectDir: ROOT }));
    assert.deepEqual(Object.keys(plan.sources), ["prod"]);
    assert.deepEqual(plan.sources.prod.spec.authorizedClusters, ["prod-eu-1", "prod-us-1"]);
    assert.equal(plan.sources.prod.spec.text, renderPolicy(getPreset("recommended")));
    assert.equal(plan.clusters["prod-edge-1"].distro, "k3s");
    assert.ok(plan.clusters["prod-edge-1"].policyObject, "ungrouped cluster has its own object");
    assert.equal(plan.clusters["prod-eu-1"].policyObject, undefined, "grouped cluster uses the shared object");
    assert.equal(plan.clusters["prod-eu-1"].policyRef!.name, plan.sources.prod.spec.name);
    for (const p of Object.values(plan.clusters)) assert.deepEqual(p.restartScope.roles, ["control-plane"]);
    const dev = planStack(parseStackConfig(projectValues("dev"), { projectDir: ROOT }));
    assert.equal(dev.clusters["dev-k3s"].settings.policyPath, "/etc/rancher/k3s/audit/dev-policy.yaml");
    assert.equal(dev.clusters["dev-rke2"].settings.logPath, "/var/lib/rancher/rke2/server/logs/audit-dev.log");
    assert.equal(dev.clusters["dev-rke2"].settings.source, "configmap");
    assert.ok(dev.clusters["dev-rke2"].warnings.some((w) => w.includes("below the CIS minimums")));
  });
});

describe("program: parseStackConfig", () => {
  it("applies the defaults of Pulumi.yaml and accepts values as Pulumi gives them (strings, JSON)", () => {
    const c = parseStackConfig(
      { maxAge: "45", enabled: "true", clusters: JSON.stringify([{ name: "a-1", kubernetesVersion: "v1.31.5+rke2r1", labels: { team: "x" } }]) },
      { projectDir: ROOT },
    );
    assert.equal(c.maxAge, 45);
    assert.equal(c.maxBackup, 10);
    assert.equal(c.enabled, true);
    assert.equal(c.preset, "recommended");
    assert.equal(c.delivery, "selector-files");
    assert.equal(c.source, "secret");
    assert.equal(c.fleetNamespace, "fleet-default");
    assert.deepEqual(c.clusters, [{ name: "a-1", kubernetesVersion: "v1.31.5+rke2r1", labels: { team: "x" } }]);
    assert.equal(c.ignorePsactHash, true);
    const once = planStack(parseStackConfig({ ...projectValues("prod"), ignorePsactHash: false }, { projectDir: ROOT }));
    assert.equal(once.clusters["prod-eu-1"].settings.ignorePsactHash, false);
    // Keys may carry the project prefix.
    assert.equal(parseStackConfig({ [`${PROJECT}:preset`]: "cis", ...minimal() }, { projectDir: ROOT }).preset, "cis");
  });

  it("reads the policy file relative to the project directory", () => {
    const c = parseStackConfig(minimal({ policyFile: "examples/policies/strict.yaml" }), { projectDir: ROOT });
    assert.equal(c.policyText, fs.readFileSync(path.join(ROOT, "examples/policies/strict.yaml"), "utf8"));
    const plan = planStack(c);
    assert.ok(plan.clusters["a-1"].policy!.yaml.includes("rbac.authorization.k8s.io"));
  });

  const bad: [string, Json, string, RegExp][] = [
    ["an unknown key, with a suggestion", minimal({ maxage: 3 }), "maxage", /did you mean "maxAge"\?/],
    ["a non-integer retention", minimal({ maxAge: "thirty" }), "maxAge", /whole number.*pulumi config set rancher-audit:maxAge 30/],
    ["a zero retention", minimal({ maxSize: 0 }), "maxSize", /whole number of at least 1/],
    ["a bad boolean", minimal({ enabled: "yes" }), "enabled", /true or false/],
    ["a bad ignorePsactHash", minimal({ ignorePsactHash: "no" }), "ignorePsactHash", /true or false/],
    ["an unknown delivery", minimal({ delivery: "files" }), "delivery", /"selector-files", "inline"/],
    ["an unknown source", minimal({ source: "vault" }), "source", /"secret", "configmap"/],
    ["an unknown format", minimal({ format: "text" }), "format", /"json", "legacy"/],
    ["an unknown preset", minimal({ preset: "paranoid" }), "preset", /not a preset/],
    ["a relative log path", minimal({ logPath: "audit.log" }), "logPath", /absolute path/],
    ["the log path on the policy path", minimal({ logPath: "/etc/rancher/{distro}/audit-policy.yaml" }), "logPath", /must not be the policy path/],
    ["a bad namespace", minimal({ fleetNamespace: "Fleet" }), "fleetNamespace", /namespace name/],
    ["missing clusters", {}, "clusters", /is required/],
    ["an empty cluster list", { clusters: [] }, "clusters", /non-empty list/],
    ["clusters as invalid JSON text", { clusters: "[{" }, "clusters", /not a list/],
    ["a cluster without name", { clusters: [{ kubernetesVersion: "v1.31.5+rke2r1" }] }, "clusters[0].name", /is required/],
    ["a duplicate cluster", { clusters: [{ name: "a", kubernetesVersion: "v1.31.5+rke2r1" }, { name: "a", kubernetesVersion: "v1.31.5+rke2r1" }] }, "clusters[1].name", /unique/],
    ["an unknown cluster key", { clusters: [{ name: "a", kubernetesVersion: "v1.31.5+rke2r1", kubernetes_version: "x" }] }, "clusters[0].kubernetes_version", /did you mean "kubernetesVersion"/],
    ["a bad cluster name", { clusters: [{ name: "A_1", kubernetesVersion: "v1.31.5+rke2r1" }] }, "clusters[0].name", /metadata\.name/],
    ["a version without distribution", { clusters: [{ name: "a", kubernetesVersion: "v1.31.5+rke2r1" }, { name: "b", kubernetesVersion: "1.31" }] }, "clusters[1].kubernetesVersion", /RKE2 or K3s/],
    ["inline on a K3s cluster", { delivery: "inline", clusters: [{ name: "a", kubernetesVersion: "v1.31.5+k3s1" }] }, "delivery", /does not work on K3s.*"selector-files"/],
    ["inline with a policy path", minimal({ delivery: "inline", policyPath: "/etc/x.yaml" }), "policyPath", /not used with delivery "inline"/],
    ["inline with a group", { delivery: "inline", clusters: [{ name: "a", kubernetesVersion: "v1.31.5+rke2r1", group: "g" }] }, "clusters[0].group", /delivery "inline" does not use/],
    ["a bad group name", { clusters: [{ name: "a", kubernetesVersion: "v1.31.5+rke2r1", group: "Prod EU" }] }, "clusters[0].group", /lowercase/],
    [
      "a group named like a cluster with its own policy object",
      { clusters: [{ name: "a", kubernetesVersion: "v1.31.5+rke2r1", group: "b" }, { name: "b", kubernetesVersion: "v1.31.5+rke2r1" }] },
      "clusters[0].group",
      /"b" is also the name of a cluster with its own policy object/,
    ],
    ["a bad PSACT template", { clusters: [{ name: "a", kubernetesVersion: "v1.31.5+rke2r1", podSecurityAdmissionTemplate: 3 }] }, "clusters[0].podSecurityAdmissionTemplate", /non-empty string/],
    ["bad labels", { clusters: [{ name: "a", kubernetesVersion: "v1.31.5+rke2r1", labels: ["x"] }] }, "clusters[0].labels", /map of string labels/],
    ["a missing policy file", minimal({ policyFile: "examples/policies/missing.yaml" }), "policyFile", /cannot read.*no such file/],
    ["an absolute policy file", minimal({ policyFile: "/etc/passwd" }), "policyFile", /relative to its directory/],
    ["a policy file outside the project", minimal({ policyFile: "../outside.yaml" }), "policyFile", /inside the project/],
  ];
  for (const [what, values, key, re] of bad) {
    it(`refuses ${what} (${PROJECT}:${key})`, () => expectConfigError(values, key, re));
  }

  describe("policy files", () => {
    // A scratch project directory: policy files are read relative to it.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rancher-audit-policies-"));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const write = (name: string, text: string) => {
      fs.writeFileSync(path.join(dir, name), text);
      return name;
    };

    it("refuses an invalid policy with its line and column", () => {
      const file = write("invalid.yaml", "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: Everything\n");
      expectConfigError(minimal({ policyFile: file }), "policyFile", /not valid.*\ninvalid\.yaml:4:\d+: policy\.rules\[0\]\.level: Unsupported value/s, dir);
    });

    it("refuses an unsafe policy unless allowUnsafePolicy", () => {
      const file = write("unsafe.yaml", "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: RequestResponse\n");
      const e = expectConfigError(minimal({ policyFile: file }), "policyFile", /unsafe.*secret-bodies/, dir);
      // The fix hint names the config key, not the component argument.
      assert.match(e.message, /set rancher-audit:allowUnsafePolicy/);
      assert.doesNotMatch(e.message, /audit\.allowUnsafePolicy/);
      assert.ok(e.unsafeFindings && e.unsafeFindings.length > 0);
      assert.equal(parseStackConfig(minimal({ policyFile: file, allowUnsafePolicy: true }), { projectDir: dir }).allowUnsafePolicy, true);
    });
  });
});

describe("program: buildStack and index.ts under mocks", () => {
  const created: pulumi.runtime.MockResourceArgs[] = [];
  const mocks: pulumi.runtime.Mocks = {
    newResource(args) {
      created.push(args);
      const state: Json = { ...args.inputs };
      if (args.type === CLUSTER_TYPE) state.clusterV1Id = `c-m-${String(args.inputs.name)}`;
      return { id: `${args.name}-id`, state };
    },
    call(args) {
      throw new Error(`unmocked invoke ${args.token}`);
    },
  };

  beforeEach(async () => {
    created.length = 0;
  });

  it("buildStack registers one shared object per group, one object per ungrouped cluster, one ClusterV2 per cluster", async () => {
    await pulumi.runtime.setMocks(mocks, PROJECT, "prod", false);
    const built = buildStack(parseStackConfig(projectValues("prod"), { projectDir: ROOT }));
    const out = stackOutputs(built);
    const ids = await promiseOf(pulumi.all(Object.values(out.clusters).map((c) => c.clusterV1Id)));
    assert.deepEqual(ids, ["c-m-prod-eu-1", "c-m-prod-us-1", "c-m-prod-edge-1"]);
    await promiseOf(pulumi.all(Object.values(built.sources).map((s) => s.object.id)));
    await promiseOf(pulumi.all(Object.values(built.clusters).map((c) => (c.policyObject ? c.policyObject.id : c.urn))));
    const byType = (t: string) => created.filter((r) => r.type === t).map((r) => r.name).sort();
    assert.deepEqual(byType(CLUSTER_TYPE), ["prod-edge-1-cluster", "prod-eu-1-cluster", "prod-us-1-cluster"]);
    assert.deepEqual(byType("kubernetes:core/v1:Secret"), ["prod-audit-policy-policy", "prod-edge-1-policy"]);
    const shared = unwrap(created.find((r) => r.name === "prod-audit-policy-policy")!.inputs) as { metadata: { annotations: Json } };
    assert.equal(shared.metadata.annotations["rke.cattle.io/object-authorized-for-clusters"], "prod-eu-1,prod-us-1");
    const eu = unwrap(created.find((r) => r.name === "prod-eu-1-cluster")!.inputs) as Json & { rkeConfig: Json };
    assert.equal(eu.defaultPodSecurityAdmissionConfigurationTemplateName, "rancher-restricted");
    assert.deepEqual(eu.labels, { env: "prod" });
    assert.equal((eu.rkeConfig.machineSelectorFiles as Json[]).length, 2, "the audit file and the webhook's PSACT entry");
    assert.equal(await promiseOf(out.policies["prod-edge-1"]), renderPolicy(getPreset("recommended")));
  });

  it("a wrong config value registers nothing", async () => {
    await pulumi.runtime.setMocks(mocks, PROJECT, "dev", false);
    assert.throws(() => buildStack(parseStackConfig({ ...projectValues("dev"), maxAge: -3 }, { projectDir: ROOT })), /rancher-audit:maxAge/);
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    assert.deepEqual(created, []);
  });

  for (const stack of STACKS) {
    it(`runs index.ts for the ${stack} stack`, async () => {
      await pulumi.runtime.setMocks(mocks, PROJECT, stack, false);
      // Config as the Pulumi CLI hands it to the program: strings, structured values as JSON.
      const config: Record<string, string> = {};
      for (const [k, v] of Object.entries(stackFile(stack))) config[k] = typeof v === "string" ? v : JSON.stringify(v);
      pulumi.runtime.setAllConfig(config, []);
      const load = createRequire(__filename);
      const entry = load.resolve("../../index");
      delete load.cache[entry];
      const program = load(entry) as { clusters: Record<string, { clusterV1Id: pulumi.Output<string>; apiServerArgs: pulumi.Output<string[]>; policySha256: pulumi.Output<string> }>; policies: Record<string, pulumi.Output<string>> };
      const names = stackFile(stack)[`${PROJECT}:clusters`] as { name: string }[];
      assert.deepEqual(Object.keys(program.clusters), names.map((c) => c.name));
      for (const c of names) {
        assert.equal(await promiseOf(program.clusters[c.name].clusterV1Id), `c-m-${c.name}`);
        const args = await promiseOf(program.clusters[c.name].apiServerArgs);
        assert.ok(args.some((a) => a.startsWith("audit-log-path=")), `${stack}/${c.name}: ${args}`);
        assert.match(await promiseOf(program.clusters[c.name].policySha256), /^[0-9a-f]{64}$/);
        assert.match(await promiseOf(program.policies[c.name]), /^apiVersion: audit\.k8s\.io\/v1\n/);
      }
      assert.equal(created.filter((r) => r.type === CLUSTER_TYPE).length, names.length);
    });
  }
});
