/** Golden copies of what Rke2ServerAudit runs on a server, shared by the rke2 tests. */

/** The restart script for cp-1 with the default paths and a 300 s timeout (the golden copy). */
export const RESTART_CP1 = `set -eu
deadline=$(( $(date +%s) + 300 ))
if ! timeout 300 systemctl restart rke2-server; then
  echo 'rke2-server on cp-1 did not restart within 300s. Check: journalctl -u rke2-server. Servers after cp-1 were not touched. To roll back this server: rm -f /etc/rancher/rke2/config.yaml.d/50-audit.yaml && systemctl restart rke2-server (or fix the policy and run pulumi up again).' >&2
  exit 1
fi
has_flags() {
  for pid in $(pgrep -x kube-apiserver || true); do
    args=$(tr '\\0' '\\n' < "/proc/$pid/cmdline" 2>/dev/null) || continue
    ok=1
    for want in '--audit-policy-file=/etc/rancher/rke2/audit-policy.yaml' '--audit-log-path=/var/lib/rancher/rke2/server/logs/audit.log' '--audit-log-maxage=30' '--audit-log-maxbackup=10' '--audit-log-maxsize=100' '--audit-log-format=json'; do
      printf '%s\\n' "$args" | grep -Fxq -- "$want" || { ok=0; break; }
    done
    [ "$ok" = 1 ] && return 0
  done
  return 1
}
seen='no answer'
while :; do
  readyz=$('/var/lib/rancher/rke2/bin/kubectl' --kubeconfig '/etc/rancher/rke2/rke2.yaml' get --raw /readyz 2>&1) || true
  if [ "$readyz" = ok ]; then
    if has_flags; then
      echo 'kube-apiserver on cp-1 is ready with the audit flags'
      exit 0
    fi
    seen='kube-apiserver answers /readyz but runs without the audit flags: a file sorted after the drop-in in config.yaml.d, or a --kube-apiserver-arg on the rke2-server command line, sets kube-apiserver-arg without "+" and replaces them'
  else
    seen="/readyz: $readyz"
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo 'kube-apiserver on cp-1 was not ready with the audit flags 300s after restarting rke2-server'": $seen." >&2
    echo 'Servers after cp-1 were not touched. Check: journalctl -u rke2-server; /var/log/pods/kube-system_kube-apiserver-*; the policy in /etc/rancher/rke2/audit-policy.yaml. To roll back this server: rm -f /etc/rancher/rke2/config.yaml.d/50-audit.yaml && systemctl restart rke2-server (or fix the policy and run pulumi up again).' >&2
    exit 1
  fi
  sleep 5
done`;

export const DEFAULT_FLAGS = [
  "--audit-policy-file=/etc/rancher/rke2/audit-policy.yaml",
  "--audit-log-path=/var/lib/rancher/rke2/server/logs/audit.log",
  "--audit-log-maxage=30",
  "--audit-log-maxbackup=10",
  "--audit-log-maxsize=100",
  "--audit-log-format=json",
];
