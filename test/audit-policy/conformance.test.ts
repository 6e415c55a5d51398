/**
 * Conformance of the audit-policy engine with kube-apiserver's own test tables
 * (k8s.io/apiserver checker_test.go, util_test.go, validation_test.go, reader_test.go),
 * vendored as test/fixtures/k8s-audit/conformance.json. One mocha test per upstream case.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import {
  decodePolicy,
  evaluatePolicy,
  invertStages,
  parsePolicy,
  PolicyError,
  unionStages,
  validatePolicy,
} from "../../components/audit-policy";
import type { Decision, Level, Policy, RequestAttributes, Stage } from "../../components/audit-policy";

// ---------------------------------------------------------------------------------------------
// Fixture shape
// ---------------------------------------------------------------------------------------------

interface EvaluationCase {
  id: string;
  source: string;
  policy: Record<string, unknown>;
  request: RequestAttributes;
  expectLevel: Level;
  expectOmitStages: Stage[];
  sinceVersion?: string;
}

interface OmitManagedFieldsCase {
  id: string;
  policy: Record<string, unknown>;
  request: RequestAttributes;
  expectLevel: Level;
  expectOmitManagedFields: boolean;
}

interface UnionStagesCase {
  id: string;
  policyOmitStages: Stage[] | null;
  ruleOmitStages: Stage[] | null;
  expectUnion: Stage[];
}

interface InvertStagesCase {
  id: string;
  input: Stage[];
  expect: Stage[];
}

interface ValidationCase {
  id: string;
  policy: Record<string, unknown>;
  valid: boolean;
  errorContains?: string;
  expectedErrors?: string[];
}

interface LoaderCase {
  id: string;
  yaml: string;
  expectError: boolean;
  errorContains?: string;
  expectPolicy?: Record<string, unknown>;
}

interface Conformance {
  meta: { upstreamCommit: string };
  evaluationCases: EvaluationCase[];
  omitManagedFieldsCases: OmitManagedFieldsCase[];
  unionStagesCases: UnionStagesCase[];
  invertStagesCases: InvertStagesCase[];
  validationCases: ValidationCase[];
  loaderCases: LoaderCase[];
}

const FIXTURE = path.join(__dirname, "..", "fixtures", "k8s-audit", "conformance.json");
const conformance = JSON.parse(fs.readFileSync(FIXTURE, "utf8")) as Conformance;

/** Counts documented in the fixture's provenance (test/fixtures/README.md); a truncated copy must fail. */
const EXPECTED_COUNTS = {
  evaluationCases: 104,
  omitManagedFieldsCases: 4,
  unionStagesCases: 7,
  invertStagesCases: 4,
  validationCases: 22,
  loaderCases: 5,
} as const;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** Upstream compares stages as sets (Go map iteration); duplicates must still be collapsed. */
function assertSameStages(actual: readonly Stage[], expected: readonly Stage[], what: string): void {
  assert.ok(Array.isArray(actual), `${what}: expected an array, got ${JSON.stringify(actual)}`);
  assert.deepEqual(
    [...actual].sort(),
    [...new Set(expected)].sort(),
    `${what}: got ${JSON.stringify(actual)}, want the set ${JSON.stringify(expected)}`,
  );
}

/** A decision must be internally consistent: a rule index points at a rule with that level. */
function assertDecisionShape(decision: Decision, policy: Policy): void {
  if (decision.ruleIndex === null) {
    assert.equal(decision.level, "None", "no rule matched, so the level must be None");
  } else {
    assert.ok(
      Number.isInteger(decision.ruleIndex) && decision.ruleIndex >= 0 && decision.ruleIndex < policy.rules.length,
      `ruleIndex ${decision.ruleIndex} out of range for ${policy.rules.length} rules`,
    );
    assert.equal(decision.level, policy.rules[decision.ruleIndex].level, "level must be the matched rule's level");
  }
}

/** Vector policies carry no apiVersion/kind; the evaluator operates on the decoded object. */
function asPolicy(raw: Record<string, unknown>): Policy {
  return { rules: [], ...raw } as unknown as Policy;
}

const RULE_LIST_FIELDS = ["users", "userGroups", "verbs", "resources", "namespaces", "nonResourceURLs", "omitStages"];

function normaliseGroupResources(gr: unknown): Record<string, unknown> {
  const g = { ...(gr as Record<string, unknown>) };
  if (g.group === undefined) g.group = "";
  if (g.resources === undefined) g.resources = [];
  if (g.resourceNames === undefined) g.resourceNames = [];
  return g;
}

function normaliseRule(rule: unknown): Record<string, unknown> {
  const r = { ...(rule as Record<string, unknown>) };
  for (const field of RULE_LIST_FIELDS) {
    if (r[field] === undefined || r[field] === null) r[field] = [];
  }
  r.resources = (r.resources as unknown[]).map(normaliseGroupResources);
  // omitManagedFields on a rule is tri-state (absent = inherit); keep it exactly as given.
  return r;
}

/**
 * Normalise a policy the way Go's decoder makes them indistinguishable: absent lists equal empty lists,
 * an absent group equals "" (the core group), an absent policy-level omitManagedFields equals false,
 * empty metadata equals no metadata; apiVersion and kind are ignored.
 */
function normalisePolicy(policy: unknown): Record<string, unknown> {
  assert.ok(policy !== null && typeof policy === "object", `expected a policy object, got ${JSON.stringify(policy)}`);
  const p = { ...(policy as Record<string, unknown>) };
  delete p.apiVersion;
  delete p.kind;
  if (p.metadata !== undefined && p.metadata !== null && Object.keys(p.metadata as object).length === 0) {
    delete p.metadata;
  }
  if (p.omitStages === undefined || p.omitStages === null) p.omitStages = [];
  if (p.omitManagedFields === undefined) p.omitManagedFields = false;
  p.rules = ((p.rules ?? []) as unknown[]).map(normaliseRule);
  return p;
}

function isPolicyError(err: unknown): err is PolicyError {
  return err instanceof PolicyError && Array.isArray(err.issues);
}

function describeIssues(err: PolicyError): string {
  return JSON.stringify(err.issues);
}

/** Runs fn, which must throw a PolicyError; returns it. */
function expectPolicyError(fn: () => unknown, what: string): PolicyError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught !== undefined, `${what}: expected a PolicyError, but nothing was thrown`);
  assert.ok(isPolicyError(caught), `${what}: expected a PolicyError, got ${String(caught)}`);
  return caught;
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

describe("audit-policy conformance with k8s.io/apiserver test vectors", () => {
  it("the vendored fixture has every upstream case (no truncation)", () => {
    assert.equal(conformance.meta.upstreamCommit, "24a394e516bfda066d7e2221d7d92c052de27c54");
    for (const [section, count] of Object.entries(EXPECTED_COUNTS)) {
      const cases = conformance[section as keyof typeof EXPECTED_COUNTS];
      assert.ok(Array.isArray(cases), `${section} missing`);
      assert.equal(cases.length, count, `${section}: expected ${count} cases`);
      const ids = cases.map((c) => c.id);
      assert.equal(new Set(ids).size, ids.length, `${section}: duplicate case ids`);
    }
    assert.equal(conformance.validationCases.filter((c) => c.valid).length, 8, "8 valid validation cases");
    assert.equal(conformance.validationCases.filter((c) => !c.valid).length, 14, "14 invalid validation cases");
  });

  describe("evaluatePolicy (checker_test.go)", () => {
    for (const c of conformance.evaluationCases) {
      it(c.id, () => {
        const policy = asPolicy(c.policy);
        const decision = evaluatePolicy(policy, c.request);
        assert.equal(decision.level, c.expectLevel);
        assertSameStages(decision.omitStages, c.expectOmitStages, "omitStages");
        assertDecisionShape(decision, policy);
      });
    }

    // Group "*" exists only from Kubernetes 1.36 (kubernetes commit ea3bfd9e): before that the
    // checker compares the group literally, so a rule with group "*" never matches a real request.
    for (const c of conformance.evaluationCases.filter((x) => x.sinceVersion !== undefined)) {
      it(`${c.id} [before ${c.sinceVersion}: group "*" does not match]`, () => {
        assert.equal(c.sinceVersion, "1.36", "only the 1.36 group wildcard is version-tagged upstream");
        const policy = asPolicy(c.policy);
        const before = evaluatePolicy(policy, c.request, { kubernetesVersion: "1.35" });
        assert.equal(before.level, "None", "on 1.35 the group \"*\" rule must not match");
        assert.equal(before.ruleIndex, null, "on 1.35 no rule matches");
        assertSameStages(before.omitStages, (c.policy.omitStages as Stage[] | undefined) ?? [], "omitStages (no match)");
        const since = evaluatePolicy(policy, c.request, { kubernetesVersion: c.sinceVersion });
        assert.equal(since.level, c.expectLevel, `on ${c.sinceVersion} the rule matches`);
        assertSameStages(since.omitStages, c.expectOmitStages, "omitStages");
      });
    }
  });

  describe("omitManagedFields (TestOmitManagedFields)", () => {
    for (const c of conformance.omitManagedFieldsCases) {
      it(c.id, () => {
        const policy = asPolicy(c.policy);
        const decision = evaluatePolicy(policy, c.request);
        assert.equal(decision.level, c.expectLevel);
        assert.equal(decision.omitManagedFields, c.expectOmitManagedFields);
        assertDecisionShape(decision, policy);
      });
    }
  });

  describe("unionStages (TestUnionStages)", () => {
    for (const c of conformance.unionStagesCases) {
      it(c.id, () => {
        const union = unionStages(c.policyOmitStages, c.ruleOmitStages);
        assertSameStages(union, c.expectUnion, "union");
        assert.equal(new Set(union).size, union.length, `union has duplicates: ${JSON.stringify(union)}`);
      });
    }
  });

  describe("invertStages (TestInvertStages)", () => {
    for (const c of conformance.invertStagesCases) {
      it(c.id, () => {
        const inverted = invertStages(c.input);
        assertSameStages(inverted, c.expect, "inverted");
        assert.equal(new Set(inverted).size, inverted.length, `inverted has duplicates: ${JSON.stringify(inverted)}`);
      });
    }
  });

  describe("validatePolicy (validation_test.go)", () => {
    for (const c of conformance.validationCases) {
      it(c.id, () => {
        const issues = validatePolicy(c.policy);
        const formatted = issues.map((i) => `${i.path}: ${i.message}`);
        if (c.valid) {
          assert.deepEqual(formatted, []);
        } else {
          assert.ok(c.expectedErrors && c.expectedErrors.length > 0, "fixture: invalid case without expectedErrors");
          assert.deepEqual(formatted, c.expectedErrors);
          if (c.errorContains !== undefined) {
            const needle = c.errorContains;
            assert.ok(formatted.some((f) => f.includes(needle)), `no error contains ${JSON.stringify(needle)}`);
          }
        }
      });
    }
  });

  describe("parsePolicy / decodePolicy (reader_test.go)", () => {
    const handlers: Record<string, (c: LoaderCase) => void> = {
      TestParser(c) {
        assert.equal(c.expectError, false);
        const policy = parsePolicy(c.yaml);
        assert.equal(policy.apiVersion, "audit.k8s.io/v1");
        assert.equal(policy.kind, "Policy");
        assert.deepEqual(normalisePolicy(policy), normalisePolicy(c.expectPolicy));
      },

      TestParsePolicyWithNoVersionOrKind(c) {
        assert.equal(c.expectError, true);
        const strict = expectPolicyError(() => parsePolicy(c.yaml), "parsePolicy");
        assert.ok(strict.issues.some((i) => i.path === "apiVersion"), `no apiVersion issue in ${describeIssues(strict)}`);
        // The lenient fallback only forgives unknown/duplicate keys, never a missing group/version.
        const lenient = expectPolicyError(() => decodePolicy(c.yaml), "decodePolicy");
        assert.ok(lenient.issues.some((i) => i.path === "apiVersion"), `no apiVersion issue in ${describeIssues(lenient)}`);
      },

      TestParsePolicyWithUnknownField(c) {
        assert.equal(c.expectError, false, "kube-apiserver loads this policy (lenient fallback)");
        const unknownPath = "rules[0].resources[0].verbs";
        const strict = expectPolicyError(() => parsePolicy(c.yaml), "parsePolicy (strict)");
        const issue = strict.issues.find((i) => i.path === unknownPath);
        assert.ok(issue, `no issue at ${unknownPath} in ${describeIssues(strict)}`);
        assert.match(issue.message, /^unknown field/);

        const { policy, dropped } = decodePolicy(c.yaml);
        assert.deepEqual(normalisePolicy(policy), normalisePolicy(c.expectPolicy));
        assert.ok(
          dropped.some((d) => d.path === unknownPath),
          `dropped does not report ${unknownPath}: ${JSON.stringify(dropped)}`,
        );
        // The mis-indented verbs must not have become a verbs restriction on the rule.
        assert.deepEqual(policy.rules[0].verbs ?? [], []);
      },

      "TestPolicyCntCheck/policyWithNoRule"(c) {
        assert.equal(c.expectError, true);
        const err = expectPolicyError(() => parsePolicy(c.yaml), "parsePolicy");
        assert.ok(c.errorContains);
        assert.ok(err.message.includes(c.errorContains), `message ${JSON.stringify(err.message)}`);
        // decodePolicy neither validates nor checks the rule count: it returns the empty policy.
        const { policy, dropped } = decodePolicy(c.yaml);
        assert.deepEqual(policy.rules ?? [], []);
        assert.deepEqual(dropped, []);
      },

      "TestPolicyCntCheck/emptyPolicyFile"(c) {
        assert.equal(c.expectError, true);
        assert.equal(c.yaml, "");
        expectPolicyError(() => parsePolicy(c.yaml), "parsePolicy");
      },
    };

    for (const c of conformance.loaderCases) {
      it(c.id, () => {
        const handler = handlers[c.id];
        assert.ok(handler, `no test handler for loader case ${c.id}`);
        handler(c);
      });
    }
  });
});
