/**
 * Regression tests for issue 11, defects 2, 6 and 7: input a user can give that crashed the parser,
 * was misread by `explain --request`, or was silently counted as a request nobody made.
 */
import * as assert from "node:assert/strict";

import { auditEventProblem, parsePolicy, PolicyError, requestFromEvent } from "../../components/audit-policy";
import { parseRequestSpec } from "../../cli/request-spec";
import { CliError } from "../../cli/args";
import { cli } from "../cli/support";

const DEEP_SEQUENCE = `${"- ".repeat(5000)}x\n---\nkind: Policy\n`;

describe("deeply nested YAML (defect 2)", () => {
  for (const [what, text] of [
    ["a sequence nested 5,000 levels followed by a second document", DEEP_SEQUENCE],
    ["flow sequences nested 20,000 levels", `${"[".repeat(20000)}${"]".repeat(20000)}\n`],
    ["flow mappings nested 20,000 levels", `${"{a: ".repeat(20000)}1${"}".repeat(20000)}\n`],
  ]) {
    it(`${what} is a PolicyError saying so`, () => {
      assert.throws(
        () => parsePolicy(text),
        (e: unknown) => e instanceof PolicyError && /nested far deeper than any audit policy/.test(e.message) && !/Maximum call stack/.test(e.message),
      );
    });
  }

  it("check exits 2 with the message, no stack trace", async () => {
    const r = await cli(["check", "-"], { stdin: DEEP_SEQUENCE });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stdout + r.stderr, /nested far deeper than any audit policy/);
    assert.doesNotMatch(r.stdout + r.stderr, /RangeError|internal error|\n\s+at /);
  });
});

describe("explain --request parsing (defect 6)", () => {
  const refused = (text: string, re: RegExp) =>
    assert.throws(() => parseRequestSpec(text), (e: unknown) => e instanceof CliError && re.test(e.message), text);

  it("refuses keys named like Object's own properties", () => {
    refused("verb=get path=/x __proto__=x", /unknown key "__proto__"/);
    refused("verb=get path=/x constructor=x", /unknown key "constructor"/);
    refused("verb=get path=/x toString=x", /unknown key "toString"/);
    refused("verb=get path=/x hasOwnProperty=x", /unknown key "hasOwnProperty"/);
  });

  it("refuses an unbalanced quote instead of keeping it in the value", () => {
    refused(`verb=get resource=secrets name="abc`, /name="abc: the quote " is not closed/);
    refused(`verb=get resource=secrets name='abc`, /the quote ' is not closed/);
    assert.equal(parseRequestSpec(`verb=get resource=secrets name="a b"`).name, "a b");
  });

  it("refuses a path without a leading slash, naming the fix", () => {
    refused("verb=get path=healthz", /path=healthz: a URL path begins with "\/"; write path=\/healthz/);
    assert.equal(parseRequestSpec("verb=get path=/healthz").path, "/healthz");
  });

  it("explain exits 2 on them", async () => {
    const r = await cli(["explain", "preset:recommended", "--request", "verb=get path=/x constructor=x"]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /unknown key "constructor"/);
  });
});

describe("events with wrong field types (defect 7)", () => {
  const base = { kind: "Event", apiVersion: "audit.k8s.io/v1", verb: "get", requestURI: "/api/v1/pods", user: { username: "u", groups: ["g"] } };
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["user is a number", { ...base, user: 5 }, /^user must be an object/],
    ["objectRef is a string", { ...base, objectRef: "x" }, /^objectRef must be an object/],
    ["requestURI is a number", { ...base, requestURI: 5 }, /^requestURI must be a string, got the number 5/],
    ["kind is not Event", { ...base, kind: "Pod" }, /^kind is the string "Pod", not "Event"/],
    ["verb is missing", { ...base, verb: undefined }, /^verb must be a non-empty string/],
    ["user.groups is a string", { ...base, user: { username: "u", groups: "g" } }, /^user\.groups must be a list of strings/],
    ["objectRef.resource is a number", { ...base, objectRef: { resource: 1 } }, /^objectRef\.resource must be a string/],
  ];
  for (const [what, event, re] of cases) {
    it(`${what}: not an audit event`, () => {
      assert.match(auditEventProblem(event) ?? "(accepted)", re);
      requestFromEvent(event); // and reading it anyway does not throw
    });
  }

  it("accepts a minimal valid event (no kind, no user: failed authentication)", () => {
    assert.equal(auditEventProblem({ verb: "get", requestURI: "/healthz" }), undefined);
    assert.equal(auditEventProblem({ ...base, user: {}, objectRef: { resource: "pods", namespace: "a" } }), undefined);
  });

  it("replay skips them as malformed with a warning instead of counting them", async () => {
    const lines = [base, ...cases.map(([, e]) => e)].map((e) => JSON.stringify(e)).join("\n");
    const r = await cli(["replay", "--events", "-", "preset:recommended", "--json"], { stdin: `${lines}\n` });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { input: { requests: number; malformed: { count: number; messages: string[] } } };
    assert.equal(report.input.requests, 1);
    assert.equal(report.input.malformed.count, cases.length);
    assert.match(report.input.malformed.messages.join("\n"), /user must be an object/);
  });
});
