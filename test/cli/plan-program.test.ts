/**
 * `plan` on a user's own Pulumi program (issue 12, item 7): test/fixtures/consumer-project is a
 * platform project with its own Pulumi.yaml (main, stackConfigDir, project config), stack files,
 * config namespace and resources, importing our components by the package name.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { cli, FIXTURES, REPO, tmpDir } from "./support";

const FIXTURE = path.join(FIXTURES, "consumer-project");
const CIPHERTEXTS = ["ZmFrZWNpcGhlcnRleHRmb3J0ZXN0cw==", "YW5vdGhlcmZha2VjaXBoZXJ0ZXh0=="];

/**
 * A copy of the fixture as an installed consumer project: `rancher-audit` resolves (through
 * node_modules) to this repository's components, `@pulumi/*` to the repository's SDKs.
 */
function consumerProject(name: string, pulumiYaml?: (text: string) => string): string {
  const dir = tmpDir(name);
  fs.cpSync(FIXTURE, dir, { recursive: true });
  if (pulumiYaml) fs.writeFileSync(path.join(dir, "Pulumi.yaml"), pulumiYaml(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8")));
  const modules = path.join(dir, "node_modules");
  fs.mkdirSync(path.join(modules, "rancher-audit"), { recursive: true });
  fs.symlinkSync(path.join(REPO, "node_modules", "@pulumi"), path.join(modules, "@pulumi"), "dir");
  fs.writeFileSync(path.join(modules, "rancher-audit", "package.json"), JSON.stringify({ name: "rancher-audit", main: "index.ts" }));
  fs.writeFileSync(path.join(modules, "rancher-audit", "index.ts"), `export * from ${JSON.stringify(path.join(REPO, "components"))};\n`);
  return dir;
}

function noSecrets(text: string): void {
  for (const c of CIPHERTEXTS) assert.ok(!text.includes(c), "an encrypted value was printed");
  assert.ok(!text.includes("not readable offline"), "the secret placeholder was printed");
}

describe("cli plan on the user's own program", () => {
  let project: string;
  before(() => {
    project = consumerProject("consumer");
  });

  it("runs the program of Pulumi.yaml main with the stack's config and shows our components in full, the rest by name", async () => {
    const r = await cli(["plan", "--stack", "dev"], { cwd: project });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Plan for stack dev \(project platform, config\/Pulumi\.dev\.yaml\): 5 resources \(4 provider resources\) for 1 cluster\(s\)$/m);
    // Ours, with inputs: the project's config (default from Pulumi.yaml, values from the stack file) reached the component.
    assert.match(r.stdout, /^rancher-audit:index:AuditedCluster dev-a\n {2}rancher2:index\/clusterV2:ClusterV2 dev-a-cluster\n/m);
    assert.match(r.stdout, /labels:\n\s+team: platform-team/);
    assert.match(r.stdout, /- audit-log-maxage=7/);
    // The program's own resources: listed, inputs not shown.
    assert.match(r.stdout, /== Other resources of the program \(not rancher-audit's: inputs not shown\) ==\nkubernetes:core\/v1:Namespace platform-tools\nkubernetes:core\/v1:Secret registry-credentials\n/);
    assert.ok(!r.stdout.includes("registry-credentials\n    "));
    assert.match(r.stdout, /== Audit policy ==\nsha256 [0-9a-f]{64}: dev-a \(in Secret fleet-default\/dev-a-audit-policy-[0-9a-f]{10}\)/);
    assert.match(r.stdout, /== kube-apiserver flags \(control-plane machines\) ==\ndev-a:\n {2}--audit-policy-file=/);
    assert.match(r.stdout, /== Restart scope ==\ndev-a: restarts control-plane machines/);
    assert.match(r.stdout, /== Findings ==\npolicy [0-9a-f]{10} \(dev-a; analyzed for v1\.31\.5\+rke2r1\): no findings/);
    assert.equal(r.stderr, "warning: dev-a: audit.maxAge below the CIS minimums (maxAge 30, maxBackup 10, maxSize 100): fine for development, not for a CIS-scanned cluster\n");
    noSecrets(r.stdout + r.stderr);
  });

  it("--out writes plan.json (other resources' secrets redacted) and manifests of our resources only; --diff against it shows no change", async () => {
    const out = tmpDir("consumer-out");
    const r = await cli(["plan", "--stack", "prod", "--out", out, "--project-dir", project]);
    assert.equal(r.code, 0, r.stderr);
    const files = fs.readdirSync(out).sort();
    assert.deepEqual(files, [
      "ClusterV2-prod-a-cluster.yaml",
      "ClusterV2-prod-b-cluster.yaml",
      "Secret-prod-a-policy.yaml",
      "Secret-prod-b-policy.yaml",
      "plan.json",
    ]);
    const json = fs.readFileSync(path.join(out, "plan.json"), "utf8");
    noSecrets(json);
    const plan = JSON.parse(json) as { project: string; clusters: { name: string; kubernetesVersion: string }[]; resources: { name: string; inputs: Record<string, unknown> }[] };
    assert.equal(plan.project, "platform");
    assert.deepEqual(plan.clusters.map((c) => [c.name, c.kubernetesVersion]), [["prod-a", "v1.31.5+rke2r1"], ["prod-b", "v1.31.5+k3s1"]]);
    assert.match(JSON.stringify(plan.resources.find((x) => x.name === "registry-credentials")?.inputs), /"value":"\[secret\]"/);
    const same = await cli(["plan", "--stack", "prod", "--diff", path.join(out, "plan.json"), "--project-dir", project]);
    assert.equal(same.code, 0, same.stderr);
    assert.match(same.stdout, /prod-a, prod-b → prod-a, prod-b: unchanged \(sha256 [0-9a-f]{10}\)/);
    assert.match(same.stdout, /\n8 unchanged\n$/);
  });

  it("--diff between two stacks runs the program once per stack", async () => {
    const r = await cli(["plan", "--stack", "prod", "--diff", "dev"], { cwd: path.join(project, "src") });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Diff: stack dev → stack prod/m);
    assert.match(r.stdout, /~ --audit-log-maxage: 7 → 30/);
    assert.match(r.stdout, /^\+ rancher-audit:index:AuditedCluster prod-b$/m);
    assert.match(r.stdout, /^- rancher-audit:index:AuditedCluster dev-a$/m);
    noSecrets(r.stdout + r.stderr);
  });

  it("clear errors, no stack trace: no Pulumi.yaml, unknown stack, another runtime, the program throwing", async () => {
    const empty = tmpDir("consumer-empty");
    const none = await cli(["plan", "--stack", "dev"], { cwd: empty });
    assert.equal(none.code, 2);
    assert.equal(none.stderr, `plan: no Pulumi.yaml in ${empty} or above it; run plan inside a Pulumi project, or give --project-dir DIR (the directory holding Pulumi.yaml)\n`);

    const unknown = await cli(["plan", "--stack", "qa"], { cwd: project });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^--stack qa: no stack file .*Pulumi\.qa\.yaml; the stacks are: dev, prod\n$/);

    const python = consumerProject("consumer-python", (t) => t.replace(/runtime:\n {2}name: nodejs/, "runtime:\n  name: python"));
    const py = await cli(["plan", "--stack", "dev"], { cwd: python });
    assert.equal(py.code, 2);
    assert.match(py.stderr, /Pulumi\.yaml: runtime is "python"; plan runs Pulumi TypeScript\/JavaScript programs \(runtime: nodejs\) only/);

    const broken = consumerProject("consumer-broken", (t) => t.replace("main: src/index.ts", "main: src/broken.ts"));
    const thrown = await cli(["plan", "--stack", "dev"], { cwd: broken });
    assert.equal(thrown.code, 2);
    assert.equal(thrown.stderr, "plan: the program src/broken.ts failed at src/broken.ts:6:9: platform: no team owns this stack; set platform:team\n");

    const missing = consumerProject("consumer-missing", (t) => t.replace("main: src/index.ts", "main: src/nothing.ts"));
    const m = await cli(["plan", "--stack", "dev"], { cwd: missing });
    assert.equal(m.code, 2);
    assert.match(m.stderr, /Pulumi\.yaml: the program's entry point main: "src\/nothing\.ts" does not exist/);
  });
});
