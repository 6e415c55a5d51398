/**
 * Which Kubernetes distribution a Rancher-provisioned cluster runs, and the facts that follow from
 * it: default paths, the control-plane machine selector, the path Rancher's webhook mounts the Pod
 * Security Admission configuration at. Sources: Rancher's provisioning code (https://github.com/rancher/rancher/tree/main/pkg/capr)
 * and webhook (https://github.com/rancher/webhook).
 */
import { parseKubernetesVersion } from "../audit-policy";
import { fail, show } from "./errors";

/** The distribution of a Rancher-provisioned cluster: `"rke2"` or `"k3s"` (an `as const` object, see core/settings.ts). */
export const Distro = {
  /** RKE2 (Kubernetes version `v1.31.5+rke2r1`). */
  Rke2: "rke2",
  /** K3s (Kubernetes version `v1.31.5+k3s1`). */
  K3s: "k3s",
} as const;
/** The distribution of a Rancher-provisioned cluster: `"rke2"` or `"k3s"`. */
export type Distro = (typeof Distro)[keyof typeof Distro];

/** The CAPI Machine label Rancher sets on control-plane machines (pkg/capr/common.go). */
export const CONTROL_PLANE_ROLE_LABEL = "rke.cattle.io/control-plane-role";

/** `machineLabelSelector` matching control-plane machines only (etcd-only and worker machines do not match). */
export function controlPlaneSelector(): { matchLabels: Record<string, string> } {
  return { matchLabels: { [CONTROL_PLANE_ROLE_LABEL]: "true" } };
}

/**
 * The distribution named by a Rancher Kubernetes version: `v1.31.5+rke2r1` is RKE2,
 * `v1.31.5+k3s1` is K3s. Anything else is refused with the argument named.
 */
export function distroOf(kubernetesVersion: unknown, path = "kubernetesVersion"): Distro {
  if (typeof kubernetesVersion !== "string" || kubernetesVersion.trim() === "") {
    fail(path, `must be a Rancher Kubernetes version such as "v1.31.5+rke2r1" (RKE2) or "v1.31.5+k3s1" (K3s); got ${show(kubernetesVersion)}`);
  }
  const parsed = parseKubernetesVersion(kubernetesVersion);
  if (!parsed) {
    fail(path, `${show(kubernetesVersion)} is not a Kubernetes version; use the form "v1.31.5+rke2r1" (RKE2) or "v1.31.5+k3s1" (K3s)`);
  }
  if (/^rke2r\d+$/.test(parsed.build)) return "rke2";
  if (/^k3s\d+$/.test(parsed.build)) return "k3s";
  fail(
    path,
    `${show(kubernetesVersion)} does not say whether the cluster runs RKE2 or K3s; Rancher spells versions with the distribution after "+", e.g. "v${parsed.major}.${parsed.minor}.${parsed.patch}+rke2r1" or "v${parsed.major}.${parsed.minor}.${parsed.patch}+k3s1"`,
  );
}

/** Default on-node path of the delivered policy file. */
export function defaultPolicyPath(distro: Distro): string {
  return `/etc/rancher/${distro}/audit-policy.yaml`;
}

/** Default audit log path: RKE2's own default (`<data-dir>/server/logs/audit.log`), the same layout on K3s. */
export function defaultLogPath(distro: Distro): string {
  return `/var/lib/rancher/${distro}/server/logs/audit.log`;
}

/** Where Rancher's webhook mounts the PSACT admission configuration (rancher/webhook provisioningcluster mutator). */
export function psactMountPath(distro: Distro): string {
  return `/etc/rancher/${distro}/config/rancher-psact.yaml`;
}

/** The Secret Rancher's webhook creates for a cluster's PSACT admission configuration. */
export function psactSecretName(clusterName: string): string {
  return `${clusterName}-admission-configuration-psact`;
}

/** The key of the admission configuration inside that Secret. */
export const PSACT_SECRET_KEY = "admission-config-psact";

/** The kube-apiserver flag the webhook sets to the PSACT mount path. */
export const ADMISSION_CONFIG_FLAG = "admission-control-config-file";

/** Where Rancher writes the `audit-policy-file` config key's content (inline delivery), by default data dir. */
export function inlinePolicyPath(distro: Distro): string {
  return `/var/lib/rancher/${distro}/etc/config-files/audit-policy-file`;
}

/** The only host directory RKE1 bind-mounts into kube-apiserver for audit logs. */
export const RKE1_LOG_DIR = "/var/log/kube-audit";
/** RKE1's default audit log path (rancher/rke `services.kube-api.audit_log.configuration.path`). */
export const RKE1_DEFAULT_LOG_PATH = "/var/log/kube-audit/audit-log.json";
