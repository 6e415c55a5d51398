/**
 * A stack that uses plain rancher2.ClusterV2 with the Rancher docs' examples, registered under
 * Pulumi mocks (so the pack sees the inputs the providers get), passes or fails exactly where
 * Rancher's planner accepts or blocks it.
 *
 * Sources:
 * - Rancher docs, "Enabling the API Audit Log in Downstream Clusters"
 *   (https://ranchermanager.docs.rancher.com/how-to-guides/advanced-user-guides/enable-api-audit-log-in-downstream-clusters;
 *   rancher/rancher-docs docs/how-to-guides/advanced-user-guides/enable-api-audit-log-in-downstream-clusters.md):
 *   method 1 (`audit-policy-file` in machineGlobalConfig, RKE2 tab) and method 2 (a Secret in
 *   fleet-default with rke.cattle.io/object-authorized-for-clusters, machineSelectorFiles and
 *   kube-apiserver-arg; RKE2 and K3s tabs). The docs' placeholders are filled in consistently.
 * - rancher/rancher pkg/capr/planner/config.go `renderFiles`: an object both secret and configmap
 *   named → "cannot both be defined"; the object read from the cluster's namespace ("error
 *   retrieving secret"); `clusterObjectAuthorized` splits the annotation on "," without trimming;
 *   a non-empty hash must equal base64(sha256(data[key])) ("does not contain the expected
 *   content"); an empty hash is not checked.
 * - rancher/rancher pkg/capr/planner/filter.go `filterConfigData` with KDM channels.yaml: K3s
 *   lists no `audit-policy-file` key, so it is dropped without an error (audit stays off).
 * - rancher/rke2 pkg/podtemplate + staticpod: the config key makes RKE2 add --audit-log-path and
 *   maxage 30 / maxbackup 10 / maxsize 100; a policy given only as kube-apiserver-arg gets none.
 */
import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as rancher2 from "@pulumi/rancher2";
import { promiseOf, unwrap } from "../support/pulumi";
import { runPack, type TestResource } from "./support";

/** The policies that model what Rancher's planner blocks or drops; the others are our own hygiene. */
const PLANNER_POLICIES = ["clusterv2-audit-enabled", "audit-policy-object-authorized", "audit-policy-object-hash"];

const RKE2 = "v1.31.5+rke2r1";
const K3S = "v1.31.5+k3s1";
const CP = { matchLabels: { "rke.cattle.io/control-plane-role": "true" } };

/** Method 1, verbatim from the docs (RKE2 tab). */
const METHOD1_GLOBAL =
  "audit-policy-file: |\n  apiVersion: audit.k8s.io/v1\n  kind: Policy\n  rules:\n    - level: RequestResponse\n      resources:\n        - group: \"\"\n          resources:\n            - pods\n";
/** Method 2's Secret data, verbatim from the docs (base64). */
const METHOD2_DATA = "IyBMb2cgYWxsIHJlcXVlc3RzIGF0IHRoZSBNZXRhZGF0YSBsZXZlbC4KYXBpVmVyc2lvbjogYXVkaXQuazhzLmlvL3YxCmtpbmQ6IFBvbGljeQpydWxlczoKLSBsZXZlbDogTWV0YWRhdGE=";
const METHOD2_HASH = createHash("sha256").update(Buffer.from(METHOD2_DATA, "base64")).digest("base64");

/** A program: declares resources and returns them. */
type Program = () => pulumi.Resource[];

interface Method2 {
  distro: string;
  annotation?: string;
  namespace?: string;
  hash?: string;
  alsoConfigmap?: string;
  /** A machineSelectorConfigs entry added after the global config. */
  selectorConfig?: { config: string; machineLabelSelector: Record<string, unknown> };
}

function method1(distro: string): Program {
  return () => [
    new rancher2.ClusterV2("cluster1", { name: "cluster1", kubernetesVersion: distro, rkeConfig: { machineGlobalConfig: METHOD1_GLOBAL } }),
  ];
}

function method2(o: Method2): Program {
  const dir = o.distro === K3S ? "/etc/rancher/k3s" : "/etc/rancher/rke2";
  return () => [
    new k8s.core.v1.Secret("dev-audit-policy", {
      metadata: { name: "dev-audit-policy", namespace: o.namespace ?? "fleet-default", annotations: { "rke.cattle.io/object-authorized-for-clusters": o.annotation ?? "cluster1" } },
      data: { "audit-policy": METHOD2_DATA },
    }),
    new rancher2.ClusterV2("cluster1", {
      name: "cluster1",
      kubernetesVersion: o.distro,
      rkeConfig: {
        ...(o.selectorConfig ? { machineSelectorConfigs: [o.selectorConfig] } : {}),
        machineGlobalConfig: `kube-apiserver-arg:\n  - audit-policy-file=${dir}/dev-audit-policy.yaml\n  - audit-log-path=${dir}/dev-audit.logs\n`,
        machineSelectorFiles: [
          {
            fileSources: [
              {
                configmap: { name: o.alsoConfigmap ?? "" },
                secret: { name: "dev-audit-policy", items: [{ key: "audit-policy", path: `${dir}/dev-audit-policy.yaml`, ...(o.hash ? { hash: o.hash } : {}) }] },
              },
            ],
            machineLabelSelector: CP,
          },
        ],
      },
    }),
  ];
}

/** Registers the program under mocks and returns the resources as the policy server sees them. */
async function register(program: Program): Promise<TestResource[]> {
  const recorded: TestResource[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        recorded.push({ type: args.type, name: args.name, props: unwrap(args.inputs) as Record<string, unknown> });
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call() {
        throw new Error("no calls");
      },
    },
    "docs",
    "test",
    false,
  );
  // A resource's URN resolves once the mock monitor has registered it.
  await Promise.all(program().map((r) => promiseOf(r.urn)));
  return recorded;
}

interface Fact {
  case: string;
  program: Program;
  /** What Rancher's planner does (source in the header). */
  planner: "accepts" | "blocks" | "drops the key" | "replaces the key";
  /** Violations of the planner policies (empty iff the planner accepts). */
  planner_violations: string[];
  /** Our hygiene policies on top (hash pinning, retention), named. */
  hygiene: string[];
}

const FACTS: Fact[] = [
  { case: "method 1 on RKE2 (docs example)", program: method1(RKE2), planner: "accepts", planner_violations: [], hygiene: [] },
  { case: "method 1 on K3s", program: method1(K3S), planner: "drops the key", planner_violations: ["clusterv2-audit-enabled"], hygiene: [] },
  // The docs' method 2 sets no hash and no retention flags: Rancher accepts it; our hygiene names both.
  { case: "method 2 on RKE2 (docs example)", program: method2({ distro: RKE2 }), planner: "accepts", planner_violations: [], hygiene: ["audit-log-retention", "audit-policy-file-hash"] },
  { case: "method 2 on K3s (docs example)", program: method2({ distro: K3S }), planner: "accepts", planner_violations: [], hygiene: ["audit-log-retention", "audit-policy-file-hash"] },
  { case: "method 2 with the right hash", program: method2({ distro: RKE2, hash: METHOD2_HASH }), planner: "accepts", planner_violations: [], hygiene: ["audit-log-retention"] },
  { case: "method 2, two clusters authorized with a space", program: method2({ distro: RKE2, annotation: "cluster0, cluster1", hash: METHOD2_HASH }), planner: "blocks", planner_violations: ["audit-policy-object-authorized"], hygiene: ["audit-log-retention"] },
  { case: "method 2, Secret outside the cluster's namespace", program: method2({ distro: K3S, namespace: "default", hash: METHOD2_HASH }), planner: "blocks", planner_violations: ["audit-policy-object-authorized"], hygiene: ["audit-log-retention"] },
  { case: "method 2, hash of other content", program: method2({ distro: RKE2, hash: METHOD2_HASH.replace(/^./, (c) => (c === "A" ? "B" : "A")) }), planner: "blocks", planner_violations: ["audit-policy-object-hash"], hygiene: ["audit-log-retention"] },
  { case: "method 2, a secret and a configmap in one file source", program: method2({ distro: RKE2, hash: METHOD2_HASH, alsoConfigmap: "dev-audit-policy" }), planner: "blocks", planner_violations: ["clusterv2-audit-enabled"], hygiene: ["audit-log-retention"] },
  // addUserConfig: a matching selector entry replaces the whole kube-apiserver-arg list.
  {
    case: "method 2 plus an etcd-role entry with its own kube-apiserver-arg",
    program: method2({ distro: RKE2, hash: METHOD2_HASH, selectorConfig: { config: "kube-apiserver-arg:\n  - anonymous-auth=false\n", machineLabelSelector: { matchLabels: { "rke.cattle.io/etcd-role": "true" } } } }),
    planner: "replaces the key",
    planner_violations: ["clusterv2-audit-enabled"],
    hygiene: ["audit-log-retention"],
  },
];

describe("policy pack: plain rancher2.ClusterV2 with the Rancher docs' examples, as Rancher's planner treats them", function () {
  this.timeout(60_000);
  for (const fact of FACTS) {
    it(`${fact.case}: the planner ${fact.planner}`, async () => {
      const resources = await register(fact.program);
      assert.ok(resources.some((r) => r.type === "rancher2:index/clusterV2:ClusterV2"));
      const reported = (await runPack(resources)).map((r) => r.policy);
      assert.deepEqual(reported.filter((p) => PLANNER_POLICIES.includes(p)).sort(), fact.planner_violations, reported.join(", "));
      assert.equal(fact.planner_violations.length === 0, fact.planner === "accepts");
      if (fact.planner === "replaces the key") {
        const message = (await runPack(resources)).find((r) => r.policy === "clusterv2-audit-enabled")!.message;
        assert.match(message, /audit is off.*\(on control-plane\+etcd, control-plane\+etcd\+worker machines\)$/);
      }
      assert.deepEqual(reported.filter((p) => !PLANNER_POLICIES.includes(p)).sort(), fact.hygiene);
    });
  }
});
