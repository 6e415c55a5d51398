/**
 * The shell scripts Rke2ServerAudit runs on each server, as pure functions of their inputs so the
 * exact commands are tested byte for byte (and reviewed in `pulumi preview` diffs).
 *
 * Every script is POSIX `sh` (no bash-isms), runs as root (through `sudo -n` unless disabled), and
 * fails with a message that names the host, the file and the fix.
 */

/** Quotes one word for POSIX sh: `it's` becomes `'it'\''s'`. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Directory part of an absolute path (`/a/b/c` gives `/a/b`, `/a` gives `/`). */
export function dirnameOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

/** Final part of a path (`/a/b/c` gives `c`). */
export function basenameOf(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/**
 * Wraps a script so it runs as root: `sudo -n sh -c '<script>'`, or `sh -c '<script>'` when the SSH
 * user is root already. `-n` makes sudo fail at once ("a password is required") instead of hanging
 * on a prompt nobody can answer. Standard input passes through sudo and sh to the script.
 */
export function asRoot(script: string, useSudo: boolean): string {
  return `${useSudo ? "sudo -n " : ""}sh -c ${shellQuote(script)}`;
}

/**
 * Writes standard input to `path` with the given mode, owned by root, atomically:
 * the content goes to a temporary file in the same directory (created under umask 077, so it is
 * never readable by others, not even for a moment), gets its owner and mode, and is renamed over
 * the target. RKE2 therefore never reads a half-written policy or drop-in, and a failed write
 * leaves the previous file in place. Missing parent directories are created with mode 0700;
 * existing ones are left as they are (their mode is the administrator's choice).
 *
 * `extraDirs` are created the same way (for the audit log directory, which kube-apiserver writes
 * into and RKE2 mounts into the static pod).
 */
export function writeFileScript(path: string, mode: string, extraDirs: readonly string[] = []): string {
  const dir = dirnameOf(path);
  const dirs = [dir, ...extraDirs.filter((d) => d !== dir)];
  return [
    "set -eu",
    "umask 077",
    ...dirs.map((d) => `mkdir -p ${shellQuote(d)}`),
    `tmp=$(mktemp ${shellQuote(`${dir}/.${basenameOf(path)}.XXXXXX`)})`,
    `trap 'rm -f "$tmp"' EXIT`,
    `cat > "$tmp"`,
    `chown root:root "$tmp"`,
    `chmod ${mode} "$tmp"`,
    `mv -f "$tmp" ${shellQuote(path)}`,
    "trap - EXIT",
  ].join("\n");
}

/** Removes a file this component wrote (on `pulumi destroy` or when the component is removed). */
export function removeFileScript(path: string): string {
  return `rm -f ${shellQuote(path)}`;
}

/** Options of restartScript: the host, the flags kube-apiserver must run with afterwards, the files it checks and how long it waits. */
export interface RestartScriptOptions {
  /** Host label used in messages (the `name` of the host in Rke2ServerAudit args). */
  hostName: string;
  /** kube-apiserver flags (`--audit-policy-file=...`) the restarted process must carry. */
  expectedFlags: readonly string[];
  /** Seconds to wait, from the restart, for /readyz and the flags. */
  timeoutSeconds: number;
  /** RKE2 data directory (kubectl lives in `<dataDir>/bin`). */
  dataDir: string;
  /** Kubeconfig RKE2 writes for the local server (it points at https://127.0.0.1:6443). */
  kubeconfigPath: string;
  /** The drop-in, named in the rollback hint. */
  dropInPath: string;
  /** The policy file, named in the failure hint. */
  policyPath: string;
  /** Seconds between two checks. Default 5. */
  pollSeconds?: number;
}

/**
 * Restarts rke2-server and waits until *this node's* kube-apiserver is ready again and runs with
 * the audit flags:
 * - `/readyz` through the node-local kubeconfig (`rke2.yaml` targets 127.0.0.1:6443, so it asks this
 *   node's kube-apiserver, not a load balancer that might route to another server);
 * - a running `kube-apiserver` process whose command line holds every expected flag exactly. This
 *   catches a drop-in sorted after ours (or a `--kube-apiserver-arg` on the service's command line)
 *   that sets `kube-apiserver-arg` without `+` and silently replaces our flags; `/readyz` alone
 *   would report success with auditing off.
 * Fails after `timeoutSeconds` with what was seen last and how to roll back. The restart itself is
 * bounded by the same deadline (`timeout`), since rke2-server's unit has no start timeout.
 */
export function restartScript(o: RestartScriptOptions): string {
  const kubectl = `${o.dataDir}/bin/kubectl`;
  const t = o.timeoutSeconds;
  const host = o.hostName;
  const rollback =
    `To roll back this server: rm -f ${o.dropInPath} && systemctl restart rke2-server ` +
    `(or fix the policy and run pulumi up again).`;
  return [
    "set -eu",
    `deadline=$(( $(date +%s) + ${t} ))`,
    `if ! timeout ${t} systemctl restart rke2-server; then`,
    `  echo ${shellQuote(
      `rke2-server on ${host} did not restart within ${t}s. Check: journalctl -u rke2-server. ` +
        `Servers after ${host} were not touched. ${rollback}`,
    )} >&2`,
    "  exit 1",
    "fi",
    "has_flags() {",
    "  for pid in $(pgrep -x kube-apiserver || true); do",
    `    args=$(tr '\\0' '\\n' < "/proc/$pid/cmdline" 2>/dev/null) || continue`,
    "    ok=1",
    `    for want in ${o.expectedFlags.map(shellQuote).join(" ")}; do`,
    `      printf '%s\\n' "$args" | grep -Fxq -- "$want" || { ok=0; break; }`,
    "    done",
    `    [ "$ok" = 1 ] && return 0`,
    "  done",
    "  return 1",
    "}",
    "seen='no answer'",
    "while :; do",
    `  readyz=$(${shellQuote(kubectl)} --kubeconfig ${shellQuote(o.kubeconfigPath)} get --raw /readyz 2>&1) || true`,
    `  if [ "$readyz" = ok ]; then`,
    `    if has_flags; then`,
    `      echo ${shellQuote(`kube-apiserver on ${host} is ready with the audit flags`)}`,
    "      exit 0",
    "    fi",
    `    seen=${shellQuote(
      "kube-apiserver answers /readyz but runs without the audit flags: a file sorted after the drop-in in config.yaml.d, " +
        "or a --kube-apiserver-arg on the rke2-server command line, sets kube-apiserver-arg without \"+\" and replaces them",
    )}`,
    "  else",
    `    seen="/readyz: $readyz"`,
    "  fi",
    `  if [ "$(date +%s)" -ge "$deadline" ]; then`,
    `    echo ${shellQuote(`kube-apiserver on ${host} was not ready with the audit flags ${t}s after restarting rke2-server`)}": $seen." >&2`,
    `    echo ${shellQuote(
      `Servers after ${host} were not touched. Check: journalctl -u rke2-server; /var/log/pods/kube-system_kube-apiserver-*; ` +
        `the policy in ${o.policyPath}. ${rollback}`,
    )} >&2`,
    "    exit 1",
    "  fi",
    `  sleep ${o.pollSeconds ?? 5}`,
    "done",
  ].join("\n");
}
