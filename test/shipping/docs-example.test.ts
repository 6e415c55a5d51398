/**
 * The TypeScript example in docs/shipping.md is test/shipping/docs-example.ts, byte for byte (with
 * the package name for the relative import): `tsc` type-checks that file, and this test runs it
 * under Pulumi mocks and checks what it registers.
 */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";

import { downstreamMocks, isSecret, promiseOf, unwrap } from "../support/pulumi";

const ROOT = join(__dirname, "..", "..");

describe("docs/shipping.md: the TypeScript example", () => {
  const created: pulumi.runtime.MockResourceArgs[] = [];

  before(async () => {
    await pulumi.runtime.setMocks(
      downstreamMocks(created, "c-m-prodeu1"),
      "rancher-audit",
      "docs",
      false,
    );
    pulumi.runtime.setConfig("rancher-audit:lokiPassword", "docs-example-password");
  });

  it("is the file the tests type-check and run", () => {
    const doc = readFileSync(join(ROOT, "docs/shipping.md"), "utf8");
    const block = /<!-- example: test\/shipping\/docs-example\.ts -->\n```ts\n([\s\S]*?)```/.exec(doc);
    assert.ok(block, "docs/shipping.md has no example block");
    const file = readFileSync(join(__dirname, "docs-example.ts"), "utf8").replace('from "../../components"', 'from "rancher-audit"');
    assert.equal(block[1], file);
  });

  it("runs: the DaemonSet reads the cluster's audit log and the password stays secret", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after setMocks on purpose
    const example = require("./docs-example") as typeof import("./docs-example");
    assert.equal(await promiseOf(example.auditLogShipped), "/var/lib/rancher/rke2/server/logs/audit.log");
    await promiseOf(pulumi.all([example.shipping.urn, example.shipping.daemonSet!.id]));
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    const names = created.map((r) => r.name);
    for (const n of ["prod-eu-1-cluster", "prod-eu-1-shipping-sync", "prod-eu-1-shipping-k8s", "prod-eu-1-shipping-secret-loki", "prod-eu-1-shipping-daemonset"]) {
      assert.ok(names.includes(n), `${n} not registered (${names.join(", ")})`);
    }
    const secret = created.find((r) => r.name === "prod-eu-1-shipping-secret-loki")!.inputs as { stringData: unknown };
    assert.ok(isSecret(secret.stringData));
    assert.equal((unwrap(secret.stringData) as { password: string }).password, "docs-example-password");
  });
});
