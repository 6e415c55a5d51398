/**
 * The strict loader's own behaviour beyond the upstream vectors: where kube-apiserver is lenient
 * we report, with path, line, column and a suggestion.
 */
import * as assert from "node:assert/strict";
import {
  decodePolicy,
  evaluatePolicy,
  parseKubernetesVersion,
  parsePolicy,
  PolicyError,
  policyFromObject,
  renderPolicy,
  requireKubernetesVersion,
  validatePolicy,
  type Policy,
  type PolicyIssue,
} from "../../components/audit-policy";

function issuesOf(fn: () => unknown): PolicyIssue[] {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof PolicyError, `expected a PolicyError, got ${String(e)}`);
    return e.issues;
  }
  assert.fail("expected a PolicyError");
}

const HEADER = "apiVersion: audit.k8s.io/v1\nkind: Policy\n";

describe("parsePolicy: strict where kube-apiserver is lenient", () => {
  it("reports a misspelled rule key with its path, line, column and a suggestion", () => {
    const issues = issuesOf(() => parsePolicy(`${HEADER}rules:\n- level: Metadata\n  verb: [get]\n`));
    assert.equal(issues.length, 1);
    assert.equal(issues[0].path, "rules[0].verb");
    assert.equal(issues[0].line, 5);
    assert.equal(issues[0].column, 3);
    assert.match(issues[0].message, /unknown field "verb" in a rule; did you mean "verbs"\?/);
  });

  it("suggests the right case for a capitalised key", () => {
    const issues = issuesOf(() => parsePolicy(`${HEADER}rules:\n- Level: Metadata\n`));
    const unknown = issues.find((i) => i.path === "rules[0].Level");
    assert.ok(unknown);
    assert.match(unknown.message, /did you mean "level"/);
    // kube-apiserver would drop the key and then refuse the rule for its missing level.
    assert.ok(issues.some((i) => i.path === "rules[0].level" && i.message === "Required value"));
  });

  it("reports duplicate keys where the repeated key stands", () => {
    const issues = issuesOf(() => parsePolicy(`${HEADER}rules:\n- level: None\n  level: Metadata\n`));
    assert.deepEqual(
      issues.map((i) => [i.path, i.line, i.column]),
      [["rules[0].level", 5, 3]],
    );
    assert.match(issues[0].message, /duplicate key "level"/);
    // ...while the lenient decoder keeps the last value, as kube-apiserver does.
    const { policy, dropped } = decodePolicy(`${HEADER}rules:\n- level: None\n  level: Metadata\n`);
    assert.equal(policy.rules[0].level, "Metadata");
    assert.equal(dropped.length, 1);
  });

  it("reads YAML 1.1 like kube-apiserver: an unquoted `on` is a boolean, not a verb", () => {
    const issues = issuesOf(() => parsePolicy(`${HEADER}rules:\n- level: Metadata\n  verbs: [get, on]\n`));
    assert.equal(issues[0].path, "rules[0].verbs[1]");
    assert.match(issues[0].message, /must be a string, got the boolean true \(quote it\)/);
  });

  it("refuses a scalar where a list is expected, with the fix", () => {
    const issues = issuesOf(() => parsePolicy(`${HEADER}rules:\n- level: Metadata\n  verbs: get\n`));
    assert.equal(issues[0].path, "rules[0].verbs");
    assert.match(issues[0].message, /must be a list of strings.*\["get"\]/);
  });

  it("reports YAML syntax errors with line and column", () => {
    const issues = issuesOf(() => parsePolicy(`${HEADER}rules:\n- level: [Metadata\n`));
    assert.ok(issues[0].line !== undefined && issues[0].column !== undefined);
    assert.match(issues[0].message, /^YAML syntax error/);
  });

  it("refuses more than one document", () => {
    const issues = issuesOf(() => parsePolicy(`${HEADER}rules:\n- level: None\n---\n${HEADER}rules:\n- level: Metadata\n`));
    assert.match(issues[0].message, /more than one YAML document/);
    assert.equal(issues[0].line, 5); // the second document starts at its "---"
  });

  it("names the file in the error message", () => {
    assert.throws(() => parsePolicy(`${HEADER}rules:\n- level: Loud\n`, { source: "policy.yaml" }), (e: Error) => {
      assert.match(e.message, /^policy\.yaml:4:3: rules\[0\]\.level: Unsupported value: "Loud"/);
      return true;
    });
  });

  it("refuses a wrong kind and a foreign apiVersion", () => {
    const issues = issuesOf(() => parsePolicy("apiVersion: v1\nkind: ConfigMap\nrules:\n- level: None\n"));
    assert.deepEqual(issues.map((i) => i.path), ["apiVersion", "kind"]);
  });

  it("accepts JSON text", () => {
    const p = parsePolicy(JSON.stringify({ apiVersion: "audit.k8s.io/v1", kind: "Policy", rules: [{ level: "Metadata" }] }));
    assert.deepEqual(p.rules, [{ level: "Metadata" }]);
  });

  it("validates group \"*\" by Kubernetes version (1.36+ only)", () => {
    const text = `${HEADER}rules:\n- level: Metadata\n  resources:\n  - group: "*"\n`;
    assert.equal(parsePolicy(text, { kubernetesVersion: "v1.36.0+rke2r1" }).rules.length, 1);
    const issues = issuesOf(() => parsePolicy(text, { kubernetesVersion: "v1.31.5+rke2r1" }));
    assert.equal(issues[0].path, "rules[0].resources.group");
    assert.match(issues[0].message, /^Invalid value: "\*": a lowercase RFC 1123 subdomain/);
  });
});

describe("parsePolicy: YAML exactly as kube-apiserver's go-yaml reads it", () => {
  const usersOf = (item: string) => parsePolicy(`${HEADER}rules:\n- level: Metadata\n  users: [${item}]\n`).rules[0].users;

  it("keeps dates and sexagesimal-looking values strings (go-yaml has no timestamps or base 60)", () => {
    assert.deepEqual(usersOf("2001-01-01"), ["2001-01-01"]);
    assert.deepEqual(usersOf("1:20"), ["1:20"]);
    const p = parsePolicy(`${HEADER}metadata:\n  annotations: {reviewed: 2024-05-01}\nrules:\n- level: None\n`);
    assert.deepEqual(p.metadata, { annotations: { reviewed: "2024-05-01" } });
  });

  it("reads Go's integer forms as numbers, which a string field refuses", () => {
    for (const n of ["0o17", "0X1F", "0B101", "017", "1_000", "1e3"]) {
      const issues = issuesOf(() => usersOf(n));
      assert.match(issues[0].message, /must be a string, got the number .* \(quote it\)/, n);
    }
  });

  it("renders such strings quoted, so kube-apiserver reads them back as strings", () => {
    const p = parsePolicy(`${HEADER}metadata:\n  name: "0o17"\nrules:\n- level: Metadata\n  users: ["0o17", "1e3", "2001-01-01"]\n`);
    const text = renderPolicy(p);
    assert.match(text, /name: "0o17"/);
    assert.deepEqual(parsePolicy(text), p);
  });

  it("ignores an empty trailing document (a final `---`), as kube-apiserver does", () => {
    assert.equal(parsePolicy(`${HEADER}rules:\n- level: Metadata\n---\n`).rules.length, 1);
    assert.equal(parsePolicy(`${HEADER}rules:\n- level: Metadata\n---\n# nothing here\n`).rules.length, 1);
  });

  it("turns an alias bomb into a PolicyError, not a crash", () => {
    const bomb = ["a: &a [x,x,x,x,x,x,x,x,x,x]", "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]", "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]", "d: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]", ""].join("\n");
    const issues = issuesOf(() => parsePolicy(bomb));
    assert.match(issues[0].message, /aliases expand too far/);
  });

  it("locates a bad group at its entry although kube-apiserver's path has no index", () => {
    const issues = issuesOf(() =>
      parsePolicy(`${HEADER}rules:\n- level: Metadata\n  resources:\n  - group: ""\n    resources: [pods]\n  - group: apps/v1\n    resources: [deployments]\n`),
    );
    assert.equal(issues[0].path, "rules[0].resources.group");
    assert.deepEqual([issues[0].line, issues[0].column], [8, 5]);
  });
});

describe("policyFromObject", () => {
  it("applies the same strict checks to objects from code or config", () => {
    const issues = issuesOf(() => policyFromObject({ rules: [{ level: "Metadata", resource: [{ group: "" }] }] }));
    assert.equal(issues[0].path, "rules[0].resource");
    assert.match(issues[0].message, /did you mean "resources"/);
    assert.throws(() => policyFromObject({ rules: [] }), /loaded illegal policy with 0 rules/);
  });

  it("returns a clean copy with the type fields filled in", () => {
    const src = { rules: [{ level: "None", users: ["system:kube-proxy"] }] };
    const p = policyFromObject(src);
    assert.equal(p.apiVersion, "audit.k8s.io/v1");
    assert.equal(p.kind, "Policy");
    assert.notEqual(p.rules[0], src.rules[0]);
  });
});

describe("validatePolicy on values that are not shaped like a Policy", () => {
  it("reports types before kube-apiserver's checks", () => {
    assert.deepEqual(validatePolicy({ rules: "all" }).map((i) => i.path), ["rules"]);
    assert.deepEqual(validatePolicy(null).map((i) => i.path), [""]);
  });

  it("formats bad values as Go does (%q for strings, JSON for levels and lists)", () => {
    const issues = validatePolicy({ rules: [{ level: "<x>", nonResourceURLs: ["a\tb"] }] });
    assert.deepEqual(
      issues.map((i) => `${i.path}: ${i.message}`),
      [
        'rules[0].level: Unsupported value: "\\u003cx\\u003e": supported values: "None", "Metadata", "Request", "RequestResponse"',
        "rules[0].nonResourceURLs[0]: Invalid value: \"a\\tb\": non-resource URL rules must begin with a '/' character",
      ],
    );
  });
});

describe("renderPolicy", () => {
  const tricky: Policy = {
    apiVersion: "audit.k8s.io/v1",
    kind: "Policy",
    omitStages: ["RequestReceived"],
    rules: [
      { level: "None", users: ["on", "yes", "no", "*", ""], verbs: ["get"], resources: [{ group: "", resources: ["*", "pods/*"] }] },
      { level: "Metadata", nonResourceURLs: ["/healthz*", "*"] },
      { level: "Request", namespaces: [""], omitManagedFields: true },
    ],
  };

  it("round-trips strings that YAML 1.1 would otherwise read as booleans or aliases", () => {
    assert.deepEqual(parsePolicy(renderPolicy(tricky)), tricky);
  });

  it("is byte-identical across runs and independent of key order", () => {
    const shuffled = JSON.parse(JSON.stringify({ rules: tricky.rules, kind: "Policy", omitStages: ["RequestReceived"], apiVersion: "audit.k8s.io/v1" }));
    assert.equal(renderPolicy(shuffled), renderPolicy(tricky));
    const text = renderPolicy(tricky);
    assert.ok(text.endsWith("\n") && !text.endsWith("\n\n"));
    assert.ok(!text.includes("&") && !text.includes("*a"), "no anchors or aliases");
  });

  it("puts level first in every rule", () => {
    for (const block of renderPolicy(tricky).split("\n- ").slice(1)) assert.match(block, /^level: /);
  });
});

describe("evaluatePolicy caches compiled policies per Kubernetes version", () => {
  it("gives version-specific answers for the same policy object", () => {
    const p = parsePolicy(`${HEADER}rules:\n- level: Metadata\n  resources:\n  - group: "*"\n`);
    const req = { user: "a", groups: [], verb: "get", resourceRequest: true, apiGroup: "apps", resource: "deployments", subresource: "", namespace: "x", name: "", path: "" };
    assert.equal(evaluatePolicy(p, req, { kubernetesVersion: "1.35" }).level, "None");
    assert.equal(evaluatePolicy(p, req, { kubernetesVersion: "1.36" }).level, "Metadata");
    assert.equal(evaluatePolicy(p, req).level, "Metadata");
  });
});

describe("Kubernetes versions", () => {
  it("parses the forms Rancher, RKE2 and K3s use", () => {
    assert.deepEqual(parseKubernetesVersion("v1.31.5+rke2r1"), { major: 1, minor: 31, patch: 5, build: "rke2r1" });
    assert.deepEqual(parseKubernetesVersion("v1.30.4+k3s1"), { major: 1, minor: 30, patch: 4, build: "k3s1" });
    assert.deepEqual(parseKubernetesVersion("1.36"), { major: 1, minor: 36, patch: 0, build: "" });
    assert.equal(parseKubernetesVersion("latest"), undefined);
    assert.throws(() => requireKubernetesVersion("rke2", "clusters[0].kubernetesVersion"), /clusters\[0\]\.kubernetesVersion: "rke2" is not a Kubernetes version/);
  });
});
