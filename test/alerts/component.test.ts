/**
 * AuditAlerts under Pulumi mocks: the exact PrometheusRule and dashboard ConfigMap it registers
 * through the Kubernetes provider it is given, the PrometheusRule valid against the real
 * prometheus-operator CRD schema (vendored), the rules' LogQL parsed by Grafana's grammar, the
 * can-fire findings as a warning on the component (metadata preset) or, when strict, an error
 * that registers nothing; bad arguments refused before anything is registered.
 */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { parser } from "@grafana/lezer-logql";
import Ajv, { type ValidateFunction } from "ajv";
import { parse as parseYaml } from "yaml";

import { AuditAlerts } from "../../components";
import { getPreset, renderPolicy } from "../../components/audit-policy";
import { ALERTS, AlertId, auditDashboard, clusterSelector, lokiRule, RULE_ENGINE_LABEL } from "../../components/alerts";
import { promiseOf, unwrap } from "../support/pulumi";

type Json = Record<string, unknown>;
const FIXTURES = join(__dirname, "..", "fixtures");
const RECOMMENDED = renderPolicy(getPreset("recommended"));
const METADATA = renderPolicy(getPreset("metadata"));
/** The alerts that read the request body: with the metadata preset they cannot fire. */
const BODY_ALERTS = [AlertId.ClusterAdminBinding, AlertId.PrivilegedPod, AlertId.HostPathVolume, AlertId.HostNamespaces];

/** The CRD's openAPIV3Schema compiled by ajv, unknown fields refused (structural schemas would prune them silently). */
export function prometheusRuleValidator(): { validate: ValidateFunction; ajv: Ajv } {
  const crd = parseYaml(readFileSync(join(FIXTURES, "prometheus-operator", "monitoring.coreos.com_prometheusrules.yaml"), "utf8")) as {
    spec: { versions: { name: string; schema: { openAPIV3Schema: Json } }[] };
  };
  const strict = (schema: unknown): unknown => {
    if (Array.isArray(schema)) return schema.map(strict);
    if (schema === null || typeof schema !== "object") return schema;
    const s = Object.fromEntries(Object.entries(schema as Json).map(([k, v]) => [k, k === "properties" ? Object.fromEntries(Object.entries(v as Json).map(([p, x]) => [p, strict(x)])) : strict(v)])) as Json;
    if (s.type === "object" && s.properties && s.additionalProperties === undefined && !("apiVersion" in (s.properties as Json))) s.additionalProperties = false;
    return s;
  };
  // The CRD's patterns are Go (RE2) regular expressions; `(?i)` becomes JavaScript's `i` flag.
  const regExp = Object.assign((pattern: string, flags?: string) => (pattern.startsWith("^(?i)") ? new RegExp(`^${pattern.slice(5)}`, `${flags ?? ""}i`) : new RegExp(pattern, flags)), { code: "new RegExp" });
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false, code: { regExp } });
  return { validate: ajv.compile(strict(crd.spec.versions.find((v) => v.name === "v1")!.schema.openAPIV3Schema) as object), ajv };
}

function logqlErrors(query: string): string[] {
  const errors: string[] = [];
  parser.parse(query).iterate({
    enter(node) {
      if (node.type.isError) errors.push(`error at ${node.from} in ${query}`);
    },
  });
  return errors;
}

describe("AuditAlerts under mocks", function () {
  const created: pulumi.runtime.MockResourceArgs[] = [];
  const warnings: string[] = [];
  const originalWarn = console.warn;

  before(async () => {
    await pulumi.runtime.setMocks(
      {
        newResource(args) {
          created.push(args);
          return { id: `${args.name}-id`, state: { ...args.inputs } };
        },
        call(args) {
          throw new Error(`unmocked invoke ${args.token}`);
        },
      },
      "rancher-audit",
      "test",
      false,
    );
    // Without an engine, pulumi.log.warn prints with console.warn: collect it.
    console.warn = (...a: unknown[]) => void warnings.push(a.map(String).join(" "));
  });
  after(() => {
    console.warn = originalWarn;
  });
  beforeEach(() => {
    created.length = 0;
    warnings.length = 0;
  });

  async function settle(a: AuditAlerts): Promise<void> {
    await promiseOf(pulumi.all([a.urn, a.prometheusRule.id, a.dashboardConfigMap ? a.dashboardConfigMap.id : "", a.cannotFire]));
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
  }
  const named = (name: string) => {
    const found = created.filter((r) => r.name === name);
    assert.equal(found.length, 1, `one registration named ${name}; got ${created.map((c) => c.name).join(", ")}`);
    return found[0];
  };

  it("registers exactly the PrometheusRule and the dashboard ConfigMap, through the given provider", async () => {
    const provider = new k8s.Provider("downstream", { kubeconfig: "apiVersion: v1\nkind: Config\n" });
    const a = new AuditAlerts("prod-alerts", { clusterName: "prod-eu-1", policyYaml: RECOMMENDED, kubernetesVersion: "v1.31.5+rke2r1" }, { providers: { kubernetes: provider } });
    await settle(a);
    const providerRef = `${await promiseOf(provider.urn)}::downstream-id`;

    const rule = named("prod-alerts-rules");
    assert.equal(rule.type, "kubernetes:monitoring.coreos.com/v1:PrometheusRule");
    assert.equal(rule.provider, providerRef);
    assert.deepEqual(unwrap(rule.inputs), {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PrometheusRule",
      metadata: {
        labels: { "app.kubernetes.io/managed-by": "rancher-audit", [RULE_ENGINE_LABEL]: "loki" },
        name: "kube-audit-alerts",
        namespace: "cattle-monitoring-system",
      },
      spec: { groups: [{ name: "kube-audit", rules: ALERTS.map((x) => lokiRule(x, { selector: '{job="kube-audit", cluster="prod-eu-1"}' })) }] },
    });

    const cm = named("prod-alerts-dashboard");
    assert.equal(cm.type, "kubernetes:core/v1:ConfigMap");
    assert.equal(cm.provider, providerRef);
    assert.deepEqual(unwrap(cm.inputs), {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { labels: { grafana_dashboard: "1" }, name: "kube-audit-dashboard", namespace: "cattle-dashboards" },
      data: { "kube-audit.json": `${JSON.stringify(auditDashboard(), null, 2)}\n` },
    });
    assert.deepEqual(created.map((c) => c.type).sort(), ["kubernetes:core/v1:ConfigMap", "kubernetes:monitoring.coreos.com/v1:PrometheusRule", "pulumi:providers:kubernetes", "rancher-audit:index:AuditAlerts"]);
    assert.deepEqual(await promiseOf(a.cannotFire), []);
    assert.deepEqual(await promiseOf(a.alertIds), ALERTS.map((x) => x.id));
    assert.deepEqual(warnings, [], "recommended lets every alert fire: no warning");
  });

  it("each rule reads only its cluster's stream, and parses with Grafana's LogQL grammar", () => {
    assert.equal(clusterSelector("prod-eu-1"), '{job="kube-audit", cluster="prod-eu-1"}');
    const a = new AuditAlerts("g", { clusterName: "prod-eu-1", policyYaml: RECOMMENDED, window: "10m" });
    const rules = (a.plan.prometheusRule.spec as { groups: { rules: { expr: string }[] }[] }).groups[0].rules;
    assert.equal(rules.length, ALERTS.length);
    for (const r of rules) {
      assert.ok(r.expr.includes('count_over_time({job="kube-audit", cluster="prod-eu-1"} '), r.expr);
      assert.ok(r.expr.endsWith("[10m])) > 0"), r.expr);
      assert.deepEqual(logqlErrors(r.expr), []);
    }
  });

  it("the PrometheusRule is valid against prometheus-operator's CRD schema (and the check can fail)", () => {
    const { validate, ajv } = prometheusRuleValidator();
    const a = new AuditAlerts("crd", { clusterName: "c1", policyYaml: RECOMMENDED, ruleLabels: { "alloy-rules": "kube-audit" }, namespace: "monitoring", alerts: [AlertId.RbacChange, AlertId.SecretRead] });
    assert.ok(validate(a.plan.prometheusRule), ajv.errorsText(validate.errors));
    const bad = structuredClone(a.plan.prometheusRule) as { spec: { groups: Json[] } };
    bad.spec.groups[0].rulez = [];
    assert.equal(validate(bad), false, "an unknown field is refused");
    const noExpr = structuredClone(a.plan.prometheusRule) as { spec: { groups: { rules: Json[] }[] } };
    delete noExpr.spec.groups[0].rules[0].expr;
    assert.equal(validate(noExpr), false, "a rule without expr is refused");
  });

  it("metadata preset: a warning on the component names the four body-reading alerts; still deploys", async () => {
    const a = new AuditAlerts("meta", { clusterName: "dev-1", policyYaml: METADATA, kubernetesVersion: "v1.30.4+k3s1" });
    await settle(a);
    assert.deepEqual(await promiseOf(a.cannotFire), BODY_ALERTS);
    assert.equal(warnings.length, 1, warnings.join("\n"));
    assert.match(warnings[0], /4 alert\(s\) cannot fire with the audit policy of cluster "dev-1"/);
    for (const id of BODY_ALERTS) assert.ok(warnings[0].includes(`(${id}) cannot fire`), id);
    assert.match(warnings[0], /Fix: .*recommended/);
    assert.ok(a.plan.findings.every((f) => f.severity === "warning" && f.id === "alert-cannot-fire"));
    named("meta-rules");
  });

  it("strict: an alert that cannot fire fails before anything is registered, naming the alerts and the fix", async () => {
    assert.throws(
      () => new AuditAlerts("strict", { clusterName: "dev-1", policyYaml: METADATA, strict: true }),
      (e: Error) => {
        assert.match(e.message, /^AuditAlerts "strict": policyYaml: 4 alert\(s\) cannot fire/);
        for (const id of BODY_ALERTS) assert.ok(e.message.includes(`(${id}) cannot fire`), id);
        assert.match(e.message, /Fix: /);
        return true;
      },
    );
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    assert.equal(created.length, 0, created.map((c) => c.name).join(", "));
    // Only the alerts asked for count: without the body-reading ones, strict passes.
    const ok = new AuditAlerts("strict-ok", { clusterName: "dev-1", policyYaml: METADATA, strict: true, alerts: [AlertId.RbacChange, AlertId.ExecAttach], dashboard: false });
    await settle(ok);
    assert.deepEqual(created.map((c) => c.name).sort(), ["strict-ok", "strict-ok-rules"]);
  });

  const bad: [string, Json, RegExp][] = [
    ["no policy", { clusterName: "c" }, /policyYaml: is required: the YAML/],
    ["a policy that is not one", { clusterName: "c", policyYaml: "rules: 3" }, /policyYaml: the audit policy is not valid/],
    ["no clusterName", { policyYaml: RECOMMENDED }, /clusterName: is required/],
    ["a quote in clusterName", { clusterName: 'a"b', policyYaml: RECOMMENDED }, /clusterName: is required/],
    ["unknown alert", { clusterName: "c", policyYaml: RECOMMENDED, alerts: ["rbac"] }, /alerts: unknown alert "rbac"; the alerts are: rbac-change/],
    ["strict as text", { clusterName: "c", policyYaml: RECOMMENDED, strict: "yes" }, /strict: must be true or false/],
    ["window", { clusterName: "c", policyYaml: RECOMMENDED, window: "5 minutes" }, /window: must be a LogQL duration/],
    ["namespace", { clusterName: "c", policyYaml: RECOMMENDED, namespace: "Monitoring" }, /namespace: must be a Kubernetes namespace name/],
    ["label value", { clusterName: "c", policyYaml: RECOMMENDED, ruleLabels: { a: "has space" } }, /ruleLabels\.a: must be a Kubernetes label value/],
    ["kubernetesVersion", { clusterName: "c", policyYaml: RECOMMENDED, kubernetesVersion: "latest" }, /kubernetesVersion: /],
  ];
  for (const [what, args, expected] of bad) {
    it(`refuses ${what}, registering nothing`, async () => {
      assert.throws(() => new AuditAlerts("bad", args as never), (e: Error) => expected.test(e.message) && e.message.startsWith('AuditAlerts "bad": '));
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      assert.equal(created.length, 0, created.map((c) => c.name).join(", "));
    });
  }
});
