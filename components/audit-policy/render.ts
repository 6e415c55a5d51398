/**
 * Canonical YAML for a policy: fixed key order, string lists in flow style, no anchors, no line
 * folding, one trailing newline. The same policy always renders to the same bytes, which is what
 * makes the delivered file's SHA-256 (and so Rancher's restart stamp) stable across runs.
 */
import { Document, isMap, isSeq, Pair, Scalar, YAMLMap, YAMLSeq } from "yaml";
import { GROUP_RESOURCES_KEYS, RULE_KEYS } from "./decode";
import { GO_YAML } from "./goyaml";
import type { GroupResources, Policy, PolicyRule } from "./types";

const RULE_ORDER = RULE_KEYS as readonly (keyof PolicyRule)[];
const GROUP_RESOURCES_ORDER = GROUP_RESOURCES_KEYS as readonly (keyof GroupResources)[];

/**
 * The value with every object's keys sorted (recursively; list order kept, undefined values left
 * out): the one way the product makes structured data deterministic before rendering it.
 */
export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeysDeep(v);
    }
    return out;
  }
  return value;
}

function ordered<T extends object>(obj: T, order: readonly (keyof T)[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of order) if (obj[k] !== undefined) out[k as string] = obj[k];
  return out;
}

/** The policy as a plain object with canonical key order and no undefined values. */
export function canonicalPolicyObject(policy: Policy): Record<string, unknown> {
  const out: Record<string, unknown> = { apiVersion: policy.apiVersion ?? "audit.k8s.io/v1", kind: policy.kind ?? "Policy" };
  if (policy.metadata !== undefined) out.metadata = sortKeysDeep(policy.metadata);
  if (policy.omitStages !== undefined) out.omitStages = [...policy.omitStages];
  if (policy.omitManagedFields !== undefined) out.omitManagedFields = policy.omitManagedFields;
  out.rules = (policy.rules ?? []).map((rule) => {
    const r = ordered(rule, RULE_ORDER);
    if (rule.resources !== undefined) r.resources = rule.resources.map((gr) => ordered(gr, GROUP_RESOURCES_ORDER));
    return r;
  });
  return out;
}

/** Renders string lists as flow sequences (`verbs: ["get", "list"]`) for readable diffs. */
function flowStringLists(node: unknown): void {
  if (isMap(node)) {
    for (const pair of (node as YAMLMap).items as Pair[]) flowStringLists(pair.value);
  } else if (isSeq(node)) {
    const seq = node as YAMLSeq;
    if (seq.items.length > 0 && seq.items.every((i) => i instanceof Scalar && typeof i.value === "string")) {
      seq.flow = true;
      for (const item of seq.items as Scalar[]) item.type = Scalar.QUOTE_DOUBLE;
    } else {
      seq.items.forEach(flowStringLists);
    }
  }
}

/** Canonical YAML text of a policy. parsePolicy(renderPolicy(p)) deep-equals p. */
export function renderPolicy(policy: Policy): string {
  const doc = new Document(canonicalPolicyObject(policy), { ...GO_YAML, aliasDuplicateObjects: false });
  flowStringLists(doc.contents);
  const text = doc.toString({ lineWidth: 0, minContentWidth: 0, indentSeq: false, flowCollectionPadding: false });
  return text.endsWith("\n") ? text : `${text}\n`;
}
