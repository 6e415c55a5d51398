import type { Finding } from "../audit-policy";

/**
 * Errors from the pure builders. Each names the argument it is about (`audit.maxAge`,
 * `cluster.rkeConfig.machineGlobalConfig`), says what is wrong and how to fix it. The components
 * prefix the component name; the program maps the argument to its stack config key.
 */
export class AuditConfigError extends Error {
  /** The argument path, relative to the component's args: `audit.logPath`, `clusterName`. */
  readonly path: string;
  /** What is wrong and how to fix it, without the path. */
  readonly detail: string;
  /**
   * Set when the policy itself is fine for kube-apiserver but the safety analysis found errors
   * (e.g. Secret bodies in the log): the findings that refused it. Tools report this as "unsafe"
   * rather than as unusable input.
   */
  readonly unsafeFindings?: readonly Finding[];

  constructor(path: string, detail: string, options: { unsafeFindings?: readonly Finding[] } = {}) {
    super(path ? `${path}: ${detail}` : detail);
    this.name = "AuditConfigError";
    this.path = path;
    this.detail = detail;
    if (options.unsafeFindings) this.unsafeFindings = options.unsafeFindings;
  }

  /** The same error under another name for the argument (a component prefix or a config key), or with another detail. */
  withPath(path: string, detail = this.detail): AuditConfigError {
    return new AuditConfigError(path, detail, { unsafeFindings: this.unsafeFindings });
  }
}

/** Throws an AuditConfigError. */
export function fail(path: string, detail: string): never {
  throw new AuditConfigError(path, detail);
}

/** A short, readable rendering of a bad value for error messages. */
export function show(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "string") return JSON.stringify(value);
  try {
    const text = JSON.stringify(value);
    if (text === undefined) return String(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return String(value);
  }
}

/** Prefixes errors with the component, keeping the argument path. */
export function inComponent<T>(type: string, name: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof AuditConfigError) {
      const err = e.withPath(e.path);
      err.message = `${type} "${name}": ${e.message}`;
      throw err;
    }
    throw e;
  }
}
