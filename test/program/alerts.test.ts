/**
 * The program's alerts: `rancher-audit:alerts` parsed and checked up front (every error names
 * `rancher-audit:alerts[.<field>]` and the fix), the per-cluster plan (Loki: the AuditAlerts
 * objects; Elasticsearch/OpenSearch: rule files on the sink's index), strict failing in the config
 * check, and buildClusterAlerts under mocks deploying through the AuditLogShipping's own provider.
 */
import * as assert from "node:assert/strict";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

import { AlertFormat, ALERTS, AlertId, renderAlertRules } from "../../components/alerts";
import { getPreset, renderPolicy } from "../../components/audit-policy";
import { AuditedCluster } from "../../components/rancher";
import { AuditLogShipping, SinkKind } from "../../components/shipping";
import {
  alertSink,
  buildClusterAlerts,
  ConfigError,
  parseStackConfig,
  planClusterAlerts,
  PROJECT,
  readAlertsConfig,
  shippingSinksFromConfig,
  type AlertsConfig,
} from "../../program";
import { downstreamMocks, promiseOf, unwrap } from "../support/pulumi";

const ROOT = path.join(__dirname, "..", "..");
const METADATA = renderPolicy(getPreset("metadata"));
const RECOMMENDED = renderPolicy(getPreset("recommended"));
const BODY_ALERTS = [AlertId.ClusterAdminBinding, AlertId.PrivilegedPod, AlertId.HostPathVolume, AlertId.HostNamespaces];
const LOKI = { name: "loki", kind: SinkKind.Loki };
const ES = { name: "es", kind: SinkKind.Elasticsearch, index: "audit-prod" };
const on = (extra: Partial<AlertsConfig> = {}): AlertsConfig => ({ enabled: true, strict: false, dashboard: true, ...extra });
const cluster = (policyYaml: string) => ({ clusterName: "prod-eu-1", kubernetesVersion: "v1.31.5+rke2r1", policyYaml });

function configError(fn: () => unknown, key: string, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, String(e));
    assert.equal(e.key, key, e.message);
    assert.ok(e.message.startsWith(`${PROJECT}:${key}: `), e.message);
    assert.match(e.message, re);
    return true;
  });
}

describe("program: rancher-audit:alerts", () => {
  it("parses the map (booleans also as Pulumi's strings), and refuses what is not one", () => {
    assert.equal(readAlertsConfig(undefined), undefined);
    assert.deepEqual(readAlertsConfig({ sink: "loki", strict: "true" }), { enabled: true, strict: true, dashboard: true, sink: "loki" });
    assert.deepEqual(readAlertsConfig('{"enabled":false,"dashboard":false,"ruleLabels":{"a":"b"}}'), { enabled: false, strict: false, dashboard: false, ruleLabels: { a: "b" } });
    configError(() => readAlertsConfig("on"), "alerts", /must be a map, e\.g\. \{ sink: loki, strict: true \}/);
    configError(() => readAlertsConfig({ sinks: "loki" }), "alerts.sinks", /is not an alerts setting; known: enabled, sink, strict/);
    configError(() => readAlertsConfig({ strict: "yes" }), "alerts.strict", /must be true or false; got "yes"/);
    configError(() => readAlertsConfig({ sink: "" }), "alerts.sink", /must be a non-empty string/);
    configError(() => readAlertsConfig({ ruleLabels: ["a"] }), "alerts.ruleLabels", /must be a map of string labels/);
  });

  it("picks the shipping sink: the only one, or the one named; names the sinks otherwise", () => {
    assert.deepEqual(alertSink(on(), [ES]), ES);
    assert.deepEqual(alertSink(on({ sink: "es" }), [LOKI, ES]), ES);
    configError(() => alertSink(on(), [LOKI, ES]), "alerts.sink", /is required when the shipping has several sinks: .*"loki" \(loki\), "es" \(elasticsearch\)/);
    configError(() => alertSink(on({ sink: "lok" }), [LOKI]), "alerts.sink", /"lok" is not a shipping sink; the sinks are "loki" \(loki\)/);
    configError(() => alertSink(on(), []), "alerts", /this stack ships none: configure rancher-audit:shipping .* or turn alerts off with rancher-audit:alerts\.enabled false/);
    assert.deepEqual(shippingSinksFromConfig(JSON.stringify({ sinks: [{ name: "loki", kind: "loki", url: "https://l" }, ES, { name: "x", kind: "kafka" }] })), [LOKI, ES]);
    // The stack file's shape: sinks by name.
    assert.deepEqual(shippingSinksFromConfig({ sinks: { loki: { kind: "loki", url: "https://l" }, es: { kind: "elasticsearch", index: "audit-prod" } } }), [LOKI, ES]);
  });

  it("parseStackConfig: alerts on need audit logging and shipping; off or absent changes nothing", () => {
    const clusters = [{ name: "a-1", kubernetesVersion: "v1.31.5+rke2r1" }];
    configError(() => parseStackConfig({ clusters, alerts: { sink: "loki" } }, { projectDir: ROOT }), "alerts", /configure rancher-audit:shipping/);
    configError(() => parseStackConfig({ clusters, enabled: false, alerts: {} }, { projectDir: ROOT }), "alerts", /needs audit logging, which rancher-audit:enabled false turns off/);
    assert.equal(parseStackConfig({ clusters, alerts: { enabled: false } }, { projectDir: ROOT }).alerts, undefined);
    assert.equal(parseStackConfig({ clusters }, { projectDir: ROOT }).alerts, undefined);
  });

  it("Loki: the plan holds the AuditAlerts objects; recommended lets every alert fire", () => {
    const p = planClusterAlerts(on(), LOKI, cluster(RECOMMENDED));
    assert.equal(p.format, AlertFormat.Loki);
    assert.deepEqual(p.rules, ALERTS.map((a) => a.name));
    assert.deepEqual(p.findings, []);
    assert.equal((p.loki!.prometheusRule.metadata as { namespace: string }).namespace, "cattle-monitoring-system");
    assert.ok(p.loki!.dashboardConfigMap);
  });

  it("metadata preset: warnings for the four body-reading alerts; strict fails naming them and the config fix", () => {
    const p = planClusterAlerts(on(), LOKI, cluster(METADATA));
    assert.deepEqual(p.loki!.cannotFire, BODY_ALERTS);
    assert.ok(p.findings.every((f) => f.severity === "warning"));
    configError(() => planClusterAlerts(on({ strict: true }), LOKI, cluster(METADATA)), "alerts.strict", /4 alert\(s\) cannot fire with the audit policy of cluster "prod-eu-1"[\s\S]*\(privileged-pod\) cannot fire[\s\S]*Fix: .*rancher-audit:preset recommended.*rancher-audit:alerts\.strict false/);
    configError(() => planClusterAlerts(on({ strict: true }), ES, cluster(METADATA)), "alerts.strict", /\(cluster-admin-binding\) cannot fire/);
    configError(() => planClusterAlerts(on({ namespace: "Mon" }), LOKI, cluster(RECOMMENDED)), "alerts.namespace", /must be a Kubernetes namespace name/);
  });

  it("Elasticsearch/OpenSearch: rule files on the sink's index (its rollover indices) or data stream", () => {
    const p = planClusterAlerts(on(), ES, cluster(RECOMMENDED));
    assert.equal(p.format, AlertFormat.Elasticsearch);
    assert.deepEqual(p.files, renderAlertRules(AlertFormat.Elasticsearch, { indexPattern: "audit-prod*" }));
    const os = planClusterAlerts(on(), { name: "os", kind: SinkKind.OpenSearch, dataStream: "logs-kube-audit-default" }, cluster(RECOMMENDED));
    assert.deepEqual(os.files, renderAlertRules(AlertFormat.OpenSearch, { indexPattern: "logs-kube-audit-default" }));
  });
});

describe("program: buildClusterAlerts under mocks", function () {
  const created: pulumi.runtime.MockResourceArgs[] = [];
  before(async () => {
    await pulumi.runtime.setMocks(
      downstreamMocks(created, "c-m-12345678"),
      PROJECT,
      "test",
      false,
    );
  });
  beforeEach(() => {
    created.length = 0;
  });

  it("Loki: AuditAlerts <cluster>-alerts, its objects through the shipping's provider to the downstream cluster", async () => {
    const c = new AuditedCluster("prod-eu-1", { clusterName: "prod-eu-1", kubernetesVersion: "v1.31.5+rke2r1" });
    const s = new AuditLogShipping("prod-eu-1-shipping", { cluster: c, sinks: [{ name: "loki", kind: SinkKind.Loki, url: "https://loki.example.com" }] });
    const built = buildClusterAlerts(on(), c, s);
    assert.ok(built.component);
    await promiseOf(pulumi.all([built.component.prometheusRule.id, built.component.dashboardConfigMap!.id, s.kubernetesProvider!.urn]));
    const provider = `${await promiseOf(s.kubernetesProvider!.urn)}::prod-eu-1-shipping-k8s-id`;
    const rule = created.find((r) => r.name === "prod-eu-1-alerts-rules")!;
    const cm = created.find((r) => r.name === "prod-eu-1-alerts-dashboard")!;
    assert.equal(rule.provider, provider);
    assert.equal(cm.provider, provider);
    assert.deepEqual(unwrap(rule.inputs), built.plan.loki!.prometheusRule);
    assert.deepEqual(unwrap(cm.inputs), built.plan.loki!.dashboardConfigMap);
    assert.ok(created.some((r) => r.type === "rancher-audit:index:AuditAlerts" && r.name === "prod-eu-1-alerts"));
  });

  it("Elasticsearch: nothing registered, the rule files in the plan", async () => {
    const c = new AuditedCluster("es-1", { clusterName: "es-1", kubernetesVersion: "v1.31.5+rke2r1" });
    const s = new AuditLogShipping("es-1-shipping", { cluster: c, sinks: [{ name: "es", kind: SinkKind.Elasticsearch, url: "https://es.example.com:9200" }] });
    const before = created.length;
    const built = buildClusterAlerts(on(), c, s);
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
    assert.equal(built.component, undefined);
    assert.equal(created.slice(before).filter((r) => r.name.startsWith("es-1-alerts")).length, 0);
    assert.deepEqual(built.plan.files, renderAlertRules(AlertFormat.Elasticsearch, { indexPattern: "kube-audit*" }));
  });
});
