/**
 * parsePolicy and policyFromObject, issue for issue (found missing by mutation testing, issue 11):
 * the exact issues for texts that are not one policy document, where each issue is located, the
 * order they are reported in, and which checks run after which.
 */
import * as assert from "node:assert/strict";

import { parsePolicy, policyFromObject, PolicyError, type PolicyIssue } from "../../components/audit-policy";

const HEAD = "apiVersion: audit.k8s.io/v1\nkind: Policy\n";
const EMPTY = "the policy file is empty: kube-apiserver refuses it; write an audit.k8s.io/v1 Policy with at least one rule";
const TOO_DEEP = "the YAML is nested far deeper than any audit policy (the parser ran out of stack); remove the extra nesting";
const NOT_A_MAPPING = "an audit policy must be a mapping (apiVersion, kind, rules), got";
const BAD_STAGE = "allowed stages are RequestReceived,ResponseStarted,ResponseComplete,Panic";

/** The issues parsePolicy throws for `text` (and fails when it does not throw a PolicyError). */
function issuesOf(parse: () => unknown): PolicyIssue[] {
  try {
    parse();
  } catch (e) {
    assert.ok(e instanceof PolicyError, `not a PolicyError: ${String(e)}`);
    return e.issues.map((i) => ({ ...i }));
  }
  assert.fail("expected a PolicyError");
}

const parseIssues = (text: string) => issuesOf(() => parsePolicy(text));

describe("parsePolicy: what is not one policy document (mutation-tested)", () => {
  it("refuses a value that is not text", () => {
    assert.deepEqual(issuesOf(() => parsePolicy(5 as unknown as string)), [{ path: "", message: "the policy text must be a string" }]);
  });

  it("refuses an empty file and a file of comments, with no location", () => {
    for (const text of ["", "# only a comment\n", "---\n"]) assert.deepEqual(parseIssues(text), [{ path: "", message: EMPTY }], JSON.stringify(text));
  });

  it("skips a comment-only document before the policy", () => {
    assert.deepEqual(parsePolicy(`# header\n---\n${HEAD}rules: [{level: None}]\n`).rules, [{ level: "None" }]);
  });

  it("reads an explicit null, an empty string and a number as a document that is not a mapping", () => {
    assert.deepEqual(parseIssues("~\n"), [{ path: "", message: `${NOT_A_MAPPING} null`, line: 1, column: 1 }]);
    assert.deepEqual(parseIssues('""\n'), [{ path: "", message: `${NOT_A_MAPPING} the string ""`, line: 1, column: 1 }]);
    assert.deepEqual(parseIssues("5\n"), [{ path: "", message: `${NOT_A_MAPPING} the number 5`, line: 1, column: 1 }]);
  });

  it("locates a second document where it starts", () => {
    assert.deepEqual(parseIssues(`${HEAD}rules: [{level: None}]\n---\n${HEAD}`), [
      { path: "", message: "the file holds more than one YAML document; an audit policy file must hold exactly one Policy", line: 4, column: 1 },
    ]);
  });

  it("reports a YAML syntax error on one line, where it is", () => {
    assert.deepEqual(parseIssues(`${HEAD}rules: [a\n`), [
      { path: "", message: "YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]", line: 4, column: 1 },
    ]);
  });

  it("turns running out of stack into one issue, located when the yaml package reports it as a syntax error", () => {
    assert.deepEqual(parseIssues(`${"- ".repeat(5000)}x\n---\nkind: Policy\n`), [{ path: "", message: TOO_DEEP }]);
    const [flow] = parseIssues(`${"[".repeat(20000)}${"]".repeat(20000)}\n`);
    assert.deepEqual({ ...flow, column: undefined }, { path: "", message: TOO_DEEP, line: 1, column: undefined });
  });

  it("refuses an alias bomb with one issue for the whole document", () => {
    const bomb = ["a: &a [x,x,x,x,x,x,x,x,x,x]", "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]", "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]", "d: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]"];
    assert.deepEqual(parseIssues(`${bomb.join("\n")}\n`), [
      {
        path: "",
        message: "YAML aliases expand too far (Excessive alias count indicates a resource exhaustion attack); write the policy without anchors and aliases",
      },
    ]);
  });
});

describe("parsePolicy: issues located and ordered (mutation-tested)", () => {
  it("locates issues in rules past the tenth, and an unknown key that looks like an index", () => {
    const text = `${HEAD}rules:\n${"- level: None\n".repeat(10)}- level: None\n  resources:\n  - group: apps\n    "a[1]b": x\n    resources: [pods]\n  - group: apps/v1\n`;
    assert.deepEqual(
      parseIssues(text).map((i) => [i.path, i.line, i.column]),
      [
        ["rules[10].resources[0].a[1]b", 17, 5],
        ["rules[10].resources.group", 19, 5],
      ],
    );
  });

  it("locates an issue under an alias at the aliasing key", () => {
    assert.deepEqual(
      parseIssues(`${HEAD}omitStages: &stages [Bogus]\nrules:\n- level: None\n  omitStages: *stages\n`).map((i) => [i.path, i.line, i.column]),
      [
        ["omitStages[0]", 3, 22],
        ["rules[0].omitStages[0]", 6, 3],
      ],
    );
  });

  it("locates the zero rule of a bare list item at the item", () => {
    assert.deepEqual(parseIssues(`${HEAD}rules:\n- level: None\n-\n`), [{ path: "rules[1].level", message: "Required value", line: 5, column: 2 }]);
  });

  it("sorts every kind of issue by line, then column", () => {
    const text = `${HEAD}rules:\n- {level: None, foo: 1, omitStages: [x]}\n- level: None\n  level: None\n  bar: 2\n`;
    assert.deepEqual(
      parseIssues(text).map((i) => [i.path, i.line, i.column]),
      [
        ["rules[0].foo", 4, 17],
        ["rules[0].omitStages[0]", 4, 38],
        ["rules[1].level", 6, 3],
        ["rules[1].bar", 7, 3],
      ],
    );
    const sameLine = `${HEAD}rules: [{omitStages: [q], level: z, foo: 1, omitManagedFields: true, bar: 2}]\n`;
    assert.deepEqual(
      parseIssues(sameLine).map((i) => [i.path, i.column]),
      [
        ["rules[0].omitStages[0]", 23],
        ["rules[0].level", 27],
        ["rules[0].foo", 37],
        ["rules[0].bar", 70],
      ],
    );
  });

  it("runs kube-apiserver's validation only on a policy that decoded, and the rule count only on a valid one", () => {
    assert.deepEqual(parseIssues(`${HEAD}rules:\n- level: 5\n`), [{ path: "rules[0].level", message: "must be a string, got the number 5 (quote it)", line: 4, column: 3 }]);
    assert.deepEqual(parseIssues(`${HEAD}omitStages: [Bad]\nrules: []\n`), [{ path: "omitStages[0]", message: `Invalid value: "Bad": ${BAD_STAGE}`, line: 3, column: 14 }]);
    assert.deepEqual(parseIssues(`${HEAD}rules: []\n`), [
      {
        path: "rules",
        message: "loaded illegal policy with 0 rules: kube-apiserver refuses to start; add at least one rule (for example `- level: Metadata`)",
        line: 3,
        column: 1,
      },
    ]);
  });
});

describe("policyFromObject (mutation-tested)", () => {
  it("requires apiVersion and kind only when asked", () => {
    assert.deepEqual(issuesOf(() => policyFromObject({ rules: [{ level: "None" }] }, { requireTypeMeta: true })), [
      { path: "apiVersion", message: 'missing: add "apiVersion: audit.k8s.io/v1" (kube-apiserver refuses a policy without it: "unknown group version field")' },
      { path: "kind", message: 'missing: add "kind: Policy"' },
    ]);
    assert.deepEqual(policyFromObject({ rules: [{ level: "None" }] }).rules, [{ level: "None" }]);
  });

  it("validates only an object that decoded", () => {
    assert.deepEqual(issuesOf(() => policyFromObject({ rules: [{ level: 5 }] })), [{ path: "rules[0].level", message: "must be a string, got the number 5 (quote it)" }]);
  });
});
