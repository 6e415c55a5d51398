/**
 * Log shipping in the program: `rancher-audit:shipping` and `clusters[i].shipping` are checked up
 * front (every error names the key and the fix, never a credential), each shipped cluster gets one
 * AuditLogShipping reading the file its AuditedCluster writes, credentials reach the providers
 * only as Pulumi secrets, and shipping never changes a ClusterV2 input.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { createRequire } from "node:module";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { buildStack, ConfigError, parseStackConfig, planStack, PROJECT, SecretConfigValue, SHIPPING_FIELDS } from "../../program";
import { isSecret, promiseOf, unwrap } from "../support/pulumi";

const ROOT = path.join(__dirname, "..", "..");
const CLUSTER_TYPE = "rancher2:index/clusterV2:ClusterV2";
const PASSWORD = "pw-Zq8#kL2-never-printed";
type Json = Record<string, unknown>;

const clusters = [
  { name: "a-1", kubernetesVersion: "v1.31.5+rke2r1" },
  { name: "b-1", kubernetesVersion: "v1.31.5+k3s1" },
];
const loki = (extra: Json = {}): Json => ({ kind: "loki", url: "https://loki.example.com", tenant: "dev", username: "audit", password: { secure: "v1:cipher" }, ...extra });
const withShipping = (shipping: unknown, extra: Json = {}): Json => ({ clusters, shipping, ...extra });

function configError(values: Json, options: { secretKeys?: string[] } = {}): ConfigError {
  try {
    parseStackConfig(values, { projectDir: ROOT, ...options });
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e;
  }
  assert.fail("expected a config error");
}

describe("program: rancher-audit:shipping config", () => {
  it("parses sinks by name (sorted), defaults the collector, reads secure values as present but unknown", () => {
    const c = parseStackConfig(withShipping({ sinks: { zz: loki(), es: { kind: "elasticsearch", url: "https://es.example.com:9200" } } }), { projectDir: ROOT });
    assert.equal(c.shipping!.collector, "fluent-bit");
    assert.deepEqual(c.shipping!.sinks.map((s) => s.name), ["es", "zz"]);
    const pw = c.shipping!.sinks[1].password!;
    assert.ok(pw instanceof SecretConfigValue);
    assert.equal(pw.value, undefined);
    assert.equal(JSON.stringify(pw), '"[secret]"');
    const plan = planStack(c);
    assert.deepEqual(Object.keys(plan.shipping), ["a-1", "b-1"]);
    assert.equal(plan.shipping["b-1"].source.logPath, "/var/lib/rancher/k3s/server/logs/audit.log");
  });

  it("reads what Pulumi hands the program: JSON text, decrypted credentials under a secret key", () => {
    const c = parseStackConfig(withShipping(JSON.stringify({ sinks: { loki: loki({ password: PASSWORD }) } })), { projectDir: ROOT, secretKeys: [`${PROJECT}:shipping`] });
    const pw = c.shipping!.sinks[0].password!;
    assert.equal(pw.value, PASSWORD);
    assert.ok(!JSON.stringify(c).includes(PASSWORD), "the parsed config never serializes a credential");
    assert.ok(!String(pw).includes(PASSWORD));
  });

  it("the per-cluster opt-out leaves a cluster unshipped", () => {
    const c = parseStackConfig({ clusters: [clusters[0], { ...clusters[1], shipping: false }], shipping: { sinks: { loki: loki() } } }, { projectDir: ROOT });
    assert.deepEqual(Object.keys(planStack(c).shipping), ["a-1"]);
  });

  const cases: [string, Json, string, RegExp][] = [
    ["a shipping value that is not a map", withShipping(["loki"]), "shipping", /must be a map, e\.g\./],
    ["the whole key encrypted", withShipping({ secure: "v1:x" }), "shipping", /encrypt only the credentials: pulumi config set --secret --path/],
    ["shipping with audit disabled", withShipping({ sinks: { loki: loki() } }, { enabled: false }), "shipping", /rancher-audit:enabled is false/],
    ["an unknown shipping key (with a suggestion)", withShipping({ colector: "fluent-bit", sinks: { loki: loki() } }), "shipping.colector", /did you mean "collector"/],
    ["an unknown collector", withShipping({ collector: "vector", sinks: { loki: loki() } }), "shipping.collector", /one of "fluent-bit", "rancher-logging"/],
    ["no sinks", withShipping({ collector: "fluent-bit" }), "shipping.sinks", /at least one sink/],
    ["sinks as a list", withShipping({ sinks: [loki()] }), "shipping.sinks", /map at least one sink name/],
    ["a sink that is not a map", withShipping({ sinks: { loki: "https://loki" } }), "shipping.sinks.loki", /must be a map \{ kind, url/],
    ["a sink name that is not a DNS label", withShipping({ sinks: { Loki_1: loki() } }), "shipping.sinks.Loki_1", /short DNS label/],
    ["an unknown sink key", withShipping({ sinks: { loki: loki({ tennant: "x" }) } }), "shipping.sinks.loki.tennant", /did you mean "tenant"/],
    ["a missing kind", withShipping({ sinks: { loki: { url: "https://loki.example.com" } } }), "shipping.sinks.loki.kind", /is required/],
    ["an unknown kind", withShipping({ sinks: { loki: loki({ kind: "splunk" }) } }), "shipping.sinks.loki.kind", /one of "loki", "elasticsearch", "opensearch"/],
    ["a missing url", withShipping({ sinks: { loki: { kind: "loki" } } }), "shipping.sinks.loki.url", /is required/],
    ["a url that is not one", withShipping({ sinks: { loki: loki({ url: "loki:3100" }) } }), "shipping.sinks.loki.url", /https:\/\//],
    ["a Loki push path in the url", withShipping({ sinks: { loki: loki({ url: "https://loki.example.com/loki/api/v1/push" }) } }), "shipping.sinks.loki.url", /base URL/],
    ["a tenant on Elasticsearch", withShipping({ sinks: { es: { kind: "elasticsearch", url: "https://es.example.com", tenant: "x" } } }), "shipping.sinks.es.tenant", /Loki sinks only/],
    ["a bad tenant", withShipping({ sinks: { loki: loki({ tenant: "a/b" }) } }), "shipping.sinks.loki.tenant", /may only contain/],
    ["an index on Loki", withShipping({ sinks: { loki: loki({ index: "x" }) } }), "shipping.sinks.loki.index", /Elasticsearch\/OpenSearch sinks only/],
    ["an uppercase index", withShipping({ sinks: { es: { kind: "opensearch", url: "https://os.example.com", index: "Audit" } } }), "shipping.sinks.es.index", /lowercase/],
    ["index with dataStream", withShipping({ sinks: { es: { kind: "elasticsearch", url: "https://es.example.com", index: "a", dataStream: "b" } } }), "shipping.sinks.es.dataStream", /cannot be combined with index/],
    ["an empty username", withShipping({ sinks: { loki: loki({ username: "" }) } }), "shipping.sinks.loki.username", /non-empty string/],
    ["a password without username", withShipping({ sinks: { loki: loki({ username: undefined }) } }), "shipping.sinks.loki.password", /without username/],
    ["tls that is not a map", withShipping({ sinks: { loki: loki({ tls: "on" }) } }), "shipping.sinks.loki.tls", /must be a map of mode, caCert/],
    ["an unknown tls mode", withShipping({ sinks: { loki: loki({ tls: { mode: "off" } }) } }), "shipping.sinks.loki.tls.mode", /"verify", "skip-verify"/],
    ["a caCert that is not PEM", withShipping({ sinks: { loki: loki({ tls: { caCert: "abc" } }) } }), "shipping.sinks.loki.tls.caCert", /BEGIN CERTIFICATE/],
    ["tls on an http url", withShipping({ sinks: { loki: loki({ url: "http://loki.example.com", tls: { mode: "verify" } }) } }), "shipping.sinks.loki.tls", /only applies to https/],
    ["a secret where a plain value belongs", withShipping({ sinks: { loki: loki({ url: { secure: "v1:x" } }) } }), "shipping.sinks.loki.url", /not a credential, so it must be plain/],
    ["rancher-logging without its settings", withShipping({ collector: "rancher-logging", sinks: { loki: loki() } }), "shipping.rancherLogging", /is required with collector "rancher-logging"/],
    ["a bad chart version", withShipping({ collector: "rancher-logging", rancherLogging: { chartVersion: "latest" }, sinks: { loki: loki() } }), "shipping.rancherLogging.chartVersion", /104\.1\.2\+up4\.8\.0/],
    ["an unknown rancherLogging key", withShipping({ collector: "rancher-logging", rancherLogging: { chartVersion: "104.1.2+up4.8.0", ref: "x" }, sinks: { loki: loki() } }), "shipping.rancherLogging.ref", /known: chartVersion, loggingRef/],
    ["a bad loggingRef", withShipping({ collector: "rancher-logging", rancherLogging: { chartVersion: "104.1.2+up4.8.0", loggingRef: "A B" }, sinks: { loki: loki() } }), "shipping.rancherLogging.loggingRef", /DNS label/],
    ["fluentBit settings with rancher-logging", withShipping({ collector: "rancher-logging", rancherLogging: { chartVersion: "104.1.2+up4.8.0" }, fluentBit: {}, sinks: { loki: loki() } }), "shipping.fluentBit", /only applies with collector "fluent-bit"/],
    ["rancherLogging settings with fluent-bit", withShipping({ rancherLogging: { chartVersion: "104.1.2+up4.8.0" }, sinks: { loki: loki() } }), "shipping.rancherLogging", /only applies with collector "rancher-logging"/],
    ["an image without digest", withShipping({ fluentBit: { image: "fluent/fluent-bit:3.2.10" }, sinks: { loki: loki() } }), "shipping.fluentBit.image", /pinned by digest/],
    ["a bad namespace", withShipping({ fluentBit: { namespace: "Audit" }, sinks: { loki: loki() } }), "shipping.fluentBit.namespace", /DNS label/],
    ["a bad cpuRequest", withShipping({ fluentBit: { cpuRequest: "lots" }, sinks: { loki: loki() } }), "shipping.fluentBit.cpuRequest", /CPU quantity/],
    ["a bad memoryLimit", withShipping({ fluentBit: { memoryLimit: "1 GB" }, sinks: { loki: loki() } }), "shipping.fluentBit.memoryLimit", /memory quantity/],
    ["a bad seLinux", withShipping({ fluentBit: { seLinux: "yes" }, sinks: { loki: loki() } }), "shipping.fluentBit.seLinux", /true or false/],
    ["an unknown fluentBit key", withShipping({ fluentBit: { memory: "1Gi" }, sinks: { loki: loki() } }), "shipping.fluentBit.memory", /known: image, namespace/],
    ["a legacy log format", withShipping({ sinks: { loki: loki() } }, { format: "legacy" }), "format", /cannot be shipped as structured events/],
    ["a cluster opt-out that is not false", { clusters: [{ ...clusters[0], shipping: "yes" }], shipping: { sinks: { loki: loki() } } }, "clusters[0].shipping", /can only be false/],
  ];
  for (const [what, values, key, re] of cases) {
    it(`refuses ${what} (${PROJECT}:${key})`, () => {
      const e = configError(values);
      assert.equal(e.key, key, e.message);
      assert.ok(e.message.startsWith(`${PROJECT}:${key}: `), e.message);
      assert.match(e.message, re);
    });
  }

  it("every field of the table is exercised by a refusal above", () => {
    const keys = cases.map(([, , key]) => key.replace(/^shipping\.sinks\.[^.]+/, "shipping.sinks.<name>"));
    for (const f of SHIPPING_FIELDS) {
      if (f.type === "object" && f.path !== "sinks.<name>.tls") continue;
      assert.ok(keys.includes(`shipping.${f.path}`) || (f.path === "sinks.<name>.password" && keys.includes("shipping.sinks.<name>.password")), `no refusal for shipping.${f.path}`);
    }
  });

  it("the stack config examples of README, docs/configuration.md and docs/shipping.md parse", () => {
    const blocks: [string, string][] = [];
    for (const [file, after] of [["README.md", "## Ship the log"], ["docs/configuration.md", "### `shipping`"], ["docs/shipping.md", "## From the program's stack config"]]) {
      const text = fs.readFileSync(path.join(ROOT, file), "utf8");
      const block = /```yaml\n([\s\S]*?)```/.exec(text.slice(text.indexOf(after)))![1];
      blocks.push([file, block.replace(/secure: v1:\.\.\./, "secure: v1:example")]);
    }
    for (const [file, block] of blocks) {
      const doc = parseYaml(block) as Json;
      const c = parseStackConfig({ clusters, shipping: doc[`${PROJECT}:shipping`] }, { projectDir: ROOT });
      assert.ok(c.shipping!.sinks[0].password instanceof SecretConfigValue, file);
    }
  });

  it("docs/configuration.md's shipping table lists exactly the fields of SHIPPING_FIELDS, with type and default", () => {
    const text = fs.readFileSync(path.join(ROOT, "docs", "configuration.md"), "utf8");
    const doc = text.slice(text.indexOf("### `shipping`"), text.indexOf("## Providers"));
    const rows = [...doc.matchAll(/^\| `([A-Za-z.<>]+)` \| ([^|]+) \| ([^|]+) \|/gm)].map((m) => ({ path: m[1], type: m[2].trim(), default: m[3].trim() }));
    assert.deepEqual(rows.map((r) => r.path), SHIPPING_FIELDS.map((f) => f.path));
    for (const f of SHIPPING_FIELDS) {
      const row = rows.find((r) => r.path === f.path)!;
      assert.equal(row.type, f.type, f.path);
      assert.equal(row.default, f.default !== undefined ? `\`${String(f.default)}\`` : f.required ? "required" : "none", f.path);
    }
  });

  it("a password in clear in the stack config is refused without echoing it; no error ever contains a credential", () => {
    const e = configError(withShipping({ sinks: { loki: loki({ password: PASSWORD }) } }));
    assert.equal(e.key, "shipping.sinks.loki.password");
    assert.match(e.message, /is in clear in the stack config; a password must be a Pulumi secret: pulumi config set --secret --path 'rancher-audit:shipping\.sinks\.loki\.password'/);
    assert.ok(!e.message.includes(PASSWORD));
    // Decrypted credentials next to a wrong value: the error names the key, never the secret.
    const bad = [{ url: "nope" }, { kind: "splunk" }, { tls: { mode: "off" } }, { tenant: 7 }, { extra: PASSWORD }];
    for (const extra of bad) {
      const err = configError(withShipping(JSON.stringify({ sinks: { loki: loki({ password: PASSWORD, username: PASSWORD, ...extra }) } })), { secretKeys: ["shipping"] });
      assert.ok(!err.message.includes(PASSWORD), err.message);
      assert.ok(!(err.stack ?? "").includes(PASSWORD));
    }
  });
});

describe("program: buildStack with shipping (mocks)", () => {
  let created: pulumi.runtime.MockResourceArgs[] = [];
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

  async function register(values: Json, secretKeys: string[] = []): Promise<pulumi.runtime.MockResourceArgs[]> {
    created = [];
    await pulumi.runtime.setMocks(mocks, PROJECT, "test", false);
    const built = buildStack(parseStackConfig(values, { projectDir: ROOT, secretKeys }));
    await Promise.all(Object.values(built.clusters).map((c) => promiseOf(c.clusterV1Id)));
    await Promise.all(Object.values(built.shipping).map((s) => promiseOf(s.logPath)));
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
    return created;
  }

  const clusterInputs = (rs: pulumi.runtime.MockResourceArgs[]) =>
    Object.fromEntries(rs.filter((r) => r.type === CLUSTER_TYPE).map((r) => [r.name, JSON.parse(JSON.stringify(r.inputs))]));

  it("turning shipping on, off or changing the sink or collector changes no ClusterV2 input", async () => {
    const off = clusterInputs(await register({ clusters, logPath: "/var/log/kube-audit/custom.log" }));
    assert.equal(Object.keys(off).length, 2);
    const variants: Json[] = [
      { sinks: { loki: loki() } },
      { sinks: { es: { kind: "elasticsearch", url: "https://es.example.com:9200", username: "w", password: { secure: "v1:c" } } } },
      { collector: "rancher-logging", rancherLogging: { chartVersion: "104.1.2+up4.8.0" }, sinks: { os: { kind: "opensearch", url: "https://os.example.com" } } },
    ];
    for (const shipping of variants) {
      const rs = await register({ clusters, logPath: "/var/log/kube-audit/custom.log", shipping });
      assert.ok(rs.some((r) => r.type === "rancher-audit:index:AuditLogShipping"), "shipping is registered");
      assert.deepStrictEqual(clusterInputs(rs), off, JSON.stringify(shipping));
    }
  });

  it("one AuditLogShipping per shipped cluster, reading the file its AuditedCluster writes (custom logPath, RKE2 and K3s)", async () => {
    const rs = await register({ clusters: [...clusters, { name: "c-1", kubernetesVersion: "v1.31.5+rke2r1", shipping: false }], logPath: "/var/lib/rancher/{distro}/server/logs/custom.log", shipping: { sinks: { loki: loki() } } });
    const shipping = rs.filter((r) => r.type === "rancher-audit:index:AuditLogShipping").map((r) => r.name).sort();
    assert.deepEqual(shipping, ["a-1-shipping", "b-1-shipping"]);
    const config = (name: string) => (unwrap(rs.find((r) => r.name === `${name}-shipping-config`)!.inputs) as { data: Record<string, string> }).data;
    assert.match(Object.values(config("a-1")).join("\n"), /path\s+\/var\/lib\/rancher\/rke2\/server\/logs\/custom\.log\n/);
    assert.match(Object.values(config("b-1")).join("\n"), /path\s+\/var\/lib\/rancher\/k3s\/server\/logs\/custom\.log\n/);
    const flags = (name: string) => JSON.stringify(rs.find((r) => r.name === `${name}-cluster`)!.inputs);
    assert.ok(flags("a-1").includes("audit-log-path=/var/lib/rancher/rke2/server/logs/custom.log"));
    assert.ok(!rs.some((r) => r.name.startsWith("c-1-shipping")));
  });

  it("a decrypted password reaches only the sink's Secret, as a Pulumi secret", async () => {
    const rs = await register(withShipping(JSON.stringify({ sinks: { loki: loki({ password: PASSWORD }) } })), ["shipping"]);
    const holders = rs.filter((r) => JSON.stringify(unwrap(r.inputs)).includes(PASSWORD));
    assert.deepEqual(holders.map((r) => r.name).sort(), ["a-1-shipping-secret-loki", "b-1-shipping-secret-loki"]);
    for (const r of holders) assert.ok(isSecret(r.inputs.stringData), `${r.name}: stringData is secret`);
  });

  it("index.ts takes a decrypted password only under a key Pulumi marks secret", async () => {
    const load = createRequire(__filename);
    const entry = load.resolve("../../index");
    const config = {
      [`${PROJECT}:clusters`]: JSON.stringify(clusters.slice(0, 1)),
      [`${PROJECT}:shipping`]: JSON.stringify({ sinks: { loki: loki({ password: PASSWORD }) } }),
    };
    const run = async (secretKeys: string[]) => {
      created = [];
      await pulumi.runtime.setMocks(mocks, PROJECT, "test", false);
      pulumi.runtime.setAllConfig(config, secretKeys);
      delete load.cache[entry];
      return load(entry) as { shipping: Record<string, { logPath: pulumi.Output<string> }> };
    };
    try {
      await assert.rejects(run([]), (e: Error) => /shipping\.sinks\.loki\.password: is in clear/.test(e.message) && !e.message.includes(PASSWORD));
      assert.deepEqual(created, [], "nothing registered");
      const program = await run([`${PROJECT}:shipping`]);
      assert.equal(await promiseOf(program.shipping["a-1"].logPath), "/var/lib/rancher/rke2/server/logs/audit.log");
      for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
      const secret = (created as pulumi.runtime.MockResourceArgs[]).find((r) => r.name === "a-1-shipping-secret-loki")!;
      assert.ok(isSecret(secret.inputs.stringData));
      assert.equal((unwrap(secret.inputs.stringData) as Json).password, PASSWORD);
    } finally {
      pulumi.runtime.setAllConfig({}, []);
      delete load.cache[entry];
    }
  });

  it("a wrong shipping value registers nothing", async () => {
    created = [];
    await pulumi.runtime.setMocks(mocks, PROJECT, "test", false);
    assert.throws(() => buildStack(parseStackConfig(withShipping({ sinks: { loki: loki({ url: "ftp://x" }) } }), { projectDir: ROOT })), /rancher-audit:shipping\.sinks\.loki\.url/);
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
    assert.deepEqual(created, []);
  });

  it("the stacks: dev ships to Loki, prod to Elasticsearch (edge cluster opted out), staging not at all", () => {
    const values = (stack: string) => {
      const doc = parseYaml(fs.readFileSync(path.join(ROOT, "stacks", `Pulumi.${stack}.yaml`), "utf8")) as { config: Json };
      return Object.fromEntries(Object.entries(doc.config).filter(([k]) => k.startsWith(`${PROJECT}:`)).map(([k, v]) => [k.slice(PROJECT.length + 1), v]));
    };
    const plan = (stack: string) => planStack(parseStackConfig(values(stack), { projectDir: ROOT })).shipping;
    assert.deepEqual(Object.values(plan("dev")).map((p) => [p.source.clusterName, p.sinks[0].kind, p.source.logPath]), [
      ["dev-rke2", "loki", "/var/lib/rancher/rke2/server/logs/audit-dev.log"],
      ["dev-k3s", "loki", "/var/lib/rancher/k3s/server/logs/audit-dev.log"],
    ]);
    assert.deepEqual(Object.keys(plan("prod")), ["prod-eu-1", "prod-us-1"]);
    assert.ok(Object.values(plan("prod")).every((p) => p.sinks[0].kind === "elasticsearch" && p.sinks[0].hasPassword));
    assert.deepEqual(plan("staging"), {});
  });
});
