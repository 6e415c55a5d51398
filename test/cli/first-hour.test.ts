/**
 * What a new user runs first, through the documented entry (`./rancher-audit`, the compiled
 * dist/cli/main.js that `npm ci` builds): clean stdout, arguments checked before any output,
 * relative paths resolved against the current directory, the help telling every flag.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { CommandSpec } from "../../cli/args";
import { mainHelp } from "../../cli/main";
import { cli, POLICIES, REPO, tmpDir } from "./support";

const ENTRY = path.join(REPO, "rancher-audit");

function runEntry(args: string[], cwd: string) {
  assert.ok(fs.existsSync(path.join(REPO, "dist", "cli", "main.js")), "dist/cli/main.js is missing: `npm ci` (or `npm run build`) builds it");
  const r = spawnSync(process.execPath, [ENTRY, ...args], { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("first hour: the documented entry and its arguments", () => {
  it("./rancher-audit check preset:recommended --json prints only JSON on stdout (pipes into jq)", () => {
    const r = runEntry(["check", "preset:recommended", "--json"], REPO);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { valid: boolean; file: string };
    assert.equal(report.valid, true);
    assert.equal(report.file, "preset:recommended");
  });

  it("relative paths resolve against the current directory; a missing file's error names the absolute path", () => {
    const dir = tmpDir("cwd");
    fs.mkdirSync(path.join(dir, "policies"));
    fs.copyFileSync(path.join(POLICIES, fs.readdirSync(POLICIES).find((f) => f.endsWith(".yaml"))!), path.join(dir, "policies", "mine.yaml"));
    const ok = runEntry(["check", "policies/mine.yaml", "--json"], dir);
    assert.equal((JSON.parse(ok.stdout) as { file: string }).file, "policies/mine.yaml", ok.stderr);
    const missing = runEntry(["check", "policies/typo.yaml"], dir);
    assert.equal(missing.code, 2);
    assert.equal(missing.stdout, "");
    assert.match(missing.stderr, new RegExp(`policies/typo\\.yaml \\(${path.join(fs.realpathSync(dir), "policies", "typo.yaml").replace(/[.]/g, "\\.")}\\): no such file`));
  });

  it("plan --diff with an unknown stack is refused before any output, naming --diff, the stacks and the likely one", async () => {
    const r = await cli(["plan", "--stack", "staging", "--diff", "prd"]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^--diff prd: no stack file \S+Pulumi\.prd\.yaml; did you mean "prod"\? the stacks are: dev, prod, staging\n$/);
  });

  it("plan --diff with a missing plan.json is refused before any output, with the absolute path", async () => {
    const dir = tmpDir("diff");
    const r = await cli(["plan", "--stack", "staging", "--diff", "old/plan.json"], { cwd: dir });
    assert.equal(r.code, 2);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr, `--diff old/plan.json (${path.join(dir, "old", "plan.json")}): no such file\n`);
  });

  it("-v and --version print the version; the main help documents exit code 3", async () => {
    const version = (JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as { version: string }).version;
    for (const flag of ["-v", "--version"]) assert.deepEqual(await cli([flag]), { code: 0, stdout: `${version}\n`, stderr: "" });
    assert.match(mainHelp(), /3 an internal error/);
  });

  it("every relative link in the packaged README and docs points to a file the package contains", () => {
    const r = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: REPO, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const packed = new Set((JSON.parse(r.stdout) as { files: { path: string }[] }[])[0].files.map((f) => f.path));
    const docs = [...packed].filter((f) => f.endsWith(".md"));
    assert.ok(docs.includes("README.md") && docs.includes("docs/cli.md"));
    for (const doc of docs) {
      for (const [, target] of fs.readFileSync(path.join(REPO, doc), "utf8").matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(target)) continue; // https:, mailto:
        const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(doc), target));
        assert.ok(packed.has(resolved), `${doc} links to ${target}, which the package does not contain`);
      }
    }
  });

  for (const command of ["check", "explain", "plan", "render", "replay"]) {
    it(`${command} --help: the usage lines name every option`, () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { spec } = require(`../../cli/commands/${command}`) as { spec: CommandSpec };
      const usage = spec.usage.join(" ");
      for (const option of Object.keys(spec.options)) assert.ok(usage.includes(`--${option}`), `${command} usage omits --${option}`);
    });
  }
});
