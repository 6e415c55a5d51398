/**
 * The shell scripts Rke2ServerAudit runs on the servers, byte for byte, plus a run of the file
 * writer under a real `sh` (in a temp directory) to prove it writes the content with the mode.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { asRoot, removeFileScript, restartScript, writeFileScript } from "../../components/rke2";
import { shellQuote } from "../../components/rke2/scripts";
import { DEFAULT_FLAGS, RESTART_CP1 } from "./golden";

describe("rke2 scripts", () => {
  it("shellQuote quotes single quotes the POSIX way", () => {
    assert.equal(shellQuote("/etc/a b"), "'/etc/a b'");
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
    assert.equal(shellQuote(""), "''");
  });

  it("asRoot wraps in sudo -n sh -c, or sh -c without sudo", () => {
    assert.equal(asRoot("echo 'x'", true), `sudo -n sh -c 'echo '\\''x'\\'''`);
    assert.equal(asRoot("true", false), "sh -c 'true'");
  });

  it("writeFileScript: root-only temp file in the target directory, owner, mode, atomic rename", () => {
    assert.equal(
      writeFileScript("/etc/rancher/rke2/config.yaml.d/50-audit.yaml", "0600", ["/var/lib/rancher/rke2/server/logs"]),
      [
        "set -eu",
        "umask 077",
        "mkdir -p '/etc/rancher/rke2/config.yaml.d'",
        "mkdir -p '/var/lib/rancher/rke2/server/logs'",
        "tmp=$(mktemp '/etc/rancher/rke2/config.yaml.d/.50-audit.yaml.XXXXXX')",
        `trap 'rm -f "$tmp"' EXIT`,
        `cat > "$tmp"`,
        `chown root:root "$tmp"`,
        `chmod 0600 "$tmp"`,
        `mv -f "$tmp" '/etc/rancher/rke2/config.yaml.d/50-audit.yaml'`,
        "trap - EXIT",
      ].join("\n"),
    );
    // The temp file name does not end in .yaml: RKE2 never reads it as a drop-in.
    assert.doesNotMatch(writeFileScript("/etc/rancher/rke2/config.yaml.d/50-audit.yaml", "0600"), /XXXXXX\.yaml/);
  });

  it("removeFileScript", () => {
    assert.equal(removeFileScript("/etc/rancher/rke2/audit-policy.yaml"), "rm -f '/etc/rancher/rke2/audit-policy.yaml'");
  });

  it("restartScript: restart, then /readyz on the local kube-apiserver and every audit flag on its command line, with a deadline", () => {
    const script = restartScript({
      hostName: "cp-1",
      expectedFlags: DEFAULT_FLAGS,
      timeoutSeconds: 300,
      dataDir: "/var/lib/rancher/rke2",
      kubeconfigPath: "/etc/rancher/rke2/rke2.yaml",
      dropInPath: "/etc/rancher/rke2/config.yaml.d/50-audit.yaml",
      policyPath: "/etc/rancher/rke2/audit-policy.yaml",
    });
    assert.equal(script, RESTART_CP1);
    execFileSync("sh", ["-n", "-c", script]); // valid POSIX sh syntax
  });

  it("writeFileScript run by sh writes stdin with the mode, through a temp file that does not survive", function () {
    if (typeof process.getuid !== "function" || process.getuid() !== 0) this.skip(); // chown root:root needs root
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rke2-write-"));
    try {
      const target = path.join(dir, "etc", "config.yaml.d", "50-audit.yaml");
      const logDir = path.join(dir, "logs");
      const content = "kube-apiserver-arg+:\n  - audit-log-maxage=30\n";
      execFileSync("sh", ["-c", asRoot(writeFileScript(target, "0600", [logDir]), false)], { input: content });
      assert.equal(fs.readFileSync(target, "utf8"), content);
      assert.equal(fs.statSync(target).mode & 0o777, 0o600);
      assert.equal(fs.statSync(logDir).mode & 0o777, 0o700);
      assert.deepEqual(fs.readdirSync(path.dirname(target)), ["50-audit.yaml"]);
      // Rewriting replaces the content.
      execFileSync("sh", ["-c", asRoot(writeFileScript(target, "0600"), false)], { input: "x: 1\n" });
      assert.equal(fs.readFileSync(target, "utf8"), "x: 1\n");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  describe("restartScript run by sh against stubs (systemctl, kubectl, a process named kube-apiserver)", function () {
    this.timeout(30_000); // the failure cases wait for their deadline (1 s)
    let dir = "";
    let env: NodeJS.ProcessEnv = {};
    const children: import("node:child_process").ChildProcess[] = [];
    const has = (tool: string) => {
      try {
        execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
        return true;
      } catch {
        return false;
      }
    };

    before(function () {
      if (process.platform !== "linux" || !has("pgrep") || !has("timeout")) this.skip();
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "rke2-restart-"));
      fs.mkdirSync(path.join(dir, "bin"));
      fs.mkdirSync(path.join(dir, "data", "bin"), { recursive: true });
      fs.writeFileSync(path.join(dir, "bin", "systemctl"), `#!/bin/sh\necho "systemctl $*" >> "${dir}/calls"\n`, { mode: 0o755 });
      fs.writeFileSync(path.join(dir, "data", "bin", "kubectl"), `#!/bin/sh\necho "kubectl $*" >> "${dir}/calls"\ncat "${dir}/readyz"\n`, { mode: 0o755 });
      // A process whose name is kube-apiserver: a copy of sh, kept alive by a sleep, with the flags as arguments.
      fs.copyFileSync(fs.realpathSync("/bin/sh"), path.join(dir, "kube-apiserver"));
      fs.chmodSync(path.join(dir, "kube-apiserver"), 0o755);
      env = { ...process.env, PATH: `${path.join(dir, "bin")}:${process.env.PATH}` };
    });

    after(() => {
      for (const c of children) c.kill();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    const script = (flags: string[], timeoutSeconds: number) =>
      restartScript({
        hostName: "cp-2",
        expectedFlags: flags,
        timeoutSeconds,
        dataDir: path.join(dir, "data"),
        kubeconfigPath: "/etc/rancher/rke2/rke2.yaml",
        dropInPath: "/etc/rancher/rke2/config.yaml.d/50-audit.yaml",
        policyPath: "/etc/rancher/rke2/audit-policy.yaml",
        pollSeconds: 1,
      });

    function run(text: string): { code: number; stdout: string; stderr: string } {
      try {
        const stdout = execFileSync("sh", ["-c", text], { env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
        return { code: 0, stdout, stderr: "" };
      } catch (e) {
        const err = e as { status: number; stdout: string; stderr: string };
        return { code: err.status, stdout: err.stdout, stderr: err.stderr };
      }
    }

    it("succeeds once /readyz says ok and a kube-apiserver process carries every flag; restarts exactly once", async () => {
      const { spawn } = await import("node:child_process");
      const flags = ["--audit-policy-file=/etc/rancher/rke2/audit-policy.yaml", "--audit-log-maxage=30"];
      children.push(spawn(path.join(dir, "kube-apiserver"), ["-c", "sleep 60; :", "kube-apiserver", "--secure-port=6443", ...flags], { stdio: "ignore" }));
      for (let i = 0; i < 50 && !run("pgrep -x kube-apiserver").stdout.trim(); i++) await new Promise((r) => setTimeout(r, 20));
      fs.writeFileSync(path.join(dir, "readyz"), "ok");
      fs.writeFileSync(path.join(dir, "calls"), "");
      const r = run(script(flags, 60));
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, "kube-apiserver on cp-2 is ready with the audit flags\n");
      assert.deepEqual(fs.readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n"), [
        "systemctl restart rke2-server",
        "kubectl --kubeconfig /etc/rancher/rke2/rke2.yaml get --raw /readyz",
      ]);
    });

    it("fails with the reason and the rollback when kube-apiserver is ready but runs without a flag", () => {
      fs.writeFileSync(path.join(dir, "readyz"), "ok");
      const r = run(script(["--audit-policy-file=/etc/rancher/rke2/audit-policy.yaml", "--audit-log-format=json"], 1));
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^kube-apiserver on cp-2 was not ready with the audit flags 1s after restarting rke2-server: kube-apiserver answers \/readyz but runs without the audit flags: a file sorted after the drop-in in config\.yaml\.d.*without "\+" and replaces them\.\n/);
      assert.match(r.stderr, /Servers after cp-2 were not touched\..*To roll back this server: rm -f \/etc\/rancher\/rke2\/config\.yaml\.d\/50-audit\.yaml && systemctl restart rke2-server/);
    });

    it("fails with what /readyz said when the API server does not come back", () => {
      fs.writeFileSync(path.join(dir, "readyz"), "The connection to the server 127.0.0.1:6443 was refused");
      const r = run(script(["--audit-log-maxage=30"], 1));
      assert.equal(r.code, 1);
      assert.match(r.stderr, /: \/readyz: The connection to the server 127\.0\.0\.1:6443 was refused\.\n/);
    });
  });
});
