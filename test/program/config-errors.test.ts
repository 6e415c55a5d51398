/**
 * The stack config as users type it: every problem reported at once (issue 12, item 5), keys
 * outside our namespace (issue 11, defect 4), values that used to be accepted although wrong
 * (issue 11, defect 5), and the policy file read through the safe reader (issue 11, defect 1),
 * through the parser, `plan --stack`, `render --stack` and the Pulumi program (index.ts).
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { createRequire } from "node:module";
import * as pulumi from "@pulumi/pulumi";

import { resolveAuditSettings } from "../../components/core/settings";
import { AUDIT_SETTINGS } from "../../components/core/settings-table";
import { ConfigError, ConfigErrors, KNOWN_NAMESPACES, parseStackConfig, parseStackFileConfig, PROJECT } from "../../program";
import { cli, REPO, tmpDir } from "../cli/support";

type Json = Record<string, unknown>;
const V = "v1.31.5+rke2r1";
const minimal = (extra: Json = {}): Json => ({ clusters: [{ name: "a-1", kubernetesVersion: V }], ...extra });

/** The problems parseStackConfig (or parseStackFileConfig with `whole`) reports, as "key: message" lines. */
function problemsOf(values: Json, options: { whole?: boolean; projectDir?: string } = {}): ConfigError[] {
  try {
    (options.whole ? parseStackFileConfig : parseStackConfig)(values, { projectDir: options.projectDir ?? REPO });
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e instanceof ConfigErrors ? [...e.errors] : [e];
  }
  return [];
}
const keysOf = (errors: ConfigError[]) => errors.map((e) => e.key);
function only(values: Json, key: string, re: RegExp, whole = false): void {
  const errors = problemsOf(values, { whole });
  assert.deepEqual(keysOf(errors), [key], errors.map((e) => e.message).join("\n"));
  assert.match(errors[0].message, re);
}

/** A scratch Pulumi project with one stack file (`stacks/Pulumi.t.yaml`) holding `config` (YAML lines). */
function project(configLines: string[], files: Record<string, string> = {}): string {
  const dir = tmpDir("config-errors");
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: rancher-audit\nruntime: nodejs\nmain: index.ts\nstackConfigDir: stacks\n");
  fs.mkdirSync(path.join(dir, "stacks"));
  fs.writeFileSync(path.join(dir, "stacks", "Pulumi.t.yaml"), `config:\n${configLines.map((l) => `  ${l}`).join("\n")}\n`);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}
const CLUSTERS = ["rancher-audit:clusters:", "  - name: a-1", `    kubernetesVersion: ${V}`];
const plan = (dir: string, extra: string[] = []) => cli(["plan", "--stack", "t", "--project-dir", dir, ...extra]);

describe("stack config: every problem at once (issue 12, item 5)", () => {
  it("two wrong settings are both reported, each with its key and fix", () => {
    const errors = problemsOf(minimal({ maxAge: "thirty", preset: "paranoid" }));
    assert.deepEqual(keysOf(errors), ["preset", "maxAge"]);
    assert.match(errors[0].message, /^rancher-audit:preset: must be one of .*; got "paranoid"; fix with: pulumi config set rancher-audit:preset recommended/);
    assert.match(errors[1].message, /^rancher-audit:maxAge: must be a whole number .*fix with: pulumi config set rancher-audit:maxAge 30/);
  });

  it("problems across keys, clusters and the component's own checks come in one error", () => {
    const values = {
      maxAge: "thirty",
      maxage: "3",
      logPath: "audit.log",
      clusters: [
        { name: "a-1", kubernetesVersion: V, labels: { "bad key!": "x" } },
        { name: "b-1" },
        { name: "c-1", kubernetesVersion: V, group: "Prod" },
        { name: "d-1", kubernetesVersion: V },
      ],
    };
    let error: unknown;
    try {
      parseStackConfig(values, { projectDir: REPO });
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof ConfigErrors, String(error));
    assert.deepEqual(keysOf([...error.errors]), ["maxage", "maxAge", "clusters[0].labels.bad key!", "clusters[1].kubernetesVersion", "clusters[2].group", "logPath"]);
    assert.match(error.message, /^6 problems in the stack config; fix each of them:\n- rancher-audit:maxage: .*did you mean "maxAge"/);
    for (const e of error.errors) assert.ok(error.message.includes(`\n- ${e.message.split("\n")[0]}`), e.message);
    assert.equal(error.unsafeFindings, undefined, "several problems: unusable config, not an unsafe policy");
  });

  it("a cluster's component problem is named by its position in the list, also after a bad entry", () => {
    const errors = problemsOf({ delivery: "inline", clusters: [{ name: "a-1" }, { name: "k-1", kubernetesVersion: "v1.31.5+k3s1" }] });
    assert.deepEqual(keysOf(errors), ["clusters[0].kubernetesVersion", "delivery"]);
  });

  it("the same cause in several clusters is said once", () => {
    const errors = problemsOf({ logPath: "/var/log/{distr}/audit.log", clusters: [{ name: "a-1", kubernetesVersion: V }, { name: "b-1", kubernetesVersion: "v1.31.5+k3s1" }] });
    assert.deepEqual(keysOf(errors), ["logPath"]);
  });

  it("plan --stack lists every problem of the stack file, exit 2, nothing written", async () => {
    const dir = project(["rancher-audit:maxAge: thirty", "rancher-audit:preset: paranoid", "rancher-audit:maxSize:", ...CLUSTERS, "    labels: { team: 1.0 }"]);
    const out = path.join(dir, "out");
    const r = await plan(dir, ["--out", out]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^stacks\/Pulumi\.t\.yaml: 4 problems in the stack config; fix each of them:\n/);
    for (const key of ["preset", "maxAge", "maxSize", "clusters[0].labels.team"]) assert.match(r.stderr, new RegExp(`\\n- rancher-audit:${key.replace(/[[\].]/g, "\\$&")}: `), key);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    assert.equal(fs.existsSync(out), false);
    assert.equal(r.stdout, "");
  });

  it("render --stack lists them too", async () => {
    const dir = project(["rancher-audit:maxAge: 0x20", "rancher-audit:logPath: /var/log/{distr}/a.log", ...CLUSTERS]);
    const r = await cli(["render", "rke2", "--stack", "t", "--project-dir", dir]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /2 problems in the stack config/);
    assert.match(r.stderr, /- rancher-audit:maxAge: .*got "0x20"/);
    assert.match(r.stderr, /- rancher-audit:logPath: "\{distr\}" is not a placeholder/);
  });
});

describe("stack config: keys outside our namespace (issue 11, defect 4)", () => {
  it("a key without a namespace is refused with the key it means", () => {
    only({ preset: "cis", ...prefixed(minimal()) }, "preset", /^preset: is not a Pulumi config key: .*did you mean "rancher-audit:preset"\?/, true);
  });
  for (const [key, meant] of [
    ["rancher-audt:preset", "rancher-audit:preset"],
    ["rancher_audit:maxAge", "rancher-audit:maxAge"],
    ["Rancher-Audit:maxAge", "rancher-audit:maxAge"],
    ["rancher-audit2:maxage", "rancher-audit:maxAge"],
    ["rancher:preset", "rancher-audit:preset"],
  ]) {
    it(`${key} is refused: did you mean ${meant}`, () => {
      only({ [key]: "30", ...prefixed(minimal()) }, key, new RegExp(`^${key}: is in namespace ".*", which nothing reads.*did you mean "${meant}"\\?`), true);
    });
  }
  it("providers' namespaces, and any namespace not like ours, are left to their providers", () => {
    const config = parseStackFileConfig(
      {
        "rancher2:apiUrl": "https://rancher.example.com",
        "kubernetes:context": "x",
        "pulumi:disable-default-providers": '["aws"]',
        "command:x": "y",
        "aws:region": "eu-west-1",
        "rancher2:preset": "a provider key that happens to share a name",
        ...prefixed(minimal({ maxAge: "45" })),
      },
      { projectDir: REPO },
    );
    assert.equal(config.maxAge, 45);
  });
  it("<ns>:config:<name> is read as <ns>:<name>, as Pulumi does", () => {
    assert.equal(parseStackFileConfig({ "rancher-audit:config:preset": "cis", ...prefixed(minimal()) }, { projectDir: REPO }).preset, "cis");
  });
  it("every @pulumi provider the project depends on is a known namespace", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as Record<string, Record<string, string> | undefined>;
    const providers = Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies, ...pkg.devDependencies })
      .filter((d) => d.startsWith("@pulumi/") && d !== "@pulumi/pulumi" && d !== "@pulumi/policy")
      .map((d) => d.slice("@pulumi/".length));
    assert.ok(providers.length > 0);
    for (const p of providers) assert.ok(KNOWN_NAMESPACES.includes(p), p);
  });
  it("plan --stack refuses a bare key and a misspelled namespace (they used to plan the defaults, exit 0)", async () => {
    const r = await plan(project(["preset: cis", "rancher-audt:maxAge: 3", "rancher2:apiUrl: https://rancher.example.com", ...CLUSTERS]));
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /- preset: is not a Pulumi config key: .*did you mean "rancher-audit:preset"/);
    assert.match(r.stderr, /- rancher-audt:maxAge: is in namespace "rancher-audt".*did you mean "rancher-audit:maxAge"/);
  });
});

/** `minimal()` with every key in our namespace, as a stack file writes it. */
function prefixed(values: Json): Json {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [`${PROJECT}:${k}`, v]));
}

describe("stack config: values that are wrong (issue 11, defect 5)", () => {
  it("a label key that is not Kubernetes label syntax", () => {
    only({ clusters: [{ name: "a-1", kubernetesVersion: V, labels: { "bad key!": "x" } }] }, "clusters[0].labels.bad key!", /is not a valid label key: the name must be at most 63 characters: letters, digits/);
    only({ clusters: [{ name: "a-1", kubernetesVersion: V, labels: { "Example.com/team": "x" } }] }, "clusters[0].labels.Example.com/team", /prefix before "\/" must be a DNS subdomain/);
  });
  it("a label value over 63 characters", () => {
    only({ clusters: [{ name: "a-1", kubernetesVersion: V, labels: { team: "x".repeat(64) } }] }, "clusters[0].labels.team", /label value must be empty or at most 63 characters.*\(it has 64\)/);
  });
  it("accepts valid labels: a prefixed key, an empty value, 63 characters", () => {
    const labels = { "example.com/team": "a.b_c-d", env: "", x: "y".repeat(63) };
    assert.deepEqual(parseStackConfig({ clusters: [{ name: "a-1", kubernetesVersion: V, labels }] }, { projectDir: REPO }).clusters[0].labels, labels);
  });
  it("a placeholder typo left in a path: {distr}", () => {
    only(minimal({ logPath: "/var/lib/rancher/{distr}/server/logs/audit.log" }), "logPath", /"\{distr\}" is not a placeholder: the only one is \{distro\}.*did you mean "\{distro\}"\?/);
    only(minimal({ policyPath: "/etc/rancher/{k8s}/policy.yaml" }), "policyPath", /"\{k8s\}" is not a placeholder.*braces are not allowed/);
    assert.throws(() => resolveAuditSettings({ logPath: "/var/log/{distr}.log" }, "rke2"), /audit\.logPath: "\{distr\}" is not a placeholder/);
  });
  it("maxSize: null (or empty) is refused, not defaulted", () => {
    only(minimal({ maxSize: null }), "maxSize", /has no value.*pulumi config set rancher-audit:maxSize 100, or remove the key/);
    only(minimal({ maxSize: "" }), "maxSize", /has no value/);
    only(minimal({ enabled: null }), "enabled", /has no value/);
  });
  it("integers past the setting's maximum are refused, saying the bound and why", () => {
    only(minimal({ maxSize: 9007199254740991 }), "maxSize", /must be at most 1048576 megabytes \(1 TiB;.*lumberjack/);
    only(minimal({ maxSize: "9007199254740993" }), "maxSize", /whole number.*got "9007199254740993"/);
    only(minimal({ maxAge: "36501" }), "maxAge", /must be at most 36500 days \(100 years/);
    only(minimal({ maxBackup: 10001 }), "maxBackup", /must be at most 10000 files/);
    const atMax = parseStackConfig(minimal({ maxAge: "36500", maxBackup: "10000", maxSize: "1048576" }), { projectDir: REPO });
    assert.deepEqual([atMax.maxAge, atMax.maxBackup, atMax.maxSize], [36500, 10000, 1048576]);
    for (const s of AUDIT_SETTINGS) if (s.type === "integer") assert.ok("maximum" in s && s.maximum > s.default && "maximumBecause" in s, s.key);
    assert.throws(() => resolveAuditSettings({ maxSize: 2_000_000 }, "rke2"), /audit\.maxSize: must be at most 1048576 megabytes/);
  });
  it("maxAge: 0x20 and 1e3 are refused: Pulumi passes them as text, and only decimal digits are a number", () => {
    for (const raw of ["0x20", "1e3", "030", "30.0", "+30", " 30"]) only(minimal({ maxAge: raw }), "maxAge", /written in decimal digits/);
  });
  it("plan --stack reads stack file scalars as Pulumi does: 0x20 and 1e3 are refused, 30 and true are fine", async () => {
    const bad = await plan(project(["rancher-audit:maxAge: 0x20", "rancher-audit:maxBackup: 1e3", ...CLUSTERS]));
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /- rancher-audit:maxAge: .*got "0x20"/);
    assert.match(bad.stderr, /- rancher-audit:maxBackup: .*got "1e3"/);
    const good = await plan(project(["rancher-audit:maxAge: 30", "rancher-audit:enabled: true", 'rancher-audit:maxSize: "100"', ...CLUSTERS]), ["--json"]);
    assert.equal(good.code, 0, good.stderr);
  });
  it("preset is checked even when policyFile is set", () => {
    only(minimal({ policyFile: "examples/policies/strict.yaml", preset: "recomended" }), "preset", /got "recomended"; did you mean "recommended"\?/);
  });
});

describe("stack config: policyFile through the safe reader (issue 11, defect 1)", () => {
  const dir = project([...CLUSTERS, "rancher-audit:policyFile: passwd.yaml"]);
  fs.symlinkSync("/etc/passwd", path.join(dir, "passwd.yaml"));

  it("the program's parser refuses a symlink inside the project to /etc/passwd", () => {
    const errors = problemsOf({ "rancher-audit:policyFile": "passwd.yaml", ...prefixed(minimal()) }, { whole: true, projectDir: dir });
    assert.deepEqual(keysOf(errors), ["policyFile"]);
    assert.match(errors[0].message, /cannot read "passwd\.yaml" \(resolves to a file outside the project directory .* \(through a symbolic link\)/);
    assert.doesNotMatch(errors[0].message, /root:/);
  });

  it("plan --stack refuses it with exit 2 and does not quote the file", async () => {
    const r = await plan(dir);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /rancher-audit:policyFile: cannot read "passwd\.yaml" \(resolves to a file outside the project directory/);
    assert.doesNotMatch(r.stdout + r.stderr, /root:/);
  });
});

describe("the Pulumi program (index.ts) with a wrong stack config", () => {
  const created: string[] = [];
  const mocks: pulumi.runtime.Mocks = {
    newResource(args) {
      created.push(args.name);
      return { id: `${args.name}-id`, state: args.inputs };
    },
    call(args) {
      throw new Error(`unmocked invoke ${args.token}`);
    },
  };

  /** Runs index.ts with `config` as Pulumi hands it over; returns what it threw. */
  async function runProgram(config: Record<string, string>): Promise<unknown> {
    await pulumi.runtime.setMocks(mocks, PROJECT, "t", false);
    pulumi.runtime.setAllConfig(config, []);
    const load = createRequire(__filename);
    const entry = load.resolve("../../index");
    delete load.cache[entry];
    try {
      load(entry);
    } catch (e) {
      return e;
    } finally {
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    }
    return undefined;
  }
  const clusters = JSON.stringify([{ name: "a-1", kubernetesVersion: V }]);

  it("sees keys outside `new pulumi.Config()`'s namespace, and reports every problem as a RunError (no stack trace), registering nothing", async () => {
    created.length = 0;
    const e = await runProgram({ "rancher-audit:clusters": clusters, "rancher-audt:preset": "cis", "rancher-audit:maxAge": "1e3", "rancher2:apiUrl": "https://rancher.example.com" });
    assert.ok(pulumi.RunError.isInstance(e), String(e));
    assert.match((e as Error).message, /^2 problems in the stack config; fix each of them:\n- rancher-audt:preset: is in namespace .*\n- rancher-audit:maxAge: .*got "1e3"/s);
    assert.deepEqual(created, []);
  });

  it("a valid config still runs", async () => {
    created.length = 0;
    assert.equal(await runProgram({ "rancher-audit:clusters": clusters, "rancher-audit:maxAge": "45", "kubernetes:context": "x" }), undefined);
    assert.ok(created.includes("a-1-cluster"), created.join(", "));
  });
});

describe("the docs' stack config error examples are real output", () => {
  /** The lines of the fenced block of `doc` that starts with `first`. */
  function docBlock(doc: string, first: string): string[] {
    const text = fs.readFileSync(path.join(REPO, doc), "utf8");
    const start = text.indexOf(`${first}\n`);
    assert.ok(start >= 0, `${doc} shows ${first}`);
    return text.slice(start, text.indexOf("\n```", start)).split("\n");
  }

  // docs/cli.md's `plan --stack bad` block is executed by test/doctests.test.ts.

  it("docs/configuration.md: two problems in one run", () => {
    const shown = docBlock("docs/configuration.md", "2 problems in the stack config; fix each of them:");
    const errors = problemsOf({ preset: "recomended", maxAge: "0x20", ...minimal() });
    assert.deepEqual(new ConfigErrors(errors).message.split("\n"), shown);
  });
});
