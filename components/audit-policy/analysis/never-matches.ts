/**
 * `never-matches` findings that need no request enumeration: elements of a rule that no real
 * request can match (invalid or versioned groups, resources under the wrong group, verbs that are
 * not verbs, ...), and keys kube-apiserver drops while loading the file.
 */
import type { Finding, Policy, PolicyIssue, PolicyRule } from "../types";
import { make } from "./findings";
import { groupLabel, isResourcePath, NON_RESOURCE_VERBS, nonEmpty, q, RESOURCE_VERBS, STANDARD_VERBS } from "./requests";
import { parseResourceSpec, wrongGroup } from "./resources";

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const API_VERSION = /^v\d+((alpha|beta)\d+)?$/;

/** What the static checks found no request can have: left out of the request space. */
export interface Excluded {
  /** API groups no request has (invalid or versioned). */
  groups: Set<string>;
  /** Namespaces no request has (not RFC 1123 labels). */
  namespaces: Set<string>;
  /** `${group}\u0000${resource}` pairs that no real request has. */
  resources: Set<string>;
}

/** What to write instead of a word that is not a resource-request verb ("read" -> get, list, watch). */
export const VERB_HINTS: Record<string, string> = {
  read: "get, list, watch",
  write: "create, update, patch, delete",
  post: "create",
  put: "update",
  edit: "update, patch",
  modify: "update, patch",
  remove: "delete",
  exec: 'create and get on resource "pods/exec"',
  impersonate: "the impersonated user is not what audit matches; match the caller",
};
/** What to write instead of a resource-request verb in a non-resource rule ("list" -> get). */
export const NON_RESOURCE_VERB_HINTS: Record<string, string> = {
  list: "get",
  watch: "get",
  create: "post",
  update: "put",
  deletecollection: "delete",
};

/** Why a verb never matches a rule of this scope, or undefined. */
export function verbIssue(verb: string, scope: "resource" | "nonResource" | "any"): string | undefined {
  const resourceOk = (RESOURCE_VERBS as readonly string[]).includes(verb) && verb !== "";
  const nonResourceOk = (NON_RESOURCE_VERBS as readonly string[]).includes(verb);
  if (verb === "*") {
    return `"*" is not a verb wildcard: kube-apiserver compares verbs literally, so this never matches; leave out "verbs" to match every verb, or list them (${STANDARD_VERBS.join(", ")})`;
  }
  if (verb !== verb.toLowerCase() && (RESOURCE_VERBS as readonly string[]).concat(NON_RESOURCE_VERBS).includes(verb.toLowerCase())) {
    return `${q(verb)}: verbs are lowercase and compared exactly, so this never matches; write ${q(verb.toLowerCase())}`;
  }
  if (scope === "resource" && !resourceOk) {
    const hint = VERB_HINTS[verb] ? `; for this use ${VERB_HINTS[verb]}` : "";
    return `${q(verb)} is not a verb kube-apiserver gives resource requests (${RESOURCE_VERBS.filter((v) => v !== "").join(", ")}), so this never matches${hint}`;
  }
  if (scope === "nonResource" && !nonResourceOk) {
    const hint = NON_RESOURCE_VERB_HINTS[verb] ? `; write ${q(NON_RESOURCE_VERB_HINTS[verb])}` : "";
    return `${q(verb)} never matches a non-resource request: their verb is the lower-cased HTTP method (${NON_RESOURCE_VERBS.join(", ")})${hint}`;
  }
  if (scope === "any" && !resourceOk && !nonResourceOk) {
    const hint = VERB_HINTS[verb] ? `; for this use ${VERB_HINTS[verb]}` : "";
    return `${q(verb)} is not a Kubernetes request verb (resource requests: ${RESOURCE_VERBS.filter((v) => v !== "").join(", ")}; non-resource requests: the lower-cased HTTP method), so this never matches${hint}`;
  }
  return undefined;
}

/** Why an entry's resourceNames never match the rule's verbs (create on a collection, deletecollection), or undefined. */
export function resourceNamesIssue(rule: PolicyRule, specs: readonly string[]): string | undefined {
  if (!nonEmpty(rule.verbs)) return undefined;
  // create carries a name only on a subresource (POST .../serviceaccounts/<name>/token);
  // deletecollection never does. list/watch do with fieldSelector=metadata.name=<name>.
  const canName = (spec: string) => spec === "*" || spec.includes("/");
  const verbs = [...new Set(rule.verbs)];
  const nameless = verbs.filter((v) => v === "deletecollection" || (v === "create" && !specs.some(canName)));
  if (nameless.length === 0) return undefined;
  const all = nameless.length === verbs.length;
  return (
    `resourceNames never match ${nameless.map(q).join(" or ")} requests: ${nameless.includes("create") ? "create on a collection" : "deletecollection"}` +
    `${nameless.length > 1 ? " and deletecollection carry" : " carries"} no object name` +
    (all ? `, and this rule has no other verbs, so this entry matches nothing` : `, so this entry never matches them`) +
    `; match those requests by namespace instead, or drop resourceNames`
  );
}

/** The static `never-matches` findings of every rule, and what they exclude from the request space. */
export function neverMatches(policy: Policy, groupWildcard: boolean, version: string | undefined): { findings: Finding[]; excluded: Excluded } {
  const findings: Finding[] = [];
  const excluded: Excluded = { groups: new Set(), namespaces: new Set(), resources: new Set() };
  const add = (path: string, message: string) => findings.push(make("never-matches", path, message));
  policy.rules.forEach((rule, i) => {
    const base = `rules[${i}]`;
    const resourceScoped = nonEmpty(rule.resources) || nonEmpty(rule.namespaces);
    const scope = resourceScoped ? "resource" : nonEmpty(rule.nonResourceURLs) ? "nonResource" : "any";
    (rule.verbs ?? []).forEach((verb, k) => {
      const why = verbIssue(verb, scope);
      if (why) add(`${base}.verbs[${k}]`, why);
    });
    (rule.namespaces ?? []).forEach((ns, k) => {
      if (ns !== "" && (!DNS1123_LABEL.test(ns) || ns.length > 63)) {
        excluded.namespaces.add(ns);
        add(`${base}.namespaces[${k}]`, `${q(ns)} is not a namespace name (lowercase RFC 1123 label, at most 63 characters), so this never matches; write ${q(ns.toLowerCase())}`);
      }
    });
    (rule.resources ?? []).forEach((gr, j) => {
      const at = `${base}.resources[${j}]`;
      const group = gr.group ?? "";
      let groupWhy: string | undefined;
      if (group === "*") {
        if (!groupWildcard) {
          groupWhy = `group "*" matches every group only from Kubernetes 1.36; on ${version} it matches no request (and kube-apiserver rejects it); list the groups, or leave out "resources" to match every group`;
        }
      } else if (group.includes("/")) {
        const g = group.split("/")[0];
        const fix = g === "v1" || g === "api" || g === "" ? `"" for the core group` : q(g);
        groupWhy = `${q(group)}: an API group never includes a version (audit matching ignores versions), so this never matches; write group: ${fix}`;
      } else if (API_VERSION.test(group)) {
        groupWhy = `${q(group)} is an API version, not a group, so this never matches; the core group (pods, secrets, ...) is group: ""`;
      } else if (group !== "" && !DNS1123_SUBDOMAIN.test(group)) {
        groupWhy = `${q(group)} is not an API group name (lowercase DNS subdomain), so this never matches; write ${q(group.toLowerCase())}`;
      }
      if (groupWhy) {
        excluded.groups.add(group);
        add(`${at}.group`, groupWhy);
        return;
      }
      (gr.resources ?? []).forEach((res, k) => {
        const spec = parseResourceSpec(res);
        let why: string | undefined;
        if (spec.kind === "never") why = spec.why;
        else if (group !== "*" && (spec.kind === "exact" || spec.kind === "subresourcesOf")) why = wrongGroup(group, spec.resource);
        if (why) {
          if (spec.kind === "exact" || spec.kind === "subresourcesOf") excluded.resources.add(`${group}\u0000${spec.resource}`);
          add(`${at}.resources[${k}]`, why);
        }
      });
      if (nonEmpty(gr.resourceNames) && nonEmpty(gr.resources)) {
        const why = resourceNamesIssue(rule, gr.resources);
        if (why) add(`${at}.resourceNames`, why);
      }
    });
    (rule.nonResourceURLs ?? []).forEach((url, k) => {
      if (resourceScoped) {
        add(
          `${base}.nonResourceURLs[${k}]`,
          `ignored: a rule with resources or namespaces is evaluated as a resource rule, so ${q(url)} never matches (kube-apiserver also rejects the combination); move the URL to a rule of its own`,
        );
        return;
      }
      if (url !== "*" && isResourcePath(url.replace(/\*+$/, ""))) {
        add(
          `${base}.nonResourceURLs[${k}]`,
          `${q(url)} is a resource path: requests to it are resource requests and never match nonResourceURLs; match them with resources (group, resource) instead`,
        );
      }
    });
  });
  return { findings, excluded };
}


/** A `never-matches` finding for a key kube-apiserver drops, with what the rule matches without it. */
export function droppedFinding(policy: Policy, issue: PolicyIssue): Finding {
  let effect = "";
  const entry = /^rules\[(\d+)\]\.resources\[(\d+)\]\.([^.[]+)$/.exec(issue.path);
  const ruleKey = /^rules\[(\d+)\]\.([^.[]+)$/.exec(issue.path);
  if (issue.message.startsWith("duplicate key")) {
    effect = "";
  } else if (entry) {
    const rule = policy.rules[Number(entry[1])];
    const gr = rule?.resources?.[Number(entry[2])];
    if (rule && gr) {
      const group = gr.group ?? "";
      effect = nonEmpty(gr.resources)
        ? ` Effect: kube-apiserver loads rules[${entry[1]}].resources[${entry[2]}] without ${q(entry[3])}.`
        : ` Effect: rules[${entry[1]}].resources[${entry[2]}] is loaded with no resources, so it matches every resource and subresource in ${groupLabel(group)}` +
          ` at level ${rule.level}, not just the ones meant.`;
    }
  } else if (ruleKey) {
    const rule = policy.rules[Number(ruleKey[1])];
    if (rule) {
      const unconditional =
        !nonEmpty(rule.users) && !nonEmpty(rule.userGroups) && !nonEmpty(rule.verbs) && !nonEmpty(rule.resources) && !nonEmpty(rule.namespaces) && !nonEmpty(rule.nonResourceURLs);
      effect = unconditional
        ? ` Effect: rules[${ruleKey[1]}] is loaded without it and has no conditions left, so it matches every request at level ${rule.level}.`
        : ` Effect: rules[${ruleKey[1]}] is loaded without ${q(ruleKey[2])}, so whatever it was meant to restrict is not restricted.`;
    }
  }
  const message = /[.!?]$/.test(issue.message) ? issue.message : `${issue.message}.`;
  return make("never-matches", issue.path, `${message}${effect}`);
}
