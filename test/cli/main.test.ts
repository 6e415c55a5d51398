import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { cli, REPO } from "./support";

const COMMANDS = ["plan", "check", "explain", "replay", "render"];

describe("cli main", () => {
  it("npx tsx cli/main.ts --help runs as a process and lists the commands (exit 0)", () => {
    const r = spawnSync("npx", ["tsx", path.join("cli", "main.ts"), "--help"], { cwd: REPO, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    assert.equal(r.status, 0, r.stderr);
    for (const c of COMMANDS) assert.match(r.stdout, new RegExp(`^  ${c} `, "m"));
    assert.match(r.stdout, /Exit codes: 0 ok; 1 findings of severity error/);
  });

  for (const c of COMMANDS) {
    it(`${c} --help prints usage, options and exit codes (exit 0)`, async () => {
      const r = await cli([c, "--help"]);
      assert.equal(r.code, 0);
      assert.match(r.stdout, new RegExp(`^Usage:\\n  rancher-audit ${c} `, "m"));
      assert.match(r.stdout, /^Options:$/m);
      assert.match(r.stdout, /-h, --help/);
      assert.match(r.stdout, /^Exit codes:$/m);
    });
  }

  it("no command, an unknown command and an unknown flag are usage errors (exit 2)", async () => {
    assert.equal((await cli([])).code, 2);
    const unknown = await cli(["chek"]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "chek"/);
    const flag = await cli(["check", "preset:cis", "--jsn"]);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /Unknown option '--jsn'/);
  });

  it("never writes colour codes when the output is not a terminal", async () => {
    const r = await cli(["check", "preset:recommended"]);
    assert.ok(!r.stdout.includes("\u001b["));
  });

  it("--version prints the package version", async () => {
    const r = await cli(["--version"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
  });
});
