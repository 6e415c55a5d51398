/** Kubernetes version strings as Rancher, RKE2 and K3s spell them: "v1.31.5+rke2r1", "1.36", "v1.30.4+k3s1". */
export interface KubernetesVersion {
  /** Major version: 1. */
  major: number;
  /** Minor version, e.g. 31. */
  minor: number;
  /** Patch version; 0 when absent ("1.36"). */
  patch: number;
  /** Build metadata after "+", e.g. "rke2r1" or "k3s1"; "" when absent. */
  build: string;
}

const VERSION_RE = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:-[0-9A-Za-z.-]+)?(?:\+([0-9A-Za-z.-]+))?$/;

/** Parses a Kubernetes version; returns undefined when the text is not one. */
export function parseKubernetesVersion(text: string): KubernetesVersion | undefined {
  const m = VERSION_RE.exec(text.trim());
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: m[3] === undefined ? 0 : Number(m[3]), build: m[4] ?? "" };
}

/** Like parseKubernetesVersion but throws an error that names the option. */
export function requireKubernetesVersion(text: string, what = "kubernetesVersion"): KubernetesVersion {
  const v = parseKubernetesVersion(text);
  if (!v) {
    throw new Error(
      `${what}: "${text}" is not a Kubernetes version; use the form "v1.31.5+rke2r1", "v1.31.5+k3s1" or "1.31"`,
    );
  }
  return v;
}

/**
 * The Kubernetes minor versions whose audit behaviour the engine models: from 1.24 (the first
 * where audit.k8s.io/v1 is the only policy version, the one every check is written for) to 1.36
 * (group "*" matches every group). Outside it the checks would claim behaviour nobody verified.
 */
export const SUPPORTED_KUBERNETES = { oldest: { major: 1, minor: 24 }, newest: { major: 1, minor: 36 } } as const;

/**
 * requireKubernetesVersion for a cluster's version as a user gives it (stack config, CLI flags):
 * also refuses versions outside SUPPORTED_KUBERNETES, naming the range.
 */
export function requireSupportedKubernetesVersion(text: string, what = "kubernetesVersion"): KubernetesVersion {
  const v = requireKubernetesVersion(text, what);
  const { oldest, newest } = SUPPORTED_KUBERNETES;
  const tooNew = atLeast(v, newest.major, newest.minor + 1);
  if (!atLeast(v, oldest.major, oldest.minor) || tooNew) {
    throw new Error(
      `${what}: "${text}" is outside the supported Kubernetes versions v${oldest.major}.${oldest.minor} to v${newest.major}.${newest.minor}; ` +
        `give the cluster's real version (e.g. "v1.31.5+rke2r1")${tooNew ? ", or upgrade rancher-audit to a release that knows it" : ""}`,
    );
  }
  return v;
}

/** True when version a is at least major.minor. */
export function atLeast(v: KubernetesVersion, major: number, minor: number): boolean {
  return v.major > major || (v.major === major && v.minor >= minor);
}

/**
 * Group "*" in a policy's resources is valid and matches every API group from Kubernetes 1.36
 * (kubernetes commit ea3bfd9e). Without a version we assume the newest behaviour.
 */
export function supportsGroupWildcard(kubernetesVersion: string | undefined): boolean {
  if (kubernetesVersion === undefined) return true;
  return atLeast(requireKubernetesVersion(kubernetesVersion), 1, 36);
}
