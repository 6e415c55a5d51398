/**
 * AuditLogShipping under Pulumi mocks: the exact inputs each resource receives for both
 * collectors (RKE2 and K3s AuditedClusters, default and custom logPath; an RKE1 source), how the
 * downstream cluster is reached (ClusterSync or a given provider), that a sink password set as a
 * Pulumi secret appears in no registered input's plain text, that shipping never changes a
 * ClusterV2 input, determinism, and refusals that register nothing.
 */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { parse as parseYaml } from "yaml";

import { AuditedCluster } from "../../components/rancher";
import { AuditLogShipping, Collector, ShippingDistro, SinkKind, TlsMode, describeShipping, type AuditLogShippingArgs } from "../../components/shipping";
import { isSecret, promiseOf, SECRET_SIG, unwrap } from "../support/pulumi";

type Json = Record<string, unknown>;
const PASSWORD = "Zq9-very-secret-password-!x";
const PEM = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2E=\n-----END CERTIFICATE-----\n";
const KUBECONFIG = "apiVersion: v1\nkind: Config\nclusters: []\n";

describe("AuditLogShipping under mocks", function () {
  const created: pulumi.runtime.MockResourceArgs[] = [];

  before(async () => {
    await pulumi.runtime.setMocks(
      {
        newResource(args) {
          created.push(args);
          const state: Json = { ...args.inputs };
          if (args.type === "rancher2:index/clusterV2:ClusterV2") state.clusterV1Id = `c-m-${String(args.inputs.name).slice(0, 8)}`;
          if (args.type === "rancher2:index/clusterSync:ClusterSync") state.kubeConfig = KUBECONFIG;
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

  async function settle(s: AuditLogShipping): Promise<void> {
    await promiseOf(pulumi.all([s.urn, s.collector, s.logPath, s.daemonSet ? s.daemonSet.id : "", s.app ? s.app.id : ""]));
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  }

  function byType(type: string): pulumi.runtime.MockResourceArgs[] {
    return created.filter((r) => r.type === type);
  }

  function one(name: string): pulumi.runtime.MockResourceArgs {
    const found = created.filter((r) => r.name === name);
    assert.equal(found.length, 1, `expected one registration named ${name}, got ${created.map((c) => c.name).join(", ")}`);
    return found[0];
  }

  const loki = (password: pulumi.Input<string> = pulumi.secret(PASSWORD)) => ({ name: "loki", kind: SinkKind.Loki, url: "https://loki.example.com", username: "audit", password });

  const matrix = [
    { distro: "rke2", version: "v1.31.5+rke2r1", logPath: undefined, file: "/var/lib/rancher/rke2/server/logs/audit.log" },
    { distro: "rke2", version: "v1.31.5+rke2r1", logPath: "/var/log/kube/audit.json", file: "/var/log/kube/audit.json" },
    { distro: "k3s", version: "v1.31.5+k3s1", logPath: undefined, file: "/var/lib/rancher/k3s/server/logs/audit.log" },
    { distro: "k3s", version: "v1.31.5+k3s1", logPath: "/var/lib/rancher/{distro}/audit/k3s-audit.log", file: "/var/lib/rancher/k3s/audit/k3s-audit.log" },
  ];

  for (const m of matrix) {
    const label = `${m.distro}, ${m.logPath ?? "default logPath"}`;
    it(`Fluent Bit, ${label}: reads ${m.file} on control-plane nodes, tolerating control-plane and etcd taints`, async () => {
      const cluster = new AuditedCluster(`c-${m.distro}`, { clusterName: `${m.distro}-a`, kubernetesVersion: m.version, audit: { logPath: m.logPath } });
      const s = new AuditLogShipping(`ship-${m.distro}`, { cluster, sinks: [loki()] });
      await settle(s);
      const cm = unwrap(one(`ship-${m.distro}-config`).inputs) as { data: Record<string, string>; metadata: Json };
      assert.match(cm.data["fluent-bit.conf"], new RegExp(`\\n    path +${m.file.replace(/\//g, "\\/")}\\n`));
      const ds = unwrap(one(`ship-${m.distro}-daemonset`).inputs) as { spec: { template: { spec: Json & { volumes: Json[] } } } };
      const pod = ds.spec.template.spec;
      assert.deepEqual(pod.nodeSelector, { "node-role.kubernetes.io/control-plane": "true" });
      assert.deepEqual(pod.tolerations, [
        { effect: "NoSchedule", key: "node-role.kubernetes.io/control-plane", operator: "Exists" },
        { effect: "NoExecute", key: "node-role.kubernetes.io/etcd", operator: "Exists" },
      ]);
      assert.deepEqual(pod.volumes[0], { hostPath: { path: m.file.slice(0, m.file.lastIndexOf("/")), type: "Directory" }, name: "audit-log" });
      // Reached through Rancher: ClusterSync on the ClusterV2's v1 id, its kubeconfig in a provider.
      assert.deepEqual(unwrap(one(`ship-${m.distro}-sync`).inputs), { clusterId: `c-m-${m.distro}-a`, stateConfirm: 2 });
      assert.equal(unwrap(one(`ship-${m.distro}-k8s`).inputs.kubeconfig), KUBECONFIG);
      assert.equal(await promiseOf(s.logPath), m.file);
    });

    it(`rancher-logging, ${label}: the app's values read ${m.file}; routes share one loggingRef`, async () => {
      const cluster = new AuditedCluster(`r-${m.distro}`, { clusterName: `${m.distro}-b`, kubernetesVersion: m.version, audit: { logPath: m.logPath } });
      const s = new AuditLogShipping(`rl-${m.distro}`, { cluster, collector: Collector.RancherLogging, rancherLogging: { chartVersion: "104.1.2+up4.8.0" }, sinks: [loki()] });
      await settle(s);
      const app = unwrap(one(`rl-${m.distro}-rancher-logging`).inputs) as Json & { values: string };
      assert.deepEqual({ ...app, values: undefined }, {
        chartName: "rancher-logging",
        chartVersion: "104.1.2+up4.8.0",
        cleanupOnFail: true,
        clusterId: `c-m-${m.distro}-b`,
        name: "rancher-logging",
        namespace: "cattle-logging-system",
        repoName: "rancher-charts",
        values: undefined,
        wait: true,
      });
      const values = parseYaml(app.values) as { additionalLoggingSources: Json & { kubeAudit: Json & { fluentbit: Json } } };
      const audit = values.additionalLoggingSources.kubeAudit;
      assert.equal(`${audit.pathPrefix}/${audit.auditFilename}`, m.file);
      assert.deepEqual(values.additionalLoggingSources[m.distro], { enabled: true });
      assert.deepEqual(audit.fluentbit.tolerations, [
        { effect: "NoSchedule", key: "node-role.kubernetes.io/control-plane", operator: "Exists" },
        { effect: "NoExecute", key: "node-role.kubernetes.io/etcd", operator: "Exists" },
      ]);
      assert.deepEqual(audit.nodeSelector, { "node-role.kubernetes.io/control-plane": "true" });
      const output = unwrap(one(`rl-${m.distro}-output-loki`).inputs) as Json & { spec: Json & { loki: Json } };
      assert.equal(output.kind, "ClusterOutput");
      assert.deepEqual(output.spec.loki.password, { valueFrom: { secretKeyRef: { key: "password", name: "kube-audit-loki" } } });
      assert.deepEqual(output.spec.loki.extra_labels, { cluster: `${m.distro}-b`, distro: m.distro, job: "kube-audit" });
      const flow = unwrap(one(`rl-${m.distro}-flow`).inputs) as Json & { spec: Json };
      assert.deepEqual([audit.loggingRef, audit.fluentbit.loggingRef, output.spec.loggingRef, flow.spec.loggingRef], Array(4).fill("kube-audit"));
      const secret = one(`rl-${m.distro}-secret-loki`).inputs as Json & { metadata: Json };
      assert.deepEqual(unwrap(secret.metadata), { labels: { "app.kubernetes.io/part-of": "rancher-audit" }, name: "kube-audit-loki", namespace: "cattle-logging-system" });
    });
  }

  it("Fluent Bit: the exact inputs of the Namespace, ServiceAccount, ConfigMap, Secret and DaemonSet (golden)", async () => {
    const s = new AuditLogShipping("exact", {
      source: { clusterName: "prod-eu-1", distro: ShippingDistro.Rke2, clusterV1Id: "c-m-prodeu1" },
      sinks: [{ name: "loki", kind: SinkKind.Loki, url: "https://loki.example.com", tenant: "platform", username: "u", password: pulumi.secret("p") }],
    });
    await settle(s);
    const golden = JSON.parse(readFileSync(join(__dirname, "golden", "rke2-loki.manifests.json"), "utf8")) as Record<string, Json>;
    assert.deepEqual(unwrap(one("exact-namespace").inputs), golden.namespace);
    assert.deepEqual(unwrap(one("exact-serviceaccount").inputs), golden.serviceAccount);
    assert.deepEqual(unwrap(one("exact-config").inputs), golden.configMap);
    assert.deepEqual(unwrap(one("exact-daemonset").inputs), golden.daemonSet);
    assert.deepEqual(unwrap(one("exact-secret-loki").inputs), {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { labels: { "app.kubernetes.io/part-of": "rancher-audit" }, name: "kube-audit-loki", namespace: "kube-audit-shipping" },
      stringData: { password: "p", username: "u" },
      type: "Opaque",
    });
  });

  it("an RKE1 cluster rendered by `render rke1`: reads /var/log/kube-audit/audit-log.json, controlplane label and taint", async () => {
    const provider = new k8s.Provider("rke1-k8s", { kubeconfig: KUBECONFIG });
    const s = new AuditLogShipping("rke1", { source: { clusterName: "legacy-1", distro: ShippingDistro.Rke1 }, sinks: [loki()] }, { providers: [provider] });
    await settle(s);
    const ds = unwrap(one("rke1-daemonset").inputs) as { spec: { template: { spec: Json } } };
    assert.deepEqual(ds.spec.template.spec.nodeSelector, { "node-role.kubernetes.io/controlplane": "true" });
    assert.equal((ds.spec.template.spec.tolerations as Json[])[0].key, "node-role.kubernetes.io/controlplane");
    const cm = unwrap(one("rke1-config").inputs) as { data: Record<string, string> };
    assert.match(cm.data["fluent-bit.conf"], /\n {4}path +\/var\/log\/kube-audit\/audit-log\.json\n/);
    // A given provider: no ClusterSync, no provider of our own.
    assert.equal(byType("rancher2:index/clusterSync:ClusterSync").length, 0);
    assert.equal(created.filter((r) => r.type === "pulumi:providers:kubernetes" && r.name !== "rke1-k8s").length, 0);
    assert.ok(String(one("rke1-daemonset").provider).includes("rke1-k8s"), `DaemonSet provider: ${one("rke1-daemonset").provider}`);
  });

  it("a provider in opts.providers is inherited and no ClusterSync is created", async () => {
    const provider = new k8s.Provider("inherited-k8s", { kubeconfig: KUBECONFIG });
    const s = new AuditLogShipping("inh", { source: { clusterName: "ext-1", distro: ShippingDistro.K3s }, sinks: [loki()] }, { providers: [provider] });
    await settle(s);
    assert.equal(byType("rancher2:index/clusterSync:ClusterSync").length, 0);
    assert.ok(String(one("inh-daemonset").provider).includes("inherited-k8s"));
  });

  /** Every registered input as text, with each Pulumi secret replaced by a marker. */
  function plainText(): string {
    const hide = (v: unknown): unknown => {
      if (isSecret(v)) return "[secret]";
      if (Array.isArray(v)) return v.map(hide);
      if (v && typeof v === "object") return Object.fromEntries(Object.entries(v as Json).map(([k, x]) => [k, hide(x)]));
      return v;
    };
    return created.map((r) => JSON.stringify(hide(r.inputs))).join("\n");
  }

  for (const collector of [Collector.FluentBit, Collector.RancherLogging]) {
    it(`${collector}: a secret password appears in no registered input's plain text; the Secret holds it as a secret`, async () => {
      const s = new AuditLogShipping(`sec-${collector}`, {
        source: { clusterName: "prod-1", distro: ShippingDistro.Rke2, clusterV1Id: "c-m-prod1" },
        collector,
        rancherLogging: collector === Collector.RancherLogging ? { chartVersion: "104.1.2+up4.8.0" } : undefined,
        sinks: [loki(), { name: "es", kind: SinkKind.Elasticsearch, url: "https://es.example.com:9200", username: "elastic", password: pulumi.secret(PASSWORD), tls: { caCert: PEM } }],
      });
      await settle(s);
      const text = plainText();
      assert.ok(!text.includes(PASSWORD), "the password leaked into a registered input");
      assert.ok(text.includes("[secret]"));
      for (const sink of ["loki", "es"]) {
        const secret = one(`sec-${collector}-secret-${sink}`).inputs as { stringData: unknown };
        // kubernetes.core.v1.Secret wraps the whole stringData; the value must arrive secret either way.
        const data = secret.stringData as Record<string, unknown>;
        assert.ok(isSecret(secret.stringData) || isSecret(data.password), `${sink} password is not a secret input`);
        assert.equal((unwrap(secret.stringData) as Record<string, string>).password, PASSWORD);
      }
      const all = JSON.stringify(created.map((r) => r.inputs));
      assert.ok(all.includes(SECRET_SIG));
    });
  }

  it("a plain-string password is still stored as a secret", async () => {
    const s = new AuditLogShipping("plainpw", { source: { clusterName: "p-1", distro: ShippingDistro.Rke2, clusterV1Id: "c-m-p1" }, sinks: [loki(PASSWORD)] });
    await settle(s);
    assert.ok(!plainText().includes(PASSWORD));
  });

  it("an error with a secret password in the arguments does not contain it", () => {
    assert.throws(
      () => new AuditLogShipping("leak", { source: { clusterName: "p-1", distro: ShippingDistro.Rke2, clusterV1Id: "c" }, sinks: [{ ...loki(PASSWORD), url: "ftp://x" }] }),
      (e: Error) => !e.message.includes(PASSWORD) && /sinks\[0\]\.url/.test(e.message),
    );
  });

  it("turning shipping on, off or changing the sink changes no ClusterV2 input", async () => {
    const clusterArgs = { clusterName: "same-1", kubernetesVersion: "v1.31.5+rke2r1", audit: { maxAge: 40 } };
    const variants: (Omit<AuditLogShippingArgs, "cluster"> | undefined)[] = [
      undefined,
      { sinks: [loki()] },
      { sinks: [{ name: "es", kind: SinkKind.Elasticsearch, url: "https://es:9200", tls: { mode: TlsMode.SkipVerify } }] },
      { collector: Collector.RancherLogging, rancherLogging: { chartVersion: "104.1.2+up4.8.0" }, sinks: [loki()] },
    ];
    const seen: string[] = [];
    for (const [i, v] of variants.entries()) {
      created.length = 0;
      const cluster = new AuditedCluster(`same-${i}`, clusterArgs);
      await promiseOf(pulumi.all([cluster.urn, cluster.cluster.id, cluster.apiServerArgs]));
      if (v) await settle(new AuditLogShipping(`same-ship-${i}`, { cluster, ...v }));
      const clusters = byType("rancher2:index/clusterV2:ClusterV2");
      assert.equal(clusters.length, 1);
      seen.push(JSON.stringify(unwrap(clusters[0].inputs)));
    }
    for (const s of seen.slice(1)) assert.equal(s, seen[0]);
  });

  for (const collector of [Collector.FluentBit, Collector.RancherLogging]) {
    it(`${collector}: describeShipping lists exactly what the component registers`, async () => {
      const s = new AuditLogShipping(`desc-${collector}`, {
        source: { clusterName: "desc-1", distro: ShippingDistro.K3s, clusterV1Id: "c-m-desc1" },
        collector,
        rancherLogging: collector === Collector.RancherLogging ? { chartVersion: "104.1.2+up4.8.0" } : undefined,
        sinks: [loki(), { name: "es", kind: SinkKind.Elasticsearch, url: "https://es:9200", username: "elastic", password: pulumi.secret(PASSWORD) }, { name: "os", kind: SinkKind.OpenSearch, url: "https://os:9200" }],
      });
      await settle(s);
      const registered = created.filter((r) => r.custom !== false && r.name.startsWith(`desc-${collector}-`)).map((r) => `${r.type} ${r.name}`);
      const described = describeShipping(s.plan).resources.map((r) => `${r.type} desc-${collector}-${r.role}`);
      // The mock sees registrations in the order their inputs resolve, not construction order.
      assert.deepEqual(registered.sort(), described.sort());
    });
  }

  it("the same arguments register byte-identical inputs", async () => {
    const args = (): AuditLogShippingArgs => ({ source: { clusterName: "det-1", distro: ShippingDistro.K3s, clusterV1Id: "c-m-det1" }, sinks: [loki(), { name: "os", kind: SinkKind.OpenSearch, url: "https://os:9200", dataStream: "logs-kube-audit-default" }] });
    const runs: string[] = [];
    for (const n of ["det-a", "det-b"]) {
      created.length = 0;
      await settle(new AuditLogShipping(n, args()));
      runs.push(JSON.stringify(created.map((r) => ({ type: r.type, name: r.name.replace(n, ""), inputs: r.inputs }))));
    }
    assert.equal(runs[0], runs[1]);
  });

  describe("bad input: an error naming the argument, and nothing registered", () => {
    const bad: [string, () => AuditLogShippingArgs, RegExp][] = [
      ["no cluster and no source", () => ({ sinks: [loki()] }) as AuditLogShippingArgs, /cluster: is required/],
      ["cluster and source", () => ({ cluster: new AuditedCluster("both", { clusterName: "both", kubernetesVersion: "v1.31.5+rke2r1" }), source: { clusterName: "x", distro: ShippingDistro.Rke2 }, sinks: [loki()] }), /source: cannot be combined/],
      ["audit disabled on the cluster", () => ({ cluster: new AuditedCluster("off", { clusterName: "off", kubernetesVersion: "v1.31.5+rke2r1", audit: { enabled: false } }), sinks: [loki()] }), /cluster: audit logging is off/],
      ["no way to reach the cluster", () => ({ source: { clusterName: "x", distro: ShippingDistro.K3s }, sinks: [loki()] }), /source\.clusterV1Id: is required to reach the cluster/],
      ["rancher-logging without a v1 id", () => ({ source: { clusterName: "x", distro: ShippingDistro.K3s }, collector: Collector.RancherLogging, rancherLogging: { chartVersion: "104.1.2+up4.8.0" }, sinks: [loki()] }), /source\.clusterV1Id: is required with the rancher-logging collector/],
      ["kubernetesProvider (removed in 0.2.0)", () => ({ source: { clusterName: "x", distro: ShippingDistro.K3s, clusterV1Id: "c" }, sinks: [loki()], kubernetesProvider: new k8s.Provider("p", {}) }) as AuditLogShippingArgs, /kubernetesProvider: was removed in rancher-audit 0\.2\.0: pass the provider in the resource options/],
      ["no sinks", () => ({ source: { clusterName: "x", distro: ShippingDistro.K3s, clusterV1Id: "c" }, sinks: [] }), /sinks: must list at least one sink/],
    ];
    for (const [what, make, message] of bad) {
      it(what, async () => {
        const args = make();
        created.length = 0;
        for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
        created.length = 0;
        assert.throws(() => new AuditLogShipping("bad", args), (e: Error) => message.test(e.message) && e.message.startsWith('AuditLogShipping "bad": '));
        for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
        assert.deepEqual(created.filter((r) => r.name.startsWith("bad")).map((r) => r.name), []);
      });
    }
  });
});
