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
import { AuditConfigError, fail, show } from "./errors";

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

export interface PolicyDigest {
  /** SHA-256 of the UTF-8 text, lowercase hex (64 characters). */
  sha256: string;
  /** Base64 (standard, padded) of the raw 32-byte SHA-256: the form Rancher's `hash` field and planner expect. */
  sha256Base64: string;
}

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

const SPEC_KEYS = ["preset", "policy", "prependRules", "appendRules", "omitStages", "omitManagedFields"] as const;

/** The PolicySpec part of an `audit` argument object. */
export function pickPolicySpec(audit: Record<string, unknown> | undefined): PolicySpec {
  const spec: Record<string, unknown> = {};
  for (const k of SPEC_KEYS) if (audit?.[k] !== undefined) spec[k] = audit[k];
  return spec as PolicySpec;
}

/** True when the spec says anything about the policy. */
export function hasPolicySpec(spec: PolicySpec): boolean {
  return SPEC_KEYS.some((k) => spec[k] !== undefined);
}

function formatFindings(findings: Finding[]): string {
  return findings.map((f) => `[${f.id}]${f.path ? ` ${f.path}:` : ""} ${f.message}`).join("; ");
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
  const spec: PolicySpec = { ...specIn };
  if (spec.preset === undefined && spec.policy === undefined) spec.preset = "recommended";
  if (spec.preset !== undefined && !isPresetName(spec.preset)) {
    fail(`${path ? `${path}.` : ""}preset`, `${show(spec.preset)} is not a preset; use one of ${PRESET_NAMES.map((p) => `"${p}"`).join(", ")}, or give your own policy in ${path}.policy`);
  }
  if (spec.policy !== undefined && (spec.policy === null || (typeof spec.policy !== "string" && typeof spec.policy !== "object"))) {
    fail(`${path ? `${path}.` : ""}policy`, `must be an audit.k8s.io/v1 Policy object or its YAML text; got ${show(spec.policy)}`);
  }
  const where = `${path ? `${path}.` : ""}${spec.policy !== undefined ? "policy" : "preset"}`;
  let policy: Policy;
  try {
    policy = composePolicy(spec, { kubernetesVersion: options.kubernetesVersion });
  } catch (e) {
    if (e instanceof PolicyError) {
      // Name the argument the issues are about (prependRules, omitStages, ...) when they agree.
      const roots = new Set(e.issues.map((i) => i.path.split(/[.[]/)[0]).filter((r) => r !== ""));
      const at = roots.size === 1 ? `${path ? `${path}.` : ""}${[...roots][0]}` : where;
      const header = e.issues.every(isDroppedIssue)
        ? "the audit policy has keys kube-apiserver would ignore (it loads the policy with a warning, as if they were not there); fix or remove them"
        : "the audit policy is not valid; kube-apiserver would refuse to start with it";
      throw new AuditConfigError(at, `${header}:\n${e.message}`);
    }
    if (e instanceof AuditConfigError) throw e;
    throw new AuditConfigError(where, (e as Error).message);
  }
  const findings = analyzePolicy(policy, { kubernetesVersion: options.kubernetesVersion });
  const errors = findings.filter((f) => f.severity === "error");
  if (errors.length > 0 && !options.allowUnsafePolicy) {
    throw new AuditConfigError(
      where,
      `the audit policy is unsafe: ${formatFindings(errors)}; fix the policy (see the finding), or set ${path ? `${path}.` : ""}allowUnsafePolicy: true to deploy it anyway`,
      { unsafeFindings: errors },
    );
  }
  const yaml = renderPolicy(policy);
  return { policy, yaml, findings, ...policyDigest(yaml) };
}

/** The warnings of a resolved policy as one line each. */
export function findingWarnings(resolved: ResolvedPolicy): string[] {
  return resolved.findings.map((f) => `${f.severity} [${f.id}]${f.path ? ` ${f.path}:` : ""} ${f.message}`);
}
