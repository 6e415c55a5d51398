/**
 * Decoding a policy value, message for message and path for path (found missing by mutation
 * testing, issue 11): wrong types, nulls decoded as Go's zero values, unknown keys with their
 * "did you mean", apiVersion and kind, metadata, and the suggest() behind every "did you mean".
 */
import * as assert from "node:assert/strict";

import { decodePolicyValue, isDroppedIssue, suggest } from "../../components/audit-policy/decode";
import { decodePolicy } from "../../components/audit-policy";

type Issue = [path: string, message: string];

const decode = (value: unknown, requireTypeMeta = false) => {
  const r = decodePolicyValue(value, { requireTypeMeta });
  const plain = (issues: typeof r.errors): Issue[] => issues.map((i) => [i.path, i.message]);
  return { policy: r.policy, errors: plain(r.errors), dropped: plain(r.dropped) };
};
const errorsOf = (value: unknown, requireTypeMeta = false) => decode(value, requireTypeMeta).errors;
const ruleErrors = (rule: unknown) => errorsOf({ rules: [rule] });
const KNOWN_RULE = "known fields: level, users, userGroups, verbs, namespaces, resources, nonResourceURLs, omitStages, omitManagedFields";
const DROPS = "(kube-apiserver drops unknown fields with only a warning, so this key has no effect;";
const LONG = "x".repeat(41);

describe("decoding: wrong types, message for message (mutation-tested)", () => {
  it("names the type it got: null, list, mapping, number, boolean, a string cut at 40 characters", () => {
    assert.deepEqual(ruleErrors({ level: ["a"] }), [["rules[0].level", "must be a string, got a list"]]);
    assert.deepEqual(ruleErrors({ level: { a: 1 } }), [["rules[0].level", "must be a string, got a mapping"]]);
    assert.deepEqual(ruleErrors({ level: 5 }), [["rules[0].level", "must be a string, got the number 5 (quote it)"]]);
    assert.deepEqual(ruleErrors({ level: true }), [["rules[0].level", "must be a string, got the boolean true (quote it)"]]);
    assert.deepEqual(ruleErrors({ level: "None", omitManagedFields: null }), []);
    assert.deepEqual(ruleErrors({ level: "None", omitManagedFields: "x".repeat(40) }), [
      ["rules[0].omitManagedFields", `must be true or false, got the string "${"x".repeat(40)}"`],
    ]);
    assert.deepEqual(ruleErrors({ level: "None", omitManagedFields: LONG }), [
      ["rules[0].omitManagedFields", `must be true or false, got the string "${"x".repeat(40)}..." (41 characters)`],
    ]);
    assert.deepEqual(errorsOf({ rules: null, omitManagedFields: 1 }), [["omitManagedFields", "must be true or false, got the number 1"]]);
  });

  it("string lists: the fix for a bare value, and each bad item by index", () => {
    assert.deepEqual(ruleErrors({ level: "None", verbs: "get" }), [["rules[0].verbs", 'must be a list of strings, got the string "get"; write it as ["get"]']]);
    assert.deepEqual(ruleErrors({ level: "None", users: 5 }), [["rules[0].users", "must be a list of strings, got the number 5; write it as [...]"]]);
    assert.deepEqual(ruleErrors({ level: "None", userGroups: [5, true, { a: 1 }, "ok"] }), [
      ["rules[0].userGroups[0]", "must be a string, got the number 5 (quote it)"],
      ["rules[0].userGroups[1]", "must be a string, got the boolean true (quote it)"],
      ["rules[0].userGroups[2]", "must be a string, got a mapping"],
    ]);
    for (const key of ["namespaces", "nonResourceURLs", "omitStages"]) {
      assert.deepEqual(ruleErrors({ level: "None", [key]: [1] }), [[`rules[0].${key}[0]`, "must be a string, got the number 1 (quote it)"]]);
    }
    assert.deepEqual(errorsOf({ omitStages: "Panic" }), [["omitStages", 'must be a list of strings, got the string "Panic"; write it as ["Panic"]']]);
  });

  it("rules and resources entries that are not mappings or lists", () => {
    assert.deepEqual(errorsOf({ rules: "Metadata" }), [["rules", 'must be a list of rules, got the string "Metadata"']]);
    assert.deepEqual(errorsOf({ rules: ["Metadata"] }), [["rules[0]", 'must be a mapping (a rule with at least "level"), got the string "Metadata"']]);
    assert.deepEqual(ruleErrors({ level: "None", resources: "pods" }), [["rules[0].resources", 'must be a list of {group, resources, resourceNames} entries, got the string "pods"']]);
    assert.deepEqual(ruleErrors({ level: "None", resources: ["pods"] }), [["rules[0].resources[0]", 'must be a mapping with group, resources and resourceNames, got the string "pods"']]);
    assert.deepEqual(ruleErrors({ level: "None", resources: [{ group: 1, resources: "pods", resourceNames: 2 }] }), [
      ["rules[0].resources[0].group", "must be a string, got the number 1 (quote it)"],
      ["rules[0].resources[0].resources", 'must be a list of strings, got the string "pods"; write it as ["pods"]'],
      ["rules[0].resources[0].resourceNames", "must be a list of strings, got the number 2; write it as [...]"],
    ]);
  });
});

describe("decoding: nulls become Go's zero values (mutation-tested)", () => {
  it("a null rule, entry, string, list item, list or policy field is the zero value, with no error", () => {
    const r = decode({ omitStages: null, omitManagedFields: null, metadata: null, rules: [null, { level: "None", users: [null], group: null, resources: [null, { group: null, resources: null, resourceNames: null }], nonResourceURLs: null, verbs: null }] });
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.policy, {
      apiVersion: "audit.k8s.io/v1",
      kind: "Policy",
      rules: [{ level: "" }, { level: "None", users: [""], resources: [{}, {}] }],
    });
    assert.deepEqual(decode({ rules: null }).policy.rules, []);
    const nullResources = decode({ rules: [{ level: "None", resources: null }] });
    assert.deepEqual([nullResources.errors, nullResources.policy.rules], [[], [{ level: "None" }]]);
  });

  it("a null or missing apiVersion and kind are missing when a file needs them", () => {
    const missing: Issue[] = [
      ["apiVersion", 'missing: add "apiVersion: audit.k8s.io/v1" (kube-apiserver refuses a policy without it: "unknown group version field")'],
      ["kind", 'missing: add "kind: Policy"'],
    ];
    assert.deepEqual(errorsOf({ rules: [] }, true), missing);
    assert.deepEqual(errorsOf({ apiVersion: null, kind: null, rules: [] }, true), missing);
    assert.deepEqual(errorsOf({ apiVersion: null, kind: null, rules: [] }), []);
    assert.deepEqual(errorsOf({ apiVersion: 1, kind: 2 }, true), [
      ["apiVersion", "must be a string, got the number 1 (quote it)"],
      ["kind", "must be a string, got the number 2 (quote it)"],
    ]);
  });
});

describe("decoding: apiVersion, kind and metadata (mutation-tested)", () => {
  it("names the fix for removed, foreign and wrong type fields", () => {
    for (const version of ["audit.k8s.io/v1beta1", "audit.k8s.io/v1alpha1"]) {
      assert.deepEqual(errorsOf({ apiVersion: version, kind: "Policy" }), [
        [
          "apiVersion",
          `${version} was removed in Kubernetes 1.24 (deprecated in 1.21): kube-apiserver fails to start with 'no kind "Policy" is registered for version "${version}"'; change it to "apiVersion: audit.k8s.io/v1" (the Policy fields are the same)`,
        ],
      ]);
    }
    assert.deepEqual(errorsOf({ apiVersion: "v1", kind: "ConfigMap" }), [
      ["apiVersion", '"v1" is not an audit policy version; use "apiVersion: audit.k8s.io/v1"'],
      ["kind", '"ConfigMap" is not an audit policy; use "kind: Policy"'],
    ]);
    assert.deepEqual(errorsOf({ apiVersion: "audit.k8s.io/v1", kind: "Policy" }, true), []);
  });

  it("checks metadata's types and keeps only ObjectMeta's fields", () => {
    assert.deepEqual(errorsOf({ metadata: ["a"] }), [["metadata", "must be a mapping, got a list"]]);
    assert.deepEqual(errorsOf({ metadata: { labels: ["a"], annotations: { a: 5 }, name: 1, namespace: "ok" } }), [
      ["metadata.labels", "must be a mapping of strings, got a list"],
      ["metadata.annotations.a", "must be a string, got the number 5 (quote it)"],
      ["metadata.name", "must be a string, got the number 1 (quote it)"],
    ]);
    for (const key of ["generateName", "uid", "resourceVersion"]) {
      assert.deepEqual(errorsOf({ metadata: { [key]: true } }), [[`metadata.${key}`, "must be a string, got the boolean true (quote it)"]]);
    }
    const r = decode({ metadata: { name: "p", labels: null, nam: "x" } });
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.policy.metadata, { name: "p", labels: null });
    assert.equal(r.dropped.length, 1);
    assert.match(r.dropped[0][1], /^unknown field "nam" in metadata; did you mean "name"\? \(kube-apiserver drops/);
  });
});

describe("decoding: unknown keys (mutation-tested)", () => {
  it("says where the key is, what it may have meant and what is known", () => {
    assert.deepEqual(decode({ rules: [{ level: "None", verb: ["get"], zzzzzzzz: 1 }], rule: [] }).dropped, [
      ["rule", `unknown field "rule" in the policy; did you mean "rules"? ${DROPS} known fields: apiVersion, kind, metadata, omitStages, omitManagedFields, rules)`],
      ["rules[0].verb", `unknown field "verb" in a rule; did you mean "verbs"? ${DROPS} ${KNOWN_RULE})`],
      ["rules[0].zzzzzzzz", `unknown field "zzzzzzzz" in a rule ${DROPS} ${KNOWN_RULE})`],
    ]);
  });

  it("a rule field at the policy's level is an unknown policy field, not one under a resources entry", () => {
    assert.deepEqual(decode({ level: "None", rules: [] }).dropped, [
      ["level", `unknown field "level" in the policy ${DROPS} known fields: apiVersion, kind, metadata, omitStages, omitManagedFields, rules)`],
    ]);
  });

  it("a rule field under a resources entry: move it left; any other unknown entry key: did you mean", () => {
    assert.deepEqual(decode({ rules: [{ level: "None", resources: [{ group: "", verbs: ["get"], resource: ["pods"] }] }] }).dropped, [
      [
        "rules[0].resources[0].verbs",
        `unknown field "verbs" in a resources entry; "verbs" is a rule field: it is indented under a resources entry, move it left to the rule's level ${DROPS} known fields: group, resources, resourceNames)`,
      ],
      ["rules[0].resources[0].resource", `unknown field "resource" in a resources entry; did you mean "resources"? ${DROPS} known fields: group, resources, resourceNames)`],
    ]);
  });

  it("marks dropped keys, and only them, as issues kube-apiserver loads past", () => {
    const { dropped } = decodePolicy("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  verb: [get]\n");
    assert.equal(isDroppedIssue(dropped[0]), true);
    assert.equal(isDroppedIssue({ ...dropped[0] }), false);
  });
});

describe("suggest: the one did-you-mean (mutation-tested)", () => {
  const RULE_KEYS = ["level", "users", "userGroups", "verbs", "namespaces", "resources", "nonResourceURLs", "omitStages", "omitManagedFields"];
  it("finds case differences, plurals and typos by edit distance", () => {
    const cases: [string, string | undefined][] = [
      ["LEVEL", "level"],
      ["verb", "verbs"],
      ["namespace", "namespaces"],
      ["usergroup", "userGroups"],
      ["userGroup", "userGroups"],
      ["lvl", "level"],
      ["levle", "level"],
      ["nonResourceURL", "nonResourceURLs"],
      ["nonresourceurl", "nonResourceURLs"],
      ["omitStage", "omitStages"],
      ["omitManagedField", "omitManagedFields"],
      ["ab", undefined],
      ["zzzzzz", undefined],
      ["somethingElse", undefined],
    ];
    for (const [key, expected] of cases) assert.equal(suggest(key, RULE_KEYS), expected, key);
    assert.equal(suggest("resourcename", ["group", "resources", "resourceNames"]), "resourceNames");
    assert.equal(suggest("resourcs", ["group", "resources", "resourceNames"]), "resources");
  });

  it("allows 2 edits up to 8 characters and a third of the length beyond, and keeps the first of equals", () => {
    assert.equal(suggest("abcdefgh", ["abcdefXY"]), "abcdefXY");
    assert.equal(suggest("abcdefgh", ["abcdeXYZ"]), undefined);
    assert.equal(suggest("abcdefghi", ["abcdefXYZ"]), "abcdefXYZ");
    assert.equal(suggest("abcdefghi", ["abcdeWXYZ"]), undefined);
    assert.equal(suggest("ab", ["aa", "bb"]), "aa");
    assert.equal(suggest("ba", ["aa", "bb"]), "aa");
    assert.equal(suggest("xyz", ["xyzab", "xyza"]), "xyza");
    assert.equal(suggest("", ["ab", "abc"]), "ab");
  });
});
