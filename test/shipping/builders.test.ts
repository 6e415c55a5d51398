/**
 * The pure shipping builders: the file each collector reads (RKE2, K3s, RKE1; default and custom
 * paths), validation errors, the Fluent Bit configuration against golden files and the key names
 * the Fluent Bit manual documents, the logging-operator resources against the real CRD schemas,
 * and determinism.
 */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv, { type ValidateFunction } from "ajv";
import { parse as parseYaml } from "yaml";

import {
  AuditConfigError,
} from "../../components/rancher";
import {
  Collector,
  ShippingDistro,
  SinkKind,
  TlsMode,
  describeShipping,
  fluentBitConfig,
  fluentBitManifests,
  planShipping,
  rancherLoggingRoutes,
  rancherLoggingValues,
  rancherLoggingValuesYaml,
  type ShippingPlanInput,
} from "../../components/shipping";

const FIXTURES = join(__dirname, "..", "fixtures");
const GOLDEN = join(__dirname, "golden");
const PEM = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2E=\n-----END CERTIFICATE-----\n";

type Json = Record<string, unknown>;

const LOKI = { name: "loki", kind: SinkKind.Loki, url: "https://loki.example.com", tenant: "platform", username: "u", password: "p" };
const ES = { name: "es", kind: SinkKind.Elasticsearch, url: "https://es.example.com:9200", username: "u", password: "p", tls: { caCert: PEM } };
const OS = { name: "os", kind: SinkKind.OpenSearch, url: "http://opensearch.logging.svc:9200/proxy/", dataStream: "logs-kube-audit-default" };

function input(over: Partial<ShippingPlanInput> & { source?: ShippingPlanInput["source"] } = {}): ShippingPlanInput {
  return { source: { clusterName: "prod-eu-1", distro: "rke2" }, sinks: [LOKI], ...over };
}

function refusal(fn: () => unknown): AuditConfigError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof AuditConfigError, `expected AuditConfigError, got ${String(e)}`);
    return e;
  }
  assert.fail("expected a refusal");
}

/** Classic-format sections: [{ name, entries }] in file order. */
function parseClassic(text: string): { name: string; entries: [string, string][] }[] {
  const out: { name: string; entries: [string, string][] }[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const head = /^\[([A-Z]+)\]$/.exec(line);
    if (head) {
      out.push({ name: head[1], entries: [] });
      continue;
    }
    const kv = /^ {4}(\S+)\s+(.+)$/.exec(line);
    assert.ok(kv && out.length > 0, `not a classic-format line: ${JSON.stringify(line)}`);
    out[out.length - 1].entries.push([kv[1], kv[2]]);
  }
  return out;
}

describe("shipping: the file each collector reads", () => {
  const cases = [
    { distro: "rke2", logPath: undefined, file: "/var/lib/rancher/rke2/server/logs/audit.log", cp: "node-role.kubernetes.io/control-plane" },
    { distro: "rke2", logPath: "/var/log/kubernetes/audit/kube-audit.json", file: "/var/log/kubernetes/audit/kube-audit.json", cp: "node-role.kubernetes.io/control-plane" },
    { distro: "k3s", logPath: undefined, file: "/var/lib/rancher/k3s/server/logs/audit.log", cp: "node-role.kubernetes.io/control-plane" },
    { distro: "k3s", logPath: "/var/lib/rancher/{distro}/audit/events.log", file: "/var/lib/rancher/k3s/audit/events.log", cp: "node-role.kubernetes.io/control-plane" },
    { distro: "rke1", logPath: undefined, file: "/var/log/kube-audit/audit-log.json", cp: "node-role.kubernetes.io/controlplane" },
  ];
  for (const c of cases) {
    it(`${c.distro}, ${c.logPath ?? "default path"}: Fluent Bit tails ${c.file} on control-plane nodes only`, () => {
      const plan = planShipping(input({ source: { clusterName: "c1", distro: c.distro, logPath: c.logPath } }));
      const conf = parseClassic(fluentBitConfig(plan)["fluent-bit.conf"]);
      const tail = conf.find((s) => s.name === "INPUT")!;
      assert.deepEqual(tail.entries.filter(([k]) => k === "path"), [["path", c.file]]);
      const ds = fluentBitManifests(plan).daemonSet as { spec: { template: { spec: Json } } };
      const pod = ds.spec.template.spec as {
        nodeSelector: Json;
        tolerations: Json[];
        volumes: { name: string; hostPath?: Json }[];
        containers: { volumeMounts: Json[] }[];
      };
      assert.deepEqual(pod.nodeSelector, { [c.cp]: "true" });
      assert.deepEqual(pod.tolerations, [
        { effect: "NoSchedule", key: c.cp, operator: "Exists" },
        { effect: "NoExecute", key: "node-role.kubernetes.io/etcd", operator: "Exists" },
      ]);
      const dir = c.file.slice(0, c.file.lastIndexOf("/"));
      assert.deepEqual(pod.volumes.find((v) => v.name === "audit-log"), { name: "audit-log", hostPath: { path: dir, type: "Directory" } });
      assert.deepEqual(pod.containers[0].volumeMounts.find((m) => m.name === "audit-log"), { mountPath: dir, name: "audit-log", readOnly: true });
    });

    it(`${c.distro}, ${c.logPath ?? "default path"}: rancher-logging reads ${c.file} with Exists tolerations`, () => {
      const plan = planShipping(input({ source: { clusterName: "c1", distro: c.distro, logPath: c.logPath }, collector: Collector.RancherLogging, rancherLogging: { chartVersion: "104.1.2+up4.8.0" } }));
      const values = rancherLoggingValues(plan) as { additionalLoggingSources: Json & { kubeAudit: Json & { fluentbit: Json } } };
      const src = values.additionalLoggingSources;
      const audit = src.kubeAudit;
      assert.equal(`${audit.pathPrefix}/${audit.auditFilename}`, c.file);
      assert.deepEqual(src[c.distro === "rke1" ? "rke" : c.distro], { enabled: true });
      assert.equal(audit.enabled, true);
      assert.deepEqual(audit.nodeSelector, { [c.cp]: "true" });
      assert.equal(audit.loggingRef, "kube-audit");
      assert.equal(audit.fluentbit.loggingRef, "kube-audit");
      assert.deepEqual(audit.fluentbit.tolerations, [
        { effect: "NoSchedule", key: c.cp, operator: "Exists" },
        { effect: "NoExecute", key: "node-role.kubernetes.io/etcd", operator: "Exists" },
      ]);
      const { outputs, flow } = rancherLoggingRoutes(plan);
      for (const o of [...outputs, flow]) assert.equal((o.spec as Json).loggingRef, "kube-audit");
    });
  }
});

describe("shipping: refusals name the argument and the fix", () => {
  const bad: [string, Partial<ShippingPlanInput>, string, RegExp][] = [
    ["no sinks", { sinks: [] }, "sinks", /at least one sink/],
    ["duplicate sink names", { sinks: [LOKI, { ...ES, name: "loki" }] }, "sinks[1].name", /already the name of sinks\[0\]/],
    ["ftp URL", { sinks: [{ ...LOKI, url: "ftp://loki.example.com" }] }, "sinks[0].url", /https:\/\//],
    ["not a URL", { sinks: [{ ...LOKI, url: "loki.example.com" }] }, "sinks[0].url", /not a URL/],
    ["credentials in the URL", { sinks: [{ ...LOKI, url: "https://admin:hunter2@loki.example.com" }] }, "sinks[0].url", /must not contain credentials/],
    ["Loki push path in the URL", { sinks: [{ ...LOKI, url: "https://loki.example.com/loki/api/v1/push" }] }, "sinks[0].url", /base URL/],
    ["uppercase index", { sinks: [{ ...ES, index: "Kube-Audit" }] }, "sinks[0].index", /lowercase/],
    ["index with a star", { sinks: [{ ...ES, index: "kube-audit*" }] }, "sinks[0].index", /must not contain/],
    ["index starting with _", { sinks: [{ ...ES, index: "_audit" }] }, "sinks[0].index", /must not start/],
    ["index and data stream", { sinks: [{ ...ES, index: "a", dataStream: "b" }] }, "sinks[0].dataStream", /cannot be combined/],
    ["index on Loki", { sinks: [{ ...LOKI, index: "x" }] }, "sinks[0].index", /Elasticsearch\/OpenSearch sinks only/],
    ["tenant on ES", { sinks: [{ ...ES, tenant: "x" }] }, "sinks[0].tenant", /Loki sinks only/],
    ["bad tenant", { sinks: [{ ...LOKI, tenant: "a b" }] }, "sinks[0].tenant", /may only contain/],
    ["password without user", { sinks: [{ ...LOKI, username: undefined }] }, "sinks[0].password", /set username too/],
    ["tls on http", { sinks: [{ ...OS, tls: { mode: TlsMode.Verify } }] }, "sinks[0].tls", /only applies to https/],
    ["CA that is not PEM", { sinks: [{ ...ES, tls: { caCert: "hello" } }] }, "sinks[0].tls.caCert", /PEM/],
    ["unknown TLS mode", { sinks: [{ ...ES, tls: { mode: "off" as TlsMode } }] }, "sinks[0].tls.mode", /"verify", "skip-verify"/],
    ["unknown sink kind", { sinks: [{ ...LOKI, kind: "splunk" as SinkKind }] }, "sinks[0].kind", /"loki", "elasticsearch", "opensearch"/],
    ["bad sink name", { sinks: [{ ...LOKI, name: "Loki_1" }] }, "sinks[0].name", /DNS label/],
    ["unknown collector", { collector: "vector" }, "collector", /"fluent-bit", "rancher-logging"/],
    ["rancher-logging without chart version", { collector: Collector.RancherLogging }, "rancherLogging", /chartVersion/],
    ["bad chart version", { collector: Collector.RancherLogging, rancherLogging: { chartVersion: "latest" } }, "rancherLogging.chartVersion", /104\.1\.2\+up4\.8\.0/],
    ["fluentBit with rancher-logging", { collector: Collector.RancherLogging, rancherLogging: { chartVersion: "104.1.2+up4.8.0" }, fluentBit: {} }, "fluentBit", /only applies/],
    ["image by tag", { fluentBit: { image: "fluent/fluent-bit:3.2.10" } }, "fluentBit.image", /pinned by digest/],
    ["legacy format", { source: { clusterName: "c1", distro: "rke2", format: "legacy" } }, "source.format", /"json"/],
    ["relative log path", { source: { clusterName: "c1", distro: "k3s", logPath: "audit.log" } }, "source.logPath", /absolute/],
    ["RKE1 path outside the mounted folder", { source: { clusterName: "c1", distro: "rke1", logPath: "/var/log/audit.json" } }, "source.logPath", /\/var\/log\/kube-audit/],
    ["a misspelt sink argument", { sinks: [{ ...LOKI, tennant: "x" } as never] }, "sinks[0].tennant", /not a known argument/],
    ["a misspelt fluentBit argument", { fluentBit: { imag: "x" } }, "fluentBit.imag", /known ones are image, namespace/],
    ["unknown distro", { source: { clusterName: "c1", distro: "eks" } }, "source.distro", /"rke2", "k3s", "rke1"/],
  ];
  for (const [what, over, path, detail] of bad) {
    it(what, () => {
      const e = refusal(() => planShipping(input(over)));
      assert.equal(e.path, path, e.message);
      assert.match(e.detail, detail);
    });
  }

  it("never echoes a credential: a URL with a password is refused without showing it", () => {
    const e = refusal(() => planShipping(input({ sinks: [{ ...LOKI, url: "https://admin:hunter2@loki.example.com" }] })));
    assert.doesNotMatch(e.message, /hunter2/);
  });
});

describe("shipping: Fluent Bit configuration", () => {
  const documented = JSON.parse(readFileSync(join(FIXTURES, "fluent-bit", "documented-keys.json"), "utf8")) as { keys: Record<string, string[]> };
  const k = (...sections: string[]) => new Set(sections.flatMap((s) => documented.keys[s]));
  const allowed: Record<string, Set<string>> = {
    SERVICE: k("service"),
    PARSER: k("parser"),
    "INPUT:tail": k("input:tail", "common:plugin"),
    "FILTER:record_modifier": k("filter:record_modifier", "common:plugin"),
    "OUTPUT:loki": k("output:loki", "common:plugin", "common:tls", "common:retries"),
    "OUTPUT:es": k("output:es", "common:plugin", "common:tls", "common:retries"),
    "OUTPUT:opensearch": k("output:opensearch", "common:plugin", "common:tls", "common:retries"),
  };

  const plans = {
    "rke2-loki": input(),
    "k3s-es-opensearch": input({ source: { clusterName: "edge-7", distro: "k3s", logPath: "/var/log/k3s-audit/audit.log" }, sinks: [ES, OS] }),
  };

  for (const [golden, plan] of Object.entries(plans)) {
    it(`${golden}: matches the golden files`, () => {
      const files = fluentBitConfig(planShipping(plan));
      assert.equal(files["fluent-bit.conf"], readFileSync(join(GOLDEN, `${golden}.fluent-bit.conf`), "utf8"));
      assert.equal(files["parsers.conf"], readFileSync(join(GOLDEN, "parsers.conf"), "utf8"));
    });

    it(`${golden}: every section and key is one the Fluent Bit manual documents for that plugin`, () => {
      const files = fluentBitConfig(planShipping(plan));
      const sections = [...parseClassic(files["fluent-bit.conf"]), ...parseClassic(files["parsers.conf"])];
      for (const s of sections) {
        const plugin = s.entries.find(([key]) => key === "name")?.[1];
        const id = s.name === "SERVICE" || s.name === "PARSER" ? s.name : `${s.name}:${plugin}`;
        const keys = allowed[id];
        assert.ok(keys, `section ${id} is not one we know the documented keys of`);
        for (const [key] of s.entries) assert.ok(keys.has(key.toLowerCase()), `${id}: "${key}" is not a documented key`);
      }
    });
  }

  it("the key check can fail: an undocumented key is caught", () => {
    assert.ok(!allowed["OUTPUT:loki"].has("tenant"), "Loki's key is tenant_id; tenant must not be accepted");
    assert.ok(!allowed["INPUT:tail"].has("pathh"));
  });

  it("credentials are environment references resolved from the sink's Secret, never values", () => {
    const plan = planShipping(input({ sinks: [LOKI, ES] }));
    const conf = fluentBitConfig(plan)["fluent-bit.conf"];
    assert.match(conf, /http_passwd +\$\{SINK_LOKI_PASSWORD\}/);
    assert.match(conf, /http_user +\$\{SINK_ES_USERNAME\}/);
    const ds = fluentBitManifests(plan).daemonSet as { spec: { template: { spec: { containers: { env: Json[] }[] } } } };
    assert.deepEqual(ds.spec.template.spec.containers[0].env, [
      { name: "SINK_LOKI_USERNAME", valueFrom: { secretKeyRef: { key: "username", name: "kube-audit-loki" } } },
      { name: "SINK_LOKI_PASSWORD", valueFrom: { secretKeyRef: { key: "password", name: "kube-audit-loki" } } },
      { name: "SINK_ES_USERNAME", valueFrom: { secretKeyRef: { key: "username", name: "kube-audit-es" } } },
      { name: "SINK_ES_PASSWORD", valueFrom: { secretKeyRef: { key: "password", name: "kube-audit-es" } } },
    ]);
  });

  it("rke2-loki: the manifests match the golden file", () => {
    const golden = JSON.parse(readFileSync(join(GOLDEN, "rke2-loki.manifests.json"), "utf8")) as unknown;
    assert.deepEqual(fluentBitManifests(planShipping(input())), golden);
  });

  it("the DaemonSet: pinned image, limits, read-only root, no privilege escalation, root to read the 0600 log", () => {
    const ds = fluentBitManifests(planShipping(input({ fluentBit: { seLinux: true } }))).daemonSet as { spec: { template: { spec: Json & { containers: Json[] } } } };
    const pod = ds.spec.template.spec;
    const c = pod.containers[0] as Json;
    assert.match(c.image as string, /^cr\.fluentbit\.io\/fluent\/fluent-bit:3\.2\.10@sha256:[0-9a-f]{64}$/);
    assert.deepEqual(c.resources, { limits: { memory: "128Mi" }, requests: { cpu: "50m", memory: "128Mi" } });
    assert.deepEqual(c.securityContext, { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, privileged: false, readOnlyRootFilesystem: true });
    assert.deepEqual(pod.securityContext, { runAsGroup: 0, runAsNonRoot: false, runAsUser: 0, seLinuxOptions: { type: "rke_logreader_t" }, seccompProfile: { type: "RuntimeDefault" } });
    assert.deepEqual((pod.volumes as Json[]).find((v) => v.name === "state"), { hostPath: { path: "/var/lib/rancher-audit/fluent-bit", type: "DirectoryOrCreate" }, name: "state" });
  });
});

describe("shipping: logging-operator resources validate against the vendored CRD schemas", () => {
  /** Structural schemas prune unknown fields silently; reject them instead so a typo fails here. */
  function strict(schema: unknown): unknown {
    if (Array.isArray(schema)) return schema.map(strict);
    if (schema && typeof schema === "object") {
      const s = Object.fromEntries(Object.entries(schema as Json).map(([key, v]) => [key, key === "properties" ? Object.fromEntries(Object.entries(v as Json).map(([p, x]) => [p, strict(x)])) : strict(v)])) as Json;
      if (s.type === "object" && s.properties && s.additionalProperties === undefined && !s["x-kubernetes-preserve-unknown-fields"] && !("metadata" in (s.properties as Json) && "apiVersion" in (s.properties as Json))) {
        s.additionalProperties = false;
      }
      return s;
    }
    return schema;
  }
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
  function validator(file: string): ValidateFunction {
    const crd = parseYaml(readFileSync(join(FIXTURES, "logging-operator", file), "utf8")) as { spec: { versions: { name: string; schema: { openAPIV3Schema: Json } }[] } };
    const schema = crd.spec.versions.find((v) => v.name === "v1beta1")!.schema.openAPIV3Schema;
    return ajv.compile(strict(schema) as object);
  }
  const validateOutput = validator("logging.banzaicloud.io_clusteroutputs.yaml");
  const validateFlow = validator("logging.banzaicloud.io_clusterflows.yaml");

  function check(v: ValidateFunction, obj: Json): void {
    assert.ok(v(obj), `${(obj.metadata as Json).name}: ${ajv.errorsText(v.errors)}`);
  }

  const variants: [string, Partial<ShippingPlanInput>][] = [
    ["loki with tenant, auth", { sinks: [LOKI] }],
    ["loki, no auth, skip-verify", { sinks: [{ name: "loki", kind: SinkKind.Loki, url: "https://loki:3100", tls: { mode: TlsMode.SkipVerify } }] }],
    ["elasticsearch with CA and index", { sinks: [ES] }],
    ["opensearch data stream over http with a path", { sinks: [OS] }],
    ["all three", { sinks: [LOKI, ES, OS] }],
  ];
  for (const [what, over] of variants) {
    it(what, () => {
      const plan = planShipping(input({ ...over, collector: Collector.RancherLogging, rancherLogging: { chartVersion: "104.1.2+up4.8.0" } }));
      const { outputs, flow } = rancherLoggingRoutes(plan, { es: "elastic" });
      for (const o of outputs) check(validateOutput, o);
      check(validateFlow, flow);
    });
  }

  it("the schema check can fail: a misspelt field or a wrong type is refused", () => {
    const plan = planShipping(input({ collector: Collector.RancherLogging, rancherLogging: { chartVersion: "104.1.2+up4.8.0" } }));
    const out = rancherLoggingRoutes(plan).outputs[0] as { spec: { loki: Json } };
    const typo = structuredClone(out) as typeof out;
    typo.spec.loki.tenant_id = "x";
    assert.equal(validateOutput(typo), false);
    const wrongType = structuredClone(out) as typeof out;
    wrongType.spec.loki.password = "plain";
    assert.equal(validateOutput(wrongType), false);
  });

  it("the exact ClusterOutput and ClusterFlow for an Elasticsearch sink", () => {
    const plan = planShipping(input({ sinks: [ES], collector: Collector.RancherLogging, rancherLogging: { chartVersion: "104.1.2+up4.8.0" } }));
    const { outputs, flow } = rancherLoggingRoutes(plan, { es: "elastic" });
    const buffer = { timekey: "1m", timekey_use_utc: true, timekey_wait: "30s" };
    assert.deepEqual(outputs, [
      {
        apiVersion: "logging.banzaicloud.io/v1beta1",
        kind: "ClusterOutput",
        metadata: { name: "kube-audit-es", namespace: "cattle-logging-system" },
        spec: {
          elasticsearch: {
            buffer,
            ca_file: { valueFrom: { secretKeyRef: { key: "ca.crt", name: "kube-audit-es" } } },
            host: "es.example.com",
            include_timestamp: true,
            index_name: "kube-audit",
            password: { valueFrom: { secretKeyRef: { key: "password", name: "kube-audit-es" } } },
            port: 9200,
            scheme: "https",
            ssl_verify: true,
            suppress_type_name: true,
            time_key: "stageTimestamp",
            user: "elastic",
          },
          loggingRef: "kube-audit",
        },
      },
    ]);
    assert.deepEqual(flow, {
      apiVersion: "logging.banzaicloud.io/v1beta1",
      kind: "ClusterFlow",
      metadata: { name: "kube-audit", namespace: "cattle-logging-system" },
      spec: { filters: [{ record_transformer: { records: [{ cluster: "prod-eu-1", distro: "rke2" }] } }], globalOutputRefs: ["kube-audit-es"], loggingRef: "kube-audit" },
    });
  });
});

describe("shipping: deterministic output and the summary", () => {
  it("the same input gives byte-identical output; keys are sorted", () => {
    const a = planShipping(input({ sinks: [LOKI, ES, OS] }));
    const b = planShipping(input({ sinks: [LOKI, ES, OS] }));
    assert.equal(JSON.stringify(fluentBitManifests(a)), JSON.stringify(fluentBitManifests(b)));
    const yamlText = rancherLoggingValuesYaml(planShipping(input({ collector: Collector.RancherLogging, rancherLogging: { chartVersion: "104.1.2+up4.8.0" } })));
    assert.equal(
      yamlText,
      [
        "additionalLoggingSources:",
        "  kubeAudit:",
        "    auditFilename: audit.log",
        "    enabled: true",
        "    fluentbit:",
        "      logTag: kube-audit",
        "      loggingRef: kube-audit",
        "      tolerations:",
        "        - effect: NoSchedule",
        "          key: node-role.kubernetes.io/control-plane",
        "          operator: Exists",
        "        - effect: NoExecute",
        "          key: node-role.kubernetes.io/etcd",
        "          operator: Exists",
        "    loggingRef: kube-audit",
        "    nodeSelector:",
        '      node-role.kubernetes.io/control-plane: "true"',
        "    pathPrefix: /var/lib/rancher/rke2/server/logs",
        "  rke2:",
        "    enabled: true",
        "",
      ].join("\n"),
    );
  });

  it("describeShipping lists the resources in registration order and what is read", () => {
    const s = describeShipping(planShipping(input({ sinks: [LOKI, OS] })));
    assert.equal(s.reads, "/var/lib/rancher/rke2/server/logs/audit.log");
    assert.deepEqual(s.resources.map((r) => `${r.role} ${r.kind} ${r.namespace ?? ""}/${r.name}`), [
      "sync ClusterSync /prod-eu-1",
      "k8s Provider /prod-eu-1",
      "namespace Namespace /kube-audit-shipping",
      "serviceaccount ServiceAccount kube-audit-shipping/kube-audit-fluent-bit",
      "config ConfigMap kube-audit-shipping/kube-audit-fluent-bit",
      "secret-loki Secret kube-audit-shipping/kube-audit-loki",
      "daemonset DaemonSet kube-audit-shipping/kube-audit-fluent-bit",
    ]);
    assert.deepEqual(s.sinks.map((x) => x.target), ['streams {job="kube-audit", cluster="prod-eu-1", distro="rke2"}, tenant platform', "data stream logs-kube-audit-default"]);
    assert.equal(ShippingDistro.Rke2, s.distro);
  });
});
