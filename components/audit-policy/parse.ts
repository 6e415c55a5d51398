/**
 * Loading a policy file the way kube-apiserver does (k8s.io/apiserver pkg/audit/policy/reader.go):
 * decode, validate, then refuse a policy with no rules. Strict where kube-apiserver is lenient:
 * unknown and duplicate keys, which kube-apiserver drops with only a warning, are errors here,
 * with their path, line, column and a "did you mean".
 */
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node } from "yaml";
import { decodePolicyValue, isDroppedIssue, markDropped } from "./decode";
import { GO_YAML } from "./goyaml";
import { PolicyError, type Policy, type PolicyIssue, type VersionOptions } from "./types";
import { ISSUE_LOCATION, validateDecodedPolicy } from "./validate";

/** Options of parsePolicy and decodePolicy. */
export interface ParseOptions extends VersionOptions {
  /** A file name to put in error messages. */
  source?: string;
}

/** The result of decodePolicy: the policy kube-apiserver would load and what it would drop. */
export interface DecodedPolicy {
  /** The policy as kube-apiserver would load it: unknown and duplicate keys dropped (the last duplicate wins). */
  policy: Policy;
  /** The keys kube-apiserver would drop, with why and where. */
  dropped: PolicyIssue[];
}

/** Parses a path like `rules[2].resources[0].group` into YAML path segments. */
function pathSegments(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of path.split(".")) {
    if (part === "") continue;
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) {
      out.push(part);
      continue;
    }
    if (m[1]) out.push(m[1]);
    for (const idx of m[2].matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

class Located {
  constructor(
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  /** Line and column of the deepest node that exists along the path (the key itself for unknown keys). */
  locate(issue: PolicyIssue): PolicyIssue {
    const segments = pathSegments(ISSUE_LOCATION.get(issue) ?? issue.path);
    let node: unknown = this.doc.contents;
    let offset: number | undefined = (node as Node | null)?.range?.[0];
    for (const seg of segments) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && p.key.value === seg);
        if (!pair) break;
        offset = (pair.key as Node).range?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === "number") {
        const item = node.items[seg] as Node | undefined;
        if (!item) break;
        offset = item.range?.[0] ?? offset;
        node = item;
      } else break;
    }
    if (offset === undefined) return issue;
    const pos = this.lines.linePos(offset);
    const located = { ...issue, line: pos.line, column: pos.col };
    return isDroppedIssue(issue) ? markDropped(located) : located;
  }
}

/** Duplicate keys anywhere in the document, reported where the repeated key stands. */
function duplicateKeys(doc: Document.Parsed, lines: LineCounter): PolicyIssue[] {
  const issues: PolicyIssue[] = [];
  const walk = (node: unknown, path: string) => {
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? pair.key.value : String(pair.key);
        const here = path ? `${path}.${String(key)}` : String(key);
        if (seen.has(key)) {
          const pos = lines.linePos((pair.key as Node).range?.[0] ?? 0);
          issues.push(markDropped({
            path: here,
            message: `duplicate key "${String(key)}": kube-apiserver keeps only the last one; remove or merge the duplicates`,
            line: pos.line,
            column: pos.col,
          }));
        }
        seen.add(key);
        walk(pair.value, here);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, `${path}[${i}]`));
    }
  };
  walk(doc.contents, "");
  return issues;
}

interface ParsedText {
  value: unknown;
  located: Located;
  duplicates: PolicyIssue[];
}

/** The yaml package reports nesting deeper than the JS stack as this RangeError (go-yaml caps nesting too). */
const STACK_OVERFLOW = "Maximum call stack size exceeded";
const TOO_DEEP =
  "the YAML is nested far deeper than any audit policy (the parser ran out of stack); remove the extra nesting";

function parseText(text: string, source: string | undefined): ParsedText {
  if (typeof text !== "string") throw new PolicyError([{ path: "", message: "the policy text must be a string" }], source);
  try {
    return parseYamlText(text, source);
  } catch (e) {
    if (e instanceof RangeError) throw new PolicyError([{ path: "", message: TOO_DEEP }], source);
    throw e;
  }
}

function parseYamlText(text: string, source: string | undefined): ParsedText {
  const lines = new LineCounter();
  // YAML 1.1 as kube-apiserver's go-yaml reads it: unquoted yes/no/on/off are booleans there too.
  const docs = parseAllDocuments(text, { ...GO_YAML, uniqueKeys: false, lineCounter: lines, prettyErrors: false, logLevel: "error" });
  const list = Array.isArray(docs) ? docs : [];
  const syntax: PolicyIssue[] = [];
  for (const d of list) {
    for (const e of d.errors) {
      const pos = lines.linePos(e.pos[0]);
      const message = e.message.includes(STACK_OVERFLOW) ? TOO_DEEP : `YAML syntax error: ${e.message.split("\n")[0]}`;
      syntax.push({ path: "", message, line: pos.line, column: pos.col });
    }
  }
  if (syntax.length > 0) throw new PolicyError(syntax, source);
  // A document with no content (a trailing "---", or one holding only comments) is not a document
  // kube-apiserver would read: only the first document counts, and an empty one is skipped here.
  const nonEmpty = list.filter((d) => d.contents !== null && !(isScalar(d.contents) && d.contents.value === null && d.contents.source === ""));
  if (nonEmpty.length === 0) {
    throw new PolicyError(
      [{ path: "", message: "the policy file is empty: kube-apiserver refuses it; write an audit.k8s.io/v1 Policy with at least one rule" }],
      source,
    );
  }
  if (nonEmpty.length > 1) {
    const pos = lines.linePos(nonEmpty[1].range[0]);
    throw new PolicyError(
      [{ path: "", message: "the file holds more than one YAML document; an audit policy file must hold exactly one Policy", line: pos.line, column: pos.col }],
      source,
    );
  }
  const doc = nonEmpty[0];
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // Alias "bombs": the yaml package refuses excessive alias expansion, as go-yaml does.
    throw new PolicyError([{ path: "", message: `YAML aliases expand too far (${(e as Error).message}); write the policy without anchors and aliases` }], source);
  }
  return { value, located: new Located(doc, lines), duplicates: duplicateKeys(doc, lines) };
}

/**
 * What kube-apiserver would load from this text (its lenient fallback): unknown and duplicate keys
 * are dropped and listed in `dropped`. Throws PolicyError for YAML syntax errors, wrong types and a
 * missing or wrong apiVersion/kind. Does not validate and does not check the rule count.
 */
export function decodePolicy(text: string, options: ParseOptions = {}): DecodedPolicy {
  const parsed = parseText(text, options.source);
  const decoded = decodePolicyValue(parsed.value, { requireTypeMeta: true });
  if (decoded.errors.length > 0) throw new PolicyError(decoded.errors.map((i) => parsed.located.locate(i)), options.source);
  const dropped = [...parsed.duplicates, ...decoded.dropped.map((i) => parsed.located.locate(i))];
  return { policy: decoded.policy, dropped };
}

function checkLoadable(policy: Policy, options: VersionOptions, locate: (i: PolicyIssue) => PolicyIssue): PolicyIssue[] {
  const issues = validateDecodedPolicy(policy, options).map(locate);
  if (issues.length === 0 && policy.rules.length === 0) {
    issues.push(
      locate({
        path: "rules",
        message:
          "loaded illegal policy with 0 rules: kube-apiserver refuses to start; add at least one rule (for example `- level: Metadata`)",
      }),
    );
  }
  return issues;
}

/**
 * Parses and checks a policy (YAML or JSON text) the way kube-apiserver loads its
 * --audit-policy-file, but strictly: every problem kube-apiserver would refuse or silently
 * tolerate is a PolicyError issue with its path, line and column.
 */
export function parsePolicy(text: string, options: ParseOptions = {}): Policy {
  const parsed = parseText(text, options.source);
  const decoded = decodePolicyValue(parsed.value, { requireTypeMeta: true });
  const locate = (i: PolicyIssue) => parsed.located.locate(i);
  const issues = [...decoded.errors.map(locate), ...parsed.duplicates, ...decoded.dropped.map(locate)];
  if (decoded.errors.length === 0) issues.push(...checkLoadable(decoded.policy, options, locate));
  if (issues.length > 0) {
    issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
    throw new PolicyError(issues, options.source);
  }
  return decoded.policy;
}

/**
 * The strict checks of parsePolicy for a policy given as an object (from code or stack config):
 * shape, unknown keys, apiVersion/kind when present, kube-apiserver validation, at least one rule.
 * Returns a clean copy holding only the known fields.
 */
export function policyFromObject(value: unknown, options: ParseOptions & { requireTypeMeta?: boolean } = {}): Policy {
  const decoded = decodePolicyValue(value, { requireTypeMeta: options.requireTypeMeta ?? false });
  const issues = [...decoded.errors, ...decoded.dropped];
  if (decoded.errors.length === 0) issues.push(...checkLoadable(decoded.policy, options, (i) => i));
  if (issues.length > 0) throw new PolicyError(issues, options.source);
  return decoded.policy;
}
