import { formatIssues, type Finding, type PolicyIssue } from "../audit-policy";

/**
 * A mention of a setting or option inside an error message. The message is kept as parts, not as
 * text, so each caller names the setting its own way: `audit.maxAge` (component argument),
 * `rancher-audit:maxAge` (stack config), `--max-age` (CLI), without rewriting any text.
 */
export interface SettingMention {
  /** The setting or option key: a row of AUDIT_SETTINGS (`maxAge`) or a policy key (`policy`, `prependRules`). */
  readonly setting: string;
  /** When set, the mention is a fix: "set the setting to this value". */
  readonly value?: string | number | boolean;
}

/** The issues of a policy refused by kube-apiserver's rules, rendered with the policy's file name when the caller knows it. */
export interface PolicyIssuesPart {
  readonly issues: readonly PolicyIssue[];
}

/** One part of an error's detail. */
export type DetailPart = string | SettingMention | PolicyIssuesPart;

/** How a caller names settings in messages. */
export interface SettingNamer {
  /** The name of a setting as the user wrote it (`audit.maxAge`, `rancher-audit:maxAge`, `--max-age`). */
  name(setting: string): string;
  /** The instruction that sets it (`set audit.allowUnsafePolicy: true`, `pass --allow-unsafe-policy`). */
  assign(setting: string, value: string | number | boolean): string;
  /** The file name put in front of policy issues' `line:column` (a stack's policyFile). */
  readonly policySource?: string;
}

/** Names settings as component arguments: `<prefix><key>`, e.g. `audit.maxAge` or, with prefix "", `maxAge`. */
export function argumentNamer(prefix: string): SettingNamer {
  return {
    name: (setting) => `${prefix}${setting}`,
    assign: (setting, value) => `set ${prefix}${setting}: ${String(value)}`,
  };
}

/** Mentions a setting in a message (`msg` template). */
export function mention(setting: string): SettingMention {
  return { setting };
}

/** A structured fix inside a message: set `setting` to `value`. */
export function fixWith(setting: string, value: string | number | boolean): SettingMention {
  return { setting, value };
}

function isMention(p: DetailPart): p is SettingMention {
  return typeof p === "object" && "setting" in p;
}

/** Renders detail parts with a namer. */
export function renderDetail(parts: readonly DetailPart[], namer: SettingNamer): string {
  return parts
    .map((p) => {
      if (typeof p === "string") return p;
      if (isMention(p)) return p.value === undefined ? namer.name(p.setting) : namer.assign(p.setting, p.value);
      return formatIssues([...p.issues], namer.policySource);
    })
    .join("");
}

/** A tagged template that keeps SettingMentions and policy issues structured: msg`use ${mention("maxAge")}`. */
export function msg(strings: TemplateStringsArray, ...values: unknown[]): DetailPart[] {
  const parts: DetailPart[] = [strings[0]];
  values.forEach((v, i) => {
    parts.push(v !== null && typeof v === "object" && ("setting" in v || "issues" in v) ? (v as DetailPart) : String(v), strings[i + 1]);
  });
  return parts.filter((p) => p !== "");
}

/**
 * Errors from the pure builders. Each names the argument it is about (`audit.maxAge`,
 * `cluster.rkeConfig.machineGlobalConfig`), says what is wrong and how to fix it. The components
 * prefix the component name; the program and the CLI rename it (`renamed`) to the stack config
 * key or the flag through the settings table.
 */
export class AuditConfigError extends Error {
  /** The argument path, relative to the component's args: `audit.logPath`, `clusterName`. */
  readonly path: string;
  /** What is wrong and how to fix it, as parts (settings are mentions, not text). */
  readonly parts: readonly DetailPart[];
  /** The namer `detail` and `message` use. */
  readonly namer: SettingNamer;
  /**
   * Set when the policy itself is fine for kube-apiserver but the safety analysis found errors
   * (e.g. Secret bodies in the log): the findings that refused it. Tools report this as "unsafe"
   * rather than as unusable input.
   */
  readonly unsafeFindings?: readonly Finding[];

  constructor(path: string, detail: string | readonly DetailPart[], options: { unsafeFindings?: readonly Finding[]; namer?: SettingNamer } = {}) {
    const parts = typeof detail === "string" ? [detail] : detail;
    const namer = options.namer ?? argumentNamer("audit.");
    const text = renderDetail(parts, namer);
    super(path ? `${path}: ${text}` : text);
    this.name = "AuditConfigError";
    this.path = path;
    this.parts = parts;
    this.namer = namer;
    if (options.unsafeFindings) this.unsafeFindings = options.unsafeFindings;
  }

  /** What is wrong and how to fix it, without the path. */
  get detail(): string {
    return renderDetail(this.parts, this.namer);
  }

  /** The setting the error is about, when its path is `<prefix><setting>` (e.g. "logPath" for `audit.logPath`). */
  get setting(): string | undefined {
    const rest = this.path.startsWith("audit.") ? this.path.slice("audit.".length) : this.path;
    return rest.split(/[.[]/)[0] || undefined;
  }

  /** The structured fix, when the message says which setting to set to what. */
  get fix(): SettingMention | undefined {
    return this.parts.find((p): p is SettingMention => isMention(p) && p.value !== undefined);
  }

  /** The same error under another name for the argument, with its settings named by `namer`. */
  renamed(path: string, namer: SettingNamer = this.namer): AuditConfigError {
    return new AuditConfigError(path, this.parts, { unsafeFindings: this.unsafeFindings, namer });
  }

  /** The same error under another argument path (a component prefix or a config key). */
  withPath(path: string): AuditConfigError {
    return this.renamed(path);
  }
}

/** Throws an AuditConfigError; `namer` names the settings the detail mentions (default: `audit.<key>`). */
export function fail(path: string, detail: string | readonly DetailPart[], namer?: SettingNamer): never {
  throw new AuditConfigError(path, detail, { namer });
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
