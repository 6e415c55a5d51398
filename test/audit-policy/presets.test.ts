/**
 * The presets (components/audit-policy/presets.ts), policy composition (compose.ts), the volume model
 * (volume.ts) and the background-traffic model (test/support/traffic.ts): each preset is valid, documented,
 * never logs credential bodies and keeps ResponseStarted; `recommended` keeps every detection class
 * and every request by people, drops the background noise, and writes at most a quarter of the
 * GCE policy's volume on a Rancher-managed cluster's background traffic.
 *
 * docs/presets.md's generated sections (rule tables, volume and coverage figures) come from
 * scripts/presets-doc.ts (`npm run docs`); test/docs.test.ts checks they are up to date.
 */
import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

import {
  analyzePolicy,
  composePolicy,
  detectionCoverage,
  DIRECT_USER,
  estimateEventBytes,
  estimateLoggedBytes,
  evaluatePolicy,
  getPreset,
  isLongRunning,
  isPresetName,
  LEVELS,
  LOCAL_ADMIN,
  matchingRules,
  compilePolicy,
  measureVolume,
  parsePolicy,
  policyFromObject,
  PolicyError,
  PRESET_NAMES,
  presets,
  RANCHER_HUMAN,
  renderPolicy,
  requestFromEvent,
  UNKNOWN_SA,
  validatePolicy,
} from "../../components/audit-policy";
import type { Decision, Level, Policy, PolicyRule, RequestAttributes } from "../../components/audit-policy";
import { measuredHour } from "../../scripts/presets-doc";
import { generateBackgroundTraffic, type TrafficEvent } from "../support/traffic";

const ROOT = path.join(__dirname, "..", "..");
const POLICIES_DIR = path.join(ROOT, "test", "fixtures", "policies");
const DOCS = path.join(ROOT, "docs", "presets.md");

const gce = parsePolicy(fs.readFileSync(path.join(POLICIES_DIR, "gce-gci-configure-helper-default.yaml"), "utf8"));

const rank = (l: Level) => LEVELS.indexOf(l);

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

interface Who {
  user: string | null;
  groups: string[] | null;
}

const sa = (namespace: string, name: string): Who => ({
  user: `system:serviceaccount:${namespace}:${name}`,
  groups: ["system:serviceaccounts", `system:serviceaccounts:${namespace}`, "system:authenticated"],
});
const KUBELET: Who = { user: "system:node:rke2-worker-0", groups: ["system:nodes", "system:authenticated"] };
const cert = (user: string, ...groups: string[]): Who => ({ user, groups: [...groups, "system:authenticated"] });
const ANONYMOUS: Who = { user: "system:anonymous", groups: ["system:unauthenticated"] };

function res(who: Who, verb: string, group: string, resource: string, extra: { subresource?: string; namespace?: string; name?: string } = {}): RequestAttributes {
  const ns = extra.namespace ?? "";
  const name = extra.name ?? "";
  const sub = extra.subresource ?? "";
  const base = group === "" ? "/api/v1" : `/apis/${group}/v1`;
  return {
    user: who.user,
    groups: who.groups,
    verb,
    resourceRequest: true,
    apiGroup: group,
    apiVersion: "v1",
    resource,
    subresource: sub,
    namespace: ns,
    name,
    path: [base, ns && `namespaces/${ns}`, resource, name, sub].filter(Boolean).join("/"),
  };
}

function url(who: Who, p: string, verb = "get"): RequestAttributes {
  return { user: who.user, groups: who.groups, verb, resourceRequest: false, apiGroup: "", apiVersion: "", resource: "", subresource: "", namespace: "", name: "", path: p };
}

/** Every verb RequestInfo yields, with a name where one is required. */
function allVerbs(who: Who, group: string, resource: string, extra: { subresource?: string; namespace?: string } = {}): RequestAttributes[] {
  const named = { ...extra, name: "x" };
  return [
    res(who, "get", group, resource, named),
    res(who, "list", group, resource, extra),
    res(who, "watch", group, resource, extra),
    res(who, "create", group, resource, extra.subresource ? named : extra),
    res(who, "update", group, resource, named),
    res(who, "patch", group, resource, named),
    res(who, "delete", group, resource, named),
    res(who, "deletecollection", group, resource, extra),
  ];
}

const WRITES = new Set(["create", "update", "patch", "delete", "deletecollection"]);

/** Identities that appear on a Rancher-managed cluster, people and machines. */
const EVERYONE: Who[] = [
  RANCHER_HUMAN,
  LOCAL_ADMIN,
  DIRECT_USER,
  UNKNOWN_SA,
  ANONYMOUS,
  KUBELET,
  cert("system:kube-controller-manager"),
  cert("system:apiserver", "system:masters"),
  cert("system:rke2-supervisor"),
  sa("kube-system", "replicaset-controller"),
  sa("cattle-system", "cattle"),
  sa("cattle-fleet-system", "fleet-agent"),
  sa("cattle-monitoring-system", "rancher-monitoring-prometheus"),
  { user: null, groups: null },
];

/** People: everything they do is logged by `recommended`. */
const PEOPLE: Who[] = [RANCHER_HUMAN, LOCAL_ADMIN];

/** A broad set of resources (group, resource, subresource). */
const RESOURCES: [string, string, string?][] = [
  ["", "pods"],
  ["", "pods", "exec"],
  ["", "pods", "log"],
  ["", "pods", "status"],
  ["", "nodes"],
  ["", "nodes", "status"],
  ["", "namespaces"],
  ["", "services"],
  ["", "endpoints"],
  ["", "events"],
  ["", "configmaps"],
  ["", "secrets"],
  ["", "serviceaccounts"],
  ["", "serviceaccounts", "token"],
  ["", "persistentvolumeclaims"],
  ["events.k8s.io", "events"],
  ["coordination.k8s.io", "leases"],
  ["apps", "deployments"],
  ["apps", "deployments", "status"],
  ["apps", "daemonsets"],
  ["batch", "cronjobs"],
  ["rbac.authorization.k8s.io", "clusterrolebindings"],
  ["rbac.authorization.k8s.io", "roles"],
  ["admissionregistration.k8s.io", "validatingwebhookconfigurations"],
  ["certificates.k8s.io", "certificatesigningrequests"],
  ["discovery.k8s.io", "endpointslices"],
  ["networking.k8s.io", "networkpolicies"],
  ["management.cattle.io", "settings"],
  ["fleet.cattle.io", "bundledeployments"],
];
const URLS = ["/api", "/api/v1", "/apis", "/apis/apps/v1", "/healthz", "/livez", "/readyz", "/metrics", "/version", "/openapi/v2", "/logs", "/debug/pprof/profile"];

function everyRequestBy(who: Who): RequestAttributes[] {
  const out: RequestAttributes[] = [];
  for (const [group, resource, subresource] of RESOURCES) {
    for (const ns of ["default", ""]) out.push(...allVerbs(who, group, resource, { subresource, namespace: ns }));
  }
  for (const u of URLS) for (const verb of ["get", "post"]) out.push(url(who, u, verb));
  return out;
}

const describeReq = (r: RequestAttributes) => `${r.user ?? "<no user>"} ${r.verb} ${r.path}`;



describe("presets", () => {
  describe("API", () => {
    it("PRESET_NAMES lists the five presets; presets has one entry per name", () => {
      assert.deepEqual([...PRESET_NAMES], ["metadata", "basic", "detailed", "cis", "recommended"]);
      assert.deepEqual(Object.keys(presets).sort(), [...PRESET_NAMES].sort());
      for (const name of PRESET_NAMES) {
        const p = presets[name];
        assert.equal(p.name, name);
        assert.ok(p.title.length > 0 && p.description.length > 40, `${name}: title and description`);
        assert.equal(p.notes.length, p.policy.rules.length, `${name}: one note per rule`);
        for (const [i, n] of p.notes.entries()) assert.ok(n.what.length > 10 && n.why.length > 10, `${name} rules[${i}]: what and why`);
      }
    });

    it("isPresetName accepts exactly the names", () => {
      for (const name of PRESET_NAMES) assert.equal(isPresetName(name), true);
      for (const x of ["", "Recommended", "gce", "none", undefined, null, 3, {}]) assert.equal(isPresetName(x), false, String(x));
    });

    it("getPreset returns a fresh deep copy each time", () => {
      const a = getPreset("recommended");
      const b = getPreset("recommended");
      assert.notEqual(a, b);
      assert.notEqual(a.rules, b.rules);
      assert.deepEqual(a, b);
      assert.deepEqual(a, presets.recommended.policy);
      a.rules[0].level = "RequestResponse";
      a.rules.push({ level: "None" });
      (a.omitStages as string[]).push("ResponseStarted");
      assert.deepEqual(getPreset("recommended"), b, "changing a copy changes neither the preset nor later copies");
      assert.equal(presets.recommended.policy.rules[0].level, "Metadata");
    });

    it("the presets themselves are frozen", () => {
      assert.ok(Object.isFrozen(presets));
      assert.ok(Object.isFrozen(presets.recommended.policy.rules[0]));
      assert.throws(() => {
        (presets.cis.policy.rules as PolicyRule[]).push({ level: "None" });
      }, TypeError);
    });

    it("getPreset with an unknown name throws an Error listing the valid names", () => {
      assert.throws(() => getPreset("gke"), (e: Error) => {
        assert.match(e.message, /unknown audit policy preset "gke"/);
        for (const name of PRESET_NAMES) assert.ok(e.message.includes(name), `message lists ${name}`);
        return true;
      });
    });
  });

  for (const name of PRESET_NAMES) {
    describe(`${name}`, () => {
      const policy = presets[name].policy;

      it("is a valid policy kube-apiserver loads (also on Kubernetes 1.24, before group \"*\")", () => {
        assert.deepEqual(validatePolicy(policy), []);
        assert.deepEqual(validatePolicy(policy, { kubernetesVersion: "v1.24.17+rke2r1" }), []);
        assert.deepEqual(policyFromObject(policy, { requireTypeMeta: true }), getPreset(name));
      });

      it("renders to canonical YAML that parses back to the same policy", () => {
        const text = renderPolicy(policy);
        assert.deepEqual(parsePolicy(text), getPreset(name));
        assert.equal(renderPolicy(parsePolicy(text)), text);
      });

      it("omits RequestReceived only (policy-level), so ResponseStarted and ResponseComplete are written", () => {
        assert.deepEqual(policy.omitStages, ["RequestReceived"]);
        for (const [i, rule] of policy.rules.entries()) assert.equal(rule.omitStages, undefined, `rules[${i}] has its own omitStages`);
        const exec = evaluatePolicy(policy, res(RANCHER_HUMAN, "get", "", "pods", { subresource: "exec", namespace: "default", name: "web" }));
        assert.deepEqual(exec.omitStages, ["RequestReceived"]);
      });

      it("never logs the bodies of Secrets, ConfigMaps, TokenReviews or TokenRequests, for anyone", () => {
        const sensitive: [string, string, string?][] = [
          ["", "secrets"],
          ["", "configmaps"],
          ["", "serviceaccounts", "token"],
          ["authentication.k8s.io", "tokenreviews"],
        ];
        for (const who of EVERYONE) {
          for (const [group, resource, subresource] of sensitive) {
            for (const ns of ["default", "kube-system", ""]) {
              for (const r of allVerbs(who, group, resource, { subresource, namespace: ns })) {
                const d = evaluatePolicy(policy, r);
                assert.ok(rank(d.level) <= rank("Metadata"), `${describeReq(r)} is logged at ${d.level} (rules[${d.ruleIndex}])`);
              }
            }
          }
        }
      });

      it("analyzePolicy finds no secret-bodies, shadowed-rule or never-matches problem", () => {
        const findings = analyzePolicy(policy).filter((f) => ["secret-bodies", "shadowed-rule", "never-matches"].includes(f.id));
        assert.deepEqual(findings, []);
      });

      it("is documented in docs/presets.md with its own section", () => {
        const docs = fs.readFileSync(DOCS, "utf8");
        assert.ok(docs.includes(`## \`${name}\``), `docs/presets.md has a "## \`${name}\`" section`);
        assert.ok(docs.includes(`<!-- generated:rules:${name}:start -->`), `docs/presets.md has the rules table of ${name}`);
      });
    });
  }

  describe("preset contents", () => {
    it("metadata: every request, resource or not, at Metadata", () => {
      for (const who of EVERYONE) for (const r of everyRequestBy(who).slice(0, 60)) assert.equal(evaluatePolicy(presets.metadata.policy, r).level, "Metadata");
    });

    it("basic: pods and services at Metadata, RBAC changes at RequestResponse, everything else at Metadata", () => {
      const p = presets.basic.policy;
      assert.equal(evaluatePolicy(p, res(RANCHER_HUMAN, "create", "", "pods", { namespace: "a" })).level, "Metadata");
      assert.equal(evaluatePolicy(p, res(RANCHER_HUMAN, "delete", "", "services", { namespace: "a", name: "s" })).level, "Metadata");
      for (const resource of ["roles", "rolebindings", "clusterroles", "clusterrolebindings"]) {
        assert.equal(evaluatePolicy(p, res(RANCHER_HUMAN, "create", "rbac.authorization.k8s.io", resource)).level, "RequestResponse", resource);
        assert.equal(evaluatePolicy(p, res(RANCHER_HUMAN, "list", "rbac.authorization.k8s.io", resource)).level, "Metadata", `list ${resource}`);
      }
      assert.equal(evaluatePolicy(p, res(RANCHER_HUMAN, "get", "", "secrets", { namespace: "a", name: "s" })).level, "Metadata");
      assert.equal(evaluatePolicy(p, url(KUBELET, "/healthz")).level, "Metadata");
    });

    it("detailed: full bodies for workloads and roles, Metadata for Secrets/ConfigMaps/TokenReviews, nothing for kube-system:default", () => {
      const p = presets.detailed.policy;
      const rr: [string, string][] = [
        ["", "pods"],
        ["", "services"],
        ["apps", "deployments"],
        ["apps", "statefulsets"],
        ["apps", "daemonsets"],
        ["rbac.authorization.k8s.io", "roles"],
        ["rbac.authorization.k8s.io", "rolebindings"],
      ];
      for (const [group, resource] of rr) assert.equal(evaluatePolicy(p, res(RANCHER_HUMAN, "create", group, resource, { namespace: "a" })).level, "RequestResponse", resource);
      for (const resource of ["secrets", "configmaps"]) assert.equal(evaluatePolicy(p, res(RANCHER_HUMAN, "update", "", resource, { namespace: "a", name: "x" })).level, "Metadata");
      assert.equal(evaluatePolicy(p, res(KUBELET, "create", "authentication.k8s.io", "tokenreviews")).level, "Metadata");
      assert.equal(evaluatePolicy(p, res(sa("kube-system", "default"), "create", "", "pods", { namespace: "kube-system" })).level, "None");
      assert.equal(evaluatePolicy(p, res(RANCHER_HUMAN, "get", "", "pods", { subresource: "exec", namespace: "a", name: "x" })).level, "Metadata");
    });

    it("cis: 3.2.2 — Secrets/ConfigMaps/TokenReviews at Metadata, Pod and Deployment changes, exec/attach (get and create), portforward and proxies", () => {
      const p = presets.cis.policy;
      for (const resource of ["secrets", "configmaps"]) assert.equal(evaluatePolicy(p, res(RANCHER_HUMAN, "create", "", resource, { namespace: "a" })).level, "Metadata");
      assert.equal(evaluatePolicy(p, res(RANCHER_HUMAN, "create", "authentication.k8s.io", "tokenreviews")).level, "Metadata");
      for (const [group, resource] of [["", "pods"], ["apps", "deployments"]]) {
        for (const verb of ["create", "update", "patch", "delete"]) {
          assert.ok(rank(evaluatePolicy(p, res(RANCHER_HUMAN, verb, group, resource, { namespace: "a", name: "x" })).level) >= rank("Request"), `${verb} ${resource}`);
        }
      }
      for (const [resource, sub] of [["pods", "exec"], ["pods", "attach"], ["pods", "portforward"], ["pods", "proxy"], ["services", "proxy"]]) {
        for (const verb of ["get", "create"]) assert.equal(evaluatePolicy(p, res(RANCHER_HUMAN, verb, "", resource, { subresource: sub, namespace: "a", name: "x" })).level, "Metadata", `${verb} ${resource}/${sub}`);
      }
    });
  });

  describe("recommended", () => {
    const policy = presets.recommended.policy;
    const compiled = compilePolicy(policy);
    const level = (r: RequestAttributes) => evaluatePolicy(policy, r).level;

    it("covers every detection class on its representative requests", () => {
      const missing = detectionCoverage(policy).filter((c) => !c.covered);
      assert.deepEqual(
        missing.map((c) => `${c.id}: ${c.requests.filter((r) => !r.ok).map((r) => r.problem).join("; ")}`),
        [],
      );
    });

    it("logs everything people do, resource and non-resource, reads and writes (Rancher-impersonated users, the local admin)", () => {
      for (const who of PEOPLE) {
        for (const r of everyRequestBy(who)) assert.ok(rank(level(r)) >= rank("Metadata"), `${describeReq(r)} is dropped (rules[${evaluatePolicy(policy, r).ruleIndex}])`);
      }
    });

    it("no None rule drops a write by a person, a directly authenticated user, an anonymous or unauthenticated request", () => {
      const outsiders: Who[] = [...PEOPLE, DIRECT_USER, ANONYMOUS, { user: null, groups: null }];
      for (const who of outsiders) {
        for (const r of everyRequestBy(who).filter((x) => WRITES.has(x.verb))) {
          assert.ok(rank(level(r)) >= rank("Metadata"), `${describeReq(r)} is dropped (rules[${evaluatePolicy(policy, r).ruleIndex}])`);
        }
      }
    });

    it("an unknown service account's writes are all kept, except its Leases and Events", () => {
      for (const r of everyRequestBy(UNKNOWN_SA).filter((x) => WRITES.has(x.verb))) {
        const noise = r.resource === "leases" || (r.resource === "events" && r.verb !== "delete" && r.verb !== "deletecollection");
        assert.equal(level(r) === "None", noise, `${describeReq(r)}: ${level(r)}`);
      }
    });

    it("every None rule comes after the rules that keep people, RBAC writes, exec/attach/portforward, TokenRequests and Secret access", () => {
      const keepers = [
        res(RANCHER_HUMAN, "list", "", "pods", { namespace: "a" }),
        res(LOCAL_ADMIN, "get", "", "nodes", { name: "n" }),
        res(ANONYMOUS, "get", "", "pods", { namespace: "a", name: "x" }),
        res(sa("kube-system", "clusterrole-aggregation-controller"), "update", "rbac.authorization.k8s.io", "clusterroles", { name: "admin" }),
        res(sa("cattle-system", "cattle"), "create", "rbac.authorization.k8s.io", "rolebindings", { namespace: "p-1" }),
        res(sa("cattle-system", "cattle"), "get", "", "pods", { subresource: "exec", namespace: "a", name: "x" }),
        res(KUBELET, "create", "", "pods", { subresource: "attach", namespace: "a", name: "x" }),
        res(KUBELET, "create", "", "pods", { subresource: "portforward", namespace: "a", name: "x" }),
        res(KUBELET, "create", "", "serviceaccounts", { subresource: "token", namespace: "a", name: "default" }),
        res(KUBELET, "watch", "", "secrets", { namespace: "a" }),
        res(sa("cattle-fleet-system", "fleet-agent"), "list", "", "secrets", { namespace: "cattle-fleet-system" }),
        res(cert("system:kube-controller-manager"), "get", "", "secrets", { namespace: "kube-system", name: "s" }),
      ];
      const firstNone = policy.rules.findIndex((r) => r.level === "None");
      assert.ok(firstNone > 0);
      for (const r of keepers) {
        const d = evaluateCompiledIndex(r);
        assert.ok(d.level !== "None" && d.ruleIndex !== null && d.ruleIndex < firstNone, `${describeReq(r)} is decided by rules[${d.ruleIndex}], not before the first None rule (rules[${firstNone}])`);
      }
      for (const [i, rule] of policy.rules.entries()) {
        if (rule.level !== "None") continue;
        const limitedToReads = rule.verbs !== undefined && rule.verbs.every((v) => !WRITES.has(v));
        const limitedToSystem =
          (rule.users ?? []).every((u) => u.startsWith("system:") || u.endsWith("cloud-controller-manager")) &&
          (rule.userGroups ?? []).every((g) => g.startsWith("system:nodes") || g.startsWith("system:serviceaccounts") || g === "system:masters") &&
          (rule.users?.length ?? 0) + (rule.userGroups?.length ?? 0) > 0;
        assert.ok(limitedToReads || limitedToSystem, `rules[${i}] (None) is limited neither to read verbs nor to system identities`);
        assert.ok(!(rule.userGroups ?? []).includes("system:serviceaccounts:cattle-impersonation-system"));
        assert.ok(!(rule.users ?? []).includes("system:admin"));
      }
    });

    function evaluateCompiledIndex(r: RequestAttributes): Decision {
      const d = evaluatePolicy(policy, r);
      assert.equal(matchingRules(compiled, r)[0] ?? null, d.ruleIndex);
      return d;
    }

    it("exec and attach are logged at Request for POST (SPDY) and GET (websocket), with ResponseStarted", () => {
      for (const who of EVERYONE.filter((w) => w.user !== null)) {
        for (const sub of ["exec", "attach"]) {
          for (const verb of ["get", "create"]) {
            const d = evaluatePolicy(policy, res(who, verb, "", "pods", { subresource: sub, namespace: "default", name: "web" }));
            assert.equal(d.level, "Request", `${who.user} ${verb} pods/${sub}`);
            assert.ok(!d.omitStages.includes("ResponseStarted"));
          }
        }
      }
    });

    it("RBAC changes get both bodies; pod, workload and service changes the request body", () => {
      for (const resource of ["roles", "clusterroles", "rolebindings", "clusterrolebindings"]) {
        for (const verb of ["create", "update", "patch", "delete"]) {
          assert.equal(level(res(sa("kube-system", "x"), verb, "rbac.authorization.k8s.io", resource, { name: "r" })), "RequestResponse", `${verb} ${resource}`);
        }
      }
      for (const [group, resource] of [["", "pods"], ["", "services"], ["apps", "deployments"], ["apps", "daemonsets"], ["apps", "statefulsets"], ["batch", "jobs"], ["batch", "cronjobs"]]) {
        for (const verb of ["create", "update", "patch"]) {
          assert.equal(level(res(sa("kube-system", "replicaset-controller"), verb, group, resource, { namespace: "a", name: "x" })), "Request", `${verb} ${resource}`);
        }
      }
    });

    it("drops the background noise of a Rancher-managed RKE2 cluster", () => {
      const noise: RequestAttributes[] = [
        res(KUBELET, "update", "coordination.k8s.io", "leases", { namespace: "kube-node-lease", name: "rke2-worker-0" }),
        res(cert("system:kube-controller-manager"), "update", "coordination.k8s.io", "leases", { namespace: "kube-system", name: "kube-controller-manager" }),
        res(cert("system:kube-scheduler"), "get", "coordination.k8s.io", "leases", { namespace: "kube-system", name: "kube-scheduler" }),
        res(cert("rke2-cloud-controller-manager"), "update", "coordination.k8s.io", "leases", { namespace: "kube-system", name: "cloud-controller-manager" }),
        res(cert("system:rke2-supervisor"), "update", "coordination.k8s.io", "leases", { namespace: "kube-system", name: "rke2" }),
        res(cert("system:apiserver", "system:masters"), "update", "coordination.k8s.io", "leases", { namespace: "kube-system", name: "apiserver-x" }),
        res(sa("cattle-system", "cattle"), "update", "coordination.k8s.io", "leases", { namespace: "kube-system", name: "cattle-controllers" }),
        res(sa("kube-system", "rke2-ingress-nginx"), "get", "coordination.k8s.io", "leases", { namespace: "kube-system", name: "ingress-nginx-leader" }),
        res(KUBELET, "create", "", "events", { namespace: "default" }),
        res(sa("kube-system", "replicaset-controller"), "create", "events.k8s.io", "events", { namespace: "default" }),
        res(cert("system:kube-scheduler"), "patch", "", "events", { namespace: "default", name: "e" }),
        res(KUBELET, "patch", "", "nodes", { subresource: "status", name: "rke2-worker-0" }),
        res(KUBELET, "patch", "", "pods", { subresource: "status", namespace: "default", name: "web" }),
        res(KUBELET, "get", "", "nodes", { name: "rke2-worker-0" }),
        res(KUBELET, "watch", "", "pods"),
        res(KUBELET, "watch", "", "configmaps", { namespace: "default" }),
        res(cert("system:kube-proxy"), "watch", "discovery.k8s.io", "endpointslices"),
        res(cert("system:kube-controller-manager"), "list", "apps", "deployments"),
        res(sa("kube-system", "canal"), "watch", "crd.projectcalico.org", "ippools"),
        res(sa("cattle-system", "cattle"), "get", "", "namespaces", { name: "kube-system" }),
        res(sa("cattle-system", "cattle"), "list", "", "configmaps", { namespace: "cattle-system" }),
        res(sa("cattle-fleet-system", "fleet-agent"), "watch", "apps", "deployments"),
        res(sa("cattle-monitoring-system", "rancher-monitoring-kube-state-metrics"), "list", "", "pods"),
        res(sa("kube-system", "deployment-controller"), "update", "apps", "deployments", { subresource: "status", namespace: "a", name: "x" }),
        url(cert("system:apiserver", "system:masters"), "/livez"),
        url(cert("system:apiserver", "system:masters"), "/readyz"),
        url(sa("cattle-monitoring-system", "rancher-monitoring-prometheus"), "/metrics"),
        url(sa("kube-system", "generic-garbage-collector"), "/api"),
        url(sa("kube-system", "resourcequota-controller"), "/apis"),
        url(sa("cattle-system", "cattle"), "/apis/apps/v1"),
        url(sa("cattle-fleet-system", "fleet-agent"), "/openapi/v2"),
        url(sa("cattle-system", "cattle"), "/version"),
        url(DIRECT_USER, "/healthz"),
      ];
      for (const r of noise) assert.equal(level(r), "None", `${describeReq(r)} is logged (rules[${evaluatePolicy(policy, r).ruleIndex}])`);
    });

    it("keeps what the noise rules must not take: Event deletion, failed authentication, anonymous requests, unknown identities", () => {
      assert.equal(level(res(KUBELET, "delete", "", "events", { namespace: "default", name: "e" })), "Metadata");
      assert.equal(level(res(sa("kube-system", "x"), "deletecollection", "events.k8s.io", "events", { namespace: "default" })), "Metadata");
      assert.equal(level(url({ user: null, groups: null }, "/healthz")), "Metadata", "failed authentication on a health URL");
      assert.equal(level(url(ANONYMOUS, "/readyz")), "Request", "anonymous requests are kept with their bodies (none for a non-resource URL)");
      assert.equal(level(res(UNKNOWN_SA, "list", "", "pods")), "Metadata");
      assert.equal(level(res(UNKNOWN_SA, "update", "coordination.k8s.io", "leases", { namespace: "ci", name: "l" })), "None", "any service account's Lease");
      assert.equal(level(res(DIRECT_USER, "update", "coordination.k8s.io", "leases", { namespace: "ci", name: "l" })), "Metadata");
      assert.equal(level(res(sa("cattle-system", "cattle"), "update", "management.cattle.io", "settings", { name: "s" })), "Metadata", "system writes outside the noise kinds");
    });

    it("Secrets, TokenRequests and TokenReviews are kept at Metadata for every identity, system components included", () => {
      for (const who of EVERYONE.filter((w) => w.user !== null)) {
        for (const r of [
          ...allVerbs(who, "", "secrets", { namespace: "cattle-system" }),
          res(who, "create", "", "serviceaccounts", { subresource: "token", namespace: "a", name: "default" }),
          res(who, "create", "authentication.k8s.io", "tokenreviews"),
        ]) {
          assert.equal(level(r), "Metadata", describeReq(r));
        }
      }
    });
  });

  describe("volume and coverage on a Rancher-managed cluster's background traffic", () => {
    it("recommended writes at most a quarter of GCE's events and bytes", function () {
      this.timeout(120_000);
      const m = measuredHour();
      const rec = m.policies.find((p) => p.name === "recommended")!;
      const g = m.policies.find((p) => p.name.startsWith("GCE"))!;
      assert.ok(m.requests > 20_000, `the model produced ${m.requests} requests`);
      assert.ok(rec.bytes <= 0.25 * g.bytes, `recommended ${rec.bytes} B vs GCE ${g.bytes} B`);
      assert.ok(rec.events <= 0.25 * g.events, `recommended ${rec.events} events vs GCE ${g.events}`);
      assert.ok(rec.events > 0);
    });

    it("recommended covers every detection class GCE covers (and more)", () => {
      const gceCovered = new Set(detectionCoverage(gce).filter((c) => c.covered).map((c) => c.id));
      const recCovered = new Set(detectionCoverage(presets.recommended.policy).filter((c) => c.covered).map((c) => c.id));
      for (const id of gceCovered) assert.ok(recCovered.has(id), `GCE covers ${id}, recommended does not`);
      assert.ok(recCovered.size > gceCovered.size);
    });

  });
});

// ---------------------------------------------------------------------------------------------
// composePolicy
// ---------------------------------------------------------------------------------------------

function policyErrorOf(fn: () => unknown): PolicyError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof PolicyError, `expected a PolicyError, got ${String(e)}`);
    return e;
  }
  assert.fail("expected a PolicyError");
}
const paths = (e: PolicyError) => e.issues.map((i) => i.path);

describe("composePolicy", () => {
  const extra: PolicyRule = { level: "None", users: ["system:serviceaccount:ci:noisy"] };
  const tail: PolicyRule = { level: "Request", resources: [{ group: "example.com" }] };

  it("a preset alone gives a fresh copy of the preset", () => {
    for (const name of PRESET_NAMES) {
      const p = composePolicy({ preset: name });
      assert.deepEqual(p, getPreset(name));
      assert.notEqual(p, presets[name].policy);
      const before = presets[name].policy.rules[0].level;
      p.rules[0].level = before === "None" ? "Metadata" : "None";
      assert.equal(presets[name].policy.rules[0].level, before);
    }
  });

  it("prepends and appends rules around the base rules and applies the overrides", () => {
    const p = composePolicy({ preset: "cis", prependRules: [extra], appendRules: [tail], omitStages: ["RequestReceived", "ResponseStarted"], omitManagedFields: true });
    const base = getPreset("cis");
    assert.deepEqual(p.rules, [extra, ...base.rules, tail]);
    assert.deepEqual(p.omitStages, ["RequestReceived", "ResponseStarted"]);
    assert.equal(p.omitManagedFields, true);
    assert.equal(evaluatePolicy(p, res(sa("ci", "noisy"), "get", "", "secrets", { namespace: "ci", name: "s" })).level, "None");
  });

  it("keeps the base policy's overrides when none are given", () => {
    assert.deepEqual(composePolicy({ preset: "recommended" }).omitStages, ["RequestReceived"]);
    assert.equal(composePolicy({ preset: "recommended" }).omitManagedFields, true);
    assert.equal(composePolicy({ preset: "cis" }).omitManagedFields, undefined);
    assert.equal(composePolicy({ preset: "recommended", omitManagedFields: false }).omitManagedFields, false);
  });

  it("accepts a policy as YAML text, JSON text or an object (with or without apiVersion/kind)", () => {
    const yaml = "apiVersion: audit.k8s.io/v1\nkind: Policy\nmetadata:\n  name: mine\nrules:\n- level: Metadata\n";
    const fromYaml = composePolicy({ policy: yaml, prependRules: [extra] });
    assert.deepEqual(fromYaml, { apiVersion: "audit.k8s.io/v1", kind: "Policy", metadata: { name: "mine" }, rules: [extra, { level: "Metadata" }] });
    const fromJson = composePolicy({ policy: JSON.stringify({ apiVersion: "audit.k8s.io/v1", kind: "Policy", rules: [{ level: "Metadata" }] }) });
    assert.deepEqual(fromJson.rules, [{ level: "Metadata" }]);
    const obj = { rules: [{ level: "Request" as const, verbs: ["create"] }] } as unknown as Policy;
    const fromObject = composePolicy({ policy: obj });
    assert.deepEqual(fromObject, { apiVersion: "audit.k8s.io/v1", kind: "Policy", rules: [{ level: "Request", verbs: ["create"] }] });
    assert.notEqual(fromObject.rules[0], obj.rules[0], "no sharing with the input");
  });

  it("is deterministic and shares nothing with its inputs", () => {
    const spec = { preset: "recommended", prependRules: [extra], appendRules: [tail] };
    const a = composePolicy(spec);
    const b = composePolicy(spec);
    assert.deepEqual(a, b);
    assert.equal(renderPolicy(a), renderPolicy(b));
    assert.notEqual(a.rules[0], extra);
    a.rules[0].users!.push("someone");
    assert.deepEqual(extra.users, ["system:serviceaccount:ci:noisy"]);
  });

  it("neither preset nor policy: an error naming both", () => {
    const e = policyErrorOf(() => composePolicy({ prependRules: [extra] }));
    assert.deepEqual(paths(e), [""]);
    assert.match(e.message, /preset/);
    assert.match(e.message, /policy/);
  });

  it("both preset and policy: an error", () => {
    const e = policyErrorOf(() => composePolicy({ preset: "cis", policy: "rules: []" }));
    assert.deepEqual(paths(e), ["preset"]);
    assert.match(e.message, /either preset or policy, not both/);
  });

  it("an unknown preset: an error at `preset` listing the presets", () => {
    const e = policyErrorOf(() => composePolicy({ preset: "gke" }));
    assert.deepEqual(paths(e), ["preset"]);
    for (const name of PRESET_NAMES) assert.ok(e.message.includes(name));
  });

  it("problems in the extra rules are reported at prependRules[i] / appendRules[i]", () => {
    const e = policyErrorOf(() =>
      composePolicy({
        preset: "recommended",
        prependRules: [{ level: "Everything" as Level }, { level: "None", nonResourceURLs: ["healthz"] }],
        appendRules: [{ level: "Metadata", resources: [{ group: "rbac.authorization.k8s.io/v1" }] }, { level: "None", verb: ["get"] } as unknown as PolicyRule],
      }),
    );
    assert.deepEqual(paths(e).sort(), ["appendRules[0].resources.group", "appendRules[1].verb", "prependRules[0].level", "prependRules[1].nonResourceURLs[0]"]);
    assert.match(e.issues[0].message, /Unsupported value: "Everything"/);
  });

  it("problems in a policy text keep their line and column under `policy.`", () => {
    const text = "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n- level: None\n- level: Metadata\n  resources:\n  - group: Core\n";
    const e = policyErrorOf(() => composePolicy({ policy: text }));
    assert.equal(e.issues.length, 1);
    assert.equal(e.issues[0].path, "policy.rules[2].resources.group");
    // kube-apiserver's path has no entry index; the engine still locates the entry's `group:`.
    assert.equal(e.issues[0].line, 8);
    const syntax = policyErrorOf(() => composePolicy({ policy: "rules: [" }));
    assert.ok(syntax.issues.every((i) => i.path === "policy"));
  });

  it("problems in a policy object are reported under `policy.`", () => {
    const e = policyErrorOf(() => composePolicy({ policy: { rules: [{ level: "Metadata", omitStages: ["Nope"] }] } as unknown as Policy }));
    assert.deepEqual(paths(e), ["policy.rules[0].omitStages[0]"]);
    const empty = policyErrorOf(() => composePolicy({ policy: { apiVersion: "audit.k8s.io/v1", kind: "Policy", rules: [] } }));
    assert.deepEqual(paths(empty), ["policy.rules"]);
    const wrongType = policyErrorOf(() => composePolicy({ policy: 42 as unknown as Policy }));
    assert.deepEqual(paths(wrongType), ["policy"]);
  });

  it("reports every problem at once: unknown fields, bad overrides, bad rules", () => {
    const e = policyErrorOf(() =>
      composePolicy({
        preset: "nope",
        prepend: [],
        prependRules: "x",
        omitStages: ["RequestReceived", "Later"],
        omitManagedFields: "yes",
      } as unknown as Parameters<typeof composePolicy>[0]),
    );
    assert.deepEqual(paths(e).sort(), ["omitManagedFields", "omitStages[1]", "prepend", "prependRules", "preset"].sort());
  });

  it("not an object: an error", () => {
    assert.deepEqual(paths(policyErrorOf(() => composePolicy(null as unknown as Parameters<typeof composePolicy>[0]))), [""]);
    assert.deepEqual(paths(policyErrorOf(() => composePolicy("recommended" as unknown as Parameters<typeof composePolicy>[0]))), [""]);
  });

  it("validates against the target Kubernetes version (group \"*\" from 1.36)", () => {
    const star: PolicyRule = { level: "Metadata", resources: [{ group: "*", resources: ["secrets"] }] };
    assert.deepEqual(composePolicy({ preset: "recommended", prependRules: [star] }, { kubernetesVersion: "v1.36.0+rke2r1" }).rules[0], star);
    assert.deepEqual(composePolicy({ preset: "recommended", prependRules: [star] }).rules[0], star, "no version: the newest behaviour");
    const e = policyErrorOf(() => composePolicy({ preset: "recommended", prependRules: [star] }, { kubernetesVersion: "v1.31.5+rke2r1" }));
    assert.deepEqual(paths(e), ["prependRules[0].resources.group"]);
    assert.throws(() => composePolicy({ preset: "cis" }, { kubernetesVersion: "latest" }), /kubernetesVersion/);
  });

  it("names the source in the message when given", () => {
    const e = policyErrorOf(() => composePolicy({ preset: "x" }, { source: "stacks/Pulumi.dev.yaml" }));
    assert.match(e.message, /^stacks\/Pulumi\.dev\.yaml: preset: /);
  });
});

// ---------------------------------------------------------------------------------------------
// Volume model
// ---------------------------------------------------------------------------------------------

const lineBytes = (o: object) => Buffer.byteLength(JSON.stringify(o), "utf8") + 1;
const decision = (level: Level, omitStages: Decision["omitStages"] = [], omitManagedFields = false): Decision => ({ level, omitStages, omitManagedFields, ruleIndex: 0 });

describe("volume model", () => {
  const body = { kind: "ConfigMap", apiVersion: "v1", metadata: { name: "ü-config", managedFields: [{ manager: "kubectl", operation: "Update" }], labels: { a: "b" } }, data: { k: "välue" } };
  const event = {
    kind: "Event",
    apiVersion: "audit.k8s.io/v1",
    level: "RequestResponse",
    auditID: "a6a7d2e2-4f7e-4d2b-9f3b-0b7e6f1a2c3d",
    stage: "ResponseComplete",
    requestURI: "/api/v1/namespaces/default/configmaps/x",
    verb: "update",
    user: { username: "alice", groups: ["system:authenticated"] },
    sourceIPs: ["10.0.0.1"],
    objectRef: { resource: "configmaps", namespace: "default", name: "x", apiVersion: "v1" },
    responseStatus: { metadata: {}, code: 200 },
    requestObject: body,
    responseObject: { ...body, metadata: { ...body.metadata, resourceVersion: "2" } },
    requestReceivedTimestamp: "2026-01-05T09:00:00.000000Z",
    stageTimestamp: "2026-01-05T09:00:00.004000Z",
    annotations: { "authorization.k8s.io/decision": "allow", "authorization.k8s.io/reason": "" },
  };
  const without = (o: Record<string, unknown>, ...keys: string[]) => Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
  const stripMF = (b: typeof body) => ({ ...b, metadata: without(b.metadata, "managedFields") });

  it("estimateEventBytes: 0 at None and for an omitted stage", () => {
    assert.equal(estimateEventBytes(event, decision("None")), 0);
    assert.equal(estimateEventBytes(event, decision("Metadata", ["ResponseComplete"])), 0);
  });

  it("estimateEventBytes: exact UTF-8 bytes of the line at each level (bodies removed below Request / RequestResponse)", () => {
    assert.equal(estimateEventBytes(event, decision("Metadata")), lineBytes({ ...without(event, "requestObject", "responseObject"), level: "Metadata" }));
    assert.equal(estimateEventBytes(event, decision("Request")), lineBytes({ ...without(event, "responseObject"), level: "Request" }));
    assert.equal(estimateEventBytes(event, decision("RequestResponse")), lineBytes(event));
  });

  it("estimateEventBytes: managedFields stripped from both bodies when the decision says so", () => {
    const expected = { ...event, requestObject: stripMF(event.requestObject), responseObject: stripMF(event.responseObject as typeof body) };
    assert.equal(estimateEventBytes(event, decision("RequestResponse", [], true)), lineBytes(expected));
    const list = { kind: "ConfigMapList", metadata: {}, items: [body, body] };
    const listEvent = { ...event, verb: "list", requestObject: undefined, responseObject: list };
    assert.equal(
      estimateEventBytes(listEvent, decision("RequestResponse", [], true)),
      lineBytes({ ...without(listEvent, "requestObject"), responseObject: { ...list, items: [stripMF(body), stripMF(body)] } }),
    );
  });

  it("estimateLoggedBytes: one line per stage written, each as kube-apiserver writes it", () => {
    const rc = (level: Level, extra: Record<string, unknown> = {}) => lineBytes({ ...without(event, "requestObject", "responseObject"), level, ...extra });
    const received = (level: Level) => lineBytes({ ...without(event, "requestObject", "responseObject", "responseStatus", "annotations"), level, stage: "RequestReceived" });
    assert.deepEqual(estimateLoggedBytes(event, decision("None")), { events: 0, bytes: 0 });
    assert.deepEqual(estimateLoggedBytes(event, decision("Metadata", ["RequestReceived"])), { events: 1, bytes: rc("Metadata") });
    assert.deepEqual(estimateLoggedBytes(event, decision("Metadata")), { events: 2, bytes: rc("Metadata") + received("Metadata") });
    assert.deepEqual(estimateLoggedBytes(event, decision("Request", ["RequestReceived"])), { events: 1, bytes: rc("Request", { requestObject: body }) });
    assert.deepEqual(estimateLoggedBytes(event, decision("Metadata", ["RequestReceived", "ResponseComplete"])), { events: 0, bytes: 0 });
  });

  it("estimateLoggedBytes: a watch or an exec also writes ResponseStarted", () => {
    const watch = { ...without(event, "requestObject", "responseObject"), verb: "watch", requestURI: "/api/v1/pods?watch=true", objectRef: { resource: "pods", apiVersion: "v1" } };
    const started = lineBytes({ ...watch, level: "Metadata", stage: "ResponseStarted" });
    const complete = lineBytes({ ...watch, level: "Metadata" });
    assert.deepEqual(estimateLoggedBytes(watch, decision("Metadata", ["RequestReceived"])), { events: 2, bytes: started + complete });
    assert.deepEqual(estimateLoggedBytes(watch, decision("Metadata", ["RequestReceived", "ResponseStarted"])), { events: 1, bytes: complete });
    assert.equal(estimateLoggedBytes(watch, decision("Metadata")).events, 3);
    const exec = { ...watch, verb: "get", objectRef: { resource: "pods", subresource: "exec", namespace: "a", name: "p", apiVersion: "v1" } };
    assert.equal(estimateLoggedBytes(exec, decision("Request", ["RequestReceived"])).events, 2);
  });

  it("isLongRunning follows kube-apiserver's check (watch, proxy; attach, exec, log, portforward, proxy subresources)", () => {
    const ev = (verb: string, resource?: string, subresource?: string) => ({ verb, ...(resource ? { objectRef: { resource, subresource } } : {}) });
    assert.equal(isLongRunning(ev("watch", "pods")), true);
    assert.equal(isLongRunning(ev("proxy", "nodes")), true);
    for (const sub of ["attach", "exec", "log", "portforward", "proxy"]) assert.equal(isLongRunning(ev("get", "pods", sub)), true, sub);
    assert.equal(isLongRunning(ev("get", "pods")), false);
    assert.equal(isLongRunning(ev("patch", "pods", "status")), false);
    assert.equal(isLongRunning(ev("get")), false);
    assert.equal(isLongRunning({ verb: "create", stage: "ResponseStarted" }), true);
  });

  it("measureVolume replays events through several policies at once", () => {
    const events = [event, { ...event, verb: "watch", objectRef: { resource: "pods", apiVersion: "v1" } }];
    const m = measureVolume(events, [
      { name: "metadata", policy: presets.metadata.policy },
      { name: "none", policy: { apiVersion: "audit.k8s.io/v1", kind: "Policy", rules: [{ level: "None" }] } },
    ]);
    assert.equal(m.requests, 2);
    assert.equal(m.policies[0].name, "metadata");
    assert.equal(m.policies[0].events, 3);
    assert.deepEqual(m.policies[1], { name: "none", events: 0, bytes: 0 });
    const direct = events.map((e) => estimateLoggedBytes(e, evaluatePolicy(presets.metadata.policy, requestFromEvent(e)))).reduce((a, v) => a + v.bytes, 0);
    assert.equal(m.policies[0].bytes, direct);
  });
});

// ---------------------------------------------------------------------------------------------
// Traffic model
// ---------------------------------------------------------------------------------------------

describe("background traffic model", () => {
  let hour: TrafficEvent[];
  before(function () {
    this.timeout(60_000);
    hour = [...generateBackgroundTraffic()];
  });

  const count = (f: (e: TrafficEvent) => boolean) => hour.filter(f).length;
  const within = (n: number, lo: number, hi: number, what: string) => assert.ok(n >= lo && n <= hi, `${what}: ${n} not in [${lo}, ${hi}]`);

  it("is deterministic: the same options give the same events; another seed different ones", function () {
    this.timeout(60_000);
    const digest = (events: Iterable<object>) => {
      const h = createHash("sha256");
      for (const e of events) h.update(JSON.stringify(e));
      return h.digest("hex");
    };
    assert.equal(digest(generateBackgroundTraffic()), digest(hour));
    assert.notEqual(digest(generateBackgroundTraffic({ seed: 2 })), digest(hour));
  });

  it("is a lazy generator of audit.k8s.io/v1 Events in time order within the hour", () => {
    const it = generateBackgroundTraffic();
    assert.equal(typeof it.next, "function");
    const first = it.next().value as TrafficEvent;
    assert.equal(first.kind, "Event");
    const start = Date.parse("2026-01-05T09:00:00Z");
    let last = 0;
    for (const e of hour) {
      const t = Date.parse(e.requestReceivedTimestamp);
      assert.ok(t >= start && t < start + 3_600_000 + 5_000, e.requestReceivedTimestamp);
      assert.ok(t >= last - 1, "time order");
      last = t;
      assert.equal(e.apiVersion, "audit.k8s.io/v1");
      assert.equal(e.stage, "ResponseComplete");
      assert.doesNotThrow(() => requestFromEvent(e));
    }
  });

  it("renews node Leases every 10 s and leader-election Leases every 2 s", () => {
    const leases = (user: RegExp, verb: string) => count((e) => e.objectRef?.resource === "leases" && e.verb === verb && user.test(e.user.username));
    within(leases(/^system:node:/, "update"), 6 * 350, 6 * 370, "node lease updates (6 nodes)");
    within(leases(/^system:kube-controller-manager$/, "update"), 1_700, 1_900, "controller-manager leader updates");
    within(leases(/^system:kube-controller-manager$/, "get"), 2 * 1_000, 2 * 1_800, "controller-manager follower gets (2 followers)");
    within(leases(/^system:apiserver$/, "update"), 3 * 350, 3 * 370, "apiserver identity leases");
    const leaseShare = count((e) => e.objectRef?.resource === "leases") / hour.length;
    assert.ok(leaseShare > 0.5, `Leases are the largest share of requests (${leaseShare.toFixed(2)})`);
  });

  it("re-opens a few hundred informer watches every 5-10 minutes", () => {
    const watches = count((e) => e.verb === "watch" && !e.impersonatedUser);
    within(watches, 300 * 6, 600 * 12, "watch requests");
  });

  it("probes /livez and /readyz, scrapes /metrics, re-reads discovery", () => {
    within(count((e) => e.requestURI === "/livez"), 3 * 350, 3 * 370, "/livez");
    within(count((e) => e.requestURI === "/readyz"), 3 * 700, 3 * 740, "/readyz");
    within(count((e) => e.requestURI === "/metrics"), 3 * 115, 3 * 125, "/metrics");
    within(count((e) => (e.requestURI === "/api" || e.requestURI === "/apis") && !e.impersonatedUser), 2 * 2 * 115, 2 * 2 * 125 + 40, "discovery");
  });

  it("has realistic sizes: Node ~10 KB, Lease ~400-800 B, Helm release Secrets 40-100 KB each", () => {
    const status = hour.find((e) => e.objectRef?.subresource === "status" && e.objectRef.resource === "nodes")!;
    within(JSON.stringify(status.responseObject).length, 8_000, 13_000, "Node bytes");
    const lease = hour.find((e) => e.objectRef?.resource === "leases")!;
    within(JSON.stringify(lease.requestObject).length, 350, 900, "Lease bytes");
    const helm = hour.find((e) => e.user.username.endsWith(":fleet-agent") && e.objectRef?.resource === "secrets" && e.verb === "list")!;
    const items = (helm.responseObject as { items: unknown[] }).items;
    for (const item of items) within(JSON.stringify(item).length, 40_000, 101_000, "Helm release Secret bytes");
  });

  it("has kubelet TokenRequests (~every 48 min per pod), status patches, Events and Rancher agent reads", () => {
    within(count((e) => e.objectRef?.subresource === "token" && e.user.username.startsWith("system:node:")), 25, 60, "TokenRequests");
    within(count((e) => e.objectRef?.resource === "nodes" && e.objectRef.subresource === "status"), 6 * 11, 6 * 13, "nodes/status patches");
    within(count((e) => e.objectRef?.resource === "events" && !e.impersonatedUser), 40, 120, "Events");
    within(count((e) => e.user.username === "system:serviceaccount:cattle-system:cattle" && e.objectRef?.resource === "namespaces" && e.verb === "get"), 230, 245, "cattle-cluster-agent GET kube-system");
  });

  it("has a little human activity, through cattle-impersonation-system service accounts", () => {
    const human = hour.filter((e) => e.impersonatedUser);
    within(human.length, 20, 120, "impersonated requests");
    for (const e of human) assert.match(e.user.username, /^system:serviceaccount:cattle-impersonation-system:cattle-impersonation-u-/);
    assert.ok(human.some((e) => e.objectRef?.subresource === "exec" && e.verb === "get"), "a websocket exec");
  });

  it("scales with servers, workers and hours", function () {
    this.timeout(60_000);
    const small = [...generateBackgroundTraffic({ servers: 1, workers: 1, monitoring: false, humans: false, hours: 0.5 })];
    assert.ok(small.length > 2_000 && small.length < hour.length / 3, `${small.length}`);
    assert.equal(small.filter((e) => e.impersonatedUser).length, 0);
    assert.equal(small.filter((e) => e.requestURI === "/metrics").length, 0);
    const nodes = new Set(small.filter((e) => e.user.username.startsWith("system:node:")).map((e) => e.user.username));
    assert.deepEqual([...nodes].sort(), ["system:node:rke2-server-0", "system:node:rke2-worker-0"]);
  });

  it("rejects bad options with a message naming the option", () => {
    assert.throws(() => generateBackgroundTraffic({ servers: 0 }).next(), /servers/);
    assert.throws(() => generateBackgroundTraffic({ workers: -1 }).next(), /workers/);
    assert.throws(() => generateBackgroundTraffic({ hours: 0 }).next(), /hours/);
    assert.throws(() => generateBackgroundTraffic({ start: "yesterday" }).next(), /start/);
  });

  it("shares frozen bodies between events (read-only events, cheap to replay)", () => {
    const leases = hour.filter((e) => e.user.username === "system:node:rke2-worker-0" && e.objectRef?.resource === "leases");
    assert.equal(leases[0].requestObject, leases[1].requestObject);
    assert.ok(Object.isFrozen(leases[0].requestObject));
  });
});
