/**
 * The audit-policy engine against real-world policies (test/fixtures/policies, each with a SOURCE header):
 * strict loading, lenient decoding, validation, canonical rendering, and first-match evaluation.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import {
  decodePolicy,
  evaluatePolicy,
  parsePolicy,
  PolicyError,
  renderPolicy,
  requestFromEvent,
  validatePolicy,
} from "../../components/audit-policy";
import type { Decision, Level, Policy, RequestAttributes, Stage } from "../../components/audit-policy";

const POLICIES_DIR = path.join(__dirname, "..", "fixtures", "policies");
const EVENTS_DIR = path.join(__dirname, "..", "fixtures", "events");

const EXPECTED_FILES = [
  "falco-k8saudit-plugin.yaml",
  "gce-gci-configure-helper-default.yaml",
  "invalid-gce-historical-v1beta1.yaml",
  "k8s-docs-minimal-metadata.yaml",
  "k8s-website-example.yaml",
  "kubespray-default.yaml",
  "openshift-allrequestbodies.yaml",
  "openshift-default.yaml",
  "openshift-none.yaml",
  "openshift-writerequestbodies.yaml",
  "rke1-default.yaml",
  "rke2-default-cis-profile.yaml",
  "talos-default.yaml",
];

const REMOVED_API_VERSION = "invalid-gce-historical-v1beta1.yaml";
/** library-go's `resource:` typo (commit 82feb0b9c): rule 2, fifth GroupResources. */
const TYPO_FILES = ["openshift-writerequestbodies.yaml", "openshift-allrequestbodies.yaml"];
const TYPO_PATH = "rules[2].resources[4].resource";

const policyFiles = fs
  .readdirSync(POLICIES_DIR)
  .filter((f) => f.endsWith(".yaml"))
  .sort();

function readPolicyText(file: string): string {
  return fs.readFileSync(path.join(POLICIES_DIR, file), "utf8");
}

const validFiles = policyFiles.filter((f) => f !== REMOVED_API_VERSION && !TYPO_FILES.includes(f));

/** Policies as kube-apiserver would load them (typo files via the lenient fallback). */
function loadForEvaluation(file: string): Policy {
  return TYPO_FILES.includes(file) ? decodePolicy(readPolicyText(file)).policy : parsePolicy(readPolicyText(file));
}

function expectPolicyError(fn: () => unknown, what: string): PolicyError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught !== undefined, `${what}: expected a PolicyError, but nothing was thrown`);
  assert.ok(caught instanceof PolicyError, `${what}: expected a PolicyError, got ${String(caught)}`);
  return caught;
}

const AUTHENTICATED = ["system:authenticated"];

/** A resource request with defaults; override what the case is about. */
function resourceRequest(overrides: Partial<RequestAttributes>): RequestAttributes {
  return {
    user: "alice",
    groups: AUTHENTICATED,
    verb: "get",
    resourceRequest: true,
    apiGroup: "",
    apiVersion: "v1",
    resource: "pods",
    subresource: "",
    namespace: "default",
    name: "",
    path: "/api/v1/namespaces/default/pods",
    ...overrides,
  };
}

function nonResourceRequest(urlPath: string, overrides: Partial<RequestAttributes> = {}): RequestAttributes {
  return {
    user: "alice",
    groups: AUTHENTICATED,
    verb: "get",
    resourceRequest: false,
    apiGroup: "",
    apiVersion: "",
    resource: "",
    subresource: "",
    namespace: "",
    name: "",
    path: urlPath,
    ...overrides,
  };
}

interface Expectation {
  what: string;
  request: RequestAttributes;
  level: Level;
  ruleIndex: number | null;
  omitStages?: Stage[];
  omitManagedFields?: boolean;
}

function checkDecision(decision: Decision, e: Expectation): void {
  assert.equal(decision.level, e.level, `${e.what}: level`);
  assert.equal(decision.ruleIndex, e.ruleIndex, `${e.what}: ruleIndex`);
  if (e.omitStages !== undefined) {
    assert.deepEqual([...decision.omitStages].sort(), [...e.omitStages].sort(), `${e.what}: omitStages`);
  }
  if (e.omitManagedFields !== undefined) {
    assert.equal(decision.omitManagedFields, e.omitManagedFields, `${e.what}: omitManagedFields`);
  }
}

/** Behaviour of real policies, worked out by hand from the rule order in each file. */
const BEHAVIOUR: Record<string, Expectation[]> = {
  "gce-gci-configure-helper-default.yaml": [
    {
      what: "kube-proxy watching endpoints",
      request: resourceRequest({ user: "system:kube-proxy", verb: "watch", resource: "endpoints", namespace: "" }),
      level: "None",
      ruleIndex: 0,
      omitStages: [],
    },
    {
      what: "a user getting a secret",
      request: resourceRequest({ resource: "secrets", name: "db-password" }),
      level: "Metadata",
      ruleIndex: 13,
      omitStages: ["RequestReceived"],
    },
    {
      what: "a user creating a serviceaccount token (subresource listed explicitly)",
      request: resourceRequest({ verb: "create", resource: "serviceaccounts", subresource: "token", name: "default" }),
      level: "Metadata",
      ruleIndex: 13,
    },
    {
      what: "GET /healthz/etcd (nonResourceURL /healthz*)",
      request: nonResourceRequest("/healthz/etcd"),
      level: "None",
      ruleIndex: 8,
    },
    {
      what: "GET /metrics falls through to the catch-all",
      request: nonResourceRequest("/metrics"),
      level: "Metadata",
      ruleIndex: 16,
    },
    {
      what: "a node patching its own status",
      request: resourceRequest({
        user: "system:node:node-1",
        groups: ["system:nodes", "system:authenticated"],
        verb: "patch",
        resource: "nodes",
        subresource: "status",
        namespace: "",
        name: "node-1",
      }),
      level: "Request",
      ruleIndex: 11,
      omitStages: ["RequestReceived"],
    },
    {
      what: "a user listing pods in a known group",
      request: resourceRequest({ verb: "list" }),
      level: "Request",
      ruleIndex: 14,
    },
    {
      what: "a user creating a deployment",
      request: resourceRequest({ verb: "create", apiGroup: "apps", resource: "deployments" }),
      level: "RequestResponse",
      ruleIndex: 15,
    },
    {
      what: "a custom resource outside the known groups",
      request: resourceRequest({ verb: "create", apiGroup: "example.com", resource: "widgets" }),
      level: "Metadata",
      ruleIndex: 16,
    },
    {
      what: "kube-proxy getting (not watching) endpoints is not dropped",
      request: resourceRequest({ user: "system:kube-proxy", verb: "get", resource: "endpoints", name: "kubernetes" }),
      level: "Request",
      ruleIndex: 14,
    },
  ],

  "k8s-website-example.yaml": [
    {
      what: "get a pod",
      request: resourceRequest({ name: "web-0" }),
      level: "RequestResponse",
      ruleIndex: 0,
      omitStages: ["RequestReceived"],
    },
    {
      what: "pods/log is not matched by \"pods\"",
      request: resourceRequest({ subresource: "log", name: "web-0" }),
      level: "Metadata",
      ruleIndex: 1,
    },
    {
      what: "the controller-leader configmap by name",
      request: resourceRequest({ resource: "configmaps", namespace: "kube-system", name: "controller-leader" }),
      level: "None",
      ruleIndex: 2,
    },
    {
      what: "resourceNames never match a list (no name)",
      request: resourceRequest({ verb: "list", resource: "configmaps", namespace: "kube-system" }),
      level: "Request",
      ruleIndex: 5,
    },
    {
      what: "\"/api*\" also matches /apis for authenticated users",
      request: nonResourceRequest("/apis"),
      level: "None",
      ruleIndex: 4,
    },
    {
      what: "an unauthenticated-path request (no user) skips the userGroups rule",
      request: nonResourceRequest("/apis", { user: null, groups: null }),
      level: "Metadata",
      ruleIndex: 8,
    },
    {
      what: "secrets outside kube-system",
      request: resourceRequest({ resource: "secrets", name: "s" }),
      level: "Metadata",
      ruleIndex: 6,
    },
    {
      what: "apps/deployments fall through to the catch-all",
      request: resourceRequest({ verb: "create", apiGroup: "apps", resource: "deployments" }),
      level: "Metadata",
      ruleIndex: 8,
      omitStages: ["RequestReceived"],
    },
  ],

  "falco-k8saudit-plugin.yaml": [
    {
      what: "\"deployments\" under group \"\" is a dead entry: apps/deployments are Metadata",
      request: resourceRequest({ verb: "create", apiGroup: "apps", resource: "deployments" }),
      level: "Metadata",
      ruleIndex: 10,
    },
    {
      what: "configmaps outside kube-system at RequestResponse",
      request: resourceRequest({ verb: "create", resource: "configmaps" }),
      level: "RequestResponse",
      ruleIndex: 7,
    },
    {
      what: "clusterrolebindings at RequestResponse",
      request: resourceRequest({
        verb: "create",
        apiGroup: "rbac.authorization.k8s.io",
        resource: "clusterrolebindings",
        namespace: "",
      }),
      level: "RequestResponse",
      ruleIndex: 1,
    },
  ],

  "rke2-default-cis-profile.yaml": [
    {
      what: "a secret read",
      request: resourceRequest({ resource: "secrets", name: "s" }),
      level: "None",
      ruleIndex: 0,
    },
    {
      what: "pod exec",
      request: resourceRequest({ verb: "create", subresource: "exec", name: "web-0" }),
      level: "None",
      ruleIndex: 0,
    },
    {
      what: "a non-resource request",
      request: nonResourceRequest("/metrics"),
      level: "None",
      ruleIndex: 0,
    },
    {
      what: "a request without user info",
      request: resourceRequest({ user: null, groups: null }),
      level: "None",
      ruleIndex: 0,
    },
  ],

  "openshift-default.yaml": [
    {
      what: "/healthz by an authenticated user",
      request: nonResourceRequest("/healthz"),
      level: "None",
      ruleIndex: 0,
      omitStages: ["RequestReceived"],
      omitManagedFields: true,
    },
    {
      what: "/healthz/ready is not /healthz (no wildcard)",
      request: nonResourceRequest("/healthz/ready"),
      level: "Metadata",
      ruleIndex: 3,
    },
    {
      what: "/healthz without user info (failed authentication) hits the catch-all",
      request: nonResourceRequest("/healthz", { user: null, groups: null }),
      level: "Metadata",
      ruleIndex: 3,
      omitStages: ["RequestReceived"],
      omitManagedFields: true,
    },
    {
      what: "system:apiserver updating apirequestcounts",
      request: resourceRequest({
        user: "system:apiserver",
        groups: ["system:masters"],
        verb: "update",
        apiGroup: "apiserver.openshift.io",
        resource: "apirequestcounts",
        namespace: "",
        name: "pods.v1",
      }),
      level: "None",
      ruleIndex: 1,
    },
    {
      what: "creating an OAuth access token",
      request: resourceRequest({ verb: "create", apiGroup: "oauth.openshift.io", resource: "oauthaccesstokens", namespace: "" }),
      level: "RequestResponse",
      ruleIndex: 2,
      omitManagedFields: true,
    },
  ],

  "openshift-writerequestbodies.yaml": [
    {
      what: "the typo makes every machineconfiguration.openshift.io write Metadata",
      request: resourceRequest({
        verb: "update",
        apiGroup: "machineconfiguration.openshift.io",
        resource: "machineconfignodes",
        namespace: "",
        name: "worker-0",
      }),
      level: "Metadata",
      ruleIndex: 2,
    },
    {
      what: "other writes at RequestResponse",
      request: resourceRequest({ verb: "update", resource: "configmaps", name: "c" }),
      level: "RequestResponse",
      ruleIndex: 3,
    },
    {
      what: "reads at Metadata",
      request: resourceRequest({ resource: "configmaps", name: "c" }),
      level: "Metadata",
      ruleIndex: 4,
    },
  ],

  "openshift-none.yaml": [
    {
      what: "a secret write",
      request: resourceRequest({ verb: "update", resource: "secrets", name: "s" }),
      level: "None",
      ruleIndex: 2,
    },
  ],
};

/** Policies that give every request the same level (checked against all 525 real events). */
const UNIFORM_LEVEL: Record<string, Level> = {
  "k8s-docs-minimal-metadata.yaml": "Metadata",
  "rke1-default.yaml": "Metadata",
  "talos-default.yaml": "Metadata",
  "rke2-default-cis-profile.yaml": "None",
  "openshift-none.yaml": "None",
};

function allEventRequests(): RequestAttributes[] {
  const out: RequestAttributes[] = [];
  for (const f of fs.readdirSync(EVENTS_DIR).filter((x) => x.endsWith(".jsonl")).sort()) {
    for (const line of fs.readFileSync(path.join(EVENTS_DIR, f), "utf8").split("\n")) {
      if (line !== "") out.push(requestFromEvent(JSON.parse(line)));
    }
  }
  return out;
}

describe("audit-policy engine on real-world policies", () => {
  it("the vendored policy set is complete", () => {
    assert.deepEqual(policyFiles, EXPECTED_FILES);
    for (const f of policyFiles) {
      assert.match(readPolicyText(f), /^# SOURCE: /, `${f}: provenance header missing`);
    }
  });

  describe("loading", () => {
    it(`${REMOVED_API_VERSION}: audit.k8s.io/v1beta1 is refused (removed in 1.24)`, () => {
      const text = readPolicyText(REMOVED_API_VERSION);
      for (const [name, load] of [
        ["parsePolicy", () => parsePolicy(text)],
        ["decodePolicy", () => decodePolicy(text)],
      ] as const) {
        const err = expectPolicyError(load, name);
        const issue = err.issues.find((i) => i.path === "apiVersion");
        assert.ok(issue, `${name}: no apiVersion issue in ${JSON.stringify(err.issues)}`);
        assert.ok(issue.message.includes("1.24"), `${name}: ${JSON.stringify(issue.message)} does not mention 1.24`);
        assert.ok(issue.message.includes("removed in Kubernetes 1.24"), `${name}: ${JSON.stringify(issue.message)}`);
      }
    });

    it(`${REMOVED_API_VERSION}: with apiVersion audit.k8s.io/v1 the same rules are valid`, () => {
      const text = readPolicyText(REMOVED_API_VERSION);
      const upgraded = text.replace(/^apiVersion: audit\.k8s\.io\/v1beta1$/m, "apiVersion: audit.k8s.io/v1");
      assert.notEqual(upgraded, text, "fixture: apiVersion line not found");
      const policy = parsePolicy(upgraded);
      assert.deepEqual(validatePolicy(policy), []);
      assert.ok(policy.rules.length > 0);
    });

    for (const file of TYPO_FILES) {
      it(`${file}: strict parse refuses the unknown field "resource" (did you mean "resources"?)`, () => {
        const text = readPolicyText(file);
        const typoLine = text.split("\n").findIndex((l) => /^\s*resource:/.test(l)) + 1;
        assert.ok(typoLine > 0, "fixture: no 'resource:' line");

        const err = expectPolicyError(() => parsePolicy(text, { source: file }), "parsePolicy");
        const issue = err.issues.find((i) => i.message.startsWith('unknown field "resource"'));
        assert.ok(issue, `no unknown field "resource" issue in ${JSON.stringify(err.issues)}`);
        assert.equal(issue.path, TYPO_PATH);
        assert.ok(
          issue.message.slice('unknown field "resource"'.length).includes("resources"),
          `message does not suggest "resources": ${JSON.stringify(issue.message)}`,
        );
        assert.equal(issue.line, typoLine, "line of the unknown key");
      });

      it(`${file}: decodePolicy loads it as kube-apiserver does, dropping "resource"`, () => {
        const { policy, dropped } = decodePolicy(readPolicyText(file));
        const drop = dropped.find((d) => d.path === TYPO_PATH);
        assert.ok(drop, `dropped does not report ${TYPO_PATH}: ${JSON.stringify(dropped)}`);
        assert.match(drop.message, /^unknown field "resource"/);
        const gr = policy.rules[2].resources?.[4];
        assert.ok(gr, "rules[2].resources[4] missing");
        assert.equal(gr.group, "machineconfiguration.openshift.io");
        assert.deepEqual(gr.resources ?? [], [], "the typo leaves the GroupResources without resources");
        assert.equal(Object.prototype.hasOwnProperty.call(gr, "resource"), false, "dropped key still present");
        assert.deepEqual(validatePolicy(policy), []);
      });
    }

    for (const file of validFiles) {
      it(`${file}: parses, validates, and renders canonically`, () => {
        const text = readPolicyText(file);
        const policy = parsePolicy(text, { source: file });
        assert.equal(policy.apiVersion, "audit.k8s.io/v1");
        assert.equal(policy.kind, "Policy");
        assert.ok(policy.rules.length > 0);
        assert.deepEqual(validatePolicy(policy), []);

        const lenient = decodePolicy(text);
        assert.deepEqual(lenient.dropped, [], "nothing to drop in a strictly valid file");
        assert.deepEqual(lenient.policy, policy, "lenient and strict loads agree on a valid file");

        const rendered = renderPolicy(policy);
        assert.equal(typeof rendered, "string");
        assert.deepEqual(parsePolicy(rendered), policy, "parsePolicy(renderPolicy(p)) must equal p");
        assert.equal(renderPolicy(policy), rendered, "renderPolicy must be deterministic");
        assert.equal(renderPolicy(parsePolicy(rendered)), rendered, "rendering is a fixed point");
      });
    }
  });

  describe("evaluation", () => {
    for (const [file, expectations] of Object.entries(BEHAVIOUR)) {
      for (const e of expectations) {
        it(`${file}: ${e.what} -> ${e.level}`, () => {
          const policy = loadForEvaluation(file);
          checkDecision(evaluatePolicy(policy, e.request), e);
        });
      }
    }

    describe("all 525 real events against every loadable policy", () => {
      const loadable = policyFiles.filter((f) => f !== REMOVED_API_VERSION);
      for (const file of loadable) {
        it(file, () => {
          const requests = allEventRequests();
          assert.equal(requests.length, 525);
          const policy = loadForEvaluation(file);
          const uniform = UNIFORM_LEVEL[file];
          for (const [i, request] of requests.entries()) {
            const d = evaluatePolicy(policy, request);
            const where = `event #${i + 1} (${request.verb} ${request.path})`;
            if (d.ruleIndex === null) {
              assert.equal(d.level, "None", `${where}: no rule matched but level ${d.level}`);
            } else {
              assert.equal(d.level, policy.rules[d.ruleIndex]?.level, `${where}: level is not rule ${d.ruleIndex}'s`);
            }
            assert.equal(new Set(d.omitStages).size, d.omitStages.length, `${where}: duplicate omitStages`);
            for (const s of policy.omitStages ?? []) {
              assert.ok(d.omitStages.includes(s), `${where}: policy-level omitStage ${s} missing`);
            }
            if (uniform !== undefined) assert.equal(d.level, uniform, where);
          }
        });
      }
    });
  });
});
