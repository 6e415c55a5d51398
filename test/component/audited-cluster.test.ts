/**
 * AuditedCluster and AuditPolicySource under Pulumi mocks: the exact inputs each resource receives
 * (RKE2 and K3s, both deliveries, both sources), composition with the user's ClusterV2 args
 * (including Outputs), Pod Security Admission templates against a mock that returns the state
 * Rancher's webhook produces, determinism, shared policy objects, enabled: false, and refusals
 * that register nothing.
 */
import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";

import * as Rancher from "../../components/rancher";
import { getPreset, renderPolicy } from "../../components/audit-policy";
import { isSecret as isSecretValue, promiseOf, unwrap } from "../support/pulumi";

const CLUSTER_TYPE = "rancher2:index/clusterV2:ClusterV2";
const SECRET_TYPE = "kubernetes:core/v1:Secret";
const CONFIGMAP_TYPE = "kubernetes:core/v1:ConfigMap";
const CP = { matchLabels: { "rke.cattle.io/control-plane-role": "true" } };
const RKE2 = "v1.31.5+rke2r1";
const K3S = "v1.31.5+k3s1";
/** What the mock webhook puts in as the PSACT file's hash. */
const WEBHOOK_HASH = "d2ViaG9vay1vbmx5LWtub3dzLXRoaXMtaGFzaA==";

type Json = Record<string, unknown>;

function b64sha256(text: string): string {
  return createHash("sha256").update(Buffer.from(text, "utf8")).digest("base64");
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

// ------------------------------------------------------------------------------------------
// A model of Rancher's webhook mutation of provisioning clusters with a PSACT template
// (rancher/webhook pkg/resources/provisioning.cattle.io/v1/cluster/mutator.go, handlePSACT):
// drop the PSACT file entry wherever it is (compared without hash), append it with the hash, and
// put the admission-control-config-file flag into the global kube-apiserver-arg (prepended when
// it is not already there, as webhook >= v0.9 does).

/** Zero values dropped, as Go's omitempty / semantic equality treat them; keys sorted. */
function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.length === 0 ? undefined : v.map(normalize);
  if (v && typeof v === "object") {
    const out: Json = {};
    for (const [k, x] of Object.entries(v as Json).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const n = normalize(x);
      if (n !== undefined && n !== false && n !== "") out[k] = n;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return v;
}

function withoutHash(entry: Json): Json {
  const e = clone(entry) as { fileSources?: { secret?: { items?: Json[] } }[] };
  for (const fs of e.fileSources ?? []) for (const item of fs.secret?.items ?? []) delete item.hash;
  return e as Json;
}

function webhookMutate(inputs: Json, distro: "rke2" | "k3s"): Json {
  const state = clone(inputs) as Json & { rkeConfig?: Json };
  const name = state.name as string;
  const rke = (state.rkeConfig ??= {}) as { machineSelectorFiles?: Json[]; machineGlobalConfig?: string };
  const mount = `/etc/rancher/${distro}/config/rancher-psact.yaml`;
  const entry = {
    machineLabelSelector: CP,
    fileSources: [{ secret: { name: `${name}-admission-configuration-psact`, items: [{ key: "admission-config-psact", path: mount, hash: WEBHOOK_HASH }] } }],
  };
  const files = rke.machineSelectorFiles ?? [];
  const target = JSON.stringify(normalize(withoutHash(entry)));
  for (let i = files.length - 1; i >= 0; i--) {
    if (JSON.stringify(normalize(withoutHash(files[i]))) === target) {
      files.splice(i, 1);
      break;
    }
  }
  files.push(entry);
  rke.machineSelectorFiles = files;
  const global = (parseYaml(rke.machineGlobalConfig ?? "") ?? {}) as Json;
  const args = ((global["kube-apiserver-arg"] as string[] | undefined) ?? []).slice();
  const flag = `admission-control-config-file=${mount}`;
  if (!args.includes(flag)) {
    global["kube-apiserver-arg"] = [flag, ...args.filter((a) => !a.startsWith("admission-control-config-file="))];
  }
  // The provider reads machineGlobalConfig back as YAML with sorted keys.
  rke.machineGlobalConfig = sortedYaml(global);
  return state;
}

function sortedYaml(v: Json): string {
  const sort = (x: unknown): unknown =>
    Array.isArray(x) ? x.map(sort) : x && typeof x === "object" ? Object.fromEntries(Object.keys(x as Json).sort().map((k) => [k, sort((x as Json)[k])])) : x;
  return JSON.stringify(sort(v));
}

/** Reads a property path like `rkeConfig.machineSelectorFiles[2].fileSources[0].secret.items[0].hash`. */
function pathSegments(path: string): (string | number)[] {
  return path.split(/\.|(?=\[)/).map((s): string | number => (s.startsWith("[") ? Number(s.slice(1, -1)) : s));
}
function getPath(obj: unknown, path: string): { found: boolean; value?: unknown } {
  let cur: unknown = obj;
  for (const seg of pathSegments(path)) {
    if (cur === null || typeof cur !== "object" || !(seg in (cur as Json))) return { found: false };
    cur = (cur as Json)[seg as string];
  }
  return { found: true, value: cur };
}
function setPath(obj: unknown, path: string, value: unknown): void {
  const segs = pathSegments(path);
  let cur = obj as Json;
  for (const seg of segs.slice(0, -1)) cur = cur[seg as string] as Json;
  cur[segs[segs.length - 1] as string] = value;
}

/**
 * What the rancher2 provider would report as changed between the live state and new inputs: the
 * ignored paths take their live value (as the bridge does), YAML config strings compare by
 * content (the provider's DiffSuppressFunc), zero values equal absent ones.
 */
function providerDiff(state: Json, inputs: Json, ignoreChanges: string[]): string[] {
  const planned = clone(inputs);
  for (const p of ignoreChanges) {
    const old = getPath(state, p);
    // The bridge drops the ignored attribute's diff: the planned value is the live one.
    if (old.found) setPath(planned, p, old.value);
  }
  const canon = (x: Json) => {
    const c = clone(x) as Json & { rkeConfig?: { machineGlobalConfig?: string; machineSelectorConfigs?: { config?: string }[] } };
    if (c.rkeConfig?.machineGlobalConfig !== undefined) c.rkeConfig.machineGlobalConfig = sortedYaml(parseYaml(c.rkeConfig.machineGlobalConfig) as Json);
    for (const s of c.rkeConfig?.machineSelectorConfigs ?? []) if (s.config !== undefined) s.config = sortedYaml(parseYaml(s.config) as Json);
    delete c.clusterV1Id;
    return normalize(c) as Json;
  };
  const a = canon(state);
  const b = canon(planned);
  const diffs: string[] = [];
  const walk = (x: unknown, y: unknown, path: string) => {
    if (JSON.stringify(x) === JSON.stringify(y)) return;
    if (x && y && typeof x === "object" && typeof y === "object") {
      for (const k of new Set([...Object.keys(x as Json), ...Object.keys(y as Json)])) {
        walk((x as Json)[k], (y as Json)[k], Array.isArray(x) ? `${path}[${k}]` : path ? `${path}.${k}` : k);
      }
      return;
    }
    diffs.push(path);
  };
  walk(a, b, "");
  return diffs;
}

// ------------------------------------------------------------------------------------------

describe("AuditedCluster under mocks", function () {
  const created: pulumi.runtime.MockResourceArgs[] = [];
  /** Clusters whose mock state is what Rancher's webhook would store. */
  const webhookClusters = new Map<string, "rke2" | "k3s">();
  /** The state the mock returned for each ClusterV2, by provisioning cluster name. */
  const liveState = new Map<string, Json>();
  // The components create nothing when imported, so a static import is fine; resources are only
  // constructed in the tests, after setMocks.
  const mod = Rancher;

  before(async () => {
    await pulumi.runtime.setMocks(
      {
        newResource(args) {
          created.push(args);
          let state: Json = { ...args.inputs };
          if (args.type === CLUSTER_TYPE) {
            const distro = webhookClusters.get(args.inputs.name as string);
            if (distro) state = webhookMutate(unwrap(args.inputs) as Json, distro);
            state.clusterV1Id = `c-m-${String(args.inputs.name).slice(0, 8)}`;
            liveState.set(args.inputs.name as string, unwrap(state) as Json);
          }
          return { id: `${args.name}-id`, state };
        },
        call(args) {
          throw new Error(`unmocked invoke ${args.token}`);
        },
      },
      "rancher-audit",
      "test",
      false,
    );
  });

  beforeEach(() => {
    created.length = 0;
  });

  /** The captured registration of a resource by its Pulumi name. */
  function registered(name: string): pulumi.runtime.MockResourceArgs {
    const found = created.filter((r) => r.name === name);
    assert.equal(found.length, 1, `expected one registration named ${name}, got ${found.length} (${created.map((c) => c.name).join(", ")})`);
    return found[0];
  }

  async function settle(c: Rancher.AuditedCluster): Promise<void> {
    await promiseOf(pulumi.all([c.urn, c.cluster.id, c.policyObject ? c.policyObject.id : "", c.restartScope, c.apiServerArgs]));
  }

  /** Waits until queued registrations reached the mock (used to prove that nothing was registered). */
  async function drain(): Promise<void> {
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  }

  type Matrix = { distro: "rke2" | "k3s"; version: string; delivery: "selector-files" | "inline"; source?: "secret" | "configmap" };
  const matrix: Matrix[] = [
    { distro: "rke2", version: RKE2, delivery: "selector-files", source: "secret" },
    { distro: "rke2", version: RKE2, delivery: "selector-files", source: "configmap" },
    { distro: "rke2", version: RKE2, delivery: "inline" },
    { distro: "k3s", version: K3S, delivery: "selector-files", source: "secret" },
    { distro: "k3s", version: K3S, delivery: "selector-files", source: "configmap" },
  ];

  for (const m of matrix) {
    it(`${m.distro}, ${m.delivery}${m.source ? `, ${m.source}` : ""}: exact inputs of the policy object and the ClusterV2`, async () => {
      const name = `${m.distro}-${m.delivery === "inline" ? "inline" : m.source}`;
      const c = new mod.AuditedCluster(name, {
        clusterName: name,
        kubernetesVersion: m.version,
        cluster: {
          rkeConfig: { machineGlobalConfig: "cni: canal\nkube-apiserver-arg:\n  - enable-admission-plugins=NodeRestriction\n" },
        },
        audit: { preset: "cis", delivery: m.delivery, ...(m.source ? { source: m.source } : {}), maxAge: 40 },
      });
      await settle(c);
      const policyText = renderPolicy(getPreset("cis"));
      const sha = createHash("sha256").update(policyText).digest("hex");
      const objectName = `${name}-audit-policy-${sha.slice(0, 10)}`;

      const cluster = registered(`${name}-cluster`);
      assert.equal(cluster.type, CLUSTER_TYPE);
      const inputs = unwrap(cluster.inputs) as Json & { rkeConfig: Json };
      assert.equal(inputs.name, name);
      assert.equal(inputs.fleetNamespace, "fleet-default");
      assert.equal(inputs.kubernetesVersion, m.version);
      assert.ok(!isSecretValue(cluster.inputs.rkeConfig), "rkeConfig must not be a secret (P3)");
      assert.equal(inputs.rkeConfig.machineGlobalConfig, "cni: canal\nkube-apiserver-arg:\n  - enable-admission-plugins=NodeRestriction\n");

      const flags = [
        "enable-admission-plugins=NodeRestriction",
        ...(m.delivery === "selector-files" ? [`audit-policy-file=/etc/rancher/${m.distro}/audit-policy.yaml`] : []),
        `audit-log-path=/var/lib/rancher/${m.distro}/server/logs/audit.log`,
        "audit-log-maxage=40",
        "audit-log-maxbackup=10",
        "audit-log-maxsize=100",
        "audit-log-format=json",
      ];
      const selectorConfig = m.delivery === "inline" ? { "audit-policy-file": policyText, "kube-apiserver-arg": flags } : { "kube-apiserver-arg": flags };
      assert.deepEqual(inputs.rkeConfig.machineSelectorConfigs, [{ machineLabelSelector: CP, config: mod.renderConfigYaml(selectorConfig) }]);

      if (m.delivery === "inline") {
        // An explicit empty list, never left out: the field is Computed, so a left-out list would
        // keep the file entry of an earlier selector-files rollout.
        assert.deepEqual(inputs.rkeConfig.machineSelectorFiles, []);
        assert.equal(created.filter((r) => r.type === SECRET_TYPE || r.type === CONFIGMAP_TYPE).length, 0, "inline: no policy object");
        assert.equal(await promiseOf(c.policySourceName), undefined);
      } else {
        const obj = registered(`${name}-policy`);
        assert.equal(obj.type, m.source === "secret" ? SECRET_TYPE : CONFIGMAP_TYPE);
        const o = unwrap(obj.inputs) as Json;
        const content = ((o.stringData ?? o.data) as Json)["audit-policy"] as string;
        const metadata = {
          name: objectName,
          namespace: "fleet-default",
          annotations: { "rke.cattle.io/object-authorized-for-clusters": name, "rancher-audit.io/policy-sha256": sha },
          labels: { "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "rancher-audit" },
        };
        if (m.source === "secret") {
          assert.ok(isSecretValue(obj.inputs.stringData), "Secret data is secret");
          assert.deepEqual(o, { apiVersion: "v1", kind: "Secret", metadata, type: "Opaque", immutable: true, stringData: { "audit-policy": policyText } });
        } else {
          assert.deepEqual(o, { apiVersion: "v1", kind: "ConfigMap", metadata, immutable: true, data: { "audit-policy": policyText } });
        }
        const item = { key: "audit-policy", path: `/etc/rancher/${m.distro}/audit-policy.yaml`, permissions: "0600", dynamic: false, hash: b64sha256(content) };
        const src = { name: objectName, items: [item] };
        assert.deepEqual(inputs.rkeConfig.machineSelectorFiles, [
          { machineLabelSelector: CP, fileSources: [m.source === "secret" ? { secret: src } : { configmap: src }] },
        ]);
        assert.equal(await promiseOf(c.policySourceName), objectName);
      }
      // Outputs.
      assert.equal(await promiseOf(c.clusterName), name);
      assert.equal(await promiseOf(c.clusterV1Id), `c-m-${name.slice(0, 8)}`);
      assert.equal(await promiseOf(c.policySha256), sha);
      assert.equal(await promiseOf(c.policyYaml), policyText);
      assert.deepEqual(await promiseOf(c.apiServerArgs), flags);
      assert.deepEqual((await promiseOf(c.restartScope)).roles, ["control-plane"]);
      // The component itself got `{}` as inputs (no secrets or Outputs sent to the engine).
      assert.deepEqual(registered(name).inputs, {});
    });
  }

  it("composes with the user's ClusterV2 args, Outputs included, without overwriting them", async () => {
    const creds = pulumi.output("cc-abc12");
    const userFile = { machineLabelSelector: CP, fileSources: [{ configmap: { name: "extra", items: [{ key: "k", path: "/etc/extra.conf" }] } }] };
    const c = new mod.AuditedCluster("composed", {
      clusterName: "composed",
      kubernetesVersion: RKE2,
      cluster: {
        cloudCredentialSecretName: creds,
        labels: { env: "prod" },
        enableNetworkPolicy: true,
        rkeConfig: {
          machinePools: [{ name: "cp", cloudCredentialSecretName: creds, controlPlaneRole: true, etcdRole: true, machineConfig: { kind: "Amazonec2Config", name: pulumi.output("cfg-1") } }],
          registries: { mirrors: [{ hostname: "docker.io", endpoints: ["https://mirror.example.com"] }] },
          upgradeStrategy: { controlPlaneConcurrency: "1" },
          machineGlobalConfig: pulumi.output("kube-apiserver-arg: [x=1]\n"),
          machineSelectorConfigs: [{ machineLabelSelector: { matchLabels: { "rke.cattle.io/worker-role": "true" } }, config: "kubelet-arg: [max-pods=200]\n" }],
          machineSelectorFiles: [userFile],
        },
      },
      audit: { preset: "metadata" },
    });
    await settle(c);
    const inputs = unwrap(registered("composed-cluster").inputs) as Json & { rkeConfig: Json };
    assert.equal(inputs.cloudCredentialSecretName, "cc-abc12");
    assert.deepEqual(inputs.labels, { env: "prod" });
    assert.equal(inputs.enableNetworkPolicy, true);
    assert.deepEqual(inputs.rkeConfig.machinePools, [{ name: "cp", cloudCredentialSecretName: "cc-abc12", controlPlaneRole: true, etcdRole: true, machineConfig: { kind: "Amazonec2Config", name: "cfg-1" } }]);
    assert.deepEqual(inputs.rkeConfig.registries, { mirrors: [{ hostname: "docker.io", endpoints: ["https://mirror.example.com"] }] });
    assert.deepEqual(inputs.rkeConfig.upgradeStrategy, { controlPlaneConcurrency: "1" });
    assert.equal(inputs.rkeConfig.machineGlobalConfig, "kube-apiserver-arg:\n  - x=1\n");
    const configs = inputs.rkeConfig.machineSelectorConfigs as Json[];
    assert.equal(configs.length, 2);
    assert.deepEqual(configs[0], { machineLabelSelector: { matchLabels: { "rke.cattle.io/worker-role": "true" } }, config: "kubelet-arg: [max-pods=200]\n" });
    assert.deepEqual((parseYaml(configs[1].config as string) as Json)["kube-apiserver-arg"], [
      "x=1",
      "audit-policy-file=/etc/rancher/rke2/audit-policy.yaml",
      "audit-log-path=/var/lib/rancher/rke2/server/logs/audit.log",
      "audit-log-maxage=30",
      "audit-log-maxbackup=10",
      "audit-log-maxsize=100",
      "audit-log-format=json",
    ]);
    const files = inputs.rkeConfig.machineSelectorFiles as Json[];
    assert.equal(files.length, 2);
    assert.deepEqual(files[0], userFile);
    // Same result as composing the plain values.
    const plain = mod.auditRkeConfig({
      clusterName: "composed",
      kubernetesVersion: RKE2,
      audit: { preset: "metadata" },
      rkeConfig: { machineGlobalConfig: "kube-apiserver-arg: [x=1]\n", machineSelectorConfigs: [configs[0]] as Rancher.SelectorConfig[], machineSelectorFiles: [userFile] },
    });
    assert.deepEqual(configs, plain.machineSelectorConfigs);
    assert.deepEqual(files, plain.machineSelectorFiles);
    assert.deepEqual(await promiseOf(c.apiServerArgs), plain.apiServerArgs);
  });

  it("composes a whole-Output rkeConfig once it is known", async () => {
    const c = new mod.AuditedCluster("late", {
      clusterName: "late",
      kubernetesVersion: K3S,
      cluster: { rkeConfig: pulumi.output({ machineGlobalConfig: "kube-apiserver-arg: [y=2]\n", chartValues: "a: 1\n" }) },
      audit: { preset: "cis" },
    });
    await settle(c);
    const inputs = unwrap(registered("late-cluster").inputs) as Json & { rkeConfig: Json };
    assert.equal(inputs.rkeConfig.chartValues, "a: 1\n");
    assert.equal((inputs.rkeConfig.machineSelectorFiles as Json[]).length, 1);
    assert.equal((await promiseOf(c.apiServerArgs))[0], "y=2");
  });

  it("gives byte-identical inputs on a second run, and keeps name and namespace fixed across presets", async () => {
    const make = (n: string, preset: string) =>
      new mod.AuditedCluster(n, {
        clusterName: "fixed",
        kubernetesVersion: RKE2,
        fleetNamespace: "fleet-prod",
        cluster: { rkeConfig: { machineGlobalConfig: "b: 2\na: 1\nkube-apiserver-arg: [z=1, a=2]\n" } },
        audit: { preset },
      });
    const runs = [make("run1", "recommended"), make("run2", "recommended"), make("run3", "metadata"), make("run4", "cis")];
    for (const r of runs) await settle(r);
    const cluster = (n: string) => JSON.stringify(registered(`${n}-cluster`).inputs);
    const object = (n: string) => JSON.stringify(registered(`${n}-policy`).inputs);
    assert.equal(cluster("run1"), cluster("run2"));
    assert.equal(object("run1"), object("run2"));
    for (const n of ["run1", "run3", "run4"]) {
      const i = unwrap(registered(`${n}-cluster`).inputs) as Json;
      assert.equal(i.name, "fixed");
      assert.equal(i.fleetNamespace, "fleet-prod");
      assert.equal(i.kubernetesVersion, RKE2);
      assert.equal((unwrap(registered(`${n}-policy`).inputs) as { metadata: Json }).metadata.namespace, "fleet-prod");
    }
    assert.notEqual(object("run1"), object("run3"), "another preset is another object");
  });

  it("orders the policy object before the cluster (dependsOn) and never uses deleteBeforeReplace", async () => {
    const captured: { name: string; opts: pulumi.ResourceOptions }[] = [];
    const c = new mod.AuditedCluster(
      "order",
      { clusterName: "order", kubernetesVersion: RKE2 },
      {
        transformations: [
          (a) => {
            captured.push({ name: a.name, opts: a.opts });
            return undefined;
          },
        ],
      },
    );
    await settle(c);
    const clusterOpts = captured.find((x) => x.name === "order-cluster")!.opts as pulumi.CustomResourceOptions;
    assert.deepEqual(clusterOpts.dependsOn, [c.policyObject]);
    assert.equal(clusterOpts.parent, c);
    assert.deepEqual(clusterOpts.ignoreChanges, []);
    const objOpts = captured.find((x) => x.name === "order-policy")!.opts as pulumi.CustomResourceOptions;
    assert.equal(objOpts.deleteBeforeReplace, undefined);
    assert.equal(objOpts.parent, c);
  });

  describe("Pod Security Admission template (mock state = what Rancher's webhook stores)", () => {
    for (const [distro, version] of [
      ["rke2", RKE2],
      ["k3s", K3S],
    ] as const) {
      it(`${distro}: the webhook finds nothing to change except the hash, which is ignored; no diff on the next preview`, async () => {
        const clusterName = `psa-${distro}`;
        webhookClusters.set(clusterName, distro);
        const args: Rancher.AuditedClusterArgs = {
          clusterName,
          kubernetesVersion: version,
          cluster: {
            defaultPodSecurityAdmissionConfigurationTemplateName: "rancher-restricted",
            rkeConfig: {
              machineGlobalConfig: "kube-apiserver-arg:\n  - enable-admission-plugins=NodeRestriction\n",
              machineSelectorFiles: [{ machineLabelSelector: CP, fileSources: [{ configmap: { name: "extra", items: [{ key: "k", path: "/etc/extra" }] } }] }],
            },
          },
          audit: { preset: "recommended" },
        };
        const captured: { name: string; opts: pulumi.CustomResourceOptions }[] = [];
        const transformations: pulumi.ResourceTransformation[] = [
          (a) => {
            captured.push({ name: a.name, opts: a.opts as pulumi.CustomResourceOptions });
            return undefined;
          },
        ];
        const first = new mod.AuditedCluster(`${clusterName}-1`, args, { transformations });
        await settle(first);
        const inputs = unwrap(registered(`${clusterName}-1-cluster`).inputs) as Json & { rkeConfig: Json };
        const ignoreChanges = captured.find((x) => x.name === `${clusterName}-1-cluster`)!.opts.ignoreChanges!;
        assert.deepEqual(ignoreChanges, ["rkeConfig.machineSelectorFiles[2].fileSources[0].secret.items[0].hash"]);

        // The state the mock returned is the webhook-mutated object.
        const state = liveState.get(clusterName) as Json & { rkeConfig: Json };
        assert.deepEqual(unwrap(await promiseOf(first.cluster.rkeConfig)), state.rkeConfig, "the resource's outputs are the mutated state");
        const liveFiles = state.rkeConfig.machineSelectorFiles as Json[];
        assert.equal(liveFiles.length, 3, "the webhook replaced our copy of its entry instead of adding a second one");
        assert.equal(getPath(state, "rkeConfig.machineSelectorFiles[2].fileSources[0].secret.name").value, `${clusterName}-admission-configuration-psact`);
        assert.equal(getPath(state, ignoreChanges[0]).value, WEBHOOK_HASH, "the ignored path is exactly the webhook's hash");
        assert.deepEqual(liveFiles.slice(0, 2), (inputs.rkeConfig.machineSelectorFiles as Json[]).slice(0, 2), "our and the user's entries untouched");
        assert.deepEqual(
          (parseYaml(state.rkeConfig.machineGlobalConfig as string) as Json)["kube-apiserver-arg"],
          [`admission-control-config-file=/etc/rancher/${distro}/config/rancher-psact.yaml`, "enable-admission-plugins=NodeRestriction"],
        );

        // Next preview: the same program gives the same inputs, and the provider sees no change.
        const second = new mod.AuditedCluster(`${clusterName}-2`, args);
        await settle(second);
        const again = unwrap(registered(`${clusterName}-2-cluster`).inputs) as Json;
        assert.deepEqual(again, inputs);
        const live = state;
        assert.deepEqual(providerDiff(live, again, ignoreChanges), []);
        // Without ignoreChanges the only difference is that hash.
        assert.deepEqual(providerDiff(live, again, []), ["rkeConfig.machineSelectorFiles[2].fileSources[0].secret.items[0].hash"]);

        // What hand-written ClusterV2 resources do (no webhook flag, no webhook entry): a diff on
        // every preview, and every update has the webhook rewrite the cluster again.
        const naive = clone(again) as Json & { rkeConfig: { machineSelectorFiles: Json[]; machineGlobalConfig: string } };
        naive.rkeConfig.machineSelectorFiles = naive.rkeConfig.machineSelectorFiles.slice(0, 2);
        naive.rkeConfig.machineGlobalConfig = "kube-apiserver-arg:\n  - enable-admission-plugins=NodeRestriction\n";
        assert.ok(providerDiff(live, naive, []).length >= 2);

        // The control-plane list carries the webhook flag too (it replaces the global list there).
        const cp = await promiseOf(second.apiServerArgs);
        assert.equal(cp[0], `admission-control-config-file=/etc/rancher/${distro}/config/rancher-psact.yaml`);
        assert.equal(cp[1], "enable-admission-plugins=NodeRestriction");
        assert.ok(cp.includes(`audit-policy-file=/etc/rancher/${distro}/audit-policy.yaml`));
      });
    }

    it("an audit policy change moves our entry's secret name and hash but not the webhook entry's position", async () => {
      webhookClusters.set("psa-change", "rke2");
      const make = (n: string, preset: string) =>
        new mod.AuditedCluster(n, {
          clusterName: "psa-change",
          kubernetesVersion: RKE2,
          cluster: { defaultPodSecurityAdmissionConfigurationTemplateName: "rancher-restricted" },
          audit: { preset },
        });
      const before = make("psa-change-1", "cis");
      await settle(before);
      const live = liveState.get("psa-change")!;
      const after = make("psa-change-2", "recommended");
      await settle(after);
      const next = unwrap(registered("psa-change-2-cluster").inputs) as Json;
      const diff = providerDiff(live, next, [mod.psactHashPath(1)]);
      assert.deepEqual(diff.sort(), [
        "rkeConfig.machineSelectorFiles[0].fileSources[0].secret.items[0].hash",
        "rkeConfig.machineSelectorFiles[0].fileSources[0].secret.name",
      ]);
    });
  });

  describe("AuditPolicySource shared by several clusters", () => {
    it("one object authorized for all of them; each cluster points at it and depends on it", async () => {
      const src = new mod.AuditPolicySource("fleet-a", { authorizedClusters: ["b-2", "a-1", "b-2"], preset: "cis", source: "configmap", kubernetesVersion: RKE2 });
      const captured: { name: string; opts: pulumi.CustomResourceOptions }[] = [];
      const transformations: pulumi.ResourceTransformation[] = [
        (a) => {
          captured.push({ name: a.name, opts: a.opts as pulumi.CustomResourceOptions });
          return undefined;
        },
      ];
      const a = new mod.AuditedCluster("a-1", { clusterName: "a-1", kubernetesVersion: RKE2, audit: { policySource: src.ref } }, { transformations });
      const b = new mod.AuditedCluster("b-2", { clusterName: "b-2", kubernetesVersion: K3S, audit: { policySource: src as unknown as Rancher.PolicySourceRefArgs, logPath: "/var/log/audit/k3s.log" } }); // the source itself: accepted at run time (before 0.2.0)
      await settle(a);
      await settle(b);
      await promiseOf(src.object.id);
      const text = renderPolicy(getPreset("cis"));
      const sha = createHash("sha256").update(text).digest("hex");
      const obj = unwrap(registered("fleet-a-policy").inputs) as { metadata: Json; data: Json };
      assert.equal(obj.metadata.name, `fleet-a-${sha.slice(0, 10)}`);
      assert.deepEqual(obj.metadata.annotations, { "rke.cattle.io/object-authorized-for-clusters": "a-1,b-2", "rancher-audit.io/policy-sha256": sha });
      assert.deepEqual(obj.data, { "audit-policy": text });
      assert.equal(created.filter((r) => r.type === CONFIGMAP_TYPE || r.type === SECRET_TYPE).length, 1);
      for (const [n, distro] of [
        ["a-1", "rke2"],
        ["b-2", "k3s"],
      ]) {
        const files = (unwrap(registered(`${n}-cluster`).inputs) as { rkeConfig: { machineSelectorFiles: Json[] } }).rkeConfig.machineSelectorFiles;
        assert.deepEqual(files, [
          {
            machineLabelSelector: CP,
            fileSources: [{ configmap: { name: `fleet-a-${sha.slice(0, 10)}`, items: [{ key: "audit-policy", path: `/etc/rancher/${distro}/audit-policy.yaml`, permissions: "0600", dynamic: false, hash: b64sha256(text) }] } }],
          },
        ]);
      }
      assert.deepEqual(captured.find((x) => x.name === "a-1-cluster")!.opts.dependsOn, [src]);
      assert.equal(await promiseOf(a.policySourceName), `fleet-a-${sha.slice(0, 10)}`);
      assert.deepEqual(await promiseOf(src.authorizedClusters), ["a-1", "b-2"]);
    });

    it("refuses a cluster the source does not authorize, another namespace, or a policy next to the source; registers nothing", async () => {
      const src = new mod.AuditPolicySource("fleet-b", { authorizedClusters: ["x-1"], preset: "metadata" });
      await promiseOf(src.object.id);
      created.length = 0;
      const cases: [Rancher.AuditedClusterArgs, RegExp][] = [
        [{ clusterName: "y-1", kubernetesVersion: RKE2, audit: { policySource: src.ref } }, /AuditedCluster "bad": audit\.policySource: "fleet-b-[0-9a-f]{10}" is not authorized for cluster "y-1".*add "y-1" to the AuditPolicySource's authorizedClusters/],
        [{ clusterName: "x-1", kubernetesVersion: RKE2, fleetNamespace: "fleet-other", audit: { policySource: src.ref } }, /audit\.policySource: .*namespace "fleet-default" but the cluster in "fleet-other"/],
        [{ clusterName: "x-1", kubernetesVersion: RKE2, audit: { policySource: src.ref, preset: "cis" } }, /audit\.policySource: comes with its own policy/],
        [{ clusterName: "x-1", kubernetesVersion: RKE2, audit: { policySource: src.ref, delivery: "inline" } }, /audit\.delivery: a shared policySource is delivered with machineSelectorFiles/],
      ];
      for (const [args, re] of cases) assert.throws(() => new mod.AuditedCluster("bad", args), re);
      await drain();
      assert.deepEqual(created.map((c) => c.name), []);
    });
  });

  it("enabled: false: no policy object, none of the component's entries, outputs say so", async () => {
    const c = new mod.AuditedCluster("off", {
      clusterName: "off",
      kubernetesVersion: RKE2,
      cluster: { rkeConfig: { machineGlobalConfig: "cni: canal\n" } },
      audit: { enabled: false },
    });
    await settle(c);
    assert.equal(c.policyObject, undefined);
    assert.equal(created.filter((r) => r.type === SECRET_TYPE || r.type === CONFIGMAP_TYPE).length, 0);
    const inputs = unwrap(registered("off-cluster").inputs) as { rkeConfig: Json };
    // Explicit empty lists remove the entries an earlier enabled rollout added (the provider keeps a
    // left-out Computed list as it was, which would leave a file entry pointing at a deleted object).
    assert.deepEqual(inputs.rkeConfig, { machineGlobalConfig: "cni: canal\n", machineSelectorConfigs: [], machineSelectorFiles: [] });
    assert.equal(await promiseOf(c.policySourceName), undefined);
    assert.equal(await promiseOf(c.policyYaml), undefined);
    assert.deepEqual((await promiseOf(c.restartScope)).roles, []);
  });

  describe("bad input: an error naming the argument, and nothing registered", () => {
    const cases: [string, Rancher.AuditedClusterArgs, RegExp][] = [
      ["unknown distro", { clusterName: "e1", kubernetesVersion: "v1.31.5" }, /AuditedCluster "e1": kubernetesVersion: .*RKE2 or K3s/],
      ["bad cluster name", { clusterName: "E_1", kubernetesVersion: RKE2 }, /AuditedCluster "e1": clusterName: /],
      ["inline on K3s", { clusterName: "e1", kubernetesVersion: K3S, audit: { delivery: "inline" } }, /audit\.delivery: delivery "inline" does not work on K3s.*"selector-files"/],
      ["relative log path", { clusterName: "e1", kubernetesVersion: RKE2, audit: { logPath: "audit.log" } }, /audit\.logPath: must be an absolute path/],
      ["log path = policy path", { clusterName: "e1", kubernetesVersion: RKE2, audit: { policyPath: "/etc/a", logPath: "/etc/a" } }, /audit\.logPath: must not be the policy path/],
      ["retention", { clusterName: "e1", kubernetesVersion: RKE2, audit: { maxBackup: 0 } }, /audit\.maxBackup: must be a whole number of files/],
      ["format", { clusterName: "e1", kubernetesVersion: RKE2, audit: { format: "text" as never } }, /audit\.format: must be one of "json", "legacy"/],
      ["unknown preset", { clusterName: "e1", kubernetesVersion: RKE2, audit: { preset: "all" } }, /audit\.preset: "all" is not a preset/],
      ["audit: false (not an object)", { clusterName: "e1", kubernetesVersion: RKE2, audit: false as never }, /AuditedCluster "e1": audit: must be an object.*\{ enabled: false \}/],
      ["audit as a string", { clusterName: "e1", kubernetesVersion: RKE2, audit: "recommended" as never }, /audit: must be an object/],
      ["invalid policy", { clusterName: "e1", kubernetesVersion: RKE2, audit: { policyYaml: "kind: Policy\n" } }, /audit\.policyYaml: the audit policy is not valid/],
      ["unsafe policy", { clusterName: "e1", kubernetesVersion: RKE2, audit: { policy: { apiVersion: "audit.k8s.io/v1", kind: "Policy", rules: [{ level: "RequestResponse" }] } } }, /audit\.policy: the audit policy is unsafe/],
      ["user sets audit-log-path differently", { clusterName: "e1", kubernetesVersion: RKE2, cluster: { rkeConfig: { machineGlobalConfig: "kube-apiserver-arg: [audit-log-path=/tmp/a.log]\n" } } }, /cluster\.rkeConfig\.machineGlobalConfig: kube-apiserver-arg\[0\]: "audit-log-path=\/tmp\/a\.log" conflicts .*set audit\.logPath instead/],
      ["user sets audit-policy-file key", { clusterName: "e1", kubernetesVersion: RKE2, cluster: { rkeConfig: { machineGlobalConfig: "audit-policy-file: /etc/x.yaml\n" } } }, /cluster\.rkeConfig\.machineGlobalConfig: sets "audit-policy-file: \/etc\/x\.yaml", a path/],
      ["cluster.name", { clusterName: "e1", kubernetesVersion: RKE2, cluster: { name: "other" } as never }, /cluster\.name: is set by the component; use the top-level "clusterName"/],
      ["PSACT template as Output", { clusterName: "e1", kubernetesVersion: RKE2, cluster: { defaultPodSecurityAdmissionConfigurationTemplateName: pulumi.output("x") } }, /cluster\.defaultPodSecurityAdmissionConfigurationTemplateName: must be a plain string/],
      ["PSACT with Output rkeConfig", { clusterName: "e1", kubernetesVersion: RKE2, cluster: { defaultPodSecurityAdmissionConfigurationTemplateName: "x", rkeConfig: pulumi.output({}) } }, /cluster\.rkeConfig: must be a plain object/],
    ];
    for (const [what, args, re] of cases) {
      it(what, async () => {
        assert.throws(() => new mod.AuditedCluster("e1", args), re);
        await drain();
        assert.deepEqual(created.map((c) => c.name), [], "nothing registered");
      });
    }

    it("AuditPolicySource: bad authorized cluster list or source", async () => {
      assert.throws(() => new mod.AuditPolicySource("s", { authorizedClusters: [], preset: "cis" }), /AuditPolicySource "s": authorizedClusters: must list at least one/);
      assert.throws(() => new mod.AuditPolicySource("s", { authorizedClusters: ["a b"], preset: "cis" }), /authorizedClusters\[0\]/);
      assert.throws(() => new mod.AuditPolicySource("s", { authorizedClusters: ["a"], preset: "cis", source: "vault" as never }), /source: must be "secret" or "configmap"/);
      assert.throws(() => new mod.AuditPolicySource("s", { authorizedClusters: ["a"], preset: "nope" }), /preset: "nope" is not a preset/);
      await drain();
      assert.deepEqual(created.map((c) => c.name), []);
    });
  });
});
