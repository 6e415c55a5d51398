import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { buildStack, parseStackConfig } from "../../program";
import { collectPlan } from "../../cli/plan/collect";
import { planJson, planPolicies, renderPlanText, writePlan } from "../../cli/plan/render";
import { cli, REPO, tmpDir } from "./support";

const STACKS = ["dev", "staging", "prod"];
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

interface PlanJson {
  formatVersion: number;
  stack: string;
  resources: { type: string; name: string; parent: string | null; custom: boolean; inputs: Record<string, unknown> }[];
  clusters: { name: string; policyYaml: string | null; apiServerArgs: string[]; restartScope: { roles: string[] } }[];
}

function readPlan(dir: string): PlanJson {
  return JSON.parse(fs.readFileSync(path.join(dir, "plan.json"), "utf8")) as PlanJson;
}

/** The stack's `rancher-audit:*` values, read here independently of the CLI. */
function stackValues(stack: string): Record<string, unknown> {
  const doc = parseYaml(fs.readFileSync(path.join(REPO, "stacks", `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc.config)) if (k.startsWith("rancher-audit:")) out[k.slice("rancher-audit:".length)] = v;
  return out;
}

const promiseOf = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply((v) => (resolve(v), v)));

describe("cli plan", () => {
  for (const stack of STACKS) {
    it(`plans stack ${stack} (exit 0) and writes plan.json and one manifest per resource`, async () => {
      const out = tmpDir(`plan-${stack}`);
      const r = await cli(["plan", "--stack", stack, "--out", out]);
      assert.equal(r.code, 0, r.stderr);
      for (const section of ["== Resources ==", "== Audit policy ==", "== kube-apiserver flags", "== Restart scope ==", "== Findings =="]) {
        assert.ok(r.stdout.includes(section), `missing ${section}`);
      }
      const plan = readPlan(out);
      assert.equal(plan.formatVersion, 1);
      assert.equal(plan.stack, stack);
      const custom = plan.resources.filter((x) => x.custom);
      assert.ok(custom.some((x) => x.type === "rancher2:index/clusterV2:ClusterV2"));
      for (const res of custom) {
        const kind = res.type.split(":").pop();
        assert.ok(fs.existsSync(path.join(out, `${kind}-${res.name}.yaml`)), `${kind}-${res.name}.yaml`);
        assert.ok(res.parent !== null, `${res.name} has a parent component`);
      }
      // plan.json is stable: keys sorted, same bytes on a second run.
      const again = tmpDir(`plan-${stack}-again`);
      assert.equal((await cli(["plan", "--stack", stack, "--out", again])).code, 0);
      assert.equal(fs.readFileSync(path.join(again, "plan.json"), "utf8"), fs.readFileSync(path.join(out, "plan.json"), "utf8"));
    });
  }

  it("shows Secret data as the policy text (the policy is not secret) while plan.json keeps the recorded wrapper", async () => {
    const out = tmpDir("plan-prod-secret");
    const r = await cli(["plan", "--stack", "prod", "--out", out]);
    assert.equal(r.code, 0);
    const plan = readPlan(out);
    const secret = plan.resources.find((x) => x.type === "kubernetes:core/v1:Secret")!;
    const wrapped = secret.inputs.stringData as Record<string, unknown>;
    assert.ok(SECRET_SIG in wrapped, "plan.json holds exactly the recorded (secret-wrapped) input");
    const text = (wrapped.value as Record<string, string>)["audit-policy"];
    assert.match(r.stdout, /stringData:\n\s+audit-policy: \|\n\s+apiVersion: audit\.k8s\.io\/v1/);
    assert.ok(r.stdout.includes(text.split("\n")[4]));
    const manifest = fs.readFileSync(path.join(out, `Secret-${secret.name}.yaml`), "utf8");
    assert.match(manifest, /audit-policy: \|/);
    assert.ok(!manifest.includes(SECRET_SIG));
  });

  it("the plan equals what the component hands the providers (independent mock)", async () => {
    for (const stack of STACKS) {
      const out = tmpDir(`plan-eq-${stack}`);
      assert.equal((await cli(["plan", "--stack", stack, "--out", out])).code, 0);
      const plan = readPlan(out);

      const captured: { type: string; name: string; custom: boolean; inputs: unknown }[] = [];
      await pulumi.runtime.setMocks(
        {
          newResource: (a) => {
            captured.push({ type: a.type, name: a.name, custom: a.custom !== false, inputs: a.inputs });
            // The plan's stand-in id: "c-m-" + 8 hex of SHA-256 of the cluster name (ClusterSync reads it).
            const v1 = `c-m-${createHash("sha256").update(String(a.inputs.name)).digest("hex").slice(0, 8)}`;
            return { id: `${a.name}-id`, state: { ...a.inputs, clusterV1Id: v1 } };
          },
          call: (a) => {
            throw new Error(`unexpected invoke ${a.token}`);
          },
        },
        "rancher-audit",
        stack,
        false,
      );
      const warn = console.warn; // the component's pulumi.log.warn prints here without an engine
      console.warn = () => undefined;
      try {
        const built = buildStack(parseStackConfig(stackValues(stack), { projectDir: REPO }));
        await Promise.all(Object.values(built.clusters).map((c) => promiseOf(c.apiServerArgs).then(() => promiseOf(c.clusterV1Id))));
        await Promise.all(Object.values(built.shipping).map((s) => promiseOf(s.logPath)));
        for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      } finally {
        console.warn = warn;
      }

      const key = (x: { type: string; name: string }) => `${x.type} ${x.name}`;
      assert.deepEqual(plan.resources.map(key).sort(), captured.map(key).sort(), `${stack}: the same resources`);
      for (const c of captured) {
        const p = plan.resources.find((x) => key(x) === key(c))!;
        assert.equal(p.custom, c.custom);
        assert.deepStrictEqual(p.inputs, JSON.parse(JSON.stringify(c.inputs)), `${stack}: inputs of ${key(c)}`);
      }
    }
  });

  it("--diff between dev and prod shows policy rule, flag and restart-scope changes", async () => {
    const r = await cli(["plan", "--stack", "prod", "--diff", "dev"]);
    assert.equal(r.code, 0, r.stderr);
    const diff = r.stdout.slice(r.stdout.indexOf("Diff: stack dev → stack prod"));
    assert.ok(diff.length > 0 && r.stdout.includes("Diff: stack dev → stack prod"));
    assert.match(diff, /== Policy rules ==\ndev-k3s, dev-rke2 → prod-edge-1, prod-eu-1, prod-us-1: sha256 \w{10} → \w{10}/);
    assert.match(diff, /rules: 1 → \d+ \(\d+ added, 0 removed, 1 unchanged\)/);
    assert.match(diff, /\+ rules\[0\] \(after\)/);
    assert.match(diff, /~ --audit-log-maxage: 3 → 30/);
    assert.match(diff, /~ --audit-log-path: \/var\/lib\/rancher\/rke2\/server\/logs\/audit-dev\.log → \/var\/lib\/rancher\/rke2\/server\/logs\/audit\.log/);
    assert.match(diff, /prod-eu-1 \(vs dev-rke2\): policy and flags change restarts control-plane machines/);
  });

  it("--diff against a saved plan.json of the same stack shows no change", async () => {
    const out = tmpDir("plan-saved");
    assert.equal((await cli(["plan", "--stack", "staging", "--out", out])).code, 0);
    const r = await cli(["plan", "--stack", "staging", "--diff", path.join(out, "plan.json")]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /stg-a, stg-b → stg-a, stg-b: unchanged/);
    assert.match(r.stdout, /stg-a: no restart \(policy and flags unchanged\)/);
    assert.doesNotMatch(r.stdout.slice(r.stdout.indexOf("Diff:")), /^[+~-] /m);
  });

  it("lists per shipped cluster what the collector reads and where it sends it (text, plan.json), nothing for staging", async () => {
    const out = tmpDir("plan-dev-shipping");
    const r = await cli(["plan", "--stack", "dev", "--out", out]);
    assert.equal(r.code, 0, r.stderr);
    const section = r.stdout.slice(r.stdout.indexOf("== Log shipping =="), r.stdout.indexOf("== Findings =="));
    assert.match(section, /dev-rke2: fluent-bit reads \/var\/lib\/rancher\/rke2\/server\/logs\/audit-dev\.log on nodes node-role\.kubernetes\.io\/control-plane=true/);
    assert.match(section, /dev-k3s: fluent-bit reads \/var\/lib\/rancher\/k3s\/server\/logs\/audit-dev\.log/);
    assert.match(section, /tolerations: node-role\.kubernetes\.io\/control-plane:NoSchedule \(Exists\), node-role\.kubernetes\.io\/etcd:NoExecute \(Exists\)/);
    assert.match(section, /sink loki \(loki\): https:\/\/loki\.dev\.example\.com → streams \{job="kube-audit", cluster="dev-rke2", distro="rke2"\}, tenant dev; auth basic/);
    assert.match(section, /resources: ClusterSync dev-rke2, Provider dev-rke2, Namespace kube-audit-shipping, .*DaemonSet kube-audit-shipping\/kube-audit-fluent-bit/);
    const plan = JSON.parse(fs.readFileSync(path.join(out, "plan.json"), "utf8")) as { clusters: { name: string; shipping?: { reads: string; resources: { type: string; name: string }[] } }[]; resources: { type: string; name: string }[] };
    for (const c of plan.clusters) {
      assert.ok(c.shipping, c.name);
      // Every resource the summary lists is registered under the cluster's AuditLogShipping.
      for (const res of c.shipping.resources) assert.ok(plan.resources.some((x) => x.type === res.type && x.name.startsWith(`${c.name}-shipping-`)), `${c.name}: ${res.type}`);
    }
    const staging = await cli(["plan", "--stack", "staging", "--json"]);
    assert.doesNotMatch(staging.stdout, /shipping|Log shipping/i);
    const prod = await cli(["plan", "--stack", "prod"]);
    assert.match(prod.stdout, /not shipped: prod-edge-1/);
  });

  it("a sink password set as a Pulumi secret appears in no plan text, plan.json, manifest or error", async () => {
    const project = tmpDir("plan-secret");
    const CIPHER = "v1:Kq9cipherTEXTnot-to-print";
    fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: rancher-audit\nruntime: nodejs\nstackConfigDir: stacks\n");
    fs.mkdirSync(path.join(project, "stacks"));
    const stack = (url: string) =>
      `config:\n  rancher-audit:clusters:\n    - name: a\n      kubernetesVersion: v1.31.5+rke2r1\n  rancher-audit:shipping:\n    sinks:\n      loki:\n        kind: loki\n        url: ${url}\n        username: audit\n        password:\n          secure: ${CIPHER}\n`;
    fs.writeFileSync(path.join(project, "stacks", "Pulumi.s.yaml"), stack("https://loki.example.com"));
    const out = path.join(project, "out");
    const r = await cli(["plan", "--stack", "s", "--out", out], { cwd: project });
    assert.equal(r.code, 0, r.stderr);
    const json = await cli(["plan", "--stack", "s", "--json"], { cwd: project });
    const files = fs.readdirSync(out).map((f) => fs.readFileSync(path.join(out, f), "utf8"));
    for (const text of [r.stdout, r.stderr, json.stdout, ...files]) assert.ok(!text.includes(CIPHER) && !text.includes("Kq9cipher"));
    assert.match(r.stdout, /password: "\(secret rancher-audit:shipping\.sinks\.loki\.password: set in the stack, not decrypted offline\)"/);
    assert.match(r.stdout, /# secret inputs \(stringData\) hold sink credentials/);
    // An error in the same stack names the key, not the secret.
    fs.writeFileSync(path.join(project, "stacks", "Pulumi.s.yaml"), stack("loki.example.com"));
    const bad = await cli(["plan", "--stack", "s"], { cwd: project });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /rancher-audit:shipping\.sinks\.loki\.url/);
    assert.ok(!bad.stderr.includes(CIPHER));
    // A plain password in the stack file is refused, and not echoed.
    fs.writeFileSync(path.join(project, "stacks", "Pulumi.s.yaml"), stack("https://loki.example.com").replace(`\n          secure: ${CIPHER}`, " hunter2-plain"));
    const plain = await cli(["plan", "--stack", "s"], { cwd: project });
    assert.equal(plain.code, 2);
    assert.match(plain.stderr, /rancher-audit:shipping\.sinks\.loki\.password: is in clear in the stack config/);
    assert.ok(!plain.stderr.includes("hunter2-plain"));
  });

  it("a plan given decrypted credentials still prints none (text, plan.json, manifests)", async () => {
    const PASSWORD = "decrypted-Pw-7431";
    const values = { ...stackValues("dev"), shipping: JSON.stringify({ sinks: { loki: { kind: "loki", url: "https://loki.example.com", username: "audit", password: PASSWORD } } }) };
    const config = parseStackConfig(values, { projectDir: REPO, secretKeys: ["shipping"] });
    const plan = await collectPlan(config, { stack: "dev" });
    const out = tmpDir("plan-decrypted");
    writePlan(out, plan);
    const texts = [renderPlanText(plan, planPolicies(plan), { bold: String, dim: String, red: String, green: String, yellow: String } as never), planJson(plan), ...fs.readdirSync(out).map((f) => fs.readFileSync(path.join(out, f), "utf8"))];
    for (const t of texts) assert.ok(!t.includes(PASSWORD));
    assert.ok(planJson(plan).includes('"password": "[secret]"'));
  });

  it("--diff shows shipping turned on and sinks changed, with no ClusterV2 change", async () => {
    const project = tmpDir("plan-ship-diff");
    fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: rancher-audit\nruntime: nodejs\nstackConfigDir: stacks\n");
    fs.mkdirSync(path.join(project, "stacks"));
    const base = "config:\n  rancher-audit:clusters:\n    - name: a\n      kubernetesVersion: v1.31.5+rke2r1\n";
    const ship = (kind: string, url: string) => `${base}  rancher-audit:shipping:\n    sinks:\n      main:\n        kind: ${kind}\n        url: ${url}\n`;
    fs.writeFileSync(path.join(project, "stacks", "Pulumi.off.yaml"), base);
    fs.writeFileSync(path.join(project, "stacks", "Pulumi.loki.yaml"), ship("loki", "https://loki.example.com"));
    fs.writeFileSync(path.join(project, "stacks", "Pulumi.es.yaml"), ship("elasticsearch", "https://es.example.com:9200"));
    const on = await cli(["plan", "--stack", "loki", "--diff", "off"], { cwd: project });
    assert.equal(on.code, 0, on.stderr);
    const d1 = on.stdout.slice(on.stdout.indexOf("Diff:"));
    assert.match(d1, /== Log shipping ==\n\+ a: ships with fluent-bit from \/var\/lib\/rancher\/rke2\/server\/logs\/audit\.log to main/);
    assert.match(d1, /a: no restart \(policy and flags unchanged\)/);
    assert.doesNotMatch(d1, /^[~+-] rancher2:index\/clusterV2/m);
    const changed = await cli(["plan", "--stack", "es", "--diff", "loki"], { cwd: project });
    const d2 = changed.stdout.slice(changed.stdout.indexOf("Diff:"));
    assert.match(d2, /a:\n {2}~ sink main \(elasticsearch\): https:\/\/es\.example\.com:9200 → index kube-audit/);
    assert.doesNotMatch(d2, /^[~+-] rancher2:index\/clusterV2/m);
  });

  it("a bad stack config exits 2 naming the key; an unknown stack exits 2 listing the stacks", async () => {
    const project = tmpDir("plan-bad");
    fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: rancher-audit\nruntime: nodejs\nstackConfigDir: stacks\n");
    fs.mkdirSync(path.join(project, "stacks"));
    fs.writeFileSync(
      path.join(project, "stacks", "Pulumi.bad.yaml"),
      "config:\n  rancher-audit:maxAge: many\n  rancher-audit:clusters:\n    - name: a\n      kubernetesVersion: v1.31.5+rke2r1\n",
    );
    const bad = await cli(["plan", "--stack", "bad"], { cwd: project });
    assert.equal(bad.code, 2, bad.stdout + bad.stderr);
    assert.match(bad.stderr, /rancher-audit:maxAge: must be a whole number/);
    const unknown = await cli(["plan", "--stack", "qa"]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /the stacks are: dev, prod, staging/);
    assert.equal((await cli(["plan"])).code, 2);
  });

  it("a stack whose policy is refused by the safety analysis exits 1 (unsafe), naming the key and the finding", async () => {
    const project = tmpDir("plan-unsafe");
    fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: rancher-audit\nruntime: nodejs\nstackConfigDir: stacks\n");
    fs.mkdirSync(path.join(project, "stacks"));
    fs.writeFileSync(path.join(project, "leaky.yaml"), "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: RequestResponse\n");
    fs.writeFileSync(
      path.join(project, "stacks", "Pulumi.leaky.yaml"),
      "config:\n  rancher-audit:policyFile: leaky.yaml\n  rancher-audit:clusters:\n    - name: a\n      kubernetesVersion: v1.31.5+rke2r1\n",
    );
    const r = await cli(["plan", "--stack", "leaky"], { cwd: project });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /rancher-audit:policyFile: the audit policy is unsafe: \[secret-bodies\]/);
  });
});
