/**
 * The policy a cluster gets: composed by the engine (preset, own policy, extra rules), checked by
 * kube-apiserver's rules and by the safety analysis, rendered canonically, and hashed. Pure.
 */
import { createHash } from "node:crypto";
import {
  analyzePolicy,
  composePolicy,
  isDroppedIssue,
  isPresetName,
  PolicyError,
  PRESET_NAMES,
  renderPolicy,
  type Finding,
  type Policy,
  type PolicyRule,
  type Stage,
  supportsGroupWildcard,
} from "../audit-policy";
import { argumentNamer, AuditConfigError, fail, fixWith, mention, msg, show } from "./errors";

/** How to build the policy: a preset, an own policy (object or YAML text), or a preset/policy with extra rules. */
export interface PolicySpec {
  /** A preset name: "metadata", "basic", "detailed", "cis" or "recommended". Default "recommended" when no `policy` is given. */
  preset?: string;
  /** An audit.k8s.io/v1 Policy, as an object or YAML/JSON text. */
  policy?: Policy | string;
  /** Rules placed before the preset's or policy's rules (first match wins, so these take precedence). */
  prependRules?: PolicyRule[];
  /** Rules placed after them. */
  appendRules?: PolicyRule[];
  /** Policy-level omitStages. */
  omitStages?: Stage[];
  /** Policy-level omitManagedFields. */
  omitManagedFields?: boolean;
}

/** SHA-256 of a policy text in the two forms the components use. */
export interface PolicyDigest {
  /** SHA-256 of the UTF-8 text, lowercase hex (64 characters). */
  sha256: string;
  /** Base64 (standard, padded) of the raw 32-byte SHA-256: the form Rancher's `hash` field and planner expect. */
  sha256Base64: string;
}

/** A policy built from a PolicySpec: checked, analyzed, rendered canonically and hashed. */
export interface ResolvedPolicy extends PolicyDigest {
  policy: Policy;
  /** The canonical YAML delivered to the nodes, byte for byte. */
  yaml: string;
  /** Every finding of the safety analysis (errors only when allowUnsafePolicy was set). */
  findings: Finding[];
}

/** SHA-256 of the text the nodes receive, in hex and in Rancher's base64 form. */
export function policyDigest(text: string): PolicyDigest {
  const raw = createHash("sha256").update(text, "utf8").digest();
  return { sha256: raw.toString("hex"), sha256Base64: raw.toString("base64") };
}

/** The keys of a PolicySpec: the policy part of an `audit` argument or of a standalone target's options. */
export const POLICY_SPEC_KEYS = ["preset", "policy", "prependRules", "appendRules", "omitStages", "omitManagedFields"] as const;

/** The PolicySpec part of an `audit` argument object. */
export function pickPolicySpec(audit: Record<string, unknown> | undefined): PolicySpec {
  const spec: Record<string, unknown> = {};
  for (const k of POLICY_SPEC_KEYS) if (audit?.[k] !== undefined) spec[k] = audit[k];
  return spec as PolicySpec;
}

/** True when the spec says anything about the policy. */
export function hasPolicySpec(spec: PolicySpec): boolean {
  return POLICY_SPEC_KEYS.some((k) => spec[k] !== undefined);
}

/** One finding as text: `[id] path: message`. */
export function findingText(f: Finding): string {
  return `[${f.id}]${f.path ? ` ${f.path}:` : ""} ${f.message}`;
}

/** One finding as the warning the components and render targets report: `audit policy <severity> [id] path: message`. */
export function findingWarning(f: Finding): string {
  return `audit policy ${f.severity} ${findingText(f)}`;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * Resolved policies by what decides them: the spec, the only version-dependent behaviour (group
 * "*" from 1.36) and allowUnsafePolicy. A stack of hundreds of clusters shares a handful of
 * policies, and each cluster is planned more than once (config check, stack build, component), so
 * the analysis (milliseconds per policy) runs once per distinct policy instead. Bounded: a
 * long-lived process that sees many policies keeps only the most recent ones.
 */
const resolvedCache = new Map<string, ResolvedPolicy>();
const RESOLVED_CACHE_LIMIT = 64;

/**
 * Builds, checks and renders the policy. Errors name `${path}.preset` or `${path}.policy`:
 * a PolicyError lists every issue with its location; an analysis finding of severity "error"
 * stops here unless `allowUnsafePolicy`.
 */
export function resolvePolicy(
  specIn: PolicySpec,
  options: { kubernetesVersion?: string; allowUnsafePolicy?: boolean; path?: string } = {},
): ResolvedPolicy {
  const path = options.path ?? "audit";
  // Only successes are cached (errors name `path`, which is not part of the key); the result is
  // deeply frozen because it is shared.
  let wildcard: boolean;
  try {
    wildcard = supportsGroupWildcard(options.kubernetesVersion);
  } catch {
    return resolveUncached(specIn, options, path); // not a version: let the checks below say so
  }
  const key = JSON.stringify([specIn, wildcard, options.allowUnsafePolicy === true]);
  const cached = resolvedCache.get(key);
  if (cached) return cached;
  const resolved = deepFreeze(resolveUncached(specIn, options, path));
  if (resolvedCache.size >= RESOLVED_CACHE_LIMIT) resolvedCache.delete(resolvedCache.keys().next().value!);
  resolvedCache.set(key, resolved);
  return resolved;
}

function resolveUncached(
  specIn: PolicySpec,
  options: { kubernetesVersion?: string; allowUnsafePolicy?: boolean },
  path: string,
): ResolvedPolicy {
  const prefix = path ? `${path}.` : "";
  const namer = argumentNamer(prefix);
  const spec: PolicySpec = { ...specIn };
  if (spec.preset === undefined && spec.policy === undefined) spec.preset = "recommended";
  if (spec.preset !== undefined && !isPresetName(spec.preset)) {
    fail(`${prefix}preset`, msg`${show(spec.preset)} is not a preset; use one of ${PRESET_NAMES.map((p) => `"${p}"`).join(", ")}, or give your own policy with ${mention("policy")}`, namer);
  }
  if (spec.policy !== undefined && (spec.policy === null || (typeof spec.policy !== "string" && typeof spec.policy !== "object"))) {
    fail(`${prefix}policy`, `must be an audit.k8s.io/v1 Policy object or its YAML text; got ${show(spec.policy)}`);
  }
  const where = `${prefix}${spec.policy !== undefined ? "policy" : "preset"}`;
  let policy: Policy;
  try {
    policy = composePolicy(spec, { kubernetesVersion: options.kubernetesVersion });
  } catch (e) {
    if (e instanceof PolicyError) {
      // Name the argument the issues are about (prependRules, omitStages, ...) when they agree.
      const roots = new Set(e.issues.map((i) => i.path.split(/[.[]/)[0]).filter((r) => r !== ""));
      const at = roots.size === 1 ? `${prefix}${[...roots][0]}` : where;
      if (e.issues.every(isDroppedIssue)) {
        throw new AuditConfigError(at, msg`the audit policy has keys kube-apiserver would ignore (it loads the policy with a warning, as if they were not there); fix or remove them:\n${{ issues: e.issues }}`, { namer });
      }
      throw new AuditConfigError(at, msg`the audit policy is not valid; kube-apiserver would refuse to start with it:\n${{ issues: e.issues }}`, { namer });
    }
    if (e instanceof AuditConfigError) throw e;
    throw new AuditConfigError(where, (e as Error).message);
  }
  const findings = analyzePolicy(policy, { kubernetesVersion: options.kubernetesVersion });
  const errors = findings.filter((f) => f.severity === "error");
  if (errors.length > 0 && !options.allowUnsafePolicy) {
    throw new AuditConfigError(
      where,
      msg`the audit policy is unsafe: ${errors.map(findingText).join("; ")}; fix the policy (see the finding), or ${fixWith("allowUnsafePolicy", true)} to deploy it anyway`,
      { unsafeFindings: errors, namer },
    );
  }
  const yaml = renderPolicy(policy);
  return { policy, yaml, findings, ...policyDigest(yaml) };
}
