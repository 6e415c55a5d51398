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

/**
 * A wrong stack config value: `rancher-audit:<key>: <what is wrong and the fix>`. With `asWritten`,
 * the key is a stack file key outside our namespace (`rancher-audt:preset`, `preset`), named as given.
 */
export class ConfigError extends AuditConfigError {
  /** The config key without the project prefix (`maxAge`, `clusters[1].name`), or a key outside our namespace as written. */
  readonly key: string;
  constructor(
    key: string,
    detail: string | readonly DetailPart[],
    options: { unsafeFindings?: AuditConfigError["unsafeFindings"]; namer?: SettingNamer; asWritten?: boolean } = {},
  ) {
    super(options.asWritten ? key : `${PROJECT}:${key}`, detail, { unsafeFindings: options.unsafeFindings, namer: options.namer ?? configNamer() });
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

/**
 * Every problem of a stack config at once: `rancher-audit: N problems in the stack config` and one
 * line per problem, each naming its `rancher-audit:<key>` and the fix. `key` is the first
 * problem's; `errors` holds them all. The policy is "unsafe" (`unsafeFindings`) only when that is
 * the one problem.
 */
export class ConfigErrors extends ConfigError {
  /** The problems, in the order the parser found them. */
  readonly errors: readonly ConfigError[];
  constructor(errors: readonly ConfigError[]) {
    const list = errors.map((e) => `- ${e.message.split("\n").join("\n  ")}`).join("\n");
    super(errors[0].key, `${errors.length} problems in the stack config; fix each of them:\n${list}`);
    this.name = "ConfigErrors";
    this.errors = errors;
    this.message = `${errors.length} problems in the stack config; fix each of them:\n${list}`;
  }
}

/**
 * Collects the problems of a stack config, so one run reports all of them (two mistakes must not
 * need two slow `pulumi preview` runs). Each check runs through `check` (or reports with `add`);
 * when all are done, `throwIfAny` throws nothing, the one ConfigError, or a ConfigErrors listing
 * each. Use it for every new key: a check that throws directly hides the problems after it.
 */
export class ConfigProblems {
  private readonly found: ConfigError[] = [];

  /** Records a problem of `key` (`maxAge`, `clusters[1].labels`). */
  add(key: string, detail: string | readonly DetailPart[]): void {
    this.record(new ConfigError(key, detail));
  }

  /** Records a ConfigError (an identical message is recorded once: clusters often share one cause). */
  record(error: ConfigError): void {
    if (error instanceof ConfigErrors) error.errors.forEach((e) => this.record(e));
    else if (!this.found.some((e) => e.message === error.message)) this.found.push(error);
  }

  /** Runs `fn`; a ConfigError it throws is recorded and `fallback` returned instead. Other errors are bugs and propagate. */
  check<T>(fn: () => T, fallback: T): T {
    try {
      return fn();
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      this.record(e);
      return fallback;
    }
  }

  /** True when a problem of `key` (or of a key below it, `clusters[0]` for `clusters[0].name`) was recorded. */
  has(key: string): boolean {
    return this.found.some((e) => e.key === key || e.key.startsWith(`${key}.`) || e.key.startsWith(`${key}[`));
  }

  /** The problems recorded so far, in order. */
  get errors(): readonly ConfigError[] {
    return this.found;
  }

  /** How many problems were recorded. */
  get count(): number {
    return this.found.length;
  }

  /** Throws the one problem, or all of them as a ConfigErrors; nothing when there is none. */
  throwIfAny(): void {
    if (this.found.length === 1) throw this.found[0];
    if (this.found.length > 1) throw new ConfigErrors([...this.found]);
  }
}
