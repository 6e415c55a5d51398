import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { UnknownValueError, unknownCheckingProxy } from "@pulumi/policy";
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { auditEnabled, logRetention, policyObjectHash, POLICIES } from "../../policy-pack/policies";
import { resourceArgs, runPack, stackArgs, type TestResource } from "./support";
import { STACKS, stackResources } from "./stacks";

const CLUSTER = "rancher2:index/clusterV2:ClusterV2";
const SECRET = "kubernetes:core/v1:Secret";

/** A deep copy to edit: the stack resources are shared between tests. */
const clone = <T>(v: T): T => structuredClone(v);
const b64sha = (text: string) => createHash("sha256").update(text).digest("base64");

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function find(resources: TestResource[], type: string, name: string): Json {
  const r = resources.find((x) => x.type === type && x.name === name);
  assert.ok(r, `${type} ${name} in the stack`);
  return r.props as Json;
}

/** The policy names reported, sorted. */
const names = (reported: { policy: string }[]) => reported.map((r) => r.policy).sort();

describe("policy pack: our stacks", function () {
  this.timeout(120_000);
  const stacks = new Map<string, TestResource[]>();
  before(async () => {
    for (const s of STACKS) stacks.set(s, await stackResources(s));
  });

  it("prod (CIS retention) has no violation at all", async () => {
    const prod = stacks.get("prod")!;
    assert.ok(prod.filter((r) => r.type === CLUSTER).length === 3);
    assert.deepEqual(await runPack(prod), []);
  });

  it("dev and staging: only the retention they lower on purpose (advisory), and none with their minimums as pack config", async () => {
    const expected = { dev: { clusters: 2, maxAge: 3, maxBackup: 2, maxSize: 50 }, staging: { clusters: 2, maxAge: 14, maxBackup: 5, maxSize: 100 } };
    for (const [stack, e] of Object.entries(expected)) {
      const resources = stacks.get(stack)!;
      const reported = await runPack(resources);
      assert.deepEqual(names(reported), Array(e.clusters).fill("audit-log-retention"), stack);
      assert.equal(logRetention.enforcementLevel, "advisory");
      for (const r of reported) assert.match(r.message, new RegExp(`audit-log-maxage=${e.maxAge} is below 30 days`));
      const minimums = { maxAge: e.maxAge, maxBackup: e.maxBackup, maxSize: e.maxSize };
      assert.deepEqual(await runPack(resources, { "audit-log-retention": minimums }), [], stack);
    }
  });

  describe("exactly one named violation per mistake", () => {
    it("the Rancher docs' method 1 on a K3s cluster: clusterv2-audit-enabled", async () => {
      const cluster: TestResource = {
        type: CLUSTER,
        name: "edge",
        props: {
          name: "edge",
          kubernetesVersion: "v1.31.5+k3s1",
          rkeConfig: {
            machineGlobalConfig:
              "audit-policy-file: |\n  apiVersion: audit.k8s.io/v1\n  kind: Policy\n  rules:\n    - level: RequestResponse\n      resources:\n        - group: \"\"\n          resources:\n            - pods\n",
          },
        },
      };
      const reported = await runPack([cluster]);
      assert.deepEqual(names(reported), ["clusterv2-audit-enabled"]);
      assert.match(reported[0].message, /Rancher drops that key for K3s/);
    });

    it("dynamic: true: audit-policy-file-not-dynamic", async () => {
      const prod = clone(stacks.get("prod")!);
      find(prod, CLUSTER, "prod-edge-1-cluster").rkeConfig.machineSelectorFiles[0].fileSources[0].secret.items[0].dynamic = true;
      const reported = await runPack(prod);
      assert.deepEqual(names(reported), ["audit-policy-file-not-dynamic"]);
      assert.match(reported[0].message, /machineSelectorFiles\[0\]\.fileSources\[0\]\.secret\.items\[0\] delivers the audit policy \/etc\/rancher\/k3s\/audit-policy\.yaml with dynamic: true/);
    });

    it("an annotation with a space after the comma: audit-policy-object-authorized, for the second cluster only", async () => {
      const prod = clone(stacks.get("prod")!);
      const secret = find(prod, SECRET, "prod-audit-policy-policy");
      assert.equal(secret.metadata.annotations["rke.cattle.io/object-authorized-for-clusters"], "prod-eu-1,prod-us-1");
      secret.metadata.annotations["rke.cattle.io/object-authorized-for-clusters"] = "prod-eu-1, prod-us-1";
      const reported = await runPack(prod);
      assert.deepEqual(names(reported), ["audit-policy-object-authorized"]);
      assert.match(reported[0].message, /does not authorize cluster "prod-us-1".*without trimming spaces/);
      assert.equal(reported[0].urn, `urn:pulumi:test::proj::${SECRET}::prod-audit-policy-policy`);
    });

    it("a hash that does not match the object: audit-policy-object-hash", async () => {
      const prod = clone(stacks.get("prod")!);
      const secret = find(prod, SECRET, "prod-edge-1-policy");
      const objectName: string = secret.metadata.name;
      const deliveredHash: string = find(prod, CLUSTER, "prod-edge-1-cluster").rkeConfig.machineSelectorFiles[0].fileSources[0].secret.items[0].hash;
      secret.stringData["audit-policy"] += "# edited in place\n";
      const reported = await runPack(prod);
      assert.deepEqual(names(reported), ["audit-policy-object-hash"]);
      assert.ok(reported[0].message.startsWith(`cluster "prod-edge-1": rkeConfig.machineSelectorFiles[0].fileSources[0].secret.items[0].hash is ${deliveredHash} but secret "${objectName}" key "audit-policy" has SHA-256 ${b64sha(secret.stringData["audit-policy"])}`), reported[0].message);
    });

    it("a policy that logs Secret bodies (object and hash agree): audit-policy-no-sensitive-bodies", async () => {
      const prod = clone(stacks.get("prod")!);
      const text = "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: RequestResponse\n  resources:\n  - group: \"\"\n    resources: [\"secrets\"]\n- level: Metadata\n";
      const secret = find(prod, SECRET, "prod-edge-1-policy");
      const objectName: string = secret.metadata.name;
      secret.stringData["audit-policy"] = text;
      find(prod, CLUSTER, "prod-edge-1-cluster").rkeConfig.machineSelectorFiles[0].fileSources[0].secret.items[0].hash = b64sha(text);
      const reported = await runPack(prod);
      assert.deepEqual(names(reported), ["audit-policy-no-sensitive-bodies"]);
      assert.ok(reported[0].message.startsWith(`secret "${objectName}" key "audit-policy" (cluster "prod-edge-1") logs sensitive bodies`), reported[0].message);
    });

    it("a shared policy object that logs Secret bodies is reported once, against the object", async () => {
      const prod = clone(stacks.get("prod")!);
      const text = "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Request\n  resources:\n  - group: \"\"\n    resources: [\"secrets\"]\n- level: Metadata\n";
      find(prod, SECRET, "prod-audit-policy-policy").stringData["audit-policy"] = text;
      for (const c of ["prod-eu-1-cluster", "prod-us-1-cluster"]) find(prod, CLUSTER, c).rkeConfig.machineSelectorFiles[0].fileSources[0].secret.items[0].hash = b64sha(text);
      const reported = await runPack(prod);
      assert.deepEqual(names(reported), ["audit-policy-no-sensitive-bodies"]);
      assert.equal(reported[0].urn, `urn:pulumi:test::proj::${SECRET}::prod-audit-policy-policy`);
    });

    it("retention below CIS: audit-log-retention", async () => {
      const prod = clone(stacks.get("prod")!);
      const entry = find(prod, CLUSTER, "prod-edge-1-cluster").rkeConfig.machineSelectorConfigs[0];
      entry.config = entry.config.replace("audit-log-maxage=30", "audit-log-maxage=7");
      const reported = await runPack(prod);
      assert.deepEqual(names(reported), ["audit-log-retention"]);
      assert.match(reported[0].message, /audit-log-maxage=7 is below 30 days/);
    });

    it("an invalid policy in the object: audit-policy-valid", async () => {
      const prod = clone(stacks.get("prod")!);
      const text = "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Everything\n";
      find(prod, SECRET, "prod-edge-1-policy").stringData["audit-policy"] = text;
      find(prod, CLUSTER, "prod-edge-1-cluster").rkeConfig.machineSelectorFiles[0].fileSources[0].secret.items[0].hash = b64sha(text);
      assert.deepEqual(names(await runPack(prod)), ["audit-policy-valid"]);
    });

    it("a hex hash: audit-policy-file-hash (and the object check agrees it does not match)", async () => {
      const prod = clone(stacks.get("prod")!);
      const item = find(prod, CLUSTER, "prod-edge-1-cluster").rkeConfig.machineSelectorFiles[0].fileSources[0].secret.items[0];
      item.hash = Buffer.from(item.hash, "base64").toString("hex");
      const reported = await runPack(prod);
      assert.deepEqual(names(reported), ["audit-policy-file-hash", "audit-policy-object-hash"]);
      assert.match(reported.find((r) => r.policy === "audit-policy-file-hash")!.message, /is not the base64 of a SHA-256 \(it is hex\)/);
    });
  });

  describe("preview: unknown values", () => {
    const UNKNOWN = unknownValue; // the string sentinel an unknown value has in policy props

    it("an unknown rkeConfig field throws UnknownValueError (the server reports it as advisory), never a crash", async () => {
      const props = clone(find(stacks.get("prod")!, CLUSTER, "prod-edge-1-cluster"));
      props.rkeConfig.machineSelectorConfigs[0].config = UNKNOWN;
      const proxied = unknownCheckingProxy(props);
      for (const p of POLICIES) {
        if (!("validateResource" in p)) continue;
        const args = resourceArgs({ type: CLUSTER, name: "prod-edge-1-cluster", props: proxied });
        const validate = [p.validateResource!].flat()[0];
        assert.throws(() => validate(args, () => assert.fail(`${p.name} reported instead of giving up`)), UnknownValueError, p.name);
      }
    });

    it("an unknown hash or object content stops only the checks that need it", async () => {
      const prod = clone(stacks.get("prod")!);
      find(prod, SECRET, "prod-edge-1-policy").stringData = UNKNOWN;
      const proxied = prod.map((r) => ({ ...r, props: unknownCheckingProxy(r.props) }));
      assert.throws(() => policyObjectHash.validateStack(stackArgs(proxied), () => undefined), UnknownValueError);
      // The resource checks do not read the object: they still run and find nothing.
      const validate = [auditEnabled.validateResource!].flat()[0];
      for (const r of proxied.filter((x) => x.type === CLUSTER)) validate(resourceArgs(r), () => assert.fail("violation"));
    });

    it("a Secret whose name is unknown does not stop the stack checks", async () => {
      const prod = clone(stacks.get("prod")!);
      prod.push({ type: SECRET, name: "other", props: { metadata: { name: UNKNOWN, namespace: "fleet-default" }, stringData: { x: "y" } } });
      const proxied = prod.map((r) => ({ ...r, props: unknownCheckingProxy(r.props) }));
      const reported: string[] = [];
      policyObjectHash.validateStack(stackArgs(proxied), (m) => reported.push(m));
      assert.deepEqual(reported, []);
    });
  });
});
