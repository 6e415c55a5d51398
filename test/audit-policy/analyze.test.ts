/**
 * analyzePolicy: unit cases per finding id (with the evaluator's quirks), the real-world policies in
 * test/fixtures/policies with their exact findings, and a cross-check of reachability, logs-nothing
 * and secret-bodies against a brute-force enumeration over random policies.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import { analyzePolicy, compilePolicy, decodePolicy, evaluateCompiled, matchingRules, parsePolicy, PolicyError } from "../../components/audit-policy";
import type { Finding, Level, Policy, PolicyRule, RequestAttributes, Stage } from "../../components/audit-policy";
import type { AnalyzeStats } from "../../components/audit-policy/analyze";
import { mulberry32 } from "../support/traffic";

const POLICIES_DIR = path.join(__dirname, "..", "fixtures", "policies");

const policyOf = (rules: PolicyRule[], extra: Partial<Policy> = {}): Policy => ({ apiVersion: "audit.k8s.io/v1", kind: "Policy", rules, ...extra });

/** "id path" for each finding, in the order analyzePolicy returns them. */
const keys = (findings: Finding[]): string[] => findings.map((f) => `${f.id} ${f.path}`);
const withId = (findings: Finding[], id: Finding["id"]): Finding[] => findings.filter((f) => f.id === id);
function only(findings: Finding[], id: Finding["id"], p: string): Finding {
  const hits = findings.filter((f) => f.id === id && f.path === p);
  assert.equal(hits.length, 1, `expected one ${id} at ${p}, got: ${JSON.stringify(keys(findings))}`);
  return hits[0];
}

const METADATA_FOR_SECRETS: PolicyRule = {
  level: "Metadata",
  resources: [
    { group: "", resources: ["secrets", "configmaps", "serviceaccounts/token"] },
    { group: "authentication.k8s.io", resources: ["tokenreviews"] },
  ],
};

describe("analyzePolicy", () => {
  describe("secret-bodies", () => {
    it("flags a `- group: \"\"` entry without resources: it covers Secrets and ConfigMaps", () => {
      const findings = analyzePolicy(policyOf([{ level: "RequestResponse", resources: [{ group: "" }] }, { level: "Metadata" }]));
      const f = only(findings, "secret-bodies", "rules[0]");
      assert.equal(f.severity, "error");
      assert.match(f.message, /Secrets \(e\.g\. create secrets in namespace "team-a" by user "alice"/);
      assert.match(f.message, /ConfigMaps/);
      assert.match(f.message, /ServiceAccount tokens/);
      assert.doesNotMatch(f.message, /TokenReviews \(/, "tokenreviews are in authentication.k8s.io, decided by rules[1] at Metadata");
      assert.match(f.message, /Fix: add before it a rule "- level: Metadata"/);
      assert.deepEqual(keys(findings), ["secret-bodies rules[0]"]);
    });

    it("flags a rule with no resources at all (it matches every request)", () => {
      const findings = analyzePolicy(policyOf([{ level: "RequestResponse" }]));
      const f = only(findings, "secret-bodies", "rules[0]");
      assert.match(f.message, /TokenReviews \(e\.g\. create tokenreviews\.authentication\.k8s\.io by user/);
      assert.deepEqual(keys(findings), ["secret-bodies rules[0]"]);
    });

    it('flags resources: ["*"] at Request (write bodies), not serviceaccounts/token at Request', () => {
      const findings = analyzePolicy(policyOf([{ level: "Request", resources: [{ group: "", resources: ["*"] }] }, { level: "Metadata" }]));
      const f = only(findings, "secret-bodies", "rules[0]");
      assert.match(f.message, /logs request bodies \(level Request\) of Secrets/);
      assert.doesNotMatch(f.message, /ServiceAccount tokens/, "a TokenRequest's request body holds no token");
    });

    it("does not flag when an earlier Metadata rule on the secret-like resources catches everything", () => {
      const findings = analyzePolicy(policyOf([METADATA_FOR_SECRETS, { level: "RequestResponse" }]));
      assert.deepEqual(withId(findings, "secret-bodies"), []);
      assert.deepEqual(keys(findings), []);
    });

    it("does not flag reads or deletes at level Request (no secret data in their request bodies)", () => {
      const findings = analyzePolicy(
        policyOf([
          { level: "Request", verbs: ["get", "list", "watch", "delete", "deletecollection"], resources: [{ group: "" }] },
          METADATA_FOR_SECRETS,
          { level: "Metadata" },
        ]),
      );
      assert.deepEqual(keys(findings), []);
    });

    it("flags a leak that only a named user, namespace and object name reach, with that request as the example", () => {
      const findings = analyzePolicy(
        policyOf([
          {
            level: "RequestResponse",
            users: ["bob"],
            namespaces: ["vault"],
            resources: [{ group: "", resources: ["secrets"], resourceNames: ["root-token"] }],
          },
          METADATA_FOR_SECRETS,
          { level: "Metadata" },
        ]),
      );
      const f = only(findings, "secret-bodies", "rules[0]");
      assert.match(f.message, /update secrets "root-token" in namespace "vault" by user "bob"/);
    });

    it("does not count requests without user info (failed authentication never logs bodies)", () => {
      const findings = analyzePolicy(
        policyOf([{ level: "Metadata", userGroups: ["system:authenticated", "system:unauthenticated"] }, { level: "RequestResponse" }]),
      );
      assert.deepEqual(withId(findings, "secret-bodies"), []);
    });

    it("does not flag a rule that omits ResponseComplete (bodies are written with that stage)", () => {
      const findings = analyzePolicy(policyOf([{ level: "RequestResponse", omitStages: ["ResponseComplete"] }]));
      assert.deepEqual(withId(findings, "secret-bodies"), []);
    });
  });

  describe("shadowed-rule", () => {
    it("flags a rule covered only by the union of two earlier rules and names both", () => {
      const secrets = [{ group: "", resources: ["secrets"] }];
      const findings = analyzePolicy(
        policyOf([
          { level: "Metadata", verbs: ["get", "list", "watch"], resources: secrets },
          { level: "Metadata", verbs: ["create", "update", "patch", "delete", "deletecollection"], resources: secrets },
          { level: "Request", verbs: ["get", "create"], resources: secrets },
          { level: "Metadata" },
        ]),
      );
      const f = only(findings, "shadowed-rule", "rules[2]");
      assert.equal(f.severity, "warning");
      assert.match(f.message, /decided first by rules\[0\], rules\[1\]/);
      assert.match(f.message, /e\.g\. get secrets "example" in namespace "team-a" by user "alice" \(groups system:authenticated\) is decided by rules\[0\]/);
      assert.deepEqual(keys(findings), ["shadowed-rule rules[2]"]);
    });

    it("does not flag a rule that only requests without user info reach", () => {
      const findings = analyzePolicy(
        policyOf([
          { level: "Metadata", userGroups: ["system:authenticated", "system:unauthenticated"], nonResourceURLs: ["/healthz"] },
          { level: "Request", nonResourceURLs: ["/healthz"] },
          { level: "Request", userGroups: ["system:authenticated"], nonResourceURLs: ["/healthz"] },
          { level: "Metadata" },
        ]),
      );
      assert.deepEqual(withId(findings, "shadowed-rule").map((f) => f.path), ["rules[2]"], "rules[1] is reached by failed authentication");
    });

    it('knows that "pods/*" also matches plain pods (kube-apiserver quirk)', () => {
      const findings = analyzePolicy(
        policyOf([
          { level: "Metadata", resources: [{ group: "", resources: ["pods/*"] }] },
          { level: "RequestResponse", resources: [{ group: "", resources: ["pods"] }] },
          { level: "Metadata" },
        ]),
      );
      assert.deepEqual(keys(findings), ["shadowed-rule rules[1]"]);
    });

    it('knows that "pods" does not match subresources, and "*/scale" needs a subresource', () => {
      const findings = analyzePolicy(
        policyOf([
          { level: "Metadata", resources: [{ group: "", resources: ["pods"] }, { group: "apps", resources: ["*/scale"] }] },
          { level: "Request", resources: [{ group: "", resources: ["pods/log"] }] },
          { level: "Request", resources: [{ group: "apps", resources: ["deployments"] }] },
          { level: "Metadata" },
        ]),
      );
      assert.deepEqual(withId(findings, "shadowed-rule"), []);
    });

    it("flags a duplicate catch-all and a namespace rule after a cluster-wide one", () => {
      const findings = analyzePolicy(
        policyOf([
          { level: "Metadata", resources: [{ group: "" }] },
          { level: "None", namespaces: ["kube-system"], resources: [{ group: "", resources: ["configmaps"] }] },
          { level: "Metadata" },
          { level: "Request" },
        ]),
      );
      assert.deepEqual(keys(findings), ["shadowed-rule rules[1]", "shadowed-rule rules[3]"]);
      assert.match(only(findings, "shadowed-rule", "rules[3]").message, /decided first by rules\[0\], rules\[2\]/);
    });

    it('counts requests with verb "" (OPTIONS and other unmapped methods on resource paths)', () => {
      const core = [{ group: "" }];
      const findings = analyzePolicy(
        policyOf([
          { level: "None", verbs: ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "proxy"], resources: core },
          { level: "Metadata", resources: core },
          { level: "Metadata" },
        ]),
      );
      assert.deepEqual(withId(findings, "shadowed-rule"), []);
    });

    it("treats a `*` URL as a raw prefix: /healthz* is reachable after /healthz, /healthz/etcd is not after /healthz*", () => {
      const reachable = analyzePolicy(
        policyOf([
          { level: "None", nonResourceURLs: ["/healthz"] },
          { level: "Metadata", nonResourceURLs: ["/healthz*"] },
          { level: "Metadata", nonResourceURLs: ["/apis"] },
          { level: "Metadata" },
        ]),
      );
      assert.deepEqual(keys(reachable), []);
      const shadowed = analyzePolicy(
        policyOf([
          { level: "None", nonResourceURLs: ["/healthz*", "/api*"] },
          { level: "Metadata", nonResourceURLs: ["/healthz/etcd", "/healthzfoo", "/apis"] },
          { level: "Metadata" },
        ]),
      );
      assert.deepEqual(keys(shadowed), ["shadowed-rule rules[1]"]);
    });

    it("considers callers with system:unauthenticated and another group (they do not get system:authenticated)", () => {
      // kube-apiserver adds system:authenticated unless the user already has system:unauthenticated,
      // so a front-proxy user with groups [system:unauthenticated, team] skips rules[0].
      const findings = analyzePolicy(
        policyOf([
          { level: "None", userGroups: ["system:authenticated"] },
          { level: "Metadata", userGroups: ["team"] },
          { level: "Metadata", userGroups: ["system:unauthenticated"] },
        ]),
      );
      assert.deepEqual(withId(findings, "shadowed-rule"), []);
      const covered = analyzePolicy(
        policyOf([
          { level: "None", userGroups: ["system:authenticated", "system:unauthenticated"] },
          { level: "Metadata", userGroups: ["team"] },
        ]),
      );
      assert.deepEqual(withId(covered, "shadowed-rule").map((f) => f.path), ["rules[1]"]);
    });

    it("respects group \"*\" only from 1.36", () => {
      const rules: PolicyRule[] = [{ level: "Metadata", resources: [{ group: "*" }] }, { level: "Metadata", resources: [{ group: "apps" }] }, { level: "Metadata" }];
      assert.deepEqual(keys(analyzePolicy(policyOf(rules), { kubernetesVersion: "v1.36.0+rke2r1" })), ["shadowed-rule rules[1]"]);
      assert.deepEqual(keys(analyzePolicy(policyOf(rules), { kubernetesVersion: "v1.31.4+rke2r1" })), ["never-matches rules[0].resources[0].group"]);
    });
  });

  describe("never-matches", () => {
    it('flags "*/*" and a versioned group "apps/v1" at the element path', () => {
      const findings = analyzePolicy(
        policyOf([
          { level: "None", resources: [{ group: "", resources: ["*/*"] }, { group: "apps/v1", resources: ["deployments"] }] },
          { level: "Metadata" },
        ]),
      );
      assert.deepEqual(keys(findings), ["never-matches rules[0].resources[0].resources[0]", "never-matches rules[0].resources[1].group"]);
      assert.match(findings[0].message, /"\*\/\*" is not "everything"/);
      assert.match(findings[0].message, /use "\*"/);
      assert.match(findings[1].message, /write group: "apps"/);
    });

    it("flags resources under the wrong group, singular, uppercase and three-part resources, and version-as-group", () => {
      const findings = analyzePolicy(
        policyOf([
          {
            level: "None",
            resources: [
              { group: "", resources: ["deployments", "pod", "Pods", "pods/log/x", "pods/log"] },
              { group: "apps", resources: ["pods", "deployments/scale"] },
              { group: "v1" },
              { group: "metrics.k8s.io", resources: ["pods"] },
            ],
          },
          { level: "Metadata" },
        ]),
      );
      assert.deepEqual(keys(findings), [
        "never-matches rules[0].resources[0].resources[0]",
        "never-matches rules[0].resources[0].resources[1]",
        "never-matches rules[0].resources[0].resources[2]",
        "never-matches rules[0].resources[0].resources[3]",
        "never-matches rules[0].resources[1].resources[0]",
        "never-matches rules[0].resources[2].group",
      ]);
      assert.match(findings[0].message, /not in the core group \(""\) but in group "apps"/);
      assert.match(findings[1].message, /write "pods"/);
      assert.match(findings[2].message, /uppercase/);
      assert.match(findings[3].message, /write "pods\/log"/);
      assert.match(findings[4].message, /not in group "apps" but in group "" \(core\)/);
      assert.match(findings[5].message, /API version, not a group/);
    });

    it("flags verbs that are not verbs, including \"*\", per rule kind", () => {
      const findings = analyzePolicy(
        policyOf([
          { level: "None", verbs: ["read", "*", "GET", "get"], resources: [{ group: "" }] },
          { level: "None", verbs: ["list", "get"], nonResourceURLs: ["/healthz"] },
          { level: "None", verbs: ["post", "create"] },
          { level: "Metadata" },
        ]),
      );
      const never = withId(findings, "never-matches");
      assert.deepEqual(keys(never), [
        "never-matches rules[0].verbs[0]",
        "never-matches rules[0].verbs[1]",
        "never-matches rules[0].verbs[2]",
        "never-matches rules[1].verbs[0]",
      ]);
      assert.match(never[0].message, /for this use get, list, watch/);
      assert.match(never[1].message, /not a verb wildcard/);
      assert.match(never[2].message, /write "get"/);
      assert.match(never[3].message, /lower-cased HTTP method/);
    });

    it("flags resourceNames with deletecollection or create on a collection, not with list/watch (fieldSelector=metadata.name)", () => {
      const cm = (resources: string[]) => [{ group: "", resources, resourceNames: ["leader"] }];
      const findings = analyzePolicy(
        policyOf([
          { level: "None", verbs: ["deletecollection", "create"], resources: cm(["configmaps"]) },
          { level: "None", verbs: ["list", "watch"], resources: cm(["configmaps"]) },
          { level: "None", verbs: ["create"], resources: cm(["serviceaccounts/token"]) },
          { level: "Metadata" },
        ]),
      );
      assert.deepEqual(keys(findings), ["never-matches rules[0].resources[0].resourceNames"]);
      assert.match(findings[0].message, /this entry matches nothing/);
    });

    it("flags resource paths in nonResourceURLs, and invalid namespaces", () => {
      const findings = analyzePolicy(
        policyOf([
          { level: "None", nonResourceURLs: ["/api/v1/pods", "/apis/apps/v1/deployments*", "/apis/apps*", "/api/v1/*"] },
          { level: "None", namespaces: ["Kube-System", "kube-system"] },
          { level: "Metadata" },
        ]),
      );
      assert.deepEqual(keys(findings), [
        "never-matches rules[0].nonResourceURLs[0]",
        "never-matches rules[0].nonResourceURLs[1]",
        "never-matches rules[1].namespaces[0]",
      ]);
    });

    it("flags a rule whose conditions no request meets together, when no element explains it", () => {
      const findings = analyzePolicy(
        policyOf([{ level: "None", verbs: ["deletecollection"], resources: [{ group: "", resources: ["pods/log"] }] }, { level: "Metadata" }]),
      );
      assert.deepEqual(keys(findings), ["never-matches rules[0]"]);
    });
  });

  describe("never-matches for keys kube-apiserver drops (options.dropped)", () => {
    it("reports OpenShift's `resource:` typo with its effect: the whole group at Metadata", () => {
      const decoded = decodePolicy(fs.readFileSync(path.join(POLICIES_DIR, "openshift-writerequestbodies.yaml"), "utf8"));
      assert.deepEqual(decoded.dropped.map((d) => d.path), ["rules[2].resources[4].resource"]);
      const findings = analyzePolicy(decoded.policy, { dropped: decoded.dropped });
      const f = only(findings, "never-matches", "rules[2].resources[4].resource");
      assert.equal(f.severity, "warning"); // kube-apiserver accepts the file; `check` is stricter
      assert.match(f.message, /did you mean "resources"/);
      assert.match(f.message, /matches every resource and subresource in group "machineconfiguration\.openshift\.io" at level Metadata/);
      // Without `dropped`, the same policy has no finding at that path.
      assert.deepEqual(analyzePolicy(decoded.policy).filter((f) => f.path.startsWith("rules[2].resources[4]")), []);
    });

    it("explains a rule field indented under resources", () => {
      const decoded = decodePolicy(
        ["apiVersion: audit.k8s.io/v1", "kind: Policy", "rules:", "- level: None", "  resources:", "  - group: \"\"", "    verbs: [watch]", "- level: Metadata", ""].join("\n"),
      );
      const findings = analyzePolicy(decoded.policy, { dropped: decoded.dropped });
      const f = only(findings, "never-matches", "rules[0].resources[0].verbs");
      assert.match(f.message, /move it left/);
      assert.match(f.message, /matches every resource and subresource in the core group \(""\) at level None/);
    });
  });

  describe("cis-3.2.2", () => {
    it("flags items a Rancher user (cattle-impersonation service account) is not logged for", () => {
      const findings = analyzePolicy(
        policyOf([{ level: "None", userGroups: ["system:serviceaccounts:cattle-impersonation-system"] }, { level: "Metadata" }]),
      );
      const cis = withId(findings, "cis-3.2.2");
      assert.equal(cis.length, 9, JSON.stringify(keys(findings)));
      for (const f of cis) {
        assert.equal(f.path, "rules[0]");
        assert.match(f.message, /by user "system:serviceaccount:cattle-impersonation-system:cattle-impersonation-u-abc12"/);
      }
    });

    it("flags pods/exec logged only on create (kubectl >= 1.30 sends exec as GET), and the deciding rule", () => {
      const findings = analyzePolicy(
        policyOf([
          { level: "Metadata", verbs: ["create"], resources: [{ group: "", resources: ["pods/exec", "pods/portforward", "pods/proxy", "services/proxy"] }] },
          { level: "None", resources: [{ group: "", resources: ["pods/exec", "pods/portforward", "pods/proxy", "services/proxy"] }] },
          { level: "Metadata" },
        ]),
      );
      assert.deepEqual(keys(findings), ["cis-3.2.2 rules[1]", "cis-3.2.2 rules[1]", "cis-3.2.2 rules[1]", "cis-3.2.2 rules[1]"]);
      assert.match(findings.map((f) => f.message).join("\n"), /use of pods\/exec, but get pods\/exec "example" in namespace "team-a" by user "alice"/);
    });

    it("flags missing coverage with no matching rule at path `rules`, and stage omissions", () => {
      const findings = analyzePolicy(
        policyOf([
          { level: "Metadata", resources: [{ group: "", resources: ["secrets"] }], omitStages: ["RequestReceived", "ResponseComplete"] },
          { level: "Metadata", resources: [{ group: "", resources: ["pods", "pods/exec", "pods/portforward", "pods/proxy", "services/proxy", "configmaps"] }] },
          { level: "Metadata", resources: [{ group: "authentication.k8s.io", resources: ["tokenreviews"] }] },
        ]),
      );
      assert.deepEqual(keys(findings), ["cis-3.2.2 rules", "cis-3.2.2 rules[0]"]);
      assert.match(findings[0].message, /modification of Deployments, but create deployments\.apps in namespace "team-a"/);
      assert.match(findings[0].message, /no rule matches it and the default level is None/);
      assert.match(findings[1].message, /omits RequestReceived and ResponseComplete, so no event is written/);
    });

    it("is quiet for a Metadata catch-all and for the GCE policy", () => {
      assert.deepEqual(analyzePolicy(policyOf([{ level: "Metadata" }])), []);
      const gce = parsePolicy(fs.readFileSync(path.join(POLICIES_DIR, "gce-gci-configure-helper-default.yaml"), "utf8"));
      assert.deepEqual(withId(analyzePolicy(gce), "cis-3.2.2"), []);
    });
  });

  describe("logs-nothing", () => {
    it("flags None everywhere, and rules that omit every stage; not when long-running requests still get ResponseStarted", () => {
      assert.deepEqual(keys(analyzePolicy(policyOf([{ level: "None" }]))), ["logs-nothing rules"]);
      assert.deepEqual(keys(analyzePolicy(policyOf([]))), ["logs-nothing rules"]);
      const omitted = analyzePolicy(policyOf([{ level: "Metadata" }], { omitStages: ["RequestReceived", "ResponseStarted", "ResponseComplete"] }));
      assert.deepEqual(keys(omitted), ["logs-nothing rules"]);
      assert.match(omitted[0].message, /omits all its stages/);
      const started = analyzePolicy(policyOf([{ level: "Metadata", omitStages: ["RequestReceived", "ResponseComplete"] }]));
      assert.deepEqual(withId(started, "logs-nothing"), []);
      assert.ok(withId(started, "cis-3.2.2").length > 0, "short requests are still not logged");
    });
  });

  describe("output", () => {
    it("sorts by path naturally (rules[2] before rules[10]), then id; is deterministic; does not mutate the policy", () => {
      const rules: PolicyRule[] = Array.from({ length: 11 }, () => ({ level: "None" as Level, verbs: ["read"] }));
      rules.push({ level: "RequestResponse" });
      const policy = policyOf(rules);
      const before = JSON.stringify(policy);
      const first = analyzePolicy(policy);
      assert.deepEqual(analyzePolicy(policy), first);
      assert.equal(JSON.stringify(policy), before);
      assert.deepEqual(
        keys(first),
        [...rules.slice(0, 11).map((_, i) => `never-matches rules[${i}].verbs[0]`), "secret-bodies rules[11]"],
      );
    });

    it("rejects a malformed kubernetesVersion with an error naming the option", () => {
      assert.throws(() => analyzePolicy(policyOf([{ level: "Metadata" }]), { kubernetesVersion: "latest" }), /kubernetesVersion/);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Real-world policies

/**
 * Exact findings ("id path") per vendored policy, each checked by hand against the file:
 */
const REAL_POLICY_FINDINGS: Record<string, string[]> = {
  // rules[0] lists "deployments" under group "" (they live in apps): dead entry. ConfigMap bodies:
  // rules[6] logs kube-system ConfigMaps at Request (create/update/patch bodies), rules[7] all other
  // ConfigMaps at RequestResponse. Secrets are Metadata (rules[8]); serviceaccounts/token reaches
  // rules[9] at Request only (no token in a TokenRequest's request body). CIS items all logged.
  "falco-k8saudit-plugin.yaml": ["never-matches rules[0].resources[0].resources[1]", "secret-bodies rules[6]", "secret-bodies rules[7]"],
  // Secrets, ConfigMaps, serviceaccounts/token and TokenReviews all hit rules[13] (Metadata) unless an
  // earlier None rule drops them; the namespace-controller deletecollection rule (rules[12], Request,
  // no resources) logs only DeleteOptions. Every rule is reachable; every CIS item is logged.
  "gce-gci-configure-helper-default.yaml": [],
  // Analyzed with apiVersion changed to v1: this older GCE policy lacks "serviceaccounts/token" in
  // its Metadata rule, so TokenRequest responses (fresh tokens) fall to rules[14], RequestResponse for
  // the core group -- which is why upstream later added it.
  "invalid-gce-historical-v1beta1.yaml": ["secret-bodies rules[14]"],
  // A single Metadata catch-all.
  "k8s-docs-minimal-metadata.yaml": [],
  // rules[5] logs kube-system ConfigMaps at Request (write bodies); other ConfigMaps and Secrets are
  // Metadata (rules[6]). serviceaccounts/token gets Request only (rules[7]).
  "k8s-website-example.yaml": ["secret-bodies rules[5]"],
  // GCE-derived, with serviceaccounts/token in the Metadata rule: nothing to report.
  "kubespray-default.yaml": [],
  // The `resource:` typo (dropped key), and the RequestResponse catch-all rules[3] logs ConfigMap
  // bodies (Secrets, tokens and TokenReviews are caught by rules[2] at Metadata).
  "openshift-allrequestbodies.yaml": ["never-matches rules[2].resources[4].resource", "secret-bodies rules[3]"],
  // Metadata catch-all; RequestResponse only for identities and OAuth tokens (not in our target set).
  "openshift-default.yaml": [],
  // Base None rules plus a catch-all None.
  "openshift-none.yaml": ["logs-nothing rules"],
  // Same typo; rules[3] logs every write (create/update/patch/...) at RequestResponse, ConfigMaps included.
  "openshift-writerequestbodies.yaml": ["never-matches rules[2].resources[4].resource", "secret-bodies rules[3]"],
  // A single Metadata catch-all.
  "rke1-default.yaml": [],
  // `rules: [{level: None}]`: valid, logs nothing (RKE2 hardening guide: "at least `level` must be modified").
  "rke2-default-cis-profile.yaml": ["logs-nothing rules"],
  // A single Metadata catch-all.
  "talos-default.yaml": [],
};

const TYPO_FILES = new Set(["openshift-writerequestbodies.yaml", "openshift-allrequestbodies.yaml"]);
const REMOVED_VERSION_FILE = "invalid-gce-historical-v1beta1.yaml";

function loadReal(file: string): { policy: Policy; dropped?: ReturnType<typeof decodePolicy>["dropped"] } {
  let text = fs.readFileSync(path.join(POLICIES_DIR, file), "utf8");
  if (file === REMOVED_VERSION_FILE) {
    assert.throws(() => parsePolicy(text), PolicyError);
    text = text.replace(/^apiVersion: audit\.k8s\.io\/v1beta1$/m, "apiVersion: audit.k8s.io/v1");
  }
  if (TYPO_FILES.has(file)) {
    const decoded = decodePolicy(text);
    return { policy: decoded.policy, dropped: decoded.dropped };
  }
  return { policy: parsePolicy(text) };
}

describe("analyzePolicy on real-world policies (test/fixtures/policies)", () => {
  const files = fs
    .readdirSync(POLICIES_DIR)
    .filter((f) => f.endsWith(".yaml"))
    .sort();

  it("has an expectation for every vendored policy", () => {
    assert.deepEqual(files, Object.keys(REAL_POLICY_FINDINGS).sort());
  });

  for (const file of Object.keys(REAL_POLICY_FINDINGS)) {
    it(`${file}: ${REAL_POLICY_FINDINGS[file].join(", ") || "no findings"}`, () => {
      const { policy, dropped } = loadReal(file);
      const findings = analyzePolicy(policy, { dropped });
      assert.deepEqual(keys(findings), REAL_POLICY_FINDINGS[file]);
      for (const f of findings) assert.equal(f.severity, f.id === "secret-bodies" ? "error" : "warning");
      // No group "*" in these policies: the result does not depend on the version.
      assert.deepEqual(keys(analyzePolicy(policy, { dropped, kubernetesVersion: "v1.30.4+k3s1" })), REAL_POLICY_FINDINGS[file]);
    });
  }

  it("falco: the secret-bodies messages name a concrete ConfigMap write", () => {
    const findings = analyzePolicy(loadReal("falco-k8saudit-plugin.yaml").policy);
    assert.match(only(findings, "secret-bodies", "rules[6]").message, /level Request\) of ConfigMaps \(e\.g\. create configmaps in namespace "kube-system"/);
    assert.match(only(findings, "secret-bodies", "rules[7]").message, /level RequestResponse\) of ConfigMaps/);
  });
});

// ---------------------------------------------------------------------------------------------
// Cross-check against brute force

/** A seeded PRNG (the traffic model's mulberry32), so the random policies are the same on every run. */
const prng = mulberry32;

const A = "system:authenticated";
const U = "system:unauthenticated";
const RESOURCE_VERBS = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "proxy", ""];

/** Which (verb, name, subresource) combinations RequestInfo can produce (restated from requestinfo.go). */
function possible(verb: string, name: string, sub: string): boolean {
  if (sub !== "" && name === "") return false;
  if (["get", "delete", "update", "patch"].includes(verb)) return name !== "";
  if (verb === "list" || verb === "watch") return sub === "";
  if (verb === "deletecollection") return name === "" && sub === "";
  if (verb === "create") return name === "" || sub !== "";
  if (verb === "proxy") return name !== "" && sub === "";
  return true;
}

function randomPolicy(rand: () => number): Policy {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const subset = <T>(xs: readonly T[], p = 0.4): T[] => xs.filter(() => rand() < p);
  const levels: Level[] = ["None", "Metadata", "Request", "RequestResponse"];
  const stages: Stage[] = ["RequestReceived", "ResponseStarted", "ResponseComplete"];
  const rules: PolicyRule[] = [];
  const n = 1 + Math.floor(rand() * 5);
  for (let i = 0; i < n; i++) {
    const rule: PolicyRule = { level: pick(levels) };
    if (rand() < 0.25) rule.users = subset(["u1", "u2"], 0.6);
    if (rand() < 0.3) rule.userGroups = subset(["g1", A, U], 0.5);
    if (rand() < 0.2) rule.omitStages = subset(stages, 0.5);
    const kind = rand();
    // Verbs valid for the rule's kind (resource verbs never match non-resource requests and vice versa).
    if (rand() < 0.4) rule.verbs = subset(kind < 0.55 ? ["get", "list", "watch", "delete", "update", "deletecollection"] : ["get", "delete"], 0.5);
    // resourceNames with deletecollection is a never-matches element; keep the vocabulary free of those.
    const namesAllowed = !(rule.verbs ?? []).includes("deletecollection");
    if (kind < 0.55) {
      if (rand() < 0.3) rule.namespaces = subset(["ns1", ""], 0.6);
      if (rand() < 0.8) {
        rule.resources = [];
        for (let k = 0; k < 1 + Math.floor(rand() * 2); k++) {
          const core = rand() < 0.6;
          const resources = core ? subset(["pods", "pods/log", "pods/*", "*/log", "*"], 0.35) : subset(["deployments", "deployments/scale", "*/scale", "*"], 0.35);
          const gr: { group: string; resources?: string[]; resourceNames?: string[] } = { group: core ? "" : "apps" };
          if (resources.length > 0) {
            gr.resources = resources;
            if (namesAllowed && rand() < 0.25) gr.resourceNames = ["n1"];
          }
          rule.resources.push(gr);
        }
      }
    } else if (kind < 0.8) {
      rule.nonResourceURLs = subset(["/healthz", "/healthz*", "/api*", "*", "/livez"], 0.4);
      if (rule.nonResourceURLs.length === 0) rule.nonResourceURLs = ["/healthz*"];
    }
    if (rand() < 0.08) {
      // Collection verbs on subresources only: no request has both (a rule that matches nothing).
      rule.verbs = [pick(["deletecollection", "list", "watch"])];
      rule.resources = [{ group: "", resources: [pick(["pods/log", "*/log"])] }];
      delete rule.nonResourceURLs;
      delete rule.namespaces;
    }
    rules.push(rule);
  }
  const policy = policyOf(rules);
  if (rand() < 0.2) policy.omitStages = subset(stages, 0.5);
  return policy;
}

function writesEvent(level: Level, omit: readonly Stage[], req: RequestAttributes): boolean {
  if (level === "None") return false;
  const longRunning = req.resourceRequest && (["watch", "proxy"].includes(req.verb) || ["attach", "exec", "log", "portforward", "proxy"].includes(req.subresource));
  return !omit.includes("RequestReceived") || !omit.includes("ResponseComplete") || (longRunning && !omit.includes("ResponseStarted"));
}

interface Brute {
  decided: Set<number>;
  matched: Set<number>;
  anyEvent: boolean;
  leaks: Set<number>;
}

interface Target {
  req: RequestAttributes;
  /** Levels at which this request's logged bodies hold the secret data. */
  leaksAt: Level[];
}

/** The values a brute-force request space is built from: every combination is tried. */
interface Vocabulary {
  users: string[];
  groupSets: string[][];
  apiGroups: string[];
  resources: string[];
  subresources: string[];
  namespaces: string[];
  names: string[];
  paths: string[];
}

/** A brute-force request space (independent of the policy, so built once per vocabulary). */
function bruteSpace(v: Vocabulary): { requests: RequestAttributes[]; targets: Target[] } {
  const actors: { user: string | null; groups: string[] | null }[] = [{ user: null, groups: null }];
  for (const user of v.users) for (const groups of v.groupSets) actors.push({ user, groups });
  const requests: RequestAttributes[] = [];
  const targets: Target[] = [];
  const base = { apiVersion: "v1", path: "/x" };
  for (const actor of actors) {
    for (const verb of RESOURCE_VERBS) {
      for (const apiGroup of v.apiGroups) {
        for (const resource of v.resources) {
          for (const subresource of v.subresources) {
            for (const namespace of v.namespaces) {
              for (const name of v.names) {
                if (possible(verb, name, subresource)) requests.push({ ...base, ...actor, verb, resourceRequest: true, apiGroup, resource, subresource, namespace, name });
              }
            }
          }
        }
      }
    }
    for (const verb of ["get", "delete", "post"]) {
      for (const p of v.paths) {
        requests.push({ ...base, ...actor, verb, resourceRequest: false, apiGroup: "", resource: "", subresource: "", namespace: "", name: "", path: p });
      }
    }
  }
  // secret-bodies: the target resources, authenticated callers only (failed authentication never logs bodies).
  const writes = ["create", "update", "patch"];
  const bodies = ["create", "update", "patch", "get", "list", "delete", "deletecollection"];
  const kinds = [
    { apiGroup: "", resource: "secrets", subresource: "", request: writes, rr: bodies },
    { apiGroup: "", resource: "configmaps", subresource: "", request: writes, rr: bodies },
    { apiGroup: "authentication.k8s.io", resource: "tokenreviews", subresource: "", request: ["create"], rr: ["create"] },
    { apiGroup: "", resource: "serviceaccounts", subresource: "token", request: [] as string[], rr: ["create"] },
  ];
  for (const actor of actors.filter((a) => a.user !== null)) {
    for (const t of kinds) {
      for (const verb of RESOURCE_VERBS) {
        const leaksAt: Level[] = [...(t.request.includes(verb) ? ["Request" as Level] : []), ...(t.rr.includes(verb) ? ["RequestResponse" as Level] : [])];
        if (leaksAt.length === 0) continue;
        for (const namespace of v.namespaces) {
          for (const name of v.names) {
            if (!possible(verb, name, t.subresource)) continue;
            const req = { ...base, ...actor, verb, resourceRequest: true, apiGroup: t.apiGroup, resource: t.resource, subresource: t.subresource, namespace, name };
            targets.push({ req, leaksAt });
          }
        }
      }
    }
  }
  return { requests, targets };
}

const PATHS = ["/healthz", "/healthzx", "/healthz/etcd", "/api", "/apis", "/metrics", "/livez", "/livezx"];

const BRUTE = bruteSpace({
  users: ["u1", "u2", "zed"],
  groupSets: [[A], [U], [A, "g1"], [U, "g1"], [A, U]],
  apiGroups: ["", "apps", "other.io"],
  resources: ["pods", "deployments", "widgets"],
  subresources: ["", "log", "scale", "exec"],
  namespaces: ["ns1", "", "other"],
  names: ["", "n1", "x"],
  paths: PATHS,
});

function bruteForce(policy: Policy, space = BRUTE): Brute {
  const compiled = compilePolicy(policy);
  const out: Brute = { decided: new Set(), matched: new Set(), anyEvent: false, leaks: new Set() };
  for (const req of space.requests) {
    const m = matchingRules(compiled, req);
    if (m.length > 0) out.decided.add(m[0]);
    for (const j of m) out.matched.add(j);
    if (!out.anyEvent) {
      const d = evaluateCompiled(compiled, req);
      if (writesEvent(d.level, d.omitStages, req)) out.anyEvent = true;
    }
  }
  for (const { req, leaksAt } of space.targets) {
    const d = evaluateCompiled(compiled, req);
    if (d.ruleIndex === null || d.omitStages.includes("ResponseComplete")) continue;
    if (leaksAt.includes(d.level)) out.leaks.add(d.ruleIndex);
  }
  return out;
}

describe("analyzePolicy agrees with a brute-force enumeration (random policies)", () => {
  it("shadowed rules, rules that match nothing, logs-nothing and secret-bodies, over 40 seeded random policies", () => {
    const rand = prng(0x5eed);
    let shadowedSeen = 0;
    let leaksSeen = 0;
    let deadSeen = 0;
    let silentSeen = 0;
    for (let n = 0; n < 40; n++) {
      const policy = randomPolicy(rand);
      const what = JSON.stringify(policy.rules);
      const findings = analyzePolicy(policy);
      assert.deepEqual(
        findings.filter((f) => f.id === "never-matches" && f.path !== "rules" && !/^rules\[\d+\]$/.test(f.path)),
        [],
        `${what}: the random vocabulary has no never-matching elements`,
      );
      const brute = bruteForce(policy);
      const expectShadowed = policy.rules.map((_, i) => i).filter((i) => brute.matched.has(i) && !brute.decided.has(i));
      const expectDead = policy.rules.map((_, i) => i).filter((i) => !brute.matched.has(i));
      shadowedSeen += expectShadowed.length;
      leaksSeen += brute.leaks.size;
      deadSeen += expectDead.length;
      if (!brute.anyEvent) silentSeen++;
      assert.deepEqual(withId(findings, "shadowed-rule").map((f) => f.path), expectShadowed.map((i) => `rules[${i}]`), `${what}: shadowed`);
      assert.deepEqual(withId(findings, "never-matches").map((f) => f.path), expectDead.map((i) => `rules[${i}]`), `${what}: matches nothing`);
      assert.equal(withId(findings, "logs-nothing").length, brute.anyEvent ? 0 : 1, `${what}: logs-nothing`);
      assert.deepEqual(
        withId(findings, "secret-bodies").map((f) => f.path),
        [...brute.leaks].sort((a, b) => a - b).map((i) => `rules[${i}]`),
        `${what}: secret-bodies`,
      );
    }
    // The random policies exercise both outcomes.
    assert.ok(shadowedSeen > 5, `only ${shadowedSeen} shadowed rules generated`);
    assert.ok(leaksSeen > 5, `only ${leaksSeen} leaking rules generated`);
    assert.ok(deadSeen > 0 && silentSeen > 0, `dead rules: ${deadSeen}, policies that log nothing: ${silentSeen}`);
  });
});

// ---------------------------------------------------------------------------------------------
// Long lists: values the policy cannot tell apart are collapsed into classes

const WIDE_NAMESPACES = ["ns1", "ns2"];
const WIDE_NAMES = ["n1", "n2"];
const WIDE_GROUPS = ["a.io", "b.io"];

/**
 * Random policies that list several namespaces, resourceNames, users, userGroups and API groups
 * per rule (often the same ones, so they fall into one class; sometimes overlapping, so they do
 * not), and entries repeated for a second group or for group "*".
 */
function randomWidePolicy(rand: () => number): Policy {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const subset = <T>(xs: readonly T[], p: number): T[] => xs.filter(() => rand() < p);
  const levels: Level[] = ["None", "Metadata", "Request", "RequestResponse"];
  const rules: PolicyRule[] = [];
  const n = 2 + Math.floor(rand() * 5);
  for (let i = 0; i < n; i++) {
    const rule: PolicyRule = { level: pick(levels) };
    if (rand() < 0.3) rule.users = subset(["u1", "u2"], 0.6);
    if (rand() < 0.3) rule.userGroups = subset(["g1", "g2", A, U], 0.5);
    if (rand() < 0.15) rule.omitStages = subset(["RequestReceived", "ResponseStarted", "ResponseComplete"] as Stage[], 0.5);
    const kind = rand();
    // Verbs valid for the rule's kind; no resourceNames with deletecollection (a never-matches element).
    if (rand() < 0.35) rule.verbs = subset(kind < 0.7 ? ["get", "list", "watch", "update", "patch", "delete", "deletecollection"] : ["get", "delete"], 0.5);
    const namesAllowed = !(rule.verbs ?? []).includes("deletecollection");
    if (kind < 0.7) {
      if (rand() < 0.5) rule.namespaces = pick([WIDE_NAMESPACES, ["ns1"], ["ns2"], ["ns2", ""]]);
      if (rand() < 0.85) {
        rule.resources = [];
        for (let k = 0; k < 1 + Math.floor(rand() * 3); k++) {
          const group = rand() < 0.45 ? "" : rand() < 0.7 ? pick(WIDE_GROUPS) : "*";
          const resources = subset(group === "" ? ["pods", "pods/log", "pods/*", "*/log", "*"] : ["widgets", "widgets/log", "*/log", "*"], 0.35);
          const gr: { group: string; resources?: string[]; resourceNames?: string[] } = { group };
          if (resources.length > 0) {
            gr.resources = resources;
            if (namesAllowed && rand() < 0.5) gr.resourceNames = pick([WIDE_NAMES, ["n1"], ["n2"]]);
          }
          rule.resources.push(gr);
          if (group !== "" && group !== "*" && rand() < 0.5) rule.resources.push({ ...gr, group: WIDE_GROUPS.find((g) => g !== group)! });
        }
      }
    } else if (kind < 0.85) {
      rule.nonResourceURLs = subset(["/healthz", "/healthz*", "/api*", "/livez"], 0.5);
      if (rule.nonResourceURLs.length === 0) rule.nonResourceURLs = ["/healthz*"];
    }
    rules.push(rule);
  }
  return policyOf(rules);
}

/** Every listed value, plus "", and one value nothing lists, in each dimension (built when first used). */
const wideSpace = () => bruteSpace({
  users: ["u1", "u2", "zed"],
  groupSets: [[A], [U], [A, "g1"], [U, "g1"], [A, "g2"], [U, "g2"], [A, U]],
  apiGroups: ["", ...WIDE_GROUPS, "other.io"],
  resources: ["pods", "widgets"],
  // "exec": an unlisted long-running subresource (for matching, any unlisted one is the same).
  subresources: ["", "log", "exec"],
  namespaces: [...WIDE_NAMESPACES, "", "other"],
  names: ["", ...WIDE_NAMES, "x"],
  paths: PATHS,
});

const newStats = (): AnalyzeStats => ({ requestsEvaluated: 0, selfCheckFailures: 0 });

describe("analyzePolicy with long lists (equivalence classes of values)", () => {
  it("agrees with a brute-force enumeration over 25 seeded random policies with several namespaces, names, groups and users per rule", () => {
    const rand = prng(0xc1a55);
    const space = wideSpace();
    let collapsed = 0;
    let shadowedSeen = 0;
    let leaksSeen = 0;
    for (let n = 0; n < 25; n++) {
      const policy = randomWidePolicy(rand);
      const what = JSON.stringify(policy.rules);
      const stats = newStats();
      const findings = analyzePolicy(policy, { stats });
      assert.equal(stats.selfCheckFailures, 0, `${what}: self-check`);
      assert.deepEqual(
        findings.filter((f) => f.id === "never-matches" && !/^rules\[\d+\]$/.test(f.path)),
        [],
        `${what}: the random vocabulary has no never-matching elements`,
      );
      const brute = bruteForce(policy, space);
      const expectShadowed = policy.rules.map((_, i) => i).filter((i) => brute.matched.has(i) && !brute.decided.has(i));
      const expectDead = policy.rules.map((_, i) => i).filter((i) => !brute.matched.has(i));
      shadowedSeen += expectShadowed.length;
      leaksSeen += brute.leaks.size;
      if (policy.rules.some((r) => (r.namespaces?.length ?? 0) > 1 || (r.resources ?? []).some((gr) => (gr.resourceNames?.length ?? 0) > 1))) collapsed++;
      assert.deepEqual(withId(findings, "shadowed-rule").map((f) => f.path), expectShadowed.map((i) => `rules[${i}]`), `${what}: shadowed`);
      assert.deepEqual(withId(findings, "never-matches").map((f) => f.path), expectDead.map((i) => `rules[${i}]`), `${what}: matches nothing`);
      assert.equal(withId(findings, "logs-nothing").length, brute.anyEvent ? 0 : 1, `${what}: logs-nothing`);
      assert.deepEqual(
        withId(findings, "secret-bodies").map((f) => f.path),
        [...brute.leaks].sort((a, b) => a - b).map((i) => `rules[${i}]`),
        `${what}: secret-bodies`,
      );
    }
    assert.ok(collapsed > 8, `only ${collapsed} policies list several namespaces or names in one place`);
    assert.ok(shadowedSeen > 5, `only ${shadowedSeen} shadowed rules generated`);
    assert.ok(leaksSeen > 5, `only ${leaksSeen} leaking rules generated`);
  });

  it("names a real listed value in examples: the first the policy lists of its class", () => {
    const findings = analyzePolicy(
      policyOf([
        { level: "None", namespaces: ["zeta", "alpha", "mid"], verbs: ["get"] },
        { level: "RequestResponse", namespaces: ["zeta", "alpha", "mid"], resources: [{ group: "", resources: ["configmaps"], resourceNames: ["later", "first-listed"] }] },
        METADATA_FOR_SECRETS,
        { level: "Metadata" },
      ]),
    );
    assert.deepEqual(keys(findings), ["secret-bodies rules[1]"]);
    assert.match(only(findings, "secret-bodies", "rules[1]").message, /update configmaps "later" in namespace "zeta" by user "alice"/);
  });

  it("counts an unlisted long-running subresource: get pods/log gets a ResponseStarted event", () => {
    const policy = policyOf([{ level: "Metadata", verbs: ["get"], omitStages: ["RequestReceived", "ResponseComplete"] }]);
    assert.ok(bruteForce(policy).anyEvent);
    const findings = analyzePolicy(policy);
    assert.deepEqual(withId(findings, "logs-nothing"), []);
    assert.ok(withId(findings, "cis-3.2.2").length > 0, "short requests are still not logged");
  });
});

// ---------------------------------------------------------------------------------------------
// Large policies: the result, and a bound on the work (no timing assertions: see npm run bench)

const range = (n: number, f: (i: number) => string): string[] => Array.from({ length: n }, (_, i) => f(i));

/** A rule listing `ns` namespaces, one with `names` resourceNames, one with `groups` API groups, and planted findings. */
function wideListsPolicy(ns: number, names: number, groups: number): Policy {
  const namespaces = range(ns, (i) => `ns-${i}`);
  const objectNames = range(names, (i) => `app-${i}`);
  const apiGroups = range(groups, (i) => `g${i}.example.com`);
  return policyOf([
    { level: "None", users: ["system:kube-proxy"], verbs: ["watch"], resources: [{ group: "", resources: ["endpoints", "services"] }] },
    { level: "None", namespaces, verbs: ["get", "list", "watch"] },
    // Planted: ConfigMap bodies at RequestResponse in the first ten namespaces.
    { level: "RequestResponse", namespaces: namespaces.slice(0, 10), resources: [{ group: "", resources: ["configmaps"] }] },
    { level: "Request", resources: [{ group: "apps", resources: ["deployments", "deployments/scale"], resourceNames: objectNames }] },
    // Planted: shadowed by rules[1] (reads) and rules[3] (everything else on those names).
    { level: "Metadata", resources: [{ group: "apps", resources: ["deployments"], resourceNames: objectNames.slice(0, names / 2) }] },
    { level: "RequestResponse", resources: apiGroups.map((group) => ({ group })) },
    // Planted: shadowed by rules[1] and rules[5].
    { level: "Metadata", resources: [{ group: apiGroups[7], resources: ["widgets"] }] },
    METADATA_FOR_SECRETS,
    { level: "Request", verbs: ["create", "update", "patch"] },
    { level: "Metadata" },
  ]);
}

/** `n` rules, each with its own namespace, API group and object name, then planted findings. */
function manySmallRulesPolicy(n: number): Policy {
  const rules: PolicyRule[] = range(n, (i) => `${i}`).map((_, i) => ({
    level: i % 2 === 0 ? "Metadata" : "Request",
    namespaces: [`ns-${i}`],
    resources: [{ group: `grp-${i}.example.com`, resources: ["widgets"], resourceNames: [`name-${i}`] }],
  }));
  // Planted: the same request as rules[7] (shadowed), and Secret bodies at RequestResponse.
  rules.push({ level: "None", namespaces: ["ns-7"], resources: [{ group: "grp-7.example.com", resources: ["widgets"], resourceNames: ["name-7"] }] });
  rules.push({ level: "RequestResponse", resources: [{ group: "", resources: ["secrets"] }] });
  rules.push({ level: "Metadata" });
  return policyOf(rules);
}

describe("analyzePolicy on large policies", () => {
  it("150 namespaces, 100 resourceNames and 20 groups: exactly the planted findings, as with short lists; the work does not grow with the lists", () => {
    const expected = ["secret-bodies rules[2]", "shadowed-rule rules[4]", "shadowed-rule rules[6]"];
    const stats = newStats();
    const findings = analyzePolicy(wideListsPolicy(150, 100, 20), { stats });
    assert.deepEqual(keys(findings), expected);
    assert.match(only(findings, "secret-bodies", "rules[2]").message, /ConfigMaps \(e\.g\. create configmaps in namespace "ns-0" by user "alice"/);
    assert.match(only(findings, "shadowed-rule", "rules[4]").message, /decided first by rules\[1\], rules\[3\].*get deployments\.apps "app-0"/);
    assert.match(only(findings, "shadowed-rule", "rules[6]").message, /decided first by rules\[1\], rules\[5\].*widgets\.g7\.example\.com/);
    assert.equal(stats.selfCheckFailures, 0);
    // Every namespace, name and group of a list falls in one class (bar g7, which rules[6] names):
    // a cross product would be 150 x 100 x 20 = 300,000 scopes per user and verb.
    assert.ok(stats.requestsEvaluated < 1000, `${stats.requestsEvaluated} requests evaluated`);

    assert.deepEqual(keys(analyzePolicy(wideListsPolicy(3, 2, 8))), expected);
    const doubled = newStats();
    assert.deepEqual(keys(analyzePolicy(wideListsPolicy(300, 200, 40), { stats: doubled })), expected);
    assert.equal(doubled.requestsEvaluated, stats.requestsEvaluated, "doubling every list adds no work");
  });

  it("400 small rules, each with its own namespace, group and name: no spurious findings, the planted ones found; the work grows linearly", () => {
    const stats = newStats();
    const findings = analyzePolicy(manySmallRulesPolicy(400), { stats });
    assert.deepEqual(keys(findings), ["shadowed-rule rules[400]", "secret-bodies rules[401]"]);
    assert.match(
      only(findings, "shadowed-rule", "rules[400]").message,
      /decided first by rules\[7\] .*e\.g\. get widgets\.grp-7\.example\.com "name-7" in namespace "ns-7" by user "alice"/,
    );
    assert.match(only(findings, "secret-bodies", "rules[401]").message, /Secrets \(e\.g\. create secrets in namespace "team-a"/);
    assert.equal(stats.selfCheckFailures, 0);
    // A cross product would be 400 namespaces x 400 names x 400 groups (64 million scopes per user
    // and verb); the work here is a few dozen requests per rule, growing linearly.
    assert.ok(stats.requestsEvaluated < 30 * 403, `${stats.requestsEvaluated} requests evaluated`);
    const quarter = newStats();
    assert.deepEqual(keys(analyzePolicy(manySmallRulesPolicy(100), { stats: quarter })), ["shadowed-rule rules[100]", "secret-bodies rules[101]"]);
    assert.ok(stats.requestsEvaluated < 5 * quarter.requestsEvaluated, `${quarter.requestsEvaluated} for 100 rules, ${stats.requestsEvaluated} for 400`);
  });

  it("has no self-check failures on the vendored policies", () => {
    for (const file of Object.keys(REAL_POLICY_FINDINGS)) {
      const { policy, dropped } = loadReal(file);
      const stats = newStats();
      analyzePolicy(policy, { dropped, stats });
      assert.equal(stats.selfCheckFailures, 0, file);
      assert.ok(stats.requestsEvaluated > 0, file);
    }
  });
});
