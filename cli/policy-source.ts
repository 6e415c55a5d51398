/**
 * Where every command gets a policy from: a file (YAML or JSON), `-` for stdin, or `preset:NAME`.
 * Loading is what kube-apiserver does (decodePolicy: unknown keys dropped), and a policy that
 * kube-apiserver would refuse to start with is a CliError (exit 2) listing file:line:column issues.
 */
import * as path from "node:path";
import { isMap, isSeq, LineCounter, parseDocument, type Node } from "yaml";
import {
  decodePolicy,
  formatIssues,
  getPreset,
  isPresetName,
  parsePolicy,
  PolicyError,
  PRESET_NAMES,
  renderPolicy,
  requireSupportedKubernetesVersion,
  type Policy,
  type PolicyIssue,
} from "../components/audit-policy";
import { MAX_POLICY_FILE_BYTES, readUserFile, UserFileError } from "../components/core/user-file";
import { shownPath } from "./paths";
import { CliError } from "./args";
import type { Io } from "./io";

export interface PolicySource {
  /** What to call it in messages: the path as given, or `preset:NAME`. */
  label: string;
  text: string;
  /** Set for `preset:NAME`. */
  preset?: string;
}

export interface LoadedPolicy extends PolicySource {
  /** What kube-apiserver would load (unknown and duplicate keys dropped). */
  policy: Policy;
  /** The keys kube-apiserver would drop, located. */
  dropped: PolicyIssue[];
}

export const PRESET_PREFIX = "preset:";

/** The --kubernetes-version option, checked (a CliError naming the option when it is not a version). */
export function kubernetesVersionOption(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    requireSupportedKubernetesVersion(value, "--kubernetes-version");
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  return value;
}

/** Reads the text of a policy argument; a missing file or unknown preset is a CliError (exit 2). */
export async function readPolicySource(spec: string, io: Io): Promise<PolicySource> {
  if (spec.startsWith(PRESET_PREFIX)) {
    const name = spec.slice(PRESET_PREFIX.length);
    if (!isPresetName(name)) {
      throw new CliError(`unknown preset "${name}"; the presets are: ${PRESET_NAMES.join(", ")} (write them as preset:NAME)`);
    }
    return { label: spec, text: renderPolicy(getPreset(name)), preset: name };
  }
  if (spec === "-") {
    try {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of io.stdin) {
        chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
        size += chunks[chunks.length - 1].length;
        if (size > MAX_POLICY_FILE_BYTES) throw new CliError(`the policy on stdin is over the ${MAX_POLICY_FILE_BYTES}-byte limit for a policy file`);
      }
      return { label: "<stdin>", text: Buffer.concat(chunks).toString("utf8") };
    } catch (e) {
      if (e instanceof CliError) throw e;
      throw new CliError(`cannot read the policy from stdin: ${(e as Error).message}`);
    }
  }
  const file = path.resolve(io.cwd, spec);
  try {
    return { label: spec, text: readUserFile(spec, file) };
  } catch (e) {
    if (!(e instanceof UserFileError)) throw e;
    throw new CliError(`cannot read policy ${shownPath(spec, file)}: ${e.reason}${e.code === "ENOENT" && !spec.includes("/") && !spec.includes(".") ? ` (for a preset write preset:${spec})` : ""}`);
  }
}

const sameIssue = (a: PolicyIssue, b: PolicyIssue) => a.path === b.path && a.message === b.message;

export interface Loadability {
  /** Throws PolicyError (syntax, wrong types, wrong apiVersion/kind): the text is not a policy at all. */
  decoded: { policy: Policy; dropped: PolicyIssue[] };
  /** What makes kube-apiserver refuse to start (validation errors, no rules), located; empty when it loads. */
  issues: PolicyIssue[];
}

/**
 * Decodes a policy as kube-apiserver does and lists, separately, the keys it would drop (with a
 * warning) and the problems it would refuse to start with. Locations come from the strict parser.
 */
export function loadability(source: PolicySource, kubernetesVersion?: string): Loadability {
  const decoded = decodePolicy(source.text, { source: source.label });
  let issues: PolicyIssue[] = [];
  try {
    parsePolicy(source.text, { source: source.label, kubernetesVersion });
  } catch (e) {
    if (!(e instanceof PolicyError)) throw e;
    issues = e.issues.filter((i) => !decoded.dropped.some((d) => sameIssue(d, i)));
  }
  return { decoded, issues };
}

/**
 * Loads a policy the way kube-apiserver would. Unusable input (unreadable, not a policy, refused by
 * kube-apiserver) is a CliError (exit 2) with one `file:line:column: path: message` line per issue.
 */
export async function loadPolicy(spec: string, io: Io, kubernetesVersion?: string): Promise<LoadedPolicy> {
  const source = await readPolicySource(spec, io);
  let result: Loadability;
  try {
    result = loadability(source, kubernetesVersion);
  } catch (e) {
    if (e instanceof PolicyError) throw new CliError(`${source.label} is not a usable audit policy:\n${formatIssues(e.issues, source.label)}`);
    throw e;
  }
  if (result.issues.length > 0) {
    throw new CliError(`kube-apiserver would refuse to start with ${source.label}:\n${formatIssues(result.issues, source.label)}`);
  }
  return { ...source, policy: result.decoded.policy, dropped: result.decoded.dropped };
}

/** A warning line per key kube-apiserver would drop, for commands that go on with the decoded policy. */
export function droppedWarnings(loaded: LoadedPolicy): string[] {
  return loaded.dropped.map(
    (d) => `warning: ${formatIssues([d], loaded.label)}`,
  );
}

export interface Location {
  line: number;
  column: number;
}

/**
 * A function from a field path (`rules[2].resources[0].group`) to the line and column (1-based) of
 * the deepest node along it that exists in the text; undefined when the text is not YAML.
 */
export function locator(text: string): (fieldPath: string) => Location | undefined {
  const lines = new LineCounter();
  const doc = parseDocument(text, { version: "1.1", uniqueKeys: false, lineCounter: lines });
  return (fieldPath) => {
    let node: unknown = doc.contents;
    let offset: number | undefined = (node as Node | null)?.range?.[0];
    for (const m of fieldPath.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
      if (m[1] !== undefined && isMap(node)) {
        // The last of duplicate keys is the one kube-apiserver keeps.
        const pair = node.items.filter((p) => (p.key as { value?: unknown } | null)?.value === m[1]).pop();
        if (!pair) break;
        offset = (pair.key as Node | null)?.range?.[0] ?? offset;
        node = pair.value;
      } else if (m[2] !== undefined && isSeq(node)) {
        const item = node.items[Number(m[2])] as Node | undefined;
        if (!item) break;
        offset = item.range?.[0] ?? offset;
        node = item;
      } else break;
    }
    if (offset === undefined) return undefined;
    const pos = lines.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
}

/** Line and column of each `rules[i]` entry in the text. */
export function ruleLocations(text: string, count: number): (Location | undefined)[] {
  const locate = locator(text);
  return Array.from({ length: count }, (_, i) => {
    const loc = locate(`rules[${i}]`);
    return loc;
  });
}

/** One rule as canonical YAML (the same formatting as renderPolicy), as a list item. */
export function renderRule(policy: Policy, index: number): string {
  const text = renderPolicy({ apiVersion: "audit.k8s.io/v1", kind: "Policy", rules: [policy.rules[index]] });
  const at = text.indexOf("rules:\n");
  return text.slice(at + "rules:\n".length);
}
