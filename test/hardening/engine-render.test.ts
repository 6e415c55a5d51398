/**
 * Canonical rendering, byte for byte (found missing by mutation testing, issue 11): key order,
 * defaults for a bare policy, sorted metadata, flow lists, and sortKeysDeep itself.
 */
import * as assert from "node:assert/strict";

import { canonicalPolicyObject, renderPolicy, sortKeysDeep, type Policy } from "../../components/audit-policy";

describe("renderPolicy and sortKeysDeep (mutation-tested)", () => {
  it("renders a bare policy with apiVersion, kind and no rules", () => {
    assert.equal(renderPolicy({ rules: [] } as unknown as Policy), "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: []\n");
    assert.deepEqual(canonicalPolicyObject({} as Policy), { apiVersion: "audit.k8s.io/v1", kind: "Policy", rules: [] });
  });

  it("writes every field in the canonical order, lists in flow style, metadata sorted", () => {
    const policy = {
      rules: [{ omitManagedFields: true, omitStages: ["Panic"], resources: [{ resourceNames: ["a"], resources: ["pods"], group: "" }], verbs: ["get", "list"], level: "Metadata", users: [] }],
      omitManagedFields: false,
      omitStages: ["RequestReceived"],
      metadata: { name: "p", labels: { z: "1", a: "2" } },
      kind: "Policy",
      apiVersion: "audit.k8s.io/v1",
    } as unknown as Policy;
    assert.equal(
      renderPolicy(policy),
      [
        "apiVersion: audit.k8s.io/v1",
        "kind: Policy",
        "metadata:",
        "  labels:",
        '    a: "2"',
        '    z: "1"',
        "  name: p",
        'omitStages: ["RequestReceived"]',
        "omitManagedFields: false",
        "rules:",
        "- level: Metadata",
        "  users: []",
        '  verbs: ["get", "list"]',
        "  resources:",
        '  - group: ""',
        '    resources: ["pods"]',
        '    resourceNames: ["a"]',
        '  omitStages: ["Panic"]',
        "  omitManagedFields: true",
        "",
      ].join("\n"),
    );
  });

  it("quotes strings kube-apiserver would read as other types", () => {
    const text = renderPolicy({ apiVersion: "audit.k8s.io/v1", kind: "Policy", rules: [{ level: "None", users: ["yes", "0x1F", "~", "1e3"] }] });
    assert.match(text, /users: \["yes", "0x1F", "~", "1e3"\]/);
  });

  it("sortKeysDeep sorts nested keys, keeps list order, drops undefined, keeps null", () => {
    const sorted = sortKeysDeep({ b: [{ d: 1, c: 2 }, 3], a: undefined, n: null, m: { y: 1, x: { q: 1, p: 2 } } });
    assert.deepEqual(sorted, { b: [{ c: 2, d: 1 }, 3], m: { x: { p: 2, q: 1 }, y: 1 }, n: null });
    assert.equal(JSON.stringify(sorted), '{"b":[{"c":2,"d":1},3],"m":{"x":{"p":2,"q":1},"y":1},"n":null}');
    assert.equal(sortKeysDeep("s"), "s");
    assert.equal(sortKeysDeep(null), null);
  });
});
