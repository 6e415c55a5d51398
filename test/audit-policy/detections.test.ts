/**
 * Detection classes (components/audit-policy/detections.ts): their
 * representative requests and event matchers, checked against the real events in
 * test/fixtures/events (Falco's k8s_audit traces with the rules falcosecurity/testing expects, and
 * audit2rbac's impersonation and RBAC-churn logs), against the traffic model, and used to compare
 * the `recommended` preset with the GCE policy.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import {
  DETECTION_IDS,
  DETECTIONS,
  detectEvents,
  detectionCoverage,
  evaluatePolicy,
  levelAtLeast,
  LEVELS,
  parsePolicy,
  presets,
  requestFromEvent,
} from "../../components/audit-policy";
import type { DetectionId, Level, Policy } from "../../components/audit-policy";
import { generateBackgroundTraffic } from "../support/traffic";

const FIXTURES = path.join(__dirname, "..", "fixtures");
const EVENTS_DIR = path.join(FIXTURES, "events");
const gce = parsePolicy(fs.readFileSync(path.join(FIXTURES, "policies", "gce-gci-configure-helper-default.yaml"), "utf8"));
const recommended = presets.recommended.policy;

interface Recorded {
  file: string;
  line: number;
  event: Record<string, unknown>;
}

const recorded: Recorded[] = fs
  .readdirSync(EVENTS_DIR)
  .filter((f) => f.endsWith(".jsonl"))
  .sort()
  .flatMap((file) =>
    fs
      .readFileSync(path.join(EVENTS_DIR, file), "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l, i) => ({ file, line: i + 1, event: JSON.parse(l) as Record<string, unknown> })),
  );

const byId = new Map(DETECTIONS.map((d) => [d.id, d]));
const minLevel = (id: DetectionId): Level => byId.get(id)!.minLevel;

// ---------------------------------------------------------------------------------------------
// Synthetic events
// ---------------------------------------------------------------------------------------------

interface EventSpec {
  verb: string;
  resource?: string;
  subresource?: string;
  group?: string;
  name?: string;
  user?: string;
  impersonated?: string;
  requestObject?: unknown;
  responseObject?: unknown;
  code?: number;
  decision?: string;
  uri?: string;
}

function ev(s: EventSpec): Record<string, unknown> {
  return {
    kind: "Event",
    apiVersion: "audit.k8s.io/v1",
    level: "RequestResponse",
    stage: "ResponseComplete",
    verb: s.verb,
    requestURI: s.uri ?? "/api/v1/x",
    user: { username: s.user ?? "alice", groups: ["system:authenticated"] },
    ...(s.impersonated ? { impersonatedUser: { username: s.impersonated } } : {}),
    ...(s.resource ? { objectRef: { resource: s.resource, subresource: s.subresource, apiGroup: s.group, name: s.name, apiVersion: "v1" } } : {}),
    responseStatus: { metadata: {}, code: s.code ?? 200 },
    ...(s.requestObject !== undefined ? { requestObject: s.requestObject } : {}),
    ...(s.responseObject !== undefined ? { responseObject: s.responseObject } : {}),
    annotations: { "authorization.k8s.io/decision": s.decision ?? "allow" },
  };
}

const RBAC = "rbac.authorization.k8s.io";
const pod = (spec: Record<string, unknown>) => ({ kind: "Pod", apiVersion: "v1", metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "nginx" }], ...spec } });
const container = (securityContext: Record<string, unknown>) => ({ name: "c", image: "nginx", securityContext });
const role = (rules: unknown[]) => ({ kind: "ClusterRole", metadata: { name: "r" }, rules });

/** For each class: events that belong to it and events that do not. */
const CASES: Record<DetectionId, { yes: Record<string, unknown>[]; no: Record<string, unknown>[] }> = {
  "exec-attach": {
    yes: [ev({ verb: "create", resource: "pods", subresource: "exec" }), ev({ verb: "get", resource: "pods", subresource: "exec" }), ev({ verb: "get", resource: "pods", subresource: "attach" })],
    no: [ev({ verb: "get", resource: "pods" }), ev({ verb: "get", resource: "pods", subresource: "log" }), ev({ verb: "create", resource: "pods", subresource: "portforward" })],
  },
  "port-forward": {
    yes: [ev({ verb: "create", resource: "pods", subresource: "portforward" }), ev({ verb: "get", resource: "pods", subresource: "portforward" })],
    no: [ev({ verb: "create", resource: "pods", subresource: "exec" })],
  },
  "ephemeral-container": {
    yes: [ev({ verb: "patch", resource: "pods", subresource: "ephemeralcontainers" }), ev({ verb: "update", resource: "pods", subresource: "ephemeralcontainers" })],
    no: [ev({ verb: "get", resource: "pods", subresource: "ephemeralcontainers" }), ev({ verb: "patch", resource: "pods" })],
  },
  "secret-read": {
    yes: [ev({ verb: "get", resource: "secrets", name: "s" }), ev({ verb: "list", resource: "secrets" }), ev({ verb: "watch", resource: "secrets" })],
    no: [ev({ verb: "create", resource: "secrets" }), ev({ verb: "delete", resource: "secrets", name: "s" }), ev({ verb: "get", resource: "secrets", group: "example.com" })],
  },
  "rbac-change": {
    yes: ["create", "update", "patch", "delete", "deletecollection"].flatMap((verb) =>
      ["roles", "clusterroles", "rolebindings", "clusterrolebindings"].map((resource) => ev({ verb, resource, group: RBAC })),
    ),
    no: [ev({ verb: "get", resource: "roles", group: RBAC }), ev({ verb: "create", resource: "roles", group: "example.com" }), ev({ verb: "create", resource: "rolebindings" })],
  },
  "cluster-admin-binding": {
    yes: [
      ev({ verb: "create", resource: "clusterrolebindings", group: RBAC, requestObject: { roleRef: { name: "cluster-admin" } } }),
      ev({ verb: "patch", resource: "rolebindings", group: RBAC, requestObject: {}, responseObject: { roleRef: { name: "cluster-admin" } } }),
    ],
    no: [
      ev({ verb: "create", resource: "clusterrolebindings", group: RBAC, requestObject: { roleRef: { name: "view" } } }),
      ev({ verb: "create", resource: "clusterrolebindings", group: RBAC }),
      ev({ verb: "delete", resource: "clusterrolebindings", group: RBAC, name: "x", responseObject: { roleRef: { name: "cluster-admin" } } }),
    ],
  },
  "escalating-role": {
    yes: [
      ev({ verb: "create", resource: "clusterroles", group: RBAC, requestObject: role([{ verbs: ["*"], resources: ["pods"] }]) }),
      ev({ verb: "create", resource: "roles", group: RBAC, requestObject: role([{ verbs: ["get"], resources: ["secrets"] }]) }),
      ev({ verb: "update", resource: "roles", group: RBAC, requestObject: role([{ verbs: ["escalate"], resources: ["roles"] }]) }),
      ev({ verb: "patch", resource: "clusterroles", group: RBAC, requestObject: { metadata: {} }, responseObject: role([{ verbs: ["create"], resources: ["pods/exec"] }]) }),
      ev({ verb: "create", resource: "clusterroles", group: RBAC, requestObject: role([{ verbs: ["impersonate"], resources: ["users"] }]) }),
    ],
    no: [
      ev({ verb: "create", resource: "clusterroles", group: RBAC, requestObject: role([{ verbs: ["get", "list"], resources: ["pods"] }]) }),
      ev({ verb: "create", resource: "clusterroles", group: RBAC }),
      ev({ verb: "get", resource: "clusterroles", group: RBAC, name: "x", responseObject: role([{ verbs: ["*"], resources: ["*"] }]) }),
    ],
  },
  "system-clusterrole-change": {
    yes: [
      ev({ verb: "patch", resource: "clusterroles", group: RBAC, name: "system:node" }),
      ev({ verb: "delete", resource: "roles", group: RBAC, name: "system:controller:bootstrap-signer" }),
      ev({ verb: "create", resource: "clusterroles", group: RBAC, requestObject: { metadata: { name: "system:evil" } } }),
    ],
    no: [ev({ verb: "patch", resource: "clusterroles", group: RBAC, name: "admin" }), ev({ verb: "get", resource: "clusterroles", group: RBAC, name: "system:node" })],
  },
  "privileged-pod": {
    yes: [
      ev({ verb: "create", resource: "pods", requestObject: pod({ containers: [container({ privileged: true })] }) }),
      ev({ verb: "create", resource: "pods", requestObject: pod({ initContainers: [container({ privileged: true })] }) }),
      ev({ verb: "patch", resource: "pods", subresource: "ephemeralcontainers", requestObject: pod({ ephemeralContainers: [container({ privileged: true })] }) }),
    ],
    no: [ev({ verb: "create", resource: "pods", requestObject: pod({ containers: [container({ privileged: false })] }) }), ev({ verb: "create", resource: "pods" })],
  },
  "hostpath-volume": {
    yes: [ev({ verb: "create", resource: "pods", requestObject: pod({ volumes: [{ name: "root", hostPath: { path: "/" } }] }) })],
    no: [ev({ verb: "create", resource: "pods", requestObject: pod({ volumes: [{ name: "tmp", emptyDir: {} }] }) })],
  },
  "host-namespaces": {
    yes: [
      ev({ verb: "create", resource: "pods", requestObject: pod({ hostNetwork: true }) }),
      ev({ verb: "create", resource: "pods", requestObject: pod({ hostPID: true }) }),
      ev({ verb: "update", resource: "pods", name: "p", requestObject: pod({ hostIPC: true }) }),
    ],
    no: [ev({ verb: "create", resource: "pods", requestObject: pod({ hostNetwork: false }) }), ev({ verb: "create", resource: "deployments", group: "apps", requestObject: pod({ hostNetwork: true }) })],
  },
  "dangerous-capabilities": {
    yes: [
      ev({ verb: "create", resource: "pods", requestObject: pod({ containers: [container({ capabilities: { add: ["SYS_ADMIN"] } })] }) }),
      ev({ verb: "create", resource: "pods", requestObject: pod({ containers: [container({ capabilities: { add: ["CAP_NET_ADMIN"] } })] }) }),
    ],
    no: [ev({ verb: "create", resource: "pods", requestObject: pod({ containers: [container({ capabilities: { add: ["NET_BIND_SERVICE"], drop: ["ALL"] } })] }) })],
  },
  "exposed-service": {
    yes: [
      ev({ verb: "create", resource: "services", requestObject: { spec: { type: "NodePort" } } }),
      ev({ verb: "patch", resource: "services", name: "s", requestObject: { spec: { type: "LoadBalancer" } } }),
    ],
    no: [ev({ verb: "create", resource: "services", requestObject: { spec: { type: "ClusterIP" } } }), ev({ verb: "create", resource: "services" })],
  },
  "token-request": {
    yes: [ev({ verb: "create", resource: "serviceaccounts", subresource: "token", name: "default" })],
    no: [ev({ verb: "create", resource: "serviceaccounts" }), ev({ verb: "get", resource: "serviceaccounts", subresource: "token", name: "x" })],
  },
  impersonation: {
    yes: [ev({ verb: "get", resource: "pods", impersonated: "bob" }), ev({ verb: "get", uri: "/api", impersonated: "u-1" })],
    no: [ev({ verb: "get", resource: "pods" }), { ...ev({ verb: "get" }), impersonatedUser: {} }],
  },
  "anonymous-allowed": {
    yes: [ev({ verb: "create", resource: "namespaces", user: "system:anonymous" }), ev({ verb: "get", uri: "/api/v1/secrets", user: "system:anonymous" })],
    no: [
      ev({ verb: "get", uri: "/healthz", user: "system:anonymous" }),
      ev({ verb: "get", uri: "/readyz?verbose", user: "system:anonymous" }),
      ev({ verb: "list", resource: "secrets", user: "system:anonymous", decision: "forbid", code: 403 }),
      ev({ verb: "list", resource: "secrets", user: "alice" }),
    ],
  },
  forbidden: {
    yes: [ev({ verb: "list", resource: "secrets", code: 403 }), ev({ verb: "get", uri: "/logs", decision: "forbid", code: 403 })],
    no: [ev({ verb: "list", resource: "secrets" }), ev({ verb: "get", resource: "pods", name: "x", code: 404 })],
  },
  "webhook-config-change": {
    yes: [
      ev({ verb: "create", resource: "mutatingwebhookconfigurations", group: "admissionregistration.k8s.io" }),
      ev({ verb: "delete", resource: "validatingwebhookconfigurations", group: "admissionregistration.k8s.io", name: "w" }),
    ],
    no: [ev({ verb: "list", resource: "validatingwebhookconfigurations", group: "admissionregistration.k8s.io" })],
  },
  csr: {
    yes: [
      ev({ verb: "create", resource: "certificatesigningrequests", group: "certificates.k8s.io" }),
      ev({ verb: "update", resource: "certificatesigningrequests", subresource: "approval", group: "certificates.k8s.io", name: "c" }),
    ],
    no: [
      ev({ verb: "watch", resource: "certificatesigningrequests", group: "certificates.k8s.io" }),
      ev({ verb: "update", resource: "certificatesigningrequests", subresource: "status", group: "certificates.k8s.io", name: "c" }),
    ],
  },
  "configmap-credentials": {
    yes: [
      ev({ verb: "create", resource: "configmaps", requestObject: { data: { "access.properties": "aws_access_key_id = X\n" } } }),
      ev({ verb: "update", resource: "configmaps", name: "c", requestObject: { data: { DB_PASSWORD: "hunter2" } } }),
    ],
    no: [ev({ verb: "create", resource: "configmaps", requestObject: { data: { "ui.properties": "color.good=purple\n" } } }), ev({ verb: "create", resource: "configmaps" })],
  },
  "events-deleted": {
    yes: [ev({ verb: "delete", resource: "events", name: "e" }), ev({ verb: "deletecollection", resource: "events", group: "events.k8s.io" })],
    no: [ev({ verb: "create", resource: "events" })],
  },
  "nodes-proxy": {
    yes: [ev({ verb: "get", resource: "nodes", subresource: "proxy", name: "n" }), ev({ verb: "create", resource: "nodes", subresource: "proxy", name: "n" })],
    no: [ev({ verb: "get", resource: "nodes", name: "n" }), ev({ verb: "get", resource: "nodes", subresource: "status", name: "n" })],
  },
};

// ---------------------------------------------------------------------------------------------
// The Falco index: which Falco rule each trace line triggers, mapped to our classes.
// ---------------------------------------------------------------------------------------------

const FALCO_RULE_TO_CLASSES: Record<string, DetectionId[]> = {
  "Anonymous Request Allowed": ["anonymous-allowed"],
  "Attach to cluster-admin Role": ["cluster-admin-binding", "rbac-change"],
  "Attach/Exec Pod": ["exec-attach"],
  "ClusterRole With Pod Exec Created": ["escalating-role", "rbac-change"],
  "ClusterRole With Wildcard Created": ["escalating-role", "rbac-change"],
  "ClusterRole With Write Privileges Created": ["rbac-change"],
  "K8s ClusterRole Created": ["rbac-change"],
  "K8s ClusterRole Deleted": ["rbac-change"],
  "K8s ClusterRoleBinding Created": ["rbac-change"],
  "K8s ClusterRoleBinding Deleted": ["rbac-change"],
  "System ClusterRole Modified/Deleted": ["system-clusterrole-change", "rbac-change"],
  "Create Privileged Pod": ["privileged-pod"],
  "Create Sensitive Mount Pod": ["hostpath-volume"],
  "Create HostNetwork Pod": ["host-namespaces"],
  "Create NodePort Service": ["exposed-service"],
  "Create/Modify Configmap With Private Credentials": ["configmap-credentials"],
};

/** Classes defined by body content: they must not fire where Falco finds nothing. */
const CONTENT_CLASSES: DetectionId[] = [
  "cluster-admin-binding",
  "escalating-role",
  "privileged-pod",
  "hostpath-volume",
  "host-namespaces",
  "dangerous-capabilities",
  "exposed-service",
  "configmap-credentials",
];

interface IndexLine {
  line: number;
  file: string;
  /** Falco rule names with a positive count, under any rule-file override. */
  rules: string[];
}

function readIndex(): IndexLine[] {
  const [, ...rows] = fs.readFileSync(path.join(EVENTS_DIR, "falco-k8s-audit-traces.index.tsv"), "utf8").trimEnd().split("\n");
  return rows.map((row) => {
    const cols = row.split("\t");
    const rules = cols[8]
      .split("; ")
      .map((x) => /^(.*) x(\d+) \[/.exec(x))
      .filter((m): m is RegExpExecArray => m !== null && Number(m[2]) > 0)
      .map((m) => m[1]);
    return { line: Number(cols[0]), file: cols[1], rules };
  });
}

// ---------------------------------------------------------------------------------------------

describe("detection classes", () => {
  describe("DETECTIONS", () => {
    it("has the 22 detection classes, in order, with unique ids", () => {
      assert.equal(DETECTIONS.length, 22);
      assert.deepEqual(
        DETECTIONS.map((d) => d.id),
        [...DETECTION_IDS],
      );
      assert.deepEqual(
        DETECTIONS.map((d) => d.row),
        Array.from({ length: 22 }, (_, i) => i + 1),
      );
      for (const d of DETECTIONS) {
        assert.ok(d.title.length > 5, d.id);
        assert.ok(LEVELS.includes(d.minLevel) && d.minLevel !== "None", `${d.id}: minLevel`);
        if (d.fullLevel) assert.ok(LEVELS.indexOf(d.fullLevel) > LEVELS.indexOf(d.minLevel), `${d.id}: fullLevel above minLevel`);
        assert.ok(d.requests.length >= 1, `${d.id}: representative requests`);
      }
    });

    it("minimum levels follow the table: bodies where the detection reads them", () => {
      const levels = Object.fromEntries(DETECTIONS.map((d) => [d.id, d.minLevel]));
      for (const id of ["cluster-admin-binding", "privileged-pod", "hostpath-volume", "host-namespaces", "dangerous-capabilities", "exposed-service"]) assert.equal(levels[id], "Request", id);
      assert.equal(levels["escalating-role"], "RequestResponse", "a patched role's rules are only in the response");
      for (const id of ["exec-attach", "secret-read", "rbac-change", "token-request", "impersonation", "events-deleted", "nodes-proxy", "configmap-credentials"]) assert.equal(levels[id], "Metadata", id);
      assert.deepEqual(byId.get("exec-attach")!.needsStages, ["ResponseStarted", "ResponseComplete"]);
    });

    it("representative requests include websocket-GET exec/attach and people arriving through Rancher", () => {
      const exec = byId.get("exec-attach")!.requests;
      assert.ok(exec.some((r) => r.verb === "get" && r.subresource === "exec"));
      assert.ok(exec.some((r) => r.verb === "get" && r.subresource === "attach"));
      assert.ok(exec.some((r) => r.verb === "create" && r.subresource === "exec"));
      for (const d of DETECTIONS) {
        if (d.id === "anonymous-allowed") continue;
        assert.ok(
          d.requests.some((r) => r.groups?.includes("system:serviceaccounts:cattle-impersonation-system")),
          `${d.id}: no request by a cattle-impersonation-system service account`,
        );
      }
      assert.ok(byId.get("privileged-pod")!.requests.some((r) => r.user === "system:serviceaccount:kube-system:replicaset-controller"), "pods created by a controller");
      assert.ok(byId.get("secret-read")!.requests.some((r) => r.user === "system:serviceaccount:cattle-system:cattle"), "Secret reads by Rancher's agent");
    });

    it("the objects are frozen", () => {
      assert.ok(Object.isFrozen(DETECTIONS));
      assert.ok(Object.isFrozen(DETECTIONS[0]));
    });
  });

  describe("matches() and detectEvents()", () => {
    for (const d of DETECTIONS) {
      it(`${d.id}: recognises its events and only those`, () => {
        const { yes, no } = CASES[d.id];
        for (const e of yes) assert.equal(d.matches(e), true, `${d.id} should match ${JSON.stringify(e)}`);
        for (const e of no) assert.equal(d.matches(e), false, `${d.id} should not match ${JSON.stringify(e)}`);
      });
    }

    it("detectEvents gives every matching id, in DETECTIONS order, the same as matches()", () => {
      const all = Object.values(CASES).flatMap((c) => [...c.yes, ...c.no]);
      for (const e of all) {
        assert.deepEqual(
          detectEvents(e),
          DETECTIONS.filter((d) => d.matches(e)).map((d) => d.id),
        );
      }
      assert.deepEqual(detectEvents(ev({ verb: "create", resource: "pods", subresource: "exec", impersonated: "bob" })), ["exec-attach", "impersonation"]);
    });

    it("tolerates events with missing or odd fields", () => {
      const odd: unknown[] = [{}, { verb: 3 }, { objectRef: "pods" }, { objectRef: { resource: "pods" }, requestObject: "x" }, { user: null, annotations: [] }, { responseStatus: { code: "403" } }];
      for (const e of odd) assert.deepEqual(detectEvents(e as object), [], JSON.stringify(e));
      assert.deepEqual(detectEvents(null as unknown as object), []);
      assert.equal(byId.get("privileged-pod")!.matches({ verb: "create", objectRef: { resource: "pods" }, requestObject: { spec: { containers: "x" } } }), false);
    });
  });

  describe("on the real events in test/fixtures/events", () => {
    it("recommended logs every recorded event of every class at that class's minimum level or more", () => {
      let checked = 0;
      for (const { file, line, event } of recorded) {
        const ids = detectEvents(event);
        if (ids.length === 0) continue;
        const d = evaluatePolicy(recommended, requestFromEvent(event));
        for (const id of ids) {
          checked++;
          assert.ok(levelAtLeast(d.level, minLevel(id)), `${file}:${line} (${id}) is logged at ${d.level} by rules[${d.ruleIndex}], below ${minLevel(id)}`);
          for (const stage of byId.get(id)!.needsStages ?? []) assert.ok(!d.omitStages.includes(stage), `${file}:${line} (${id}): ${stage} omitted`);
        }
      }
      assert.ok(checked > 300, `${checked} event/class pairs checked`);
    });

    it("finds the classes the files are known for", () => {
      const counts = new Map<string, number>();
      for (const { file, event } of recorded) for (const id of detectEvents(event)) counts.set(`${file} ${id}`, (counts.get(`${file} ${id}`) ?? 0) + 1);
      const n = (file: string, id: DetectionId) => counts.get(`${file} ${id}`) ?? 0;
      // audit2rbac: every event is by system:admin impersonating someone; 11 are forbidden.
      assert.equal(n("audit2rbac-demo-v1.jsonl", "impersonation"), 37);
      assert.equal(n("audit2rbac-demo-v1.jsonl", "forbidden"), 11);
      // The 2017 RBAC churn: creates, patches and deletes of the four kinds, whatever their outcome (404s included).
      // roles/rolebindings: 29 + 29 created, 30 + 30 deleted (2 + 2 of them 404); clusterroles/clusterrolebindings:
      // 11 + 11 created, 30 + 30 patched, 11 + 11 deleted (2 + 2 of them 404).
      assert.equal(n("audit2rbac-demo-2017-responsecomplete.jsonl", "rbac-change"), 29 * 2 + 30 * 2 + 11 * 2 + 30 * 2 + 11 * 2);
      assert.equal(n("audit2rbac-demo-2017-responsecomplete.jsonl", "forbidden"), 11);
      assert.equal(n("falco-k8s-audit-traces.jsonl", "exec-attach"), 2);
      assert.equal(n("falco-k8s-audit-traces.jsonl", "privileged-pod"), 3);
      assert.equal(n("falco-k8s-audit-traces.jsonl", "configmap-credentials"), 6);
    });

    it("agrees with the Falco rules falcosecurity/testing expects for each trace (index.tsv)", () => {
      const index = readIndex();
      const falco = recorded.filter((r) => r.file === "falco-k8s-audit-traces.jsonl");
      assert.equal(index.length, falco.length);
      for (const entry of index) {
        const detected = new Set(detectEvents(falco[entry.line - 1].event));
        const expected = new Set(entry.rules.flatMap((r) => FALCO_RULE_TO_CLASSES[r] ?? []));
        for (const id of expected) assert.ok(detected.has(id), `line ${entry.line} (${entry.file}): Falco expects ${id}; detected ${[...detected].join(", ") || "nothing"}`);
        if (expected.size === 0) {
          const content = CONTENT_CLASSES.filter((id) => detected.has(id));
          assert.deepEqual(content, [], `line ${entry.line} (${entry.file}): Falco finds nothing, we detect ${content.join(", ")}`);
        }
      }
    });
  });

  describe("detectionCoverage", () => {
    const missed = (policy: Policy) => detectionCoverage(policy).filter((c) => !c.covered).map((c) => c.id);

    it("recommended covers every class", () => {
      assert.deepEqual(missed(recommended), []);
    });

    it("GCE covers every class but Event deletion (it drops all Events)", () => {
      assert.deepEqual(missed(gce), ["events-deleted"]);
      const events = detectionCoverage(gce).find((c) => c.id === "events-deleted")!;
      assert.match(events.requests.find((r) => !r.ok)!.problem!, /logged at None \(rules\[9\]\), below Metadata/);
    });

    it("metadata covers exactly the classes that need no body", () => {
      assert.deepEqual(missed(presets.metadata.policy), [
        "cluster-admin-binding",
        "escalating-role",
        "privileged-pod",
        "hostpath-volume",
        "host-namespaces",
        "dangerous-capabilities",
        "exposed-service",
      ]);
    });

    it("a class needs its stages: omitting ResponseStarted loses exec/attach only", () => {
      const p: Policy = { apiVersion: "audit.k8s.io/v1", kind: "Policy", omitStages: ["RequestReceived", "ResponseStarted"], rules: [{ level: "RequestResponse" }] };
      assert.deepEqual(missed(p), ["exec-attach"]);
      const exec = detectionCoverage(p).find((c) => c.id === "exec-attach")!;
      assert.match(exec.requests[0].problem!, /stage ResponseStarted omitted \(rules\[0\]\)/);
    });

    it("explains a request no rule matches", () => {
      const p: Policy = { apiVersion: "audit.k8s.io/v1", kind: "Policy", rules: [{ level: "Metadata", users: ["nobody"] }] };
      const cov = detectionCoverage(p);
      assert.ok(cov.every((c) => !c.covered));
      assert.match(cov[0].requests[0].problem!, /is logged at None \(no rule matches\), below Metadata/);
    });

    it("takes a subset of classes and a Kubernetes version", () => {
      const only = detectionCoverage(recommended, { detections: DETECTIONS.slice(0, 2), kubernetesVersion: "v1.30.4+rke2r1" });
      assert.deepEqual(
        only.map((c) => [c.id, c.covered]),
        [
          ["exec-attach", true],
          ["port-forward", true],
        ],
      );
      assert.equal(only[0].requests.length, DETECTIONS[0].requests.length);
      assert.ok(only[0].requests.every((r) => r.ok && r.decision.level === "Request"));
    });
  });

  describe("on the traffic model", () => {
    it("recommended logs every generated request of every class at its minimum level; the classes people and agents produce appear", function () {
      this.timeout(60_000);
      const seen = new Map<DetectionId, number>();
      for (const e of generateBackgroundTraffic()) {
        const ids = detectEvents(e);
        if (ids.length === 0) continue;
        const d = evaluatePolicy(recommended, requestFromEvent(e));
        for (const id of ids) {
          seen.set(id, (seen.get(id) ?? 0) + 1);
          assert.ok(levelAtLeast(d.level, minLevel(id)), `${e.verb} ${e.requestURI} by ${e.user.username} (${id}) is logged at ${d.level}`);
        }
      }
      for (const id of ["secret-read", "token-request", "impersonation", "exec-attach", "rbac-change"] as DetectionId[]) assert.ok((seen.get(id) ?? 0) > 0, `${id} appears`);
    });
  });

  it("levelAtLeast orders None < Metadata < Request < RequestResponse", () => {
    assert.equal(levelAtLeast("Metadata", "Metadata"), true);
    assert.equal(levelAtLeast("Request", "Metadata"), true);
    assert.equal(levelAtLeast("Metadata", "Request"), false);
    assert.equal(levelAtLeast("None", "Metadata"), false);
    assert.equal(levelAtLeast("RequestResponse", "RequestResponse"), true);
  });
});
