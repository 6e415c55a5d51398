/**
 * The TypeScript example in docs/alerts.md is test/alerts/docs-example.ts (with the package name for
 * the relative import): `tsc` type-checks that file, and this test runs it under Pulumi mocks: the
 * PrometheusRule and the dashboard go through the shipping's provider, and every alert can fire.
 */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";

import { downstreamMocks, promiseOf } from "../support/pulumi";

const ROOT = join(__dirname, "..", "..");

describe("docs/alerts.md: the TypeScript example", () => {
  const created: pulumi.runtime.MockResourceArgs[] = [];

  before(async () => {
    await pulumi.runtime.setMocks(
      downstreamMocks(created, "c-m-prodeu1"),
      "rancher-audit",
      "docs",
      false,
    );
  });

  it("is in the doc, byte for byte", () => {
    const doc = readFileSync(join(ROOT, "docs", "alerts.md"), "utf8");
    const example = readFileSync(join(__dirname, "docs-example.ts"), "utf8").replace('from "../../components"', 'from "rancher-audit"');
    assert.ok(doc.includes(`\`\`\`typescript\n${example}\`\`\``), "docs/alerts.md holds test/alerts/docs-example.ts");
  });

  it("registers the rules and the dashboard through the shipping's provider; every alert can fire", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const example = require("./docs-example") as typeof import("./docs-example");
    assert.deepEqual(await promiseOf(example.alertsThatCannotFire), []);
    await promiseOf(pulumi.all([example.alerts.prometheusRule.id, example.alerts.dashboardConfigMap!.id]));
    const provider = created.find((r) => r.name === "prod-eu-1-shipping-k8s");
    assert.ok(provider, "the shipping built a provider");
    for (const name of ["prod-eu-1-alerts-rules", "prod-eu-1-alerts-dashboard"]) {
      const r = created.find((x) => x.name === name);
      assert.ok(r, name);
      assert.match(r.provider ?? "", /::prod-eu-1-shipping-k8s::prod-eu-1-shipping-k8s-id$/, name);
    }
    const rule = created.find((x) => x.name === "prod-eu-1-alerts-rules")!;
    assert.deepEqual((rule.inputs.metadata as { labels: Record<string, string> }).labels["alloy-rules"], "kube-audit");
  });
});
