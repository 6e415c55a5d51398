/**
 * Issue 11, defect 11 (messages): a group with a version, wrong-case levels and stages, and a rule
 * with both resources and nonResourceURLs get a fix hint. kube-apiserver's message stays exactly
 * its own (the conformance vectors check it); the hint is the issue's separate `hint` field, which
 * formatIssues (and so `check`) prints after the message.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import { formatIssues, parsePolicy, PolicyError, validatePolicy, type PolicyIssue } from "../../components/audit-policy";
import { cli, tmpDir } from "../cli/support";

const HEAD = "apiVersion: audit.k8s.io/v1\nkind: Policy\n";
const DNS_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LEVELS_MESSAGE = 'supported values: "None", "Metadata", "Request", "RequestResponse"';
const STAGES_MESSAGE = "allowed stages are RequestReceived,ResponseStarted,ResponseComplete,Panic";
const MIXED_MESSAGE = "rules cannot apply to both regular resources and non-resource URLs";

const issues = (rules: unknown[]): PolicyIssue[] => validatePolicy({ rules }).map((i) => ({ ...i }));

describe("fix hints beside kube-apiserver's messages (defect 11)", () => {
  it("a group with a version: drop the version", () => {
    assert.deepEqual(issues([{ level: "Metadata", resources: [{ group: "apps/v1" }] }]), [
      { path: "rules[0].resources.group", message: `Invalid value: "apps/v1": ${DNS_MESSAGE}`, hint: 'an API group has no version: write group: "apps" (drop "/v1")' },
    ]);
    assert.equal(issues([{ level: "Metadata", resources: [{ group: "networking.k8s.io/v1beta1" }] }])[0].hint, 'an API group has no version: write group: "networking.k8s.io" (drop "/v1beta1")');
    assert.equal(issues([{ level: "Metadata", resources: [{ group: "core/v1" }] }])[0].hint, 'an API group has no version, and the core group is written "": write group: "" (drop "core/v1")');
    assert.equal(issues([{ level: "Metadata", resources: [{ group: "/v1" }] }])[0].hint, 'an API group has no version, and the core group is written "": write group: "" (drop "/v1")');
    assert.equal(issues([{ level: "Metadata", resources: [{ group: "Apps" }] }])[0].hint, 'API groups are lower case: write group: "apps"');
    assert.equal(issues([{ level: "Metadata", resources: [{ group: "-apps" }] }])[0].hint, undefined);
  });

  it("a wrong-case or misspelled level: did you mean the exact spelling", () => {
    assert.deepEqual(issues([{ level: "metadata" }]), [
      { path: "rules[0].level", message: `Unsupported value: "metadata": ${LEVELS_MESSAGE}`, hint: 'did you mean "Metadata"? Levels are case-sensitive' },
    ]);
    assert.equal(issues([{ level: "REQUESTRESPONSE" }])[0].hint, 'did you mean "RequestResponse"? Levels are case-sensitive');
    assert.equal(issues([{ level: "Metdata" }])[0].hint, 'did you mean "Metadata"?');
    assert.equal(issues([{ level: "Everything" }])[0].hint, undefined);
  });

  it("a wrong-case stage, in a rule or the policy: did you mean the exact spelling", () => {
    assert.deepEqual(issues([{ level: "None", omitStages: ["responsecomplete"] }]), [
      { path: "rules[0].omitStages[0]", message: `Invalid value: "responsecomplete": ${STAGES_MESSAGE}`, hint: 'did you mean "ResponseComplete"? Stages are case-sensitive' },
    ]);
    assert.deepEqual(
      validatePolicy({ omitStages: ["requestreceived"], rules: [] }).map((i) => i.hint),
      ['did you mean "RequestReceived"? Stages are case-sensitive'],
    );
  });

  it("a rule with resources (or namespaces) and nonResourceURLs: split it, with the two rules written out", () => {
    assert.deepEqual(issues([{ level: "Metadata", verbs: ["get"], resources: [{ group: "", resources: ["pods"] }], nonResourceURLs: ["/healthz*"] }]), [
      {
        path: "rules[0].nonResourceURLs",
        message: `Invalid value: ["/healthz*"]: ${MIXED_MESSAGE}`,
        hint:
          "split it into two rules in its place, one for resources and one for non-resource URLs: " +
          '`- {level: Metadata, verbs: [get], resources: [{group: "", resources: [pods]}]}` then `- {level: Metadata, verbs: [get], nonResourceURLs: [/healthz*]}`',
      },
    ]);
    assert.equal(
      issues([{ level: "None", namespaces: ["kube-system"], nonResourceURLs: ["/metrics"] }])[0].hint,
      "split it into two rules in its place, one for resources and one for non-resource URLs: " +
        "`- {level: None, namespaces: [kube-system]}` then `- {level: None, nonResourceURLs: [/metrics]}`",
    );
  });

  it("the rules a hint writes out are valid and match what the mixed rule meant", () => {
    const [hint] = issues([{ level: "Request", users: ["admin"], resources: [{ group: "apps", resources: ["deployments"] }], nonResourceURLs: ["/api*"] }]).map((i) => i.hint!);
    const rules = [...hint.matchAll(/`(- [^`]+)`/g)].map((m) => m[1]);
    assert.deepEqual(parsePolicy(`${HEAD}rules:\n${rules.join("\n")}\n`).rules, [
      { level: "Request", users: ["admin"], resources: [{ group: "apps", resources: ["deployments"] }] },
      { level: "Request", users: ["admin"], nonResourceURLs: ["/api*"] },
    ]);
  });

  it("formatIssues prints the hint after kube-apiserver's message, on the issue's line", () => {
    const text = `${HEAD}rules:\n- level: metadata\n`;
    assert.throws(
      () => parsePolicy(text, { source: "p.yaml" }),
      (e: unknown) =>
        e instanceof PolicyError &&
        e.message === `p.yaml:4:3: rules[0].level: Unsupported value: "metadata": ${LEVELS_MESSAGE} (hint: did you mean "Metadata"? Levels are case-sensitive)`,
    );
    assert.equal(formatIssues([{ path: "a", message: "m" }]), "a: m");
  });

  it("check prints each hint after kube-apiserver's message and exits 2", async () => {
    const file = path.join(tmpDir("hints-"), "policy.yaml");
    fs.writeFileSync(
      file,
      `${HEAD}rules:\n- level: metadata\n  omitStages: [responsecomplete]\n  resources:\n  - group: apps/v1\n    resources: [deployments]\n  nonResourceURLs: ["/healthz*"]\n`,
    );
    const r = await cli(["check", file]);
    assert.equal(r.code, 2, r.stderr);
    const lines = r.stdout.split("\n").map((l) => l.trim());
    const line = (path: string) => lines.find((l) => l.startsWith(`${file}:`) && l.includes(` ${path}: `));
    assert.equal(line("rules[0].level"), `${file}:4:3: rules[0].level: Unsupported value: "metadata": ${LEVELS_MESSAGE} (hint: did you mean "Metadata"? Levels are case-sensitive)`);
    assert.equal(
      line("rules[0].omitStages[0]"),
      `${file}:5:16: rules[0].omitStages[0]: Invalid value: "responsecomplete": ${STAGES_MESSAGE} (hint: did you mean "ResponseComplete"? Stages are case-sensitive)`,
    );
    assert.equal(line("rules[0].resources.group"), `${file}:7:5: rules[0].resources.group: Invalid value: "apps/v1": ${DNS_MESSAGE} (hint: an API group has no version: write group: "apps" (drop "/v1"))`);
    assert.equal(
      line("rules[0].nonResourceURLs"),
      `${file}:9:3: rules[0].nonResourceURLs: Invalid value: ["/healthz*"]: ${MIXED_MESSAGE} (hint: split it into two rules in its place, one for resources and one for non-resource URLs: ` +
        "`- {level: metadata, resources: [{group: apps/v1, resources: [deployments]}], omitStages: [responsecomplete]}` then `- {level: metadata, nonResourceURLs: [/healthz*], omitStages: [responsecomplete]}`)",
    );
  });
});
