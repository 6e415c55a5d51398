/**
 * requestFromEvent against real kube-apiserver audit events (test/fixtures/events, see its README):
 * Falco's k8s_audit trace files and liggitt/audit2rbac's demo logs (audit.k8s.io v1, v1beta1 and
 * events without apiVersion).
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import { auditEventProblem, requestFromEvent } from "../../components/audit-policy";
import type { RequestAttributes } from "../../components/audit-policy";

const EVENTS_DIR = path.join(__dirname, "..", "fixtures", "events");

/** Event counts per file, from events/README.md. */
const EXPECTED_EVENTS: Record<string, number> = {
  "audit2rbac-demo-2017-responsecomplete.jsonl": 437,
  "audit2rbac-demo-v1.jsonl": 37,
  "falco-k8s-audit-traces.jsonl": 51,
};
const EXPECTED_TOTAL = 525;

interface EventLine {
  file: string;
  line: number; // 1-based
  event: Record<string, unknown>;
}

function readJsonl(file: string): EventLine[] {
  const text = fs.readFileSync(path.join(EVENTS_DIR, file), "utf8");
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines.map((raw, i) => {
    assert.notEqual(raw.trim(), "", `${file}:${i + 1}: blank line`);
    return { file, line: i + 1, event: JSON.parse(raw) as Record<string, unknown> };
  });
}

const jsonlFiles = fs
  .readdirSync(EVENTS_DIR)
  .filter((f) => f.endsWith(".jsonl"))
  .sort();
const eventsByFile = new Map(jsonlFiles.map((f) => [f, readJsonl(f)] as const));

function eventAt(file: string, line: number): Record<string, unknown> {
  const events = eventsByFile.get(file);
  assert.ok(events, `fixture ${file} missing`);
  const e = events[line - 1];
  assert.ok(e, `${file} has no line ${line}`);
  return e.event;
}

/**
 * The attributes the API contract derives from an event, written out independently of the engine:
 * user/groups from event.user (the authenticated caller, never impersonatedUser), objectRef fields
 * with "" for anything missing, and requestURI without its query string.
 */
function expectedAttributes(event: Record<string, unknown>): RequestAttributes {
  const user = event.user as { username?: string; groups?: string[] } | undefined;
  const objectRef = (event.objectRef ?? {}) as Record<string, string | undefined>;
  const username = user?.username ?? null;
  const uri = typeof event.requestURI === "string" ? event.requestURI : "";
  const q = uri.indexOf("?");
  return {
    user: username,
    groups: username === null ? null : (user?.groups ?? []),
    verb: event.verb as string,
    resourceRequest: typeof objectRef.resource === "string" && objectRef.resource !== "",
    apiGroup: objectRef.apiGroup ?? "",
    apiVersion: objectRef.apiVersion ?? "",
    resource: objectRef.resource ?? "",
    subresource: objectRef.subresource ?? "",
    namespace: objectRef.namespace ?? "",
    // kube-apiserver evaluates the policy before reading the body: a create on a collection has no
    // name yet (objectRef.name is filled from the created object afterwards).
    name: event.verb === "create" && !objectRef.subresource ? "" : (objectRef.name ?? ""),
    path: q === -1 ? uri : uri.slice(0, q),
  };
}

describe("requestFromEvent: attributes as the policy saw them", () => {
  it("a create on a collection has no name (kube-apiserver fills objectRef.name from the body later)", () => {
    const event = { verb: "create", user: { username: "alice" }, objectRef: { resource: "clusterrolebindings", apiGroup: "rbac.authorization.k8s.io", name: "admin-binding" }, requestURI: "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings" };
    assert.equal(requestFromEvent(event).name, "");
    // ...while a create on a subresource names its object in the URL.
    const exec = { verb: "create", user: { username: "alice" }, objectRef: { resource: "pods", subresource: "exec", namespace: "a", name: "p" }, requestURI: "/api/v1/namespaces/a/pods/p/exec" };
    assert.equal(requestFromEvent(exec).name, "p");
    assert.equal(requestFromEvent({ ...event, verb: "update" }).name, "admin-binding");
  });
});

describe("requestFromEvent on real audit events", () => {
  it("the vendored event files are complete", () => {
    assert.deepEqual(jsonlFiles, Object.keys(EXPECTED_EVENTS).sort());
    let total = 0;
    for (const [file, count] of Object.entries(EXPECTED_EVENTS)) {
      assert.equal(eventsByFile.get(file)?.length, count, `${file}: expected ${count} events`);
      total += count;
    }
    assert.equal(total, EXPECTED_TOTAL);
  });

  for (const file of jsonlFiles) {
    it(`${file}: every event converts, with the attributes the event records`, () => {
      const events = eventsByFile.get(file) ?? [];
      assert.ok(events.length > 0, `${file} is empty`);
      for (const { line, event } of events) {
        let attrs: RequestAttributes;
        try {
          attrs = requestFromEvent(event);
        } catch (err) {
          assert.fail(`${file}:${line}: requestFromEvent threw ${String(err)}`);
        }
        assert.deepEqual(attrs, expectedAttributes(event), `${file}:${line}`);
      }
    });
  }

  describe("spot checks", () => {
    it("Falco exec_pod.json (no apiVersion; create pods/exec, query string stripped)", () => {
      const event = eventAt("falco-k8s-audit-traces.jsonl", 48);
      assert.equal(event.apiVersion, undefined, "fixture: this event has no apiVersion");
      assert.deepEqual(requestFromEvent(event), {
        user: "minikube-user",
        groups: ["system:masters", "system:authenticated"],
        verb: "create",
        resourceRequest: true,
        apiGroup: "",
        apiVersion: "v1",
        resource: "pods",
        subresource: "exec",
        namespace: "default",
        name: "nginx-deployment-7998647bdf-phvq7",
        path: "/api/v1/namespaces/default/pods/nginx-deployment-7998647bdf-phvq7/exec",
      });
    });

    it("Falco anonymous_creates_namespace_foo.json (v1beta1; cluster-scoped create, namespace \"\")", () => {
      const event = eventAt("falco-k8s-audit-traces.jsonl", 1);
      assert.equal(event.apiVersion, "audit.k8s.io/v1beta1");
      assert.deepEqual(requestFromEvent(event), {
        user: "system:anonymous",
        groups: ["system:masters", "system:authenticated"],
        verb: "create",
        resourceRequest: true,
        apiGroup: "",
        apiVersion: "v1",
        resource: "namespaces",
        subresource: "",
        namespace: "",
        name: "", // objectRef.name is "foo", filled from the body after the policy decided
        path: "/api/v1/namespaces",
      });
    });

    it("Falco delete_cluster_role_kube_aggregator.json (rbac group, cluster-scoped delete)", () => {
      const attrs = requestFromEvent(eventAt("falco-k8s-audit-traces.jsonl", 39));
      assert.equal(attrs.verb, "delete");
      assert.equal(attrs.apiGroup, "rbac.authorization.k8s.io");
      assert.equal(attrs.resource, "clusterroles");
      assert.equal(attrs.name, "system:kube-aggregator");
      assert.equal(attrs.namespace, "");
      assert.equal(attrs.path, "/apis/rbac.authorization.k8s.io/v1/clusterroles/system:kube-aggregator");
    });

    it("audit2rbac v1 impersonated list: user is the authenticated impersonator, not the impersonated user", () => {
      const event = eventAt("audit2rbac-demo-v1.jsonl", 2);
      assert.deepEqual(event.impersonatedUser, { username: "bob", groups: ["system:authenticated"] });
      assert.deepEqual(requestFromEvent(event), {
        user: "system:admin",
        groups: ["system:masters", "system:authenticated"],
        verb: "list",
        resourceRequest: true,
        apiGroup: "",
        apiVersion: "v1",
        resource: "pods",
        subresource: "",
        namespace: "default",
        name: "",
        path: "/api/v1/namespaces/default/pods",
      });
    });

    it("audit2rbac v1 non-resource GET /api: resourceRequest false, path only", () => {
      const event = eventAt("audit2rbac-demo-v1.jsonl", 10);
      assert.equal(event.objectRef, undefined, "fixture: non-resource events carry no objectRef");
      assert.deepEqual(requestFromEvent(event), {
        user: "system:admin",
        groups: ["system:masters", "system:authenticated"],
        verb: "get",
        resourceRequest: false,
        apiGroup: "",
        apiVersion: "",
        resource: "",
        subresource: "",
        namespace: "",
        name: "",
        path: "/api",
      });
    });

    it("audit2rbac 2017 (v1beta1) rolebinding delete with a colon in the name", () => {
      const attrs = requestFromEvent(eventAt("audit2rbac-demo-2017-responsecomplete.jsonl", 4));
      assert.deepEqual(attrs, {
        user: "system:admin",
        groups: ["system:masters", "system:authenticated"],
        verb: "delete",
        resourceRequest: true,
        apiGroup: "rbac.authorization.k8s.io",
        apiVersion: "v1",
        resource: "rolebindings",
        subresource: "",
        namespace: "default",
        name: "audit2rbac:bob",
        path: "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings/audit2rbac:bob",
      });
    });
  });

  describe("partial and malformed input", () => {
    it("a non-resource event with a query string and no user", () => {
      const attrs = requestFromEvent({ verb: "get", requestURI: "/healthz?verbose=1" });
      assert.equal(attrs.user, null);
      assert.equal(attrs.groups, null);
      assert.equal(attrs.verb, "get");
      assert.equal(attrs.resourceRequest, false);
      assert.equal(attrs.path, "/healthz");
    });

    it("a user without groups gets groups []", () => {
      const attrs = requestFromEvent({
        apiVersion: "audit.k8s.io/v1",
        kind: "Event",
        verb: "watch",
        user: { username: "alice" },
        objectRef: { resource: "pods" },
        requestURI: "/api/v1/pods?watch=true",
      });
      assert.equal(attrs.user, "alice");
      assert.deepEqual(attrs.groups, []);
      assert.equal(attrs.resourceRequest, true);
      assert.equal(attrs.resource, "pods");
      assert.equal(attrs.namespace, "");
      assert.equal(attrs.name, "");
      assert.equal(attrs.path, "/api/v1/pods");
    });

    for (const bad of [null, undefined, "an event", 42, true]) {
      it(`reports ${JSON.stringify(bad) ?? "undefined"} as not an audit event, and requestFromEvent does not throw on it`, () => {
        assert.match(auditEventProblem(bad) ?? "", /^an audit event must be a JSON object, got /);
        assert.equal(requestFromEvent(bad).resourceRequest, false);
      });
    }
  });

  describe("falco-k8s-audit-traces.index.tsv agrees with requestFromEvent", () => {
    const tsv = fs.readFileSync(path.join(EVENTS_DIR, "falco-k8s-audit-traces.index.tsv"), "utf8");
    const [headerLine, ...rowLines] = tsv.split("\n").filter((l) => l !== "");
    const header = headerLine.split("\t");
    const col = (name: string): number => {
      const i = header.indexOf(name);
      if (i < 0) throw new Error(`index.tsv: no column ${name}`);
      return i;
    };
    const cLine = col("line");
    const cFile = col("source_file");
    const cVerb = col("verb");
    const cResource = col("objectRef.resource");
    const cSubresource = col("objectRef.subresource");
    const cUser = col("user.username");

    it("has one row per event", () => {
      assert.equal(rowLines.length, EXPECTED_EVENTS["falco-k8s-audit-traces.jsonl"]);
      assert.deepEqual(
        rowLines.map((r) => Number(r.split("\t")[cLine])),
        rowLines.map((_, i) => i + 1),
      );
    });

    for (const row of rowLines) {
      const cells = row.split("\t");
      const line = Number(cells[cLine]);
      it(`line ${line} (${cells[cFile]})`, () => {
        const attrs = requestFromEvent(eventAt("falco-k8s-audit-traces.jsonl", line));
        assert.equal(attrs.verb, cells[cVerb], "verb");
        assert.equal(attrs.resource, cells[cResource], "resource");
        assert.equal(attrs.subresource, cells[cSubresource], "subresource");
        assert.equal(attrs.user, cells[cUser], "user");
      });
    }
  });
});
