/**
 * kube-apiserver's audit policy validation (k8s.io/apiserver pkg/apis/audit/validation/validation.go),
 * check for check and message for message: `${issue.path}: ${issue.message}` is the string
 * kube-apiserver prints in its "loading audit policy file" error.
 */
import { decodePolicyValue } from "./decode";
import { groupHint, levelHint, mixedRuleHint, stageHint } from "./fix-hints";
import { goJson, goQuote } from "./gostring";
import { LEVELS, STAGES, type GroupResources, type Policy, type PolicyIssue, type PolicyRule, type VersionOptions } from "./types";
import { supportsGroupWildcard } from "./version";

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_SUBDOMAIN_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

/** apimachinery's IsDNS1123Subdomain messages. */
function dnsSubdomainErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push("must be no more than 253 characters");
  if (!DNS1123_SUBDOMAIN.test(value)) errs.push(DNS1123_SUBDOMAIN_MESSAGE);
  return errs;
}

/**
 * Where an issue really is, when its upstream path is not precise enough to find it in a file:
 * kube-apiserver reports `rules[i].resources.group` without the entry's index. Kept beside the
 * issue (not in it) so issues stay exactly kube-apiserver's.
 */
export const ISSUE_LOCATION = new WeakMap<PolicyIssue, string>();

const invalid = (path: string, badValue: string, detail: string): PolicyIssue => ({
  path,
  message: `Invalid value: ${badValue}: ${detail}`,
});

/** The issue with our fix hint (fix-hints.ts) beside kube-apiserver's message, when there is one. */
function hinted(issue: PolicyIssue, hint: string | undefined): PolicyIssue {
  if (hint !== undefined) issue.hint = hint;
  return issue;
}

function validateLevel(level: string, path: string): PolicyIssue[] {
  if ((LEVELS as readonly string[]).includes(level)) return [];
  if (level === "") return [{ path, message: "Required value" }];
  return [
    hinted(
      {
        path,
        // Level is a named string type, so apimachinery JSON-marshals it rather than %q-quoting it.
        message: `Unsupported value: ${goJson(level)}: supported values: ${LEVELS.map(goQuote).join(", ")}`,
      },
      levelHint(level),
    ),
  ];
}

function validateNonResourceURLs(urls: readonly string[], path: string): PolicyIssue[] {
  const errs: PolicyIssue[] = [];
  urls.forEach((url, i) => {
    if (url === "*") return;
    if (!url.startsWith("/")) {
      errs.push(invalid(`${path}[${i}]`, goQuote(url), "non-resource URL rules must begin with a '/' character"));
    }
    if (url !== "" && url.slice(0, -1).includes("*")) {
      errs.push(invalid(`${path}[${i}]`, goQuote(url), "non-resource URL wildcards '*' must be the final character of the rule"));
    }
  });
  return errs;
}

function validateResources(resources: readonly GroupResources[], path: string, groupWildcard: boolean): PolicyIssue[] {
  const errs: PolicyIssue[] = [];
  const located = (issue: PolicyIssue, at: string) => {
    ISSUE_LOCATION.set(issue, at);
    return issue;
  };
  resources.forEach((gr, i) => {
    const group = gr.group ?? "";
    // Upstream quirk kept on purpose: these paths are not indexed by the resources element.
    if (group !== "" && !(groupWildcard && group === "*")) {
      const msgs = dnsSubdomainErrors(group);
      if (msgs.length > 0) {
        errs.push(located(hinted(invalid(`${path}.group`, goQuote(group), msgs.join(",")), groupHint(group)), `${path}[${i}].group`));
      }
    }
    if ((gr.resourceNames?.length ?? 0) > 0 && (gr.resources?.length ?? 0) === 0) {
      errs.push(
        located(
          invalid(`${path}.resourceNames`, goJson(gr.resourceNames!), "using resourceNames requires at least one resource"),
          `${path}[${i}].resourceNames`,
        ),
      );
    }
  });
  return errs;
}

function validateOmitStages(stages: readonly string[], path: string): PolicyIssue[] {
  const errs: PolicyIssue[] = [];
  stages.forEach((stage, i) => {
    if (!(STAGES as readonly string[]).includes(stage)) {
      errs.push(hinted(invalid(`${path}[${i}]`, goQuote(stage), `allowed stages are ${STAGES.join(",")}`), stageHint(stage)));
    }
  });
  return errs;
}

function validateRule(rule: PolicyRule, path: string, groupWildcard: boolean): PolicyIssue[] {
  const errs: PolicyIssue[] = [
    ...validateLevel(rule.level ?? "", `${path}.level`),
    ...validateNonResourceURLs(rule.nonResourceURLs ?? [], `${path}.nonResourceURLs`),
    ...validateResources(rule.resources ?? [], `${path}.resources`, groupWildcard),
    ...validateOmitStages(rule.omitStages ?? [], `${path}.omitStages`),
  ];
  const urls = rule.nonResourceURLs ?? [];
  if (urls.length > 0 && ((rule.resources?.length ?? 0) > 0 || (rule.namespaces?.length ?? 0) > 0)) {
    errs.push(
      hinted(
        invalid(`${path}.nonResourceURLs`, goJson(urls), "rules cannot apply to both regular resources and non-resource URLs"),
        mixedRuleHint(rule),
      ),
    );
  }
  return errs;
}

/** Validation of an already decoded policy; exactly kube-apiserver's ValidatePolicy. */
export function validateDecodedPolicy(policy: Pick<Policy, "rules" | "omitStages">, options: VersionOptions = {}): PolicyIssue[] {
  const groupWildcard = supportsGroupWildcard(options.kubernetesVersion);
  const errs = validateOmitStages(policy.omitStages ?? [], "omitStages");
  (policy.rules ?? []).forEach((rule, i) => errs.push(...validateRule(rule, `rules[${i}]`, groupWildcard)));
  return errs;
}

/**
 * kube-apiserver's validation of a policy object (apiVersion and kind may be left out, as in
 * upstream's tests). A value that is not even shaped like a Policy (wrong types, unknown keys)
 * gets those problems reported first, with their paths. Empty when valid. Like ValidatePolicy,
 * it accepts a policy with no rules; the loader (parsePolicy) refuses that.
 */
export function validatePolicy(policy: unknown, options: VersionOptions = {}): PolicyIssue[] {
  const decoded = decodePolicyValue(policy, { requireTypeMeta: false });
  const shape = [...decoded.errors, ...decoded.dropped];
  if (decoded.errors.length > 0) return shape;
  return [...shape, ...validateDecodedPolicy(decoded.policy, options)];
}
