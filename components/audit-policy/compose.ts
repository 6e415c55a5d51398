/**
 * Building a policy from a preset or an own policy, plus extra rules and policy-level overrides:
 * what the Pulumi component, the CLI and stack config all go through.
 *
 *   rules = prependRules + (the preset's or policy's rules) + appendRules   (first match wins)
 *   omitStages / omitManagedFields = the override when given, else the base policy's
 *
 * Every part is checked on its own and the result is checked like any other policy
 * (policyFromObject: shape, kube-apiserver validation, at least one rule). Every problem found is
 * reported at once, as a PolicyError whose issue paths say where they come from:
 * `prependRules[0].level`, `policy.rules[2].resources.group`, `preset`, `omitStages[1]`.
 * The result is a fresh object (no sharing with the inputs or the presets) and deterministic.
 */
import { decodePolicyValue, isDroppedIssue, markDropped } from "./decode";
import { policyFromObject, parsePolicy } from "./parse";
import { getPreset, isPresetName, PRESET_NAMES, type PresetName } from "./presets";
import { PolicyError, type Policy, type PolicyIssue, type PolicyRule, type Stage, type VersionOptions } from "./types";
import { validatePolicy } from "./validate";
import { requireKubernetesVersion } from "./version";

/**
 * A policy built from a preset or a given policy, with rules added before or after it and the
 * policy-level stages replaced. Example: `{ preset: "recommended", prependRules: [{ level: "None", users: ["system:serviceaccount:ci:noisy"] }] }`.
 */
export interface PolicyComposition {
  /** A preset name (see PRESET_NAMES). Exactly one of preset and policy. */
  preset?: PresetName | string;
  /** An audit.k8s.io/v1 Policy, as an object or as YAML/JSON text. Exactly one of preset and policy. */
  policy?: Policy | string;
  /** Rules placed before the base rules: they take precedence (first match wins). */
  prependRules?: PolicyRule[];
  /** Rules placed after the base rules (after a catch-all they never match). */
  appendRules?: PolicyRule[];
  /** Replaces the base policy's policy-level omitStages. */
  omitStages?: Stage[];
  /** Replaces the base policy's policy-level omitManagedFields. */
  omitManagedFields?: boolean;
}

/** Options of composePolicy: the target Kubernetes version and a name for error messages. */
export interface ComposeOptions extends VersionOptions {
  /** A name for the composition in error messages (a file, a config key). */
  source?: string;
}

const SPEC_KEYS = ["preset", "policy", "prependRules", "appendRules", "omitStages", "omitManagedFields"] as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "string") return `the string ${JSON.stringify(v)}`;
  return `${typeof v} ${String(v)}`;
}

/** `path` re-rooted under `prefix`: "" → prefix, "rules[0]" → "prefix.rules[0]". */
/** The issue at another path, still marked as a dropped key when it was one. */
function moved(issue: PolicyIssue, path: string): PolicyIssue {
  const copy = { ...issue, path };
  return isDroppedIssue(issue) ? markDropped(copy) : copy;
}

function under(prefix: string, issue: PolicyIssue): PolicyIssue {
  return moved(issue, issue.path ? `${prefix}.${issue.path}` : prefix);
}

/** Checks a list of extra rules; returns their clean copies (unknown keys and invalid values are issues). */
function checkRules(value: unknown, key: "prependRules" | "appendRules", options: VersionOptions, issues: PolicyIssue[]): PolicyRule[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    issues.push({ path: key, message: `must be a list of audit policy rules, got ${describe(value)}` });
    return [];
  }
  const found = validatePolicy({ rules: value }, options).map((i) => moved(i, i.path.replace(/^rules/, key)));
  issues.push(...found);
  if (found.length > 0) return [];
  return decodePolicyValue({ rules: value }, { requireTypeMeta: false }).policy.rules;
}

function checkOmitStages(value: unknown, options: VersionOptions, issues: PolicyIssue[]): Stage[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    issues.push({ path: "omitStages", message: `must be a list of stages (RequestReceived, ResponseStarted, ResponseComplete, Panic), got ${describe(value)}` });
    return undefined;
  }
  const found = validatePolicy({ omitStages: value, rules: [] }, options);
  issues.push(...found);
  return found.length > 0 ? undefined : [...(value as Stage[])];
}

function loadBase(spec: Record<string, unknown>, options: ComposeOptions, issues: PolicyIssue[]): { policy: Policy; label: string } | undefined {
  const hasPreset = spec.preset !== undefined;
  const hasPolicy = spec.policy !== undefined;
  if (hasPreset && hasPolicy) {
    issues.push({ path: "preset", message: "give either preset or policy, not both (add rules to a preset with prependRules/appendRules)" });
    return undefined;
  }
  if (!hasPreset && !hasPolicy) {
    issues.push({
      path: "",
      message: `give either preset (one of ${PRESET_NAMES.join(", ")}) or policy (an audit.k8s.io/v1 Policy object or its YAML text)`,
    });
    return undefined;
  }
  if (hasPreset) {
    if (!isPresetName(spec.preset)) {
      issues.push({ path: "preset", message: `${describe(spec.preset)} is not a preset; the presets are: ${PRESET_NAMES.join(", ")}` });
      return undefined;
    }
    return { policy: getPreset(spec.preset), label: "preset" };
  }
  const value = spec.policy;
  const version = { kubernetesVersion: options.kubernetesVersion };
  try {
    if (typeof value === "string") return { policy: parsePolicy(value, version), label: "policy" };
    if (isObject(value)) return { policy: policyFromObject(value, version), label: "policy" };
    issues.push({ path: "policy", message: `must be an audit.k8s.io/v1 Policy object or its YAML/JSON text, got ${describe(value)}` });
  } catch (e) {
    if (!(e instanceof PolicyError)) throw e;
    issues.push(...e.issues.map((i) => under("policy", i)));
  }
  return undefined;
}

/**
 * The policy a composition describes: prependRules, then the preset's or policy's rules, then
 * appendRules, with the policy-level overrides applied. Throws PolicyError listing every problem.
 */
export function composePolicy(spec: PolicyComposition, options: ComposeOptions = {}): Policy {
  if (options.kubernetesVersion !== undefined) requireKubernetesVersion(options.kubernetesVersion);
  const version: VersionOptions = { kubernetesVersion: options.kubernetesVersion };
  if (!isObject(spec)) {
    throw new PolicyError([{ path: "", message: `a policy composition must be a mapping with preset or policy, got ${describe(spec)}` }], options.source);
  }
  const issues: PolicyIssue[] = [];
  for (const key of Object.keys(spec)) {
    if (!(SPEC_KEYS as readonly string[]).includes(key)) {
      issues.push({ path: key, message: `unknown field; the fields are ${SPEC_KEYS.join(", ")}` });
    }
  }
  const base = loadBase(spec as Record<string, unknown>, options, issues);
  const prepend = checkRules(spec.prependRules, "prependRules", version, issues);
  const append = checkRules(spec.appendRules, "appendRules", version, issues);
  const omitStages = checkOmitStages(spec.omitStages, version, issues);
  if (spec.omitManagedFields !== undefined && typeof spec.omitManagedFields !== "boolean") {
    issues.push({ path: "omitManagedFields", message: `must be true or false, got ${describe(spec.omitManagedFields)}` });
  }
  if (issues.length > 0 || base === undefined) throw new PolicyError(issues, options.source);

  const composed: Record<string, unknown> = { apiVersion: "audit.k8s.io/v1", kind: "Policy" };
  if (base.policy.metadata !== undefined) composed.metadata = structuredClone(base.policy.metadata);
  const stages = omitStages ?? base.policy.omitStages;
  if (stages !== undefined) composed.omitStages = [...stages];
  const managed = spec.omitManagedFields ?? base.policy.omitManagedFields;
  if (managed !== undefined) composed.omitManagedFields = managed;
  composed.rules = structuredClone([...prepend, ...base.policy.rules, ...append]);

  const nPrepend = prepend.length;
  const nBase = base.policy.rules.length;
  const origin = (path: string): string =>
    path.replace(/^rules\[(\d+)\]/, (_, d: string) => {
      const i = Number(d);
      if (i < nPrepend) return `prependRules[${i}]`;
      if (i < nPrepend + nBase) return `${base.label}.rules[${i - nPrepend}]`;
      return `appendRules[${i - nPrepend - nBase}]`;
    });
  try {
    return policyFromObject(composed, version);
  } catch (e) {
    if (!(e instanceof PolicyError)) throw e;
    throw new PolicyError(
      e.issues.map((i) => ({ ...i, path: origin(i.path) })),
      options.source,
    );
  }
}
