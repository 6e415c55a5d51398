/**
 * The program's errors: a stack config key (`rancher-audit:<key>`), what is wrong and how to fix
 * it. Errors of the builders are renamed here from component arguments (`audit.maxAge`) to config
 * keys through their argument path and the settings they mention, never by rewriting text.
 */
import { AuditConfigError, type DetailPart, type SettingNamer } from "../components/core/errors";

/** The Pulumi project name, and so the namespace of the stack config keys. */
export const PROJECT = "rancher-audit";

/** Names settings as stack config keys; `policyFile` is put in front of the policy's line:column. */
export function configNamer(policyFile?: string): SettingNamer {
  const key = (setting: string) => `${PROJECT}:${setting === "policy" || setting === "policyYaml" ? "policyFile" : setting}`;
  return {
    name: key,
    assign: (setting, value) => `set ${key(setting)}: ${String(value)}`,
    policySource: policyFile || undefined,
  };
}

/** A wrong stack config value: `rancher-audit:<key>: <what is wrong and the fix>`. */
export class ConfigError extends AuditConfigError {
  /** The config key without the project prefix (`maxAge`, `clusters[1].name`). */
  readonly key: string;
  constructor(key: string, detail: string | readonly DetailPart[], options: { unsafeFindings?: AuditConfigError["unsafeFindings"]; namer?: SettingNamer } = {}) {
    super(`${PROJECT}:${key}`, detail, { unsafeFindings: options.unsafeFindings, namer: options.namer ?? configNamer() });
    this.name = "ConfigError";
    this.key = key;
  }
}

/** Maps a component argument path to the stack config key that sets it. */
export function configKeyFor(argPath: string, clusterIndex: number | undefined): string {
  const c = clusterIndex === undefined ? "clusters" : `clusters[${clusterIndex}]`;
  if (["audit.policy", "policy", "audit.policyYaml", "policyYaml"].includes(argPath)) return "policyFile";
  if (argPath === "audit.preset" || argPath === "preset") return "preset";
  if (argPath === "audit.policySource") return `${c}.group`;
  if (argPath.startsWith("audit.")) return argPath.slice("audit.".length).split(/[.[]/)[0];
  if (argPath === "clusterName") return `${c}.name`;
  if (argPath === "kubernetesVersion") return `${c}.kubernetesVersion`;
  if (argPath === "fleetNamespace") return "fleetNamespace";
  if (argPath === "cluster.defaultPodSecurityAdmissionConfigurationTemplateName") return `${c}.podSecurityAdmissionTemplate`;
  if (argPath === "authorizedClusters" || argPath.startsWith("authorizedClusters[")) return `${c}.name`;
  return clusterIndex === undefined ? "clusters" : c;
}

/** Runs `fn`, turning a builder's AuditConfigError into a ConfigError naming the stack config key. */
export function asConfigError<T>(clusterIndex: number | undefined, policyFile: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof AuditConfigError) || e instanceof ConfigError) throw e;
    const key = configKeyFor(e.path, clusterIndex);
    throw new ConfigError(key, e.parts, { unsafeFindings: e.unsafeFindings, namer: configNamer(key === "policyFile" ? policyFile : undefined) });
  }
}
