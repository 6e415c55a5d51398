/**
 * Rke2ServerAudit under Pulumi mocks, three servers: the exact remote commands, stdin, file paths
 * and modes, the restart trigger, secret connections, the rollout order (server N+1's files and
 * restart depend on server N's restart, captured with a legacy `transformations` hook), and
 * refusals that register nothing.
 */
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";

import { composePolicy, renderPolicy } from "../../components/audit-policy";
import { asRoot, renderRke2ServerFiles, Rke2ServerAudit, type Rke2ServerAuditArgs } from "../../components/rke2";
import { RESTART_CP1 } from "./golden";
import { isSecret, promiseOf, unwrap } from "../support/pulumi";

const COMMAND = "command:remote:Command";
type Json = Record<string, unknown>;


/** The policy writer for the default path (the golden copy). */
const WRITE_POLICY = `set -eu
umask 077
mkdir -p '/etc/rancher/rke2'
tmp=$(mktemp '/etc/rancher/rke2/.audit-policy.yaml.XXXXXX')
trap 'rm -f "$tmp"' EXIT
cat > "$tmp"
chown root:root "$tmp"
chmod 0600 "$tmp"
mv -f "$tmp" '/etc/rancher/rke2/audit-policy.yaml'
trap - EXIT`;

/** The drop-in writer; it also creates the audit log directory, root-only. */
const WRITE_DROPIN = `set -eu
umask 077
mkdir -p '/etc/rancher/rke2/config.yaml.d'
mkdir -p '/var/lib/rancher/rke2/server/logs'
tmp=$(mktemp '/etc/rancher/rke2/config.yaml.d/.50-audit.yaml.XXXXXX')
trap 'rm -f "$tmp"' EXIT
cat > "$tmp"
chown root:root "$tmp"
chmod 0600 "$tmp"
mv -f "$tmp" '/etc/rancher/rke2/config.yaml.d/50-audit.yaml'
trap - EXIT`;

const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";

function threeServers(audit: Rke2ServerAuditArgs["audit"] = {}): Rke2ServerAuditArgs {
  return {
    hosts: [
      { name: "cp-1", connection: { host: "10.0.0.11", user: "ubuntu", privateKey: KEY } },
      { name: "cp-2", connection: { host: "10.0.0.12", user: "ubuntu", privateKey: KEY } },
      { name: "cp-3", connection: { host: "10.0.0.13", port: 2222, user: "admin", password: "hunter2" } },
    ],
    audit,
  };
}

describe("Rke2ServerAudit under mocks", function () {
  const created: pulumi.runtime.MockResourceArgs[] = [];
  /** Per child: its name and the names of the resources it dependsOn, from a transformations hook. */
  const options = new Map<string, { dependsOn: string[]; parent?: string }>();
  /** Per child: its replaceOnChanges option, from the same hook. */
  const replaceOn = new Map<string, string[] | undefined>();
  const names = new Map<pulumi.Resource, string>();

  before(async () => {
    await pulumi.runtime.setMocks(
      {
        newResource(args) {
          created.push(args);
          return { id: `${args.name}-id`, state: { ...args.inputs, stdout: "", stderr: "" } };
        },
        call(args) {
          throw new Error(`unmocked invoke ${args.token}`);
        },
      },
      "rancher-audit",
      "test",
      false,
    );
  });

  beforeEach(() => {
    created.length = 0;
    options.clear();
  });

  /** A legacy transformation on the component runs for each child and sees its options. */
  const capture: pulumi.ResourceTransformation = (a) => {
    names.set(a.resource, a.name);
    if (a.type === Rke2ServerAudit.__pulumiType) return undefined; // the hook also sees the component itself
    const deps = a.opts.dependsOn;
    const list = (Array.isArray(deps) ? deps : deps ? [deps] : []) as pulumi.Resource[];
    options.set(a.name, { dependsOn: list.map((r) => names.get(r) ?? "?"), parent: a.opts.parent ? names.get(a.opts.parent) ?? "component" : undefined });
    replaceOn.set(a.name, a.opts.replaceOnChanges);
    return undefined;
  };

  function registered(name: string): pulumi.runtime.MockResourceArgs {
    const found = created.filter((r) => r.name === name);
    assert.equal(found.length, 1, `expected one registration named ${name}, got ${found.length} (${created.map((c) => c.name).join(", ")})`);
    return found[0];
  }

  async function settle(c: Rke2ServerAudit): Promise<void> {
    await promiseOf(pulumi.all([c.urn, ...c.restarts.map((r) => r.id), c.restartHash]));
  }

  async function drain(): Promise<void> {
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  }

  it("three servers: exactly these commands, files, modes and triggers, and nothing else", async () => {
    const c = new Rke2ServerAudit("audit", threeServers(), { transformations: [capture] });
    await settle(c);
    const files = renderRke2ServerFiles();

    assert.deepEqual(
      created.map((r) => `${r.type} ${r.name}`),
      [
        "rancher-audit:index:Rke2ServerAudit audit",
        ...["cp-1", "cp-2", "cp-3"].flatMap((h) => [`${COMMAND} audit-${h}-policy`, `${COMMAND} audit-${h}-dropin`, `${COMMAND} audit-${h}-restart`]),
      ],
    );
    assert.deepEqual(registered("audit").inputs, {}, "no args (and no secrets) passed to the component's registration");

    for (const h of ["cp-1", "cp-2", "cp-3"]) {
      const policy = unwrap(registered(`audit-${h}-policy`).inputs) as Json;
      assert.equal(policy.create, asRoot(WRITE_POLICY, true));
      assert.equal(policy.delete, `sudo -n sh -c 'rm -f '\\''/etc/rancher/rke2/audit-policy.yaml'\\'''`);
      assert.equal(policy.stdin, renderPolicy(composePolicy({ preset: "recommended" })));
      assert.deepEqual(policy.triggers, ["/etc/rancher/rke2/audit-policy.yaml"]);
      assert.equal(policy.update, undefined, "an update runs create again: the file is rewritten");

      const dropIn = unwrap(registered(`audit-${h}-dropin`).inputs) as Json;
      assert.equal(dropIn.create, asRoot(WRITE_DROPIN, true));
      assert.equal(dropIn.delete, `sudo -n sh -c 'rm -f '\\''/etc/rancher/rke2/config.yaml.d/50-audit.yaml'\\'''`);
      assert.equal(dropIn.stdin, files.dropInYaml);

      const restart = unwrap(registered(`audit-${h}-restart`).inputs) as Json;
      assert.equal(restart.create, asRoot(RESTART_CP1.split("cp-1").join(h), true));
      assert.equal(restart.update, "true", "a change that is not a new file content must not restart");
      assert.deepEqual(restart.triggers, [files.restartHash]);
      assert.equal(restart.delete, undefined, "removing the component does not restart the servers");
      assert.equal(restart.stdin, undefined);
    }

    assert.equal(await promiseOf(c.restartHash), files.restartHash);
    assert.equal(await promiseOf(c.policyYaml), files.policyYaml);
    assert.equal(await promiseOf(c.dropInYaml), files.dropInYaml);
    assert.equal(await promiseOf(c.policyPath), "/etc/rancher/rke2/audit-policy.yaml");
    assert.equal(await promiseOf(c.dropInPath), "/etc/rancher/rke2/config.yaml.d/50-audit.yaml");
    assert.deepEqual(await promiseOf(c.apiServerArgs), files.apiServerArgs);
    assert.equal(c.restarts.length, 3);
  });

  it("ordering: server N+1's files and restart wait for server N's restart; the drop-in follows the policy file", async () => {
    const c = new Rke2ServerAudit("audit", threeServers(), { transformations: [capture] });
    await settle(c);
    assert.deepEqual(Object.fromEntries(options), {
      "audit-cp-1-policy": { dependsOn: [], parent: "audit" },
      "audit-cp-1-dropin": { dependsOn: ["audit-cp-1-policy"], parent: "audit" },
      "audit-cp-1-restart": { dependsOn: ["audit-cp-1-policy", "audit-cp-1-dropin"], parent: "audit" },
      "audit-cp-2-policy": { dependsOn: ["audit-cp-1-restart"], parent: "audit" },
      "audit-cp-2-dropin": { dependsOn: ["audit-cp-1-restart", "audit-cp-2-policy"], parent: "audit" },
      "audit-cp-2-restart": { dependsOn: ["audit-cp-2-policy", "audit-cp-2-dropin"], parent: "audit" },
      "audit-cp-3-policy": { dependsOn: ["audit-cp-2-restart"], parent: "audit" },
      "audit-cp-3-dropin": { dependsOn: ["audit-cp-2-restart", "audit-cp-3-policy"], parent: "audit" },
      "audit-cp-3-restart": { dependsOn: ["audit-cp-3-policy", "audit-cp-3-dropin"], parent: "audit" },
    });
    // And the restart of each server is the only way to reach the next one: the chain is total.
    const chain = c.restarts.map((r) => names.get(r));
    assert.deepEqual(chain, ["audit-cp-1-restart", "audit-cp-2-restart", "audit-cp-3-restart"]);
    // A new files hash must replace the restart command (running `create`, the restart) on every
    // @pulumi/command version; 1.x would otherwise run the harmless `update` for a trigger change.
    // (@pulumi/command 1.x adds "triggers[*]" itself; ours keeps it true whatever the SDK does.)
    for (const n of chain) assert.ok(replaceOn.get(n!)?.includes("triggers"), n);
  });

  // @pulumi/command fills in its SSH dial defaults (dialErrorLimit 10, perDialTimeout 15 s).
  const DIAL = { dialErrorLimit: 10, perDialTimeout: 15 };

  it("connections: host, port and user as given (port 22 and user root by default), password and private key secret", async () => {
    const args = threeServers();
    args.hosts.push({ name: "cp-4", connection: { host: "10.0.0.14" } });
    const c = new Rke2ServerAudit("audit", args);
    await settle(c);
    for (const kind of ["policy", "dropin", "restart"]) {
      const c1 = registered(`audit-cp-1-${kind}`).inputs.connection;
      assert.ok(isSecret(c1), `${kind}: a connection holding a key is a secret`);
      assert.deepEqual(unwrap(c1), { ...DIAL, host: "10.0.0.11", port: 22, user: "ubuntu", privateKey: KEY });
      const c3 = registered(`audit-cp-3-${kind}`).inputs.connection;
      assert.ok(isSecret(c3));
      assert.deepEqual(unwrap(c3), { ...DIAL, host: "10.0.0.13", port: 2222, user: "admin", password: "hunter2" });
      const c4 = registered(`audit-cp-4-${kind}`).inputs.connection;
      assert.deepEqual(unwrap(c4), { ...DIAL, host: "10.0.0.14", port: 22, user: "root" });
    }
    for (const r of created) assert.ok(!JSON.stringify(r.inputs).includes("hunter2") || isSecret(r.inputs.connection), `${r.name}: password only inside a secret`);
  });

  it("keeps every connection field (host key, bastion, key passphrase, agent socket, dial limits), credentials secret", async () => {
    const c = new Rke2ServerAudit("full", {
      hosts: [
        {
          name: "a",
          connection: {
            host: "10.2.0.1",
            hostKey: "ssh-ed25519 AAAAC3Nza",
            privateKey: KEY,
            privateKeyPassword: "passphrase",
            agentSocketPath: "/run/ssh-agent.sock",
            dialErrorLimit: 3,
            perDialTimeout: 30,
            proxy: { host: "bastion.example.com", user: "jump", password: "bastion-pw" },
          },
        },
      ],
    });
    await settle(c);
    const conn = registered("full-a-restart").inputs.connection;
    assert.ok(isSecret(conn));
    const plain = unwrap(conn) as Record<string, unknown>;
    assert.equal(plain.hostKey, "ssh-ed25519 AAAAC3Nza");
    assert.equal(plain.privateKeyPassword, "passphrase");
    assert.equal(plain.agentSocketPath, "/run/ssh-agent.sock");
    assert.equal(plain.dialErrorLimit, 3);
    assert.equal(plain.perDialTimeout, 30);
    assert.deepEqual((plain.proxy as Record<string, unknown>).host, "bastion.example.com");
    assert.equal((plain.proxy as Record<string, unknown>).password, "bastion-pw");
  });

  it("a secret given as an Output stays secret, and a host given as an Output is accepted", async () => {
    const c = new Rke2ServerAudit("o", {
      hosts: [{ name: "a", connection: { host: pulumi.output("10.1.0.1"), privateKey: pulumi.secret(KEY) } }],
    });
    await settle(c);
    const conn = registered("o-a-restart").inputs.connection;
    assert.ok(isSecret(conn));
    assert.deepEqual(unwrap(conn), { ...DIAL, host: "10.1.0.1", port: 22, user: "root", privateKey: KEY });
  });

  it("useSudo false, own paths, retention and timeout: commands follow; the restart trigger is the files' hash", async () => {
    const audit = { preset: "cis", policyPath: "/etc/rancher/rke2/audit/cis.yaml", logPath: "/var/log/rke2-audit/audit.log", maxAge: 45, format: "legacy" as const };
    const c = new Rke2ServerAudit("x", { ...threeServers(audit), useSudo: false, readyTimeoutSeconds: 600, dataDir: "/opt/rke2" });
    await settle(c);
    const files = renderRke2ServerFiles(audit);
    const policy = unwrap(registered("x-cp-2-policy").inputs) as Json;
    assert.equal(
      policy.create,
      asRoot(
        [
          "set -eu",
          "umask 077",
          "mkdir -p '/etc/rancher/rke2/audit'",
          "tmp=$(mktemp '/etc/rancher/rke2/audit/.cis.yaml.XXXXXX')",
          `trap 'rm -f "$tmp"' EXIT`,
          `cat > "$tmp"`,
          `chown root:root "$tmp"`,
          `chmod 0600 "$tmp"`,
          `mv -f "$tmp" '/etc/rancher/rke2/audit/cis.yaml'`,
          "trap - EXIT",
        ].join("\n"),
        false,
      ),
    );
    assert.match(String(policy.create), /^sh -c 'set -eu/);
    assert.equal(policy.stdin, renderPolicy(composePolicy({ preset: "cis" })));
    const dropIn = unwrap(registered("x-cp-2-dropin").inputs) as Json;
    assert.match(String(dropIn.create), /mkdir -p '\\''\/var\/log\/rke2-audit'\\''/);
    assert.equal(dropIn.stdin, files.dropInYaml);
    const restart = unwrap(registered("x-cp-2-restart").inputs) as Json;
    assert.match(String(restart.create), /^sh -c 'set -eu\ndeadline=\$\(\( \$\(date \+%s\) \+ 600 \)\)\nif ! timeout 600 systemctl restart rke2-server/);
    assert.match(String(restart.create), /'\\''\/opt\/rke2\/bin\/kubectl'\\'' --kubeconfig '\\''\/etc\/rancher\/rke2\/rke2\.yaml'\\''/);
    assert.match(String(restart.create), /'\\''--audit-log-maxage=45'\\'' .*'\\''--audit-log-format=legacy'\\''/);
    assert.deepEqual(restart.triggers, [files.restartHash]);
  });

  it("the restart trigger changes with the policy and with retention, and not with timeout, sudo or connection", async () => {
    const triggersOf = async (name: string, args: Rke2ServerAuditArgs) => {
      created.length = 0;
      const c = new Rke2ServerAudit(name, args);
      await settle(c);
      return (unwrap(registered(`${name}-cp-1-restart`).inputs) as Json).triggers;
    };
    const base = await triggersOf("t1", threeServers({ preset: "basic" }));
    assert.deepEqual(await triggersOf("t2", { ...threeServers({ preset: "basic" }), readyTimeoutSeconds: 900, useSudo: false }), base);
    const moved = threeServers({ preset: "basic" });
    moved.hosts[0].connection = { host: "192.168.1.1", user: "other" };
    assert.deepEqual(await triggersOf("t3", moved), base);
    assert.notDeepEqual(await triggersOf("t4", threeServers({ preset: "detailed" })), base);
    assert.notDeepEqual(await triggersOf("t5", threeServers({ preset: "basic", maxBackup: 20 })), base);
  });

  it("the same config registers byte-identical inputs (a second preview shows no change)", async () => {
    const snapshot = async () => {
      created.length = 0;
      const c = new Rke2ServerAudit("same", threeServers({ preset: "recommended", maxSize: 250 }));
      await settle(c);
      return JSON.stringify(created.map((r) => [r.type, r.name, unwrap(r.inputs)]));
    };
    assert.equal(await snapshot(), await snapshot());
  });

  describe("bad input: an error naming the argument and the fix, and nothing registered", () => {
    const ok = threeServers();
    const cases: [string, Rke2ServerAuditArgs, RegExp][] = [
      ["empty host list", { hosts: [] }, /^AuditConfigError: Rke2ServerAudit "bad": hosts: must list the RKE2 servers \(every node running rke2-server\), at least one, e\.g\. \[\{ name: "cp-1"/],
      ["no hosts", {} as never, /hosts: must list the RKE2 servers/],
      ["host without a name", { hosts: [{ connection: { host: "a" } }] } as never, /hosts\[0\]\.name: must be a short label of letters, digits/],
      ["duplicate host name", { hosts: [ok.hosts[0], { ...ok.hosts[1], name: "CP-1" }] }, /hosts\[1\]\.name: "CP-1" is already the name of hosts\[0\]; every server needs its own name/],
      ["missing address", { hosts: [{ name: "a", connection: { host: "" } }] }, /hosts\[0\]\.connection\.host: is required: the server's address/],
      ["missing connection", { hosts: [{ name: "a" }] } as never, /hosts\[0\]\.connection: must be the SSH connection/],
      ["relative policy path", { ...ok, audit: { policyPath: "etc/audit.yaml" } }, /audit\.policyPath: must be an absolute path \(start with "\/"\)/],
      ["relative log path", { ...ok, audit: { logPath: "audit.log" } }, /audit\.logPath: must be an absolute path \(start with "\/"\)/],
      ["policy path in config.yaml.d", { ...ok, audit: { policyPath: "/etc/rancher/rke2/config.yaml.d/p.yaml" } }, /audit\.policyPath: .*rke2 reads that location as its own configuration/],
      [
        "unsafe policy",
        { ...ok, audit: { prependRules: [{ level: "Request", resources: [{ group: "", resources: ["secrets"] }] }] } },
        /audit\.preset: the audit policy is unsafe: \[secret-bodies\].*or set audit\.allowUnsafePolicy: true to deploy it anyway/s,
      ],
      ["invalid policy", { ...ok, audit: { policyYaml: "kind: Policy\nrules: [{level: Loud}]\n" } }, /audit\.policyYaml: the audit policy is not valid/],
      ["Rancher-only setting", { ...ok, audit: { delivery: "inline" } as never }, /audit\.delivery: is a setting of Rancher-provisioned clusters/],
      ["timeout too short", { ...ok, readyTimeoutSeconds: 5 }, /readyTimeoutSeconds: must be a whole number of seconds from 30 to 3600/],
      ["useSudo not boolean", { ...ok, useSudo: "yes" as never }, /useSudo: must be true or false/],
      ["relative data dir", { ...ok, dataDir: "rke2" }, /dataDir: must be an absolute path/],
      ["bad Kubernetes version", { ...ok, kubernetesVersion: "1.x" }, /kubernetesVersion: "1\.x" is not a Kubernetes version/],
    ];
    for (const [what, args, re] of cases) {
      it(what, async () => {
        assert.throws(() => new Rke2ServerAudit("bad", args), re);
        await drain();
        assert.deepEqual(created.map((c) => c.name), [], "nothing registered");
      });
    }
  });
});
