/**
 * The alerts (components/alerts): every LogQL expression parses with Grafana's own LogQL grammar
 * (@grafana/lezer-logql), the OpenSearch/Elasticsearch bodies have their documented shape and match
 * the golden files, the predicates replay the real Falco traces exactly as Falco's own tests expect,
 * and the can-fire analysis tells which alerts a policy starves.
 *
 * Regenerate the golden files with UPDATE_GOLDEN=1 npx mocha test/alerts/alerts.test.ts
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import { parser } from "@grafana/lezer-logql";
import { parse as parseYaml } from "yaml";

import {
  ALERTS,
  AlertFormat,
  alertCoverage,
  alertExpr,
  alertLogQuery,
  alertsRaisedBy,
  auditDashboard,
  dashboardConfigMap,
  dashboardPanels,
  detectionOf,
  lokiRuleGroups,
  prometheusRuleObject,
  readsBody,
  renderAlertRules,
} from "../../components/alerts";
import { DETECTIONS, getPreset, presets } from "../../components/audit-policy";

const ROOT = path.join(__dirname, "..", "..");
const EVENTS = path.join(ROOT, "test", "fixtures", "events");
const GOLDEN = path.join(ROOT, "test", "fixtures", "alerts-golden");

const readJsonl = (file: string): unknown[] =>
  fs.readFileSync(path.join(EVENTS, file), "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as unknown);

/** Grafana replaces dashboard variables before the query reaches Loki; the grammar sees the result. */
const interpolate = (q: string) => q.replace(/\$__auto|\$__interval/g, "1m").replace(/\$cluster/g, ".+");

function logqlErrors(query: string): string[] {
  const errors: string[] = [];
  parser.parse(query).iterate({
    enter(node) {
      if (node.type.isError) errors.push(`error node at ${node.from}: ${JSON.stringify(query.slice(Math.max(0, node.from - 20), node.to + 20))}`);
    },
  });
  return errors;
}

describe("alerts: the table", () => {
  it("every alert raises a detection class of the engine, and names distinct rules", () => {
    const ids = new Set(DETECTIONS.map((d) => d.id));
    for (const a of ALERTS) assert.ok(ids.has(detectionOf(a).id), a.id);
    assert.equal(new Set(ALERTS.map((a) => a.name)).size, ALERTS.length);
  });

  it("the alerts that read a body are those whose detection needs Request or more", () => {
    for (const a of ALERTS) {
      const needsBody = detectionOf(a).minLevel === "Request" || detectionOf(a).minLevel === "RequestResponse";
      assert.equal(a.conditions.some(readsBody), needsBody, a.id);
    }
  });

  it("names only Falco rules that exist in the vendored rules file", () => {
    const rules = new Set(
      (parseYaml(fs.readFileSync(path.join(ROOT, "test", "fixtures", "detection-rules", "falco", "k8s_audit_rules.yaml"), "utf8")) as { rule?: string }[])
        .map((r) => r.rule)
        .filter((r): r is string => typeof r === "string"),
    );
    for (const a of ALERTS) for (const r of a.falcoRules) assert.ok(rules.has(r), `${a.id}: no Falco rule ${JSON.stringify(r)}`);
  });
});

describe("alerts: LogQL parses with Grafana's grammar", () => {
  it("every alert expression and log query", () => {
    for (const a of ALERTS) {
      for (const q of [alertExpr(a), alertLogQuery(a), alertExpr(a, { selector: '{job="kube-audit", cluster="prod"}', window: "1h" })]) {
        assert.deepEqual(logqlErrors(q), [], q);
        assert.match(parser.parse(q).toString(), /^LogQL\(Expr\(/);
      }
      assert.match(parser.parse(alertExpr(a)).toString(), /VectorAggregationExpr.*RangeAggregationExpr\(RangeOp\(CountOverTime\)/, "an instant vector");
    }
  });

  it("every dashboard query", () => {
    const queries = dashboardPanels().flatMap((p) => (p.expr ? [p.expr] : []));
    assert.ok(queries.length >= 5);
    for (const q of queries) assert.deepEqual(logqlErrors(interpolate(q)), [], q);
  });

  it("a broken query is caught (the check can fail)", () => {
    assert.notDeepEqual(logqlErrors('sum by (cluster) (count_over_time({job="kube-audit"} | json | verb=~"get" [5m]) > 0'), []);
  });
});

describe("alerts: rendered files", () => {
  const outputs = Object.values(AlertFormat).flatMap((f) => renderAlertRules(f));

  it("match the golden files", () => {
    if (process.env.UPDATE_GOLDEN === "1") {
      fs.rmSync(GOLDEN, { recursive: true, force: true });
      for (const o of outputs) {
        fs.mkdirSync(path.dirname(path.join(GOLDEN, o.path)), { recursive: true });
        fs.writeFileSync(path.join(GOLDEN, o.path), o.content);
      }
    }
    for (const o of outputs) assert.equal(fs.readFileSync(path.join(GOLDEN, o.path), "utf8"), o.content, `${o.path} differs: UPDATE_GOLDEN=1 npx mocha test/alerts/alerts.test.ts`);
    const onDisk = fs.readdirSync(GOLDEN, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).length;
    assert.equal(onDisk, outputs.length);
  });

  it("Loki: Prometheus rule groups; the PrometheusRule object holds the same groups", () => {
    const [file] = renderAlertRules(AlertFormat.Loki);
    const doc = parseYaml(file.content) as ReturnType<typeof lokiRuleGroups>;
    assert.deepEqual(doc, JSON.parse(JSON.stringify(lokiRuleGroups())));
    assert.equal(doc.groups[0].rules.length, ALERTS.length);
    const pr = prometheusRuleObject({ namespace: "monitoring" }) as { apiVersion: string; kind: string; metadata: { namespace: string; labels: Record<string, string> }; spec: unknown };
    assert.equal(pr.apiVersion, "monitoring.coreos.com/v1");
    assert.equal(pr.kind, "PrometheusRule");
    assert.equal(pr.metadata.namespace, "monitoring");
    assert.equal(pr.metadata.labels["rancher-audit.io/rule-engine"], "loki");
    assert.deepEqual(JSON.parse(JSON.stringify(pr.spec)), JSON.parse(JSON.stringify(lokiRuleGroups())));
  });

  it("OpenSearch: per query monitors of the documented shape, with the same query DSL as Elasticsearch", () => {
    for (const [i, f] of renderAlertRules(AlertFormat.OpenSearch).entries()) {
      const m = JSON.parse(f.content) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
      assert.equal(m.type, "monitor");
      assert.equal(m.monitor_type, "query_level_monitor");
      assert.deepEqual(m.schedule, { period: { interval: 1, unit: "MINUTES" } });
      const search = m.inputs[0].search;
      assert.deepEqual(search.indices, ["kube-audit*"]);
      const [range, ...filter] = search.query.query.bool.filter;
      assert.deepEqual(range, { range: { "@timestamp": { format: "epoch_millis", gte: "{{period_end}}||-5m", lte: "{{period_end}}" } } });
      const es = JSON.parse((JSON.parse(renderAlertRules(AlertFormat.Elasticsearch)[i].content) as { params: { esQuery: string } }).params.esQuery) as { query: { bool: object } };
      assert.deepEqual({ bool: { ...search.query.query.bool, filter } }, es.query);
      const trigger = m.triggers[0];
      assert.equal(trigger.condition.script.source, "ctx.results[0].hits.total.value > 0");
      assert.match(trigger.severity, /^[1-5]$/);
    }
  });

  it("Elasticsearch: Kibana .es-query rules whose esQuery is query DSL JSON", () => {
    for (const f of renderAlertRules(AlertFormat.Elasticsearch)) {
      const r = JSON.parse(f.content) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
      assert.equal(r.rule_type_id, ".es-query");
      assert.equal(r.consumer, "stackAlerts");
      assert.equal(r.params.searchType, "esQuery");
      assert.deepEqual(r.params.threshold, [0]);
      assert.equal(r.params.thresholdComparator, ">");
      const q = JSON.parse(r.params.esQuery) as { query: { bool: { filter: unknown[] } } };
      assert.deepEqual(Object.keys(q), ["query"]);
      assert.ok(q.query.bool.filter.length > 0);
    }
  });

  it("options are checked, naming the option", () => {
    assert.throws(() => renderAlertRules(AlertFormat.Loki, { alerts: ["exec"] }), /alerts: unknown alert "exec"; the alerts are: rbac-change/);
    assert.throws(() => renderAlertRules(AlertFormat.Elasticsearch, { intervalMinutes: 0 }), /intervalMinutes/);
    assert.throws(() => renderAlertRules(AlertFormat.Loki, { window: "5 minutes" }), /window/);
    assert.throws(() => renderAlertRules("splunk" as AlertFormat), /format: unknown alert format "splunk"/);
    assert.equal(renderAlertRules(AlertFormat.OpenSearch, { alerts: ["csr"] }).length, 1);
  });
});

// ---------------------------------------------------------------------------------------------

/** Falco rule names an index line's expectations name (`Rule xN [rule files]; ...`). */
function falcoRulesOf(expectation: string): string[] {
  return expectation.split("; ").map((e) => /^(.*?) x\d+ \[/.exec(e)?.[1]).filter((r): r is string => r !== undefined);
}

describe("alerts: replaying the real Falco traces", () => {
  const events = readJsonl("falco-k8s-audit-traces.jsonl");
  const index = fs.readFileSync(path.join(EVENTS, "falco-k8s-audit-traces.index.tsv"), "utf8").trim().split("\n").slice(1).map((l) => l.split("\t"));

  it("each trace raises exactly the alerts covering the Falco rules its upstream test expects", () => {
    assert.equal(index.length, events.length);
    let raisedSomething = 0;
    for (const [i, row] of index.entries()) {
      const named = falcoRulesOf(row[8]);
      const expected = ALERTS.filter((a) => a.falcoRules.some((r) => named.includes(r))).map((a) => a.id);
      const raised = alertsRaisedBy(events[i]);
      assert.deepEqual(raised, expected, `line ${row[0]} ${row[1]} (Falco: ${named.join(", ") || "none"})`);
      if (raised.length > 0) raisedSomething++;
    }
    assert.equal(raisedSomething, 20);
  });

  it("an alert raised is always an event of its detection class", () => {
    const all = [...events, ...readJsonl("audit2rbac-demo-v1.jsonl"), ...readJsonl("audit2rbac-demo-2017-responsecomplete.jsonl")];
    for (const e of all) for (const id of alertsRaisedBy(e)) assert.ok(detectionOf(ALERTS.find((a) => a.id === id)!).matches(e as object), `${id}: ${JSON.stringify(e).slice(0, 200)}`);
  });

  it("audit2rbac: every impersonated request raises the impersonation alert; only successful RBAC changes raise rbac-change", () => {
    for (const e of readJsonl("audit2rbac-demo-v1.jsonl") as Record<string, any>[]) { // eslint-disable-line @typescript-eslint/no-explicit-any
      assert.equal(alertsRaisedBy(e).includes("impersonation" as never), e.impersonatedUser !== undefined);
    }
    const churn = readJsonl("audit2rbac-demo-2017-responsecomplete.jsonl") as Record<string, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
    const changes = churn.filter((e) => alertsRaisedBy(e).includes("rbac-change" as never));
    assert.ok(changes.length > 100, `${changes.length} changes`);
    for (const e of changes) assert.ok(e.responseStatus.code < 300);
    assert.ok(churn.some((e) => e.objectRef?.apiGroup === "rbac.authorization.k8s.io" && e.verb === "delete" && e.responseStatus.code === 404 && !alertsRaisedBy(e).length));
  });
});

describe("alerts: can they fire under a policy?", () => {
  const bodyAlerts = ALERTS.filter((a) => a.conditions.some(readsBody)).map((a) => a.name).sort();
  const unable = (findings: ReturnType<typeof alertCoverage>) => findings.map((f) => /alert (\S+)/.exec(f.message)![1]).sort();

  it("with metadata, exactly the alerts that read request bodies cannot fire", () => {
    assert.deepEqual(bodyAlerts, ["KubeAuditClusterAdminBinding", "KubeAuditHostNamespacePod", "KubeAuditHostPathPod", "KubeAuditPrivilegedPod"]);
    const findings = alertCoverage(presets.metadata.policy);
    assert.deepEqual(unable(findings), bodyAlerts);
    for (const f of findings) {
      assert.equal(f.id, "alert-cannot-fire");
      assert.equal(f.severity, "warning");
      assert.equal(f.path, "rules[0]");
      assert.match(f.message, /is logged at Metadata \(rules\[0\]\), below Request/);
    }
  });

  it("with recommended, every alert can fire", () => {
    assert.deepEqual(alertCoverage(presets.recommended.policy), []);
    assert.deepEqual(alertCoverage(presets.recommended.policy, { kubernetesVersion: "v1.30.4+rke2r1", strict: true }), []);
  });

  it("strict makes them errors; an omitted stage and a dropped request are findings too", () => {
    assert.ok(alertCoverage(presets.metadata.policy, { strict: true }).every((f) => f.severity === "error"));
    const omitted = getPreset("recommended");
    omitted.omitStages = ["RequestReceived", "ResponseComplete"];
    assert.ok(unable(alertCoverage(omitted)).includes("KubeAuditRbacChange"));
    assert.match(alertCoverage(omitted, { alerts: ["rbac-change"] })[0].message, /stage ResponseComplete omitted/);
    const dropped = getPreset("recommended");
    dropped.rules.unshift({ level: "None", resources: [{ group: "", resources: ["pods/exec", "pods/attach"] }] });
    assert.deepEqual(unable(alertCoverage(dropped)), ["KubeAuditPodExec"]);
  });

  it("requests by identities an alert ignores do not count", () => {
    const policy = getPreset("recommended");
    // Drop Secret reads by Rancher's agents (the alert ignores them) and nothing else.
    policy.rules.unshift({ level: "None", userGroups: ["system:serviceaccounts:cattle-system"], resources: [{ group: "", resources: ["secrets"] }] });
    assert.deepEqual(alertCoverage(policy), []);
    policy.rules.unshift({ level: "None", userGroups: ["system:serviceaccounts:cattle-impersonation-system"], resources: [{ group: "", resources: ["secrets"] }] });
    assert.deepEqual(unable(alertCoverage(policy)), ["KubeAuditSecretReadByHuman"]);
  });
});

describe("alerts: dashboard", () => {
  it("a ConfigMap Rancher Monitoring's Grafana sidecar loads, holding the dashboard JSON", () => {
    const cm = dashboardConfigMap() as { metadata: { namespace: string; labels: Record<string, string> }; data: Record<string, string> };
    assert.equal(cm.metadata.namespace, "cattle-dashboards");
    assert.deepEqual(cm.metadata.labels, { grafana_dashboard: "1" });
    const dash = JSON.parse(cm.data["kube-audit.json"]) as { panels: { title: string; targets?: { expr: string }[]; datasource?: { type: string } }[] };
    assert.deepEqual(dash, JSON.parse(JSON.stringify(auditDashboard())));
    assert.deepEqual(
      dash.panels.map((p) => p.title),
      ["Requests by user and verb", "Denied requests", "RBAC changes", "Exec and attach sessions", "Secret reads by people", "Firing alerts"],
    );
    for (const p of dash.panels) if (p.targets) assert.equal(p.datasource?.type, "loki");
  });
});
