/**
 * Rke2ServerAudit: kube-apiserver audit logging on standalone RKE2 servers (not provisioned by
 * Rancher), over SSH with @pulumi/command. Writes the policy file and a config drop-in on every
 * server, then restarts rke2-server one server at a time, each restart waiting until that node's
 * kube-apiserver is ready again (with the audit flags) before the next server is touched, so the
 * control plane keeps quorum and a bad change stops at the first server.
 *
 * The component only wires: the file contents come from renderRke2ServerFiles and the shell
 * scripts from scripts.ts, both pure and tested byte for byte.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { Finding } from "../audit-policy";
import { fail, show } from "../core/errors";
import { inComponent } from "../core/errors";
import { checkNodePath } from "../core/settings";
import { renderRke2ServerFiles, type Rke2ServerFiles } from "./render";
import { asRoot, dirnameOf, removeFileScript, restartScript, writeFileScript } from "./scripts";
import type { StandaloneAuditOptions } from "../core/standalone";

/** One RKE2 server. */
export interface Rke2ServerHost {
  /**
   * A short, unique label for the server: it names the child resources
   * (`<component>-<name>-policy`, `-dropin`, `-restart`) and appears in messages. Letters, digits,
   * ".", "_" and "-". Keep it stable: renaming replaces the server's resources (and restarts it).
   * Example: `"cp-1"`.
   */
  name: string;
  /**
   * How to reach the server over SSH (`host`, `port` default 22, `user` default "root",
   * `privateKey` or `password`). `password` and `privateKey` are wrapped in `pulumi.secret`, so
   * they are encrypted in the state even when given as plain strings.
   */
  connection: command.types.input.remote.ConnectionArgs;
}

/** The `audit` argument: the same policy options, paths and retention as AuditedCluster's `audit`. */
export type Rke2AuditArgs = StandaloneAuditOptions;

/** Arguments of Rke2ServerAudit: the servers (SSH connections), the audit options, and how the restart runs (sudo, data dir, timeout). */
export interface Rke2ServerAuditArgs {
  /**
   * The RKE2 servers (every node running `rke2-server`), in the order they are restarted. At least
   * one. Agents need nothing: only kube-apiserver audits. Example:
   * `[{ name: "cp-1", connection: { host: "10.0.0.11", user: "ubuntu", privateKey } }, ...]`.
   */
  hosts: Rke2ServerHost[];
  /**
   * Policy, paths and retention. Policy: `preset` (default "recommended") or `policy`, plus
   * `prependRules`/`appendRules`/`omitStages`/`omitManagedFields`. Paths: `policyPath` (default
   * `/etc/rancher/rke2/audit-policy.yaml`), `logPath` (default
   * `/var/lib/rancher/rke2/server/logs/audit.log`). Retention and format: the settings table's
   * defaults (30 days, 10 files, 100 MB, "json"). `allowUnsafePolicy` (default false) lets a policy
   * with an `error` finding of the safety analysis through. Default: all defaults.
   */
  audit?: Rke2AuditArgs;
  /**
   * Kubernetes version of the servers, for version-specific policy checks (e.g. `"v1.31.5+rke2r1"`).
   * Default: none (the newest behaviour is assumed).
   */
  kubernetesVersion?: string;
  /**
   * Run the remote commands through `sudo -n` (non-interactive: a user that needs a password for
   * sudo fails at once with sudo's message instead of hanging). Set `false` when connecting as
   * root. Default `true`.
   */
  useSudo?: boolean;
  /**
   * Seconds to wait, per server, for rke2-server to restart and the node's kube-apiserver to answer
   * `/readyz` with "ok" while running with the audit flags. When it runs out the update fails
   * and later servers are not touched. Whole number, 30 to 3600. Default 300.
   */
  readyTimeoutSeconds?: number;
  /**
   * RKE2's data directory (`data-dir`); kubectl is read from `<dataDir>/bin/kubectl`. Default
   * `/var/lib/rancher/rke2`.
   */
  dataDir?: string;
}

const TYPE = "rancher-audit:index:Rke2ServerAudit";

/** The kubeconfig RKE2 writes on every server; it targets the local kube-apiserver (127.0.0.1:6443). */
export const RKE2_LOCAL_KUBECONFIG = "/etc/rancher/rke2/rke2.yaml";
/** RKE2's default data directory (`--data-dir`). */
export const RKE2_DEFAULT_DATA_DIR = "/var/lib/rancher/rke2";
/** Seconds to wait for kube-apiserver to be ready after a restart, unless you say otherwise. */
export const DEFAULT_READY_TIMEOUT_SECONDS = 300;

const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/;

/** Everything one server gets: the commands, as plain strings. */
export interface Rke2HostPlan {
  name: string;
  policy: { create: string; delete: string; stdin: string };
  dropIn: { create: string; delete: string; stdin: string };
  restart: { create: string; update: string; triggers: string[] };
}

/** The pure plan of an Rke2ServerAudit: the files, and per host what is written and run. */
export interface Rke2ServerAuditPlan {
  files: Rke2ServerFiles;
  hosts: Rke2HostPlan[];
  useSudo: boolean;
  readyTimeoutSeconds: number;
  dataDir: string;
}

/**
 * The pure part of Rke2ServerAudit: validates every argument (errors name it: `hosts[1].name`,
 * `audit.logPath`) and computes every command. Nothing is registered.
 */
export function planRke2ServerAudit(args: Rke2ServerAuditArgs): Rke2ServerAuditPlan {
  if (args === null || typeof args !== "object") fail("", `the arguments must be an object with hosts; got ${show(args)}`);
  const hosts = args.hosts as unknown;
  const example = '[{ name: "cp-1", connection: { host: "10.0.0.11", user: "ubuntu", privateKey } }]';
  if (!Array.isArray(hosts) || hosts.length === 0) {
    fail("hosts", `must list the RKE2 servers (every node running rke2-server), at least one, e.g. ${example}; got ${show(hosts)}`);
  }
  const seen = new Map<string, number>();
  hosts.forEach((h: unknown, i: number) => {
    if (h === null || typeof h !== "object" || Array.isArray(h)) fail(`hosts[${i}]`, `must be { name, connection }, e.g. ${example}; got ${show(h)}`);
    const host = h as Record<string, unknown>;
    if (typeof host.name !== "string" || !HOST_NAME.test(host.name)) {
      fail(`hosts[${i}].name`, `must be a short label of letters, digits, ".", "_" and "-" (it names the server's resources), e.g. "cp-1"; got ${show(host.name)}`);
    }
    const first = seen.get(host.name.toLowerCase());
    if (first !== undefined) fail(`hosts[${i}].name`, `"${host.name}" is already the name of hosts[${first}]; every server needs its own name`);
    seen.set(host.name.toLowerCase(), i);
    const c = host.connection;
    if (c === null || typeof c !== "object" || Array.isArray(c)) {
      fail(`hosts[${i}].connection`, `must be the SSH connection { host, user?, port?, privateKey? | password? }; got ${show(c)}`);
    }
    const address = (c as Record<string, unknown>).host;
    if (address === undefined || address === null || (typeof address === "string" && address.trim() === "")) {
      fail(`hosts[${i}].connection.host`, `is required: the server's address or DNS name, e.g. "10.0.0.11"`);
    }
  });
  const useSudo = args.useSudo ?? true;
  if (typeof useSudo !== "boolean") fail("useSudo", `must be true or false; got ${show(useSudo)}`);
  const timeout = args.readyTimeoutSeconds ?? DEFAULT_READY_TIMEOUT_SECONDS;
  if (typeof timeout !== "number" || !Number.isSafeInteger(timeout) || timeout < 30 || timeout > 3600) {
    fail("readyTimeoutSeconds", `must be a whole number of seconds from 30 to 3600 (an RKE2 server usually restarts in 1 to 3 minutes), e.g. ${DEFAULT_READY_TIMEOUT_SECONDS}; got ${show(timeout)}`);
  }
  const dataDir = checkNodePath(args.dataDir ?? RKE2_DEFAULT_DATA_DIR, "dataDir", RKE2_DEFAULT_DATA_DIR);

  const files = renderRke2ServerFiles({ ...(args.audit ?? {}), kubernetesVersion: args.kubernetesVersion }, "audit.");
  const logDir = dirnameOf(files.apiServerArgs.find((a) => a.startsWith("audit-log-path="))!.slice("audit-log-path=".length));
  const expectedFlags = files.apiServerArgs.map((a) => `--${a}`);

  const plans = (hosts as Rke2ServerHost[]).map((h): Rke2HostPlan => ({
    name: h.name,
    policy: {
      create: asRoot(writeFileScript(files.policyPath, files.policyMode), useSudo),
      delete: asRoot(removeFileScript(files.policyPath), useSudo),
      stdin: files.policyYaml,
    },
    dropIn: {
      // The log directory is created here, root-only, before RKE2 sees the flag that points to it.
      create: asRoot(writeFileScript(files.dropInPath, files.dropInMode, [logDir]), useSudo),
      delete: asRoot(removeFileScript(files.dropInPath), useSudo),
      stdin: files.dropInYaml,
    },
    restart: {
      create: asRoot(
        restartScript({
          hostName: h.name,
          expectedFlags,
          timeoutSeconds: timeout,
          dataDir,
          kubeconfigPath: RKE2_LOCAL_KUBECONFIG,
          dropInPath: files.dropInPath,
          policyPath: files.policyPath,
        }),
        useSudo,
      ),
      // Only a new restartHash (the files changed) restarts: `replaceOnChanges: ["triggers"]`
      // (set where the resource is created) makes a trigger change a replacement, which runs
      // `create`, on every @pulumi/command version. Any other change (connection, timeout) is an
      // update, which runs `update` (or, when empty, `create` again), so `update` must be harmless.
      update: "true",
      triggers: [files.restartHash],
    },
  }));
  return { files, hosts: plans, useSudo, readyTimeoutSeconds: timeout, dataDir };
}

/** Connection fields that hold credentials: wrapped in pulumi.secret wherever they appear. */
const SECRET_CONNECTION_FIELDS = ["password", "privateKey", "privateKeyPassword"] as const;

/**
 * The connection as given, every field kept (host-key pinning, a bastion `proxy`, an agent socket,
 * dial limits), with the credentials (also the proxy's) wrapped in pulumi.secret; unset fields
 * left out.
 */
export function secretConnection(c: command.types.input.remote.ConnectionArgs): command.types.input.remote.ConnectionArgs {
  const wrap = <T extends object>(conn: T): T => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(conn)) {
      if (v === undefined) continue;
      out[k] = (SECRET_CONNECTION_FIELDS as readonly string[]).includes(k) ? pulumi.secret(v) : v;
    }
    return out as T;
  };
  const out = wrap(c);
  if (c.proxy !== undefined) {
    // A plain proxy object gets its credential fields wrapped; a proxy given as an Output is kept
    // secret as a whole (its fields are not known until the deployment).
    out.proxy = pulumi.Output.isInstance(c.proxy) || typeof (c.proxy as { then?: unknown }).then === "function" ? pulumi.secret(c.proxy) : wrap(c.proxy);
  }
  return out;
}

/**
 * The findings, for TypeScript only: kept in a WeakMap behind a getter, because Pulumi's component
 * analyzer reads every property of the class as an output.
 */
const findingsOf = new WeakMap<Rke2ServerAudit, Finding[]>();

/**
 * Audit logging on RKE2 servers that Rancher does not provision: writes the policy file and a
 * config drop-in over SSH (@pulumi/command) and restarts rke2-server one server at a time.
 */
export class Rke2ServerAudit extends pulumi.ComponentResource {
  static readonly __pulumiType = TYPE;

  /** Absolute path of the policy file on every server. */
  readonly policyPath: pulumi.Output<string>;
  /** The policy text written to every server (canonical YAML; not secret). */
  readonly policyYaml: pulumi.Output<string>;
  /** SHA-256 (hex) of the policy text. */
  readonly policySha256: pulumi.Output<string>;
  /** Path of the drop-in (`/etc/rancher/rke2/config.yaml.d/50-audit.yaml`). */
  readonly dropInPath: pulumi.Output<string>;
  /** The drop-in's content: the kube-apiserver-arg entries, as YAML. */
  readonly dropInYaml: pulumi.Output<string>;
  /** The kube-apiserver-arg entries in the drop-in. */
  readonly apiServerArgs: pulumi.Output<string[]>;
  /** Changes exactly when the servers must restart (hash of both files and paths). */
  readonly restartHash: pulumi.Output<string>;
  /** The restart command of each server, in order: depend on the last one to run after the rollout. */
  readonly restarts: command.remote.Command[];
  /** Safety analysis findings (warnings; errors when allowUnsafePolicy). TypeScript only. */
  get findings(): Finding[] {
    return findingsOf.get(this)!;
  }

  constructor(name: string, args: Rke2ServerAuditArgs, opts?: pulumi.ComponentResourceOptions) {
    // Everything is validated and computed before anything is registered.
    const plan = inComponent("Rke2ServerAudit", name, () => planRke2ServerAudit(args));
    super(TYPE, name, {}, opts);
    const files = plan.files;
    findingsOf.set(this, files.findings);
    for (const w of files.warnings) pulumi.log.warn(w, this);

    this.restarts = [];
    let previous: command.remote.Command | undefined;
    plan.hosts.forEach((hp, i) => {
      const connection = secretConnection(args.hosts[i].connection);
      // Server N+1 is not touched (not even its files) until server N's kube-apiserver is back:
      // a server that restarts on its own in the meantime cannot pick up half a rollout, and a
      // policy kube-apiserver refuses stops at the first server.
      const after = previous ? [previous] : [];
      // Files are written with `stdin` into a root-only temp file renamed over the target (see
      // writeFileScript), not with a remote copy: a copy would land in a world-readable temp path
      // first and needs a second command to install it; this is one atomic step per file.
      const policy = new command.remote.Command(
        `${name}-${hp.name}-policy`,
        { connection, create: hp.policy.create, delete: hp.policy.delete, stdin: hp.policy.stdin, triggers: [files.policyPath] },
        { parent: this, dependsOn: after },
      );
      // The drop-in names the policy file: written after it, and (on destroy) removed before it.
      const dropIn = new command.remote.Command(
        `${name}-${hp.name}-dropin`,
        { connection, create: hp.dropIn.create, delete: hp.dropIn.delete, stdin: hp.dropIn.stdin },
        { parent: this, dependsOn: [...after, policy] },
      );
      const restart = new command.remote.Command(
        `${name}-${hp.name}-restart`,
        { connection, create: hp.restart.create, update: hp.restart.update, triggers: hp.restart.triggers },
        { parent: this, dependsOn: [policy, dropIn], replaceOnChanges: ["triggers"] },
      );
      this.restarts.push(restart);
      previous = restart;
    });

    this.policyPath = pulumi.output(files.policyPath);
    this.policyYaml = pulumi.output(files.policyYaml);
    this.policySha256 = pulumi.output(files.policySha256);
    this.dropInPath = pulumi.output(files.dropInPath);
    this.dropInYaml = pulumi.output(files.dropInYaml);
    this.apiServerArgs = pulumi.output(files.apiServerArgs);
    this.restartHash = pulumi.output(files.restartHash);
    this.registerOutputs({
      policyPath: this.policyPath,
      policyYaml: this.policyYaml,
      policySha256: this.policySha256,
      dropInPath: this.dropInPath,
      dropInYaml: this.dropInYaml,
      apiServerArgs: this.apiServerArgs,
      restartHash: this.restartHash,
    });
  }
}
