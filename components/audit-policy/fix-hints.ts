/**
 * How to fix the validation errors whose kube-apiserver message does not say. The message stays
 * kube-apiserver's, byte for byte; the hint goes in the separate `hint` field, which
 * formatIssues prints after it.
 */
import { Document } from "yaml";
import { suggest } from "./decode";
import { GO_YAML } from "./goyaml";
import { canonicalPolicyObject } from "./render";
import { LEVELS, STAGES, type PolicyRule } from "./types";

/** "Did you mean" for a misspelled or wrong-case value among `known` (levels, stages). */
function didYouMean(value: string, known: readonly string[], what: string): string | undefined {
  const s = suggest(value, known);
  if (s === undefined) return undefined;
  if (s.toLowerCase() === value.toLowerCase()) return `did you mean "${s}"? ${what} are case-sensitive`;
  return `did you mean "${s}"?`;
}

/** For an unsupported rule level (`metadata`). */
export function levelHint(level: string): string | undefined {
  return didYouMean(level, LEVELS, "Levels");
}

/** For an unknown stage in omitStages (`responsecomplete`). */
export function stageHint(stage: string): string | undefined {
  return didYouMean(stage, STAGES, "Stages");
}

/** For an invalid API group: a group/version (`apps/v1`) or an upper-case group (`Apps`). */
export function groupHint(group: string): string | undefined {
  const slash = group.indexOf("/");
  if (slash >= 0) {
    const name = group.slice(0, slash);
    const dropped = group.slice(slash);
    if (name === "" || name === "core") return `an API group has no version, and the core group is written "": write group: "" (drop "${group}")`;
    return `an API group has no version: write group: ${JSON.stringify(name.toLowerCase())} (drop ${JSON.stringify(dropped)})`;
  }
  if (group !== group.toLowerCase()) return `API groups are lower case: write group: ${JSON.stringify(group.toLowerCase())}`;
  return undefined;
}

/** A rule in flow-style YAML on one line, as canonical rendering orders its keys. */
function oneLine(rule: PolicyRule): string {
  const [object] = canonicalPolicyObject({ apiVersion: "audit.k8s.io/v1", kind: "Policy", rules: [rule] }).rules as unknown[];
  const text = new Document(object, GO_YAML).toString({ collectionStyle: "flow", lineWidth: 0, flowCollectionPadding: false });
  return `- ${text.trim()}`;
}

/**
 * For a rule with both nonResourceURLs and resources or namespaces: the two rules to write in its
 * place, the same but for what the other one matches (namespaces only apply to resources).
 */
export function mixedRuleHint(rule: PolicyRule): string {
  const forResources = { ...rule };
  delete forResources.nonResourceURLs;
  const forUrls = { ...rule };
  delete forUrls.resources;
  delete forUrls.namespaces;
  return (
    "split it into two rules in its place, one for resources and one for non-resource URLs: " +
    `\`${oneLine(forResources)}\` then \`${oneLine(forUrls)}\``
  );
}
