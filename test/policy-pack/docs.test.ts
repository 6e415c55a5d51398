/** The pack config examples (docs/policy-pack.md, README) name real policies, levels and settings, and take effect. */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { POLICIES } from "../../policy-pack/policies";
import { runPack, type PackConfig } from "./support";
import { REPO, stackResources } from "./stacks";

const LEVELS = ["advisory", "mandatory", "disabled"];

function docsConfig(): Record<string, unknown> {
  const docs = fs.readFileSync(path.join(REPO, "docs", "policy-pack.md"), "utf8");
  const section = docs.slice(docs.indexOf("## Configuration"));
  const m = /```json\n([\s\S]*?)```/.exec(section);
  assert.ok(m, "docs/policy-pack.md has a json example under ## Configuration");
  return JSON.parse(m[1]) as Record<string, unknown>;
}

describe("policy pack: the documented config", function () {
  this.timeout(60_000);

  it("names only policies of the pack, valid levels and settings from their config schema", () => {
    const config = docsConfig();
    for (const [key, value] of Object.entries(config)) {
      if (key === "all" || typeof value === "string") {
        assert.ok(LEVELS.includes(value as string), `${key}: ${String(value)}`);
        if (key !== "all") assert.ok(POLICIES.some((p) => p.name === key), key);
        continue;
      }
      const policy = POLICIES.find((p) => p.name === key);
      assert.ok(policy, `${key} is a policy of the pack`);
      const { enforcementLevel, ...settings } = value as Record<string, unknown>;
      if (enforcementLevel !== undefined) assert.ok(LEVELS.includes(enforcementLevel as string));
      for (const [name, v] of Object.entries(settings)) {
        const schema: { type?: unknown; minimum?: unknown } | undefined = policy.configSchema?.properties[name];
        assert.ok(schema, `${key}.${name} is in the policy's config schema`);
        assert.equal(schema.type, "integer");
        assert.ok(Number.isInteger(v) && (v as number) >= (schema.minimum as number), `${key}.${name}`);
      }
    }
  });

  it("the README's inline example names a policy of the pack and a valid level", () => {
    const readme = fs.readFileSync(path.join(REPO, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Policy pack (CrossGuard)"));
    const m = /e\.g\. `(\{[^`]*\})`/.exec(section);
    assert.ok(m, "README's policy pack section shows a config example");
    for (const [key, level] of Object.entries(JSON.parse(m[1]) as Record<string, string>)) {
      assert.ok(POLICIES.some((p) => p.name === key), key);
      assert.ok(LEVELS.includes(level), level);
    }
  });

  it("its retention minimums apply: prod (30 days) falls short of 90", async () => {
    const config = docsConfig();
    const perPolicy: PackConfig = {};
    for (const [key, value] of Object.entries(config)) {
      if (value && typeof value === "object") {
        const { enforcementLevel: _level, ...settings } = value as Record<string, unknown>;
        perPolicy[key] = settings;
      }
    }
    const reported = await runPack(await stackResources("prod"), perPolicy);
    assert.deepEqual([...new Set(reported.map((r) => r.policy))], ["audit-log-retention"]);
    assert.match(reported[0].message, /audit-log-maxage=30 is below 90 days/);
  });
});
