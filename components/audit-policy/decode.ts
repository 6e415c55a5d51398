/**
 * Turning a plain JS value (from YAML, JSON or code) into a typed Policy, the way kube-apiserver's
 * decoder does, but reporting everything it would silently tolerate. Two kinds of problems:
 * - `errors`: what kube-apiserver's decoder refuses too (wrong types), or what we refuse to guess
 *   (missing or wrong apiVersion/kind);
 * - `dropped`: unknown and duplicate keys, which kube-apiserver (>= 1.26) drops after a warning,
 *   silently changing what the policy matches.
 */
import type { GroupResources, Policy, PolicyIssue, PolicyRule, Stage } from "./types";

const POLICY_KEYS = ["apiVersion", "kind", "metadata", "omitStages", "omitManagedFields", "rules"] as const;
/** A rule's fields, in the order canonical rendering writes them. */
export const RULE_KEYS = [
  "level",
  "users",
  "userGroups",
  "verbs",
  "namespaces",
  "resources",
  "nonResourceURLs",
  "omitStages",
  "omitManagedFields",
] as const;
/** The keys of a `resources` entry of a rule, in kube-apiserver's order. */
export const GROUP_RESOURCES_KEYS = ["group", "resources", "resourceNames"] as const;
const OBJECT_META_KEYS = [
  "name",
  "generateName",
  "namespace",
  "selfLink",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "labels",
  "annotations",
  "ownerReferences",
  "finalizers",
  "managedFields",
] as const;

/** audit.k8s.io versions kube-apiserver no longer reads (removed in Kubernetes 1.24). */
export const REMOVED_AUDIT_VERSIONS = ["audit.k8s.io/v1beta1", "audit.k8s.io/v1alpha1"];

/** A policy decoded the way kube-apiserver decodes it. */
export interface DecodeResult {
  /** The policy as loaded: unknown keys dropped, duplicate keys resolved (the last wins). */
  policy: Policy;
  /** Problems that make kube-apiserver refuse the file (wrong types, a missing level, ...). */
  errors: PolicyIssue[];
  /** Keys kube-apiserver drops while loading, with why and where. */
  dropped: PolicyIssue[];
}

/** How strictly to decode. */
export interface DecodeOptions {
  /** Require apiVersion audit.k8s.io/v1 and kind Policy (true for files; false for bare objects). */
  requireTypeMeta: boolean;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  // An excerpt only: a file that is not a policy at all (say /etc/passwd) must not be echoed whole.
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}${v.length > 40 ? ` (${v.length} characters)` : ""}`;
  return `the ${typeof v} ${String(v)}`;
}

function isMapping(v: unknown): v is Record<string, Json> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0];
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j];
      dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length];
}

/**
 * The known name closest to `key` (case-insensitive edit distance, singular/plural counted as one
 * edit), or undefined when none is close enough to be a likely typo. Used for every "did you
 * mean" in the product: policy keys, config keys, cluster settings.
 */
export function suggest(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestScore = Infinity;
  for (const k of known) {
    const kl = k.toLowerCase();
    // A case difference is distance 0 and a plural one edit, so "Metadata" for "metadata", "verbs" for "verb".
    const score = distance(lower, kl);
    if (score < bestScore) {
      bestScore = score;
      best = k;
    }
  }
  const limit = Math.max(2, Math.floor(key.length / 3));
  return bestScore <= limit ? best : undefined;
}

/**
 * The issues that are keys kube-apiserver drops with a warning (unknown and duplicate keys), as
 * opposed to problems that stop it from starting. Kept beside the issues so they stay plain.
 */
const DROPPED_ISSUES = new WeakSet<PolicyIssue>();

/** Marks an issue as a key kube-apiserver drops with a warning; returns it. */
export function markDropped(issue: PolicyIssue): PolicyIssue {
  DROPPED_ISSUES.add(issue);
  return issue;
}

/** True when kube-apiserver only drops the key this issue is about (it still loads the policy). */
export function isDroppedIssue(issue: PolicyIssue): boolean {
  return DROPPED_ISSUES.has(issue);
}

class Decoder {
  readonly errors: PolicyIssue[] = [];
  readonly dropped: PolicyIssue[] = [];

  error(path: string, message: string): void {
    this.errors.push({ path, message });
  }

  unknownKeys(obj: Record<string, Json>, known: readonly string[], path: string, context: string): void {
    for (const key of Object.keys(obj)) {
      if ((known as readonly string[]).includes(key)) continue;
      const at = path ? `${path}.${key}` : key;
      let hint = "";
      // ("resources" is a key of both, so it never gets here.)
      if (context === "a resources entry" && (RULE_KEYS as readonly string[]).includes(key)) {
        hint = `; "${key}" is a rule field: it is indented under a resources entry, move it left to the rule's level`;
      } else {
        const s = suggest(key, known);
        if (s) hint = `; did you mean "${s}"?`;
      }
      this.dropped.push(markDropped({
        path: at,
        message:
          `unknown field "${key}" in ${context}${hint} ` +
          `(kube-apiserver drops unknown fields with only a warning, so this key has no effect; ` +
          `known fields: ${known.join(", ")})`,
      }));
    }
  }

  string(v: Json | undefined, path: string): string | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v === "string") return v;
    this.error(path, `must be a string, got ${typeName(v)}${typeof v === "boolean" || typeof v === "number" ? " (quote it)" : ""}`);
    return undefined;
  }

  bool(v: Json | undefined, path: string): boolean | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v === "boolean") return v;
    this.error(path, `must be true or false, got ${typeName(v)}`);
    return undefined;
  }

  stringList(v: Json | undefined, path: string): string[] | undefined {
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) {
      this.error(path, `must be a list of strings, got ${typeName(v)}; write it as [${typeof v === "string" ? JSON.stringify(v) : "..."}]`);
      return undefined;
    }
    const out: string[] = [];
    v.forEach((item, i) => {
      if (item === null) out.push("");
      else if (typeof item === "string") out.push(item);
      else this.error(`${path}[${i}]`, `must be a string, got ${typeName(item)}${typeof item === "boolean" || typeof item === "number" ? " (quote it)" : ""}`);
    });
    return out;
  }

  groupResources(v: Json, path: string): GroupResources {
    if (v === null) return {};
    if (!isMapping(v)) {
      this.error(path, `must be a mapping with group, resources and resourceNames, got ${typeName(v)}`);
      return {};
    }
    this.unknownKeys(v, GROUP_RESOURCES_KEYS, path, "a resources entry");
    const gr: GroupResources = {};
    const group = this.string(v.group, `${path}.group`);
    if (group !== undefined) gr.group = group;
    const resources = this.stringList(v.resources, `${path}.resources`);
    if (resources !== undefined) gr.resources = resources;
    const names = this.stringList(v.resourceNames, `${path}.resourceNames`);
    if (names !== undefined) gr.resourceNames = names;
    return gr;
  }

  rule(v: Json, path: string): PolicyRule {
    // Go's JSON decoding turns a null list item (a bare "-") into the zero PolicyRule, which
    // validation then reports as "rules[i].level: Required value".
    if (v === null) return { level: "" as PolicyRule["level"] };
    if (!isMapping(v)) {
      this.error(path, `must be a mapping (a rule with at least "level"), got ${typeName(v)}`);
      return { level: "" as PolicyRule["level"] };
    }
    this.unknownKeys(v, RULE_KEYS, path, "a rule");
    const rule = { level: (this.string(v.level, `${path}.level`) ?? "") as PolicyRule["level"] } as PolicyRule;
    for (const key of ["users", "userGroups", "verbs", "namespaces"] as const) {
      const list = this.stringList(v[key], `${path}.${key}`);
      if (list !== undefined) rule[key] = list;
    }
    if (v.resources !== undefined && v.resources !== null) {
      if (!Array.isArray(v.resources)) {
        this.error(`${path}.resources`, `must be a list of {group, resources, resourceNames} entries, got ${typeName(v.resources)}`);
      } else {
        rule.resources = v.resources.map((gr, i) => this.groupResources(gr, `${path}.resources[${i}]`));
      }
    }
    const urls = this.stringList(v.nonResourceURLs, `${path}.nonResourceURLs`);
    if (urls !== undefined) rule.nonResourceURLs = urls;
    const stages = this.stringList(v.omitStages, `${path}.omitStages`);
    if (stages !== undefined) rule.omitStages = stages as Stage[];
    const omf = this.bool(v.omitManagedFields, `${path}.omitManagedFields`);
    if (omf !== undefined) rule.omitManagedFields = omf;
    return rule;
  }

  metadata(v: Json, path: string): Record<string, unknown> | undefined {
    if (v === null) return undefined;
    if (!isMapping(v)) {
      this.error(path, `must be a mapping, got ${typeName(v)}`);
      return undefined;
    }
    this.unknownKeys(v, OBJECT_META_KEYS, path, "metadata");
    for (const key of ["labels", "annotations"] as const) {
      const m = v[key];
      if (m === undefined || m === null) continue;
      if (!isMapping(m)) this.error(`${path}.${key}`, `must be a mapping of strings, got ${typeName(m)}`);
      else for (const [k, val] of Object.entries(m)) this.string(val, `${path}.${key}.${k}`);
    }
    for (const key of ["name", "generateName", "namespace", "uid", "resourceVersion"] as const) this.string(v[key], `${path}.${key}`);
    const meta: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(v)) if ((OBJECT_META_KEYS as readonly string[]).includes(k)) meta[k] = val;
    return meta;
  }

  policy(v: unknown, options: DecodeOptions): Policy {
    const policy = { apiVersion: "audit.k8s.io/v1", kind: "Policy", rules: [] as PolicyRule[] } as Policy;
    if (!isMapping(v)) {
      this.error("", `an audit policy must be a mapping (apiVersion, kind, rules), got ${typeName(v)}`);
      return policy;
    }
    this.unknownKeys(v, POLICY_KEYS, "", "the policy");
    const apiVersion = this.string(v.apiVersion, "apiVersion");
    const kind = this.string(v.kind, "kind");
    if (apiVersion === undefined) {
      // Missing or null (Go decodes null as ""): a value of another type is already an error.
      if (options.requireTypeMeta && (v.apiVersion === undefined || v.apiVersion === null)) {
        this.error(
          "apiVersion",
          `missing: add "apiVersion: audit.k8s.io/v1" (kube-apiserver refuses a policy without it: "unknown group version field")`,
        );
      }
    } else if (REMOVED_AUDIT_VERSIONS.includes(apiVersion)) {
      this.error(
        "apiVersion",
        `${apiVersion} was removed in Kubernetes 1.24 (deprecated in 1.21): kube-apiserver fails to start with ` +
          `'no kind "Policy" is registered for version "${apiVersion}"'; change it to "apiVersion: audit.k8s.io/v1" (the Policy fields are the same)`,
      );
    } else if (apiVersion !== "audit.k8s.io/v1") {
      this.error("apiVersion", `"${apiVersion}" is not an audit policy version; use "apiVersion: audit.k8s.io/v1"`);
    }
    if (kind === undefined) {
      if (options.requireTypeMeta && (v.kind === undefined || v.kind === null)) this.error("kind", `missing: add "kind: Policy"`);
    } else if (kind !== "Policy") {
      this.error("kind", `"${kind}" is not an audit policy; use "kind: Policy"`);
    }
    if (v.metadata !== undefined) {
      const meta = this.metadata(v.metadata, "metadata");
      if (meta !== undefined) policy.metadata = meta;
    }
    const stages = this.stringList(v.omitStages, "omitStages");
    if (stages !== undefined) policy.omitStages = stages as Stage[];
    const omf = this.bool(v.omitManagedFields, "omitManagedFields");
    if (omf !== undefined) policy.omitManagedFields = omf;
    if (v.rules !== undefined && v.rules !== null) {
      if (!Array.isArray(v.rules)) this.error("rules", `must be a list of rules, got ${typeName(v.rules)}`);
      else policy.rules = v.rules.map((r, i) => this.rule(r, `rules[${i}]`));
    }
    return policy;
  }
}

/** Decodes a plain value into a Policy, collecting type errors and the keys kube-apiserver would drop. */
export function decodePolicyValue(value: unknown, options: DecodeOptions): DecodeResult {
  const d = new Decoder();
  const policy = d.policy(value, options);
  return { policy, errors: d.errors, dropped: d.dropped };
}
