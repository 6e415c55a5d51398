/**
 * `rancher-audit alerts` (rule files for each sink, every option checked before anything is written,
 * the can-fire check with --policy and --strict) and `check --alerts` / `--strict-alerts`; the
 * alerts section of `plan` (text, plan.json, --out rule files) for a stack config with alerts.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import { AlertFormat, ALERTS, AlertId, renderAlertRules } from "../../components/alerts";
import { SinkKind } from "../../components/shipping";
import { parseStackConfig, PROJECT } from "../../program";
import { collectPlan } from "../../cli/plan/collect";
import { planJson, planPolicies, renderPlanText, writePlan } from "../../cli/plan/render";
import { style } from "../../cli/io";
import { cli, REPO, tmpDir } from "./support";

const BODY_ALERTS = [AlertId.ClusterAdminBinding, AlertId.PrivilegedPod, AlertId.HostPathVolume, AlertId.HostNamespaces];

const listFiles = (dir: string): string[] =>
  fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => path.relative(dir, path.join(d.parentPath, d.name))).sort() : [];

describe("cli alerts", () => {
  for (const format of Object.values(AlertFormat)) {
    it(`--format ${format} writes exactly renderAlertRules' files, mode 0644`, async () => {
      const dir = tmpDir("alerts");
      const r = await cli(["alerts", "--format", format, "--out", path.join(dir, "rules")]);
      assert.equal(r.code, 0, r.stderr);
      const expected = renderAlertRules(format);
      assert.deepEqual(listFiles(path.join(dir, "rules")), expected.map((f) => f.path).sort());
      for (const f of expected) {
        const file = path.join(dir, "rules", f.path);
        assert.equal(fs.readFileSync(file, "utf8"), f.content, f.path);
        assert.equal(fs.statSync(file).mode & 0o777, 0o644, f.path);
      }
      assert.equal(r.stdout.trim().split("\n").length, expected.length);
    });
  }

  it("--index-pattern, --selector and --alert reach the renderer", async () => {
    const dir = tmpDir("alerts-opts");
    let r = await cli(["alerts", "-f", "elasticsearch", "--index-pattern", "audit-*", "--alert", "rbac-change", "--alert", "csr", "-o", dir]);
    assert.equal(r.code, 0, r.stderr);
    for (const f of renderAlertRules(AlertFormat.Elasticsearch, { indexPattern: "audit-*", alerts: ["rbac-change", "csr"] })) assert.equal(fs.readFileSync(path.join(dir, f.path), "utf8"), f.content);
    assert.deepEqual(listFiles(dir), ["elasticsearch/csr.json", "elasticsearch/rbac-change.json"]);
    r = await cli(["alerts", "-f", "loki", "--selector", '{job="kube-audit", cluster="prod-eu-1"}', "-o", dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fs.readFileSync(path.join(dir, "loki/kube-audit-alerts.yaml"), "utf8"), renderAlertRules(AlertFormat.Loki, { selector: '{job="kube-audit", cluster="prod-eu-1"}' })[0].content);
  });

  const refusals: [string, string[], RegExp][] = [
    ["no --format", ["--out", "X"], /--format is required: one of loki, opensearch, elasticsearch/],
    ["an unknown format", ["--format", "splunk", "--out", "X"], /--format: unknown format "splunk"; the formats are: loki, opensearch, elasticsearch/],
    ["no --out", ["--format", "loki"], /--out DIR is required/],
    ["--index-pattern with loki", ["--format", "loki", "--index-pattern", "a*", "--out", "X"], /--index-pattern is for opensearch and elasticsearch/],
    ["--selector with opensearch", ["--format", "opensearch", "--selector", "{a=\"b\"}", "--out", "X"], /--selector is for loki/],
    ["a selector that is not one", ["--format", "loki", "--selector", "job=kube-audit", "--out", "X"], /--selector must be a LogQL stream selector/],
    ["an empty index pattern", ["--format", "opensearch", "--index-pattern", " ", "--out", "X"], /--index-pattern: must be a non-empty string/],
    ["an unknown alert", ["--format", "loki", "--alert", "rbac", "--out", "X"], /--alert: unknown alert "rbac"; the alerts are: rbac-change/],
    ["--strict without --policy", ["--format", "loki", "--strict", "--out", "X"], /--strict needs --policy/],
    ["a missing policy file", ["--format", "loki", "--policy", "nope.yaml", "--out", "X"], /cannot read policy nope\.yaml/],
    ["a bad Kubernetes version", ["--format", "loki", "--policy", "preset:recommended", "--kubernetes-version", "latest", "--out", "X"], /--kubernetes-version/],
  ];
  for (const [what, args, expected] of refusals) {
    it(`refuses ${what} (exit 2), writing nothing`, async () => {
      const dir = tmpDir("alerts-bad");
      const r = await cli(["alerts", ...args.map((a) => (a === "X" ? path.join(dir, "out") : a))]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, expected);
      assert.deepEqual(fs.readdirSync(dir), []);
    });
  }

  it("refuses an --out that exists and is not a directory", async () => {
    const dir = tmpDir("alerts-file");
    const file = path.join(dir, "rules");
    fs.writeFileSync(file, "keep");
    const r = await cli(["alerts", "--format", "loki", "--out", file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--out .*rules: exists and is not a directory/);
    assert.equal(fs.readFileSync(file, "utf8"), "keep");
  });

  it("--policy preset:metadata: warns about the four body-reading alerts and writes; --strict writes nothing, exit 1", async () => {
    const dir = tmpDir("alerts-policy");
    let r = await cli(["alerts", "--format", "loki", "--policy", "preset:metadata", "--out", path.join(dir, "a")]);
    assert.equal(r.code, 0, r.stderr);
    for (const id of BODY_ALERTS) assert.match(r.stderr, new RegExp(`preset:metadata: warning \\[alert-cannot-fire\\] alert \\w+ \\(${id}\\) cannot fire`));
    assert.equal(r.stderr.trim().split("\n").length, 4);
    assert.deepEqual(listFiles(path.join(dir, "a")), ["loki/kube-audit-alerts.yaml"]);
    r = await cli(["alerts", "--format", "loki", "--policy", "preset:metadata", "--strict", "--out", path.join(dir, "b")]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /4 alert\(s\) cannot fire with preset:metadata; nothing written/);
    assert.equal(fs.existsSync(path.join(dir, "b")), false);
    r = await cli(["alerts", "--format", "loki", "--policy", "preset:recommended", "--strict", "--out", path.join(dir, "c")]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
  });

  it("--help documents every option and the exit codes", async () => {
    const r = await cli(["alerts", "--help"]);
    assert.equal(r.code, 0);
    for (const o of ["--format", "--out", "--index-pattern", "--selector", "--alert", "--policy", "--kubernetes-version", "--strict"]) assert.ok(r.stdout.includes(o), o);
    assert.match(r.stdout, /Exit codes:\n {2}0 /);
  });
});

describe("cli check --alerts", () => {
  it("metadata: four alert-cannot-fire warnings, located at the rule that decides them; exit 0", async () => {
    const r = await cli(["check", "preset:metadata", "--alerts", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { findings: { id: string; severity: string; message: string; line?: number }[] };
    const alerts = out.findings.filter((f) => f.id === "alert-cannot-fire");
    assert.equal(alerts.length, 4);
    for (const id of BODY_ALERTS) assert.ok(alerts.some((f) => f.message.includes(`(${id}) cannot fire`) && f.severity === "warning" && f.line !== undefined), id);
  });

  it("--strict-alerts makes them errors (exit 1); recommended passes; without the flag nothing about alerts", async () => {
    const strict = await cli(["check", "preset:metadata", "--strict-alerts"]);
    assert.equal(strict.code, 1);
    assert.match(strict.stdout, /unsafe: 4 error\(s\)/);
    const ok = await cli(["check", "preset:recommended", "--strict-alerts"]);
    assert.equal(ok.code, 0, ok.stdout);
    const plain = await cli(["check", "preset:metadata"]);
    assert.ok(!plain.stdout.includes("alert-cannot-fire"));
  });
});

describe("plan: alerts per cluster", () => {
  it("lists each cluster's rules and can-fire findings (text and plan.json); --out writes Elasticsearch rule files", async () => {
    const config = parseStackConfig({ clusters: [{ name: "es-1", kubernetesVersion: "v1.31.5+rke2r1" }], preset: "metadata" }, { projectDir: REPO });
    config.alerts = { enabled: true, strict: false, dashboard: true, target: { name: "es", kind: SinkKind.Elasticsearch, index: "audit" } };
    const plan = await collectPlan(config, { stack: "alerts-test", project: PROJECT });
    assert.equal(plan.alerts?.length, 1);
    const a = plan.alerts![0];
    assert.deepEqual({ cluster: a.cluster, sink: a.sink, format: a.format, rules: a.rules }, { cluster: "es-1", sink: "es", format: "elasticsearch", rules: ALERTS.map((x) => x.name) });
    assert.deepEqual(a.files, renderAlertRules(AlertFormat.Elasticsearch, { indexPattern: "audit*" }));
    assert.equal(a.findings.length, 4);
    const text = renderPlanText(plan, planPolicies(plan), style(false));
    assert.match(text, /== Alerts ==\nes-1: 12 rules for sink "es" \(elasticsearch\): 12 rule file\(s\) to load yourself/);
    assert.match(text, /warning \[alert-cannot-fire\] alert KubeAuditPrivilegedPod \(privileged-pod\) cannot fire/);
    assert.deepEqual((JSON.parse(planJson(plan)) as { alerts: unknown[] }).alerts.length, 1);
    const dir = tmpDir("plan-alerts");
    const written = writePlan(dir, plan);
    for (const f of a.files!) {
      assert.ok(written.includes(`alerts/es-1/${f.path}`), f.path);
      assert.equal(fs.readFileSync(path.join(dir, "alerts", "es-1", f.path), "utf8"), f.content);
    }
  });
});
