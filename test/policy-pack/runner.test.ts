/**
 * The pack loads the way `pulumi preview --policy-pack ./policy-pack` loads it: Pulumi's own
 * policy-pack runner (@pulumi/pulumi cmd/run-policy-pack: ts-node with type checking, run from the
 * pack folder) compiles index.ts and everything it imports from the repository, constructs the
 * PolicyPack and prints the port of its policy server. Only the engine is missing.
 */
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as path from "node:path";
import { REPO } from "./stacks";

describe("policy pack under Pulumi's policy-pack runner", function () {
  this.timeout(180_000);

  it("compiles, constructs the pack and serves it (prints the port)", async () => {
    const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [REPO] });
    const child = spawn(process.execPath, [runner, "127.0.0.1:1", "."], { cwd: path.join(REPO, "policy-pack"), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const port = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => {
        stdout += d.toString();
        const m = /^(\d+)\s*$/m.exec(stdout);
        if (m) resolve(m[1]);
      });
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("exit", (code) => reject(new Error(`the runner exited (${code}) before serving:\n${stdout}\n${stderr}`)));
    }).finally(() => child.kill());
    assert.ok(Number(port) > 0, port);
  });
});
