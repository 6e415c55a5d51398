/**
 * The evaluator's matching, case by case (found missing by mutation testing, issue 11): each row
 * is one rule, one request and whether kube-apiserver's checker matches them.
 */
import * as assert from "node:assert/strict";

import { compilePolicy, evaluatePolicy, matchingRules, unionStages, type Policy, type PolicyRule, type RequestAttributes } from "../../components/audit-policy";

const resource = (r: Partial<RequestAttributes> = {}): RequestAttributes => ({
  user: "alice",
  groups: ["system:authenticated"],
  verb: "get",
  resourceRequest: true,
  apiGroup: "",
  apiVersion: "v1",
  resource: "pods",
  subresource: "",
  namespace: "team-a",
  name: "web",
  path: "",
  ...r,
});
const nonResource = (path: string, r: Partial<RequestAttributes> = {}): RequestAttributes =>
  resource({ resourceRequest: false, resource: "", namespace: "", name: "", apiVersion: "", path, ...r });

const policyOf = (...rules: PolicyRule[]): Policy => ({ apiVersion: "audit.k8s.io/v1", kind: "Policy", rules });
const matches = (rule: Omit<PolicyRule, "level">, req: RequestAttributes, kubernetesVersion?: string) =>
  evaluatePolicy(policyOf({ level: "Metadata", ...rule }), req, { kubernetesVersion }).level === "Metadata";

describe("evaluator matching (mutation-tested)", () => {
  const rows: [string, Omit<PolicyRule, "level">, RequestAttributes, boolean, string?][] = [
    ['URL "*" matches any path', { nonResourceURLs: ["*"] }, nonResource("/anything"), true],
    ["an exact URL matches only itself", { nonResourceURLs: ["/healthz"] }, nonResource("/healthz"), true],
    ["an exact URL is not a prefix", { nonResourceURLs: ["/healthz"] }, nonResource("/healthzfoo"), false],
    ['a trailing "*" is a raw string prefix', { nonResourceURLs: ["/healthz*"] }, nonResource("/healthzfoo"), true],
    ['several trailing "*" are one prefix', { nonResourceURLs: ["/api**"] }, nonResource("/apis/apps"), true],
    ["a prefix does not match a shorter path", { nonResourceURLs: ["/healthz/*"] }, nonResource("/healthz"), false],
    ['URL "" does not match', { nonResourceURLs: [""] }, nonResource("/x"), false],
    ["a URL rule never matches a resource request", { nonResourceURLs: ["*"] }, resource(), false],
    ["a resource rule never matches a non-resource request", { resources: [{ group: "" }] }, nonResource("/api"), false],
    ["a namespaces-only rule never matches a non-resource request", { namespaces: [""] }, nonResource("/api"), false],
    ["namespaces filter", { namespaces: ["team-b"] }, resource(), false],
    ["namespaces match", { namespaces: ["team-a"] }, resource(), true],
    ["namespaces with no resources match every resource there", { namespaces: ["team-a"] }, resource({ resource: "secrets" }), true],
    ["a group with no resources matches every resource in it", { resources: [{ group: "apps" }] }, resource({ apiGroup: "apps", resource: "deployments" }), true],
    ["another group does not match", { resources: [{ group: "apps" }] }, resource(), false],
    ['group "*" matches every group from 1.36', { resources: [{ group: "*", resources: ["deployments"] }] }, resource({ apiGroup: "apps", resource: "deployments" }), true],
    ['group "*" is a plain name before 1.36', { resources: [{ group: "*", resources: ["deployments"] }] }, resource({ apiGroup: "apps", resource: "deployments" }), false, "v1.35.0+rke2r1"],
    ["resourceNames filter", { resources: [{ group: "", resources: ["pods"], resourceNames: ["db"] }] }, resource(), false],
    ["resourceNames match", { resources: [{ group: "", resources: ["pods"], resourceNames: ["web"] }] }, resource(), true],
    ["a later entry can match after a resourceNames miss", { resources: [{ group: "", resources: ["pods"], resourceNames: ["db"] }, { group: "", resources: ["pods"] }] }, resource(), true],
    ['"pods/*" matches pods', { resources: [{ group: "", resources: ["pods/*"] }] }, resource(), true],
    ['"pods/*" matches pods/log', { resources: [{ group: "", resources: ["pods/*"] }] }, resource({ subresource: "log" }), true],
    ['"pods/*" does not match secrets', { resources: [{ group: "", resources: ["pods/*"] }] }, resource({ resource: "secrets" }), false],
    ['"pods" does not match pods/log', { resources: [{ group: "", resources: ["pods"] }] }, resource({ subresource: "log" }), false],
    ['"pods/log" matches pods/log', { resources: [{ group: "", resources: ["pods/log"] }] }, resource({ subresource: "log" }), true],
    ['"*/scale" matches any scale subresource', { resources: [{ group: "apps", resources: ["*/scale"] }] }, resource({ apiGroup: "apps", resource: "deployments", subresource: "scale" }), true],
    ['"*/scale" needs a subresource', { resources: [{ group: "", resources: ["*/scale"] }] }, resource({ resource: "scale" }), false],
    ['"*/scale" does not match status', { resources: [{ group: "", resources: ["*/scale"] }] }, resource({ subresource: "status" }), false],
    ['"*" matches subresources too', { resources: [{ group: "", resources: ["*"] }] }, resource({ subresource: "exec" }), true],
    ['"secrets" does not match pods', { resources: [{ group: "", resources: ["secrets"] }] }, resource(), false],
    ["users match", { users: ["alice"] }, resource(), true],
    ["users filter", { users: ["bob"] }, resource(), false],
    ["users never match a request without a user", { users: ["alice"] }, resource({ user: null, groups: null }), false],
    ["userGroups match", { userGroups: ["system:authenticated"] }, resource(), true],
    ["userGroups filter", { userGroups: ["system:masters"] }, resource(), false],
    ["userGroups never match without a user", { userGroups: ["system:authenticated"] }, resource({ user: null, groups: null }), false],
    ["userGroups never match without groups", { userGroups: ["system:authenticated"] }, resource({ groups: null }), false],
    ["verbs filter", { verbs: ["list"] }, resource(), false],
    ["verbs match", { verbs: ["get"] }, resource(), true],
    ["a rule with only verbs matches non-resource requests too", { verbs: ["get"] }, nonResource("/x"), true],
    ["empty lists are no filter", { users: [], userGroups: [], verbs: [], namespaces: [], resources: [], nonResourceURLs: [] }, nonResource("/x"), true],
  ];
  for (const [what, rule, req, expected, version] of rows) {
    it(what, () => assert.equal(matches(rule, req, version), expected));
  }

  it("the first matching rule decides; matchingRules lists every match in order", () => {
    const policy = policyOf({ level: "None", users: ["bob"] }, { level: "Request", verbs: ["get"] }, { level: "Metadata" });
    const d = evaluatePolicy(policy, resource());
    assert.equal(d.level, "Request");
    assert.equal(d.ruleIndex, 1);
    assert.deepEqual(matchingRules(compilePolicy(policy), resource()), [1, 2]);
    assert.deepEqual(matchingRules(compilePolicy(policy), resource({ verb: "list" })), [2]);
  });

  it("no rule matching means level None with the policy's stages and managed fields", () => {
    const policy: Policy = { ...policyOf({ level: "Metadata", users: ["bob"] }), omitStages: ["RequestReceived"], omitManagedFields: true };
    assert.deepEqual({ ...evaluatePolicy(policy, resource()) }, { level: "None", omitStages: ["RequestReceived"], omitManagedFields: true, ruleIndex: null });
    const bare = { apiVersion: "audit.k8s.io/v1", kind: "Policy" } as Policy;
    assert.deepEqual({ ...evaluatePolicy(bare, resource()) }, { level: "None", omitStages: [], omitManagedFields: false, ruleIndex: null });
  });

  it("omitManagedFields: the rule's value overrides the policy's; default false", () => {
    const at = (policyValue: boolean | undefined, ruleValue: boolean | undefined) => {
      const rule: PolicyRule = { level: "Metadata" };
      if (ruleValue !== undefined) rule.omitManagedFields = ruleValue;
      const policy = policyOf(rule);
      if (policyValue !== undefined) policy.omitManagedFields = policyValue;
      return evaluatePolicy(policy, resource()).omitManagedFields;
    };
    assert.equal(at(undefined, undefined), false);
    assert.equal(at(true, undefined), true);
    assert.equal(at(true, false), false);
    assert.equal(at(false, true), true);
  });

  it("unionStages: a set in kube-apiserver's order, unknown strings last and sorted", () => {
    assert.deepEqual(unionStages(["ResponseComplete", "RequestReceived"], ["RequestReceived"]), ["RequestReceived", "ResponseComplete"]);
    assert.deepEqual(unionStages(["Zeta", "Panic"] as never, ["Alpha"] as never), ["Panic", "Alpha", "Zeta"]);
    assert.deepEqual(unionStages(undefined, null), []);
  });

  it("the cache keeps one compiled policy per group-wildcard behaviour", () => {
    const policy = policyOf({ level: "Request", resources: [{ group: "*" }] });
    const req = resource({ apiGroup: "apps", resource: "deployments" });
    assert.equal(evaluatePolicy(policy, req, { kubernetesVersion: "1.35" }).level, "None");
    assert.equal(evaluatePolicy(policy, req).level, "Request");
    assert.equal(evaluatePolicy(policy, req, { kubernetesVersion: "1.35" }).level, "None");
  });
});
