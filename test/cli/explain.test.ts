import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { compilePolicy, evaluateCompiled, getPreset, matchingRules, requestFromEvent } from "../../components/audit-policy";
import { parseRequest, parseRequestSpec } from "../../cli/request-spec";
import { cli, EVENTS, lineCount, POLICIES, tmpDir } from "./support";

interface ExplainJson {
  request: { user: string | null; groups: string[] | null; path: string; resource: string; subresource: string };
  level: string;
  ruleIndex: number | null;
  addedGroup?: string | null;
}

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

  it("adds system:authenticated to a user's groups as kube-apiserver does (system:unauthenticated for system:anonymous)", async () => {
    const dir = tmpDir("explain");
    const policy = path.join(dir, "groups.yaml");
    fs.writeFileSync(
      policy,
      'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  userGroups: ["system:authenticated"]\n- level: Request\n  userGroups: ["system:unauthenticated"]\n- level: Metadata\n',
    );
    const ask = async (req: string, ...flags: string[]) => {
      const r = await cli(["explain", policy, "--request", req, "--json", ...flags]);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as ExplainJson;
    };
    const alice = await ask("verb=get path=/healthz user=alice");
    assert.deepEqual(alice.request.groups, ["system:authenticated"]);
    assert.equal(alice.addedGroup, "system:authenticated");
    assert.equal(alice.level, "None");
    const devs = await ask("verb=get resource=pods user=bob groups=devs");
    assert.deepEqual(devs.request.groups, ["devs", "system:authenticated"]);
    const given = await ask("verb=get resource=pods user=bob groups=system:authenticated,devs");
    assert.deepEqual(given.request.groups, ["system:authenticated", "devs"]);
    assert.equal(given.addedGroup, null);
    const anon = await ask("verb=get path=/healthz user=system:anonymous");
    assert.deepEqual(anon.request.groups, ["system:unauthenticated"]);
    assert.equal(anon.level, "Request");
    const exact = await ask("verb=get path=/healthz user=alice", "--exact-groups");
    assert.deepEqual(exact.request.groups, []);
    assert.equal(exact.addedGroup, null);
    assert.equal(exact.level, "Metadata");
    // No user: no user info, no groups added.
    const none = await ask("verb=get path=/healthz");
    assert.equal(none.request.groups, null);
    assert.equal(none.level, "Metadata");
    // The human output prints the groups used and says where the added one comes from.
    const human = await cli(["explain", policy, "--request", "verb=get path=/healthz user=alice"]);
    assert.match(human.stdout, /request: +verb=get path=\/healthz user=alice groups=system:authenticated\n +\(system:authenticated added: kube-apiserver adds it to every authenticated user; --exact-groups to turn off\)/);
    const humanExact = await cli(["explain", policy, "--exact-groups", "--request", "verb=get path=/healthz user=alice"]);
    assert.match(humanExact.stdout, /user=alice groups=\(none\)\n/);
    assert.match((await cli(["explain", "--help"])).stdout, /--exact-groups/);
    const withEvents = await cli(["explain", policy, "--exact-groups", "--events", path.join(EVENTS, "audit2rbac-demo-v1.jsonl")]);
    assert.equal(withEvents.code, 2);
    assert.match(withEvents.stderr, /--exact-groups applies to --request only/);
  });

  it("path= drops the query string, as the policy checker matches the path alone", () => {
    const { request } = parseRequest("verb=get path=/healthz?verbose=1&x=2 user=alice");
    assert.equal(request.path, "/healthz");
    assert.equal(request.resourceRequest, false);
    assert.equal(parseRequestSpec("verb=get path='/readyz?exclude=etcd'").path, "/readyz");
  });

  it("refuses a resource with more than one slash or an empty part, and a subresource with a slash", async () => {
    for (const bad of ["pods/exec/x", "pods/", "/exec"]) {
      const r = await cli(["explain", "preset:cis", "--request", `verb=get resource=${bad} user=a`]);
      assert.equal(r.code, 2, bad);
      assert.match(r.stderr, new RegExp(`resource=${bad}: a resource is NAME or NAME/SUBRESOURCE \\(for example pods or pods/exec\\)`));
    }
    const sub = await cli(["explain", "preset:cis", "--request", "verb=get resource=pods subresource=exec/x user=a"]);
    assert.equal(sub.code, 2);
    assert.match(sub.stderr, /subresource=exec\/x: a subresource is one name/);
    const ok = parseRequestSpec("verb=create resource=pods/exec user=a");
    assert.equal(ok.resource, "pods");
    assert.equal(ok.subresource, "exec");
  });

  it("--events: an empty input or a truncated .gz exits 2 (the events read are still explained)", async () => {
    const empty = await cli(["explain", "preset:cis", "--events", "-"], { stdin: "" });
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /explain: <stdin> holds no audit event \(it is empty\)/);
    const dir = tmpDir("explain");
    const gz = zlib.gzipSync(fs.readFileSync(path.join(EVENTS, "audit2rbac-demo-2017-responsecomplete.jsonl")));
    const file = path.join(dir, "cut.gz");
    fs.writeFileSync(file, gz.subarray(0, Math.floor(gz.length / 2)));
    const r = await cli(["explain", "preset:cis", "--events", file, "--json"]);
    assert.equal(r.code, 2);
    const rows = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { line: number; error?: string });
    assert.ok(rows.length > 0);
    assert.ok(rows.every((x) => x.error === undefined));
    assert.deepEqual(rows.map((x) => x.line), rows.map((_, i) => i + 1));
    assert.match(r.stderr, new RegExp(`ends early \\(not valid gzip: unexpected end of file\\) in line ${rows.length + 1}, which is cut off; only the ${rows.length} complete line\\(s\\) before were explained`));
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
