import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { compilePolicy, evaluateCompiled, getPreset, matchingRules, requestFromEvent } from "../../components/audit-policy";
import { parseRequestSpec } from "../../cli/request-spec";
import { cli, EVENTS, lineCount, POLICIES } from "./support";

describe("cli explain", () => {
  it("explains a Secret read: deciding rule, level, omitted stages", async () => {
    const r = await cli(["explain", "preset:recommended", "--request", "verb=get resource=secrets namespace=team-a user=alice"]);
    assert.equal(r.code, 0, r.stderr);
    const policy = getPreset("recommended");
    const decision = evaluateCompiled(compilePolicy(policy), parseRequestSpec("verb=get resource=secrets namespace=team-a user=alice"));
    assert.equal(decision.level, "Metadata");
    assert.match(r.stdout, new RegExp(`decided by: rules\\[${decision.ruleIndex}\\] \\(preset:recommended:\\d+\\)`));
    assert.match(r.stdout, /level: +Metadata: metadata only/);
    assert.match(r.stdout, /omitted stages: RequestReceived/);
    assert.match(r.stdout, /resources: \["secrets"/);
  });

  it("--json gives the decision and every other matching rule", async () => {
    const req = "verb=create resource=pods/exec namespace=prod user=bob groups=devs,system:authenticated";
    const r = await cli(["explain", path.join(POLICIES, "kubespray-default.yaml"), "--request", req, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { ruleIndex: number; level: string; alsoMatching: number[]; request: { resource: string; subresource: string; groups: string[] } };
    assert.equal(out.request.resource, "pods");
    assert.equal(out.request.subresource, "exec");
    assert.deepEqual(out.request.groups, ["devs", "system:authenticated"]);
    assert.equal(out.level, "RequestResponse");
    assert.ok(out.alsoMatching.every((i) => i > out.ruleIndex));
    assert.ok(out.alsoMatching.length > 0);
  });

  it("a non-resource request (path=) and a request without a user", async () => {
    const r = await cli(["explain", "preset:recommended", "--request", "verb=get path=/healthz user=kubelet groups=system:authenticated", "--request", "verb=get resource=pods namespace=x", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const [health, anon] = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { level: string; request: { user: string | null; resourceRequest: boolean } });
    assert.equal(health.request.resourceRequest, false);
    assert.equal(health.level, "None");
    assert.equal(anon.request.user, null);
  });

  it("--events explains every event of a log, in order, with line numbers", async () => {
    const file = path.join(EVENTS, "audit2rbac-demo-v1.jsonl");
    const r = await cli(["explain", "preset:cis", "--events", file, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { line: number; level: string; ruleIndex: number | null });
    assert.equal(rows.length, lineCount(file));
    assert.deepEqual(rows.map((x) => x.line), rows.map((_, i) => i + 1));
    const compiled = compilePolicy(getPreset("cis"));
    const first = JSON.parse(fs.readFileSync(file, "utf8").split("\n")[0]) as object;
    const req = requestFromEvent(first);
    assert.equal(rows[0].ruleIndex, evaluateCompiled(compiled, req).ruleIndex);
    assert.equal(matchingRules(compiled, req)[0], rows[0].ruleIndex);
  });

  it("rejects a bad request spec and missing options with exit 2", async () => {
    const bad = await cli(["explain", "preset:cis", "--request", "verb=get resrouce=pods"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown key "resrouce"/);
    const none = await cli(["explain", "preset:cis"]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /give either --request/);
    const both = await cli(["explain", "preset:cis", "--request", "verb=get path=/x resource=pods"]);
    assert.equal(both.code, 2);
  });
});
