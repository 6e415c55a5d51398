/**
 * The components are usable from other Pulumi languages: Pulumi's own analyzer (the one
 * `pulumi package add` runs, here without the CLI) accepts every exported component, and the
 * schema it infers is the committed docs/schema.json. A change to a component's arguments or
 * outputs changes the schema: review it and run `npm run schema` to update the file deliberately.
 * The examples of docs/cross-language.md are checked against the schema.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";

import { componentNames, inferSchema, PACKAGE_NAME, renderSchema, REPO_ROOT, SCHEMA_FILE } from "../../scripts/schema";
import { checkExample, pythonResources, yamlResources, type PackageSchema } from "./examples";
import { DELIVERIES, LOG_FORMATS, SOURCE_KINDS } from "../../components/core/settings";
import { LEVELS, STAGES } from "../../components/audit-policy";
import * as components from "../../components";

const COMPONENTS = ["AuditAlerts", "AuditLogShipping", "AuditPolicySource", "AuditedCluster", "Rke2ServerAudit"];
const token = (name: string) => `${PACKAGE_NAME}:index:${name}`;

interface Property {
  description?: string;
}
type Schema = PackageSchema & {
  resources: Record<string, { properties: Record<string, Property>; inputProperties: Record<string, Property>; requiredInputs: string[] }>;
  types: Record<string, { properties?: Record<string, Property>; enum?: { value: string }[] }>;
};

describe("cross-language schema (Pulumi's component analyzer)", function () {
  this.timeout(180_000);
  let schema: Schema;

  before(() => {
    schema = inferSchema() as unknown as Schema; // one analyzer run (a TypeScript program of the repository): a few seconds
  });

  it(`equals the committed ${SCHEMA_FILE}`, () => {
    const committed = fs.readFileSync(path.join(REPO_ROOT, SCHEMA_FILE), "utf8");
    assert.equal(
      renderSchema(schema),
      committed,
      `the inferred schema differs from ${SCHEMA_FILE}: a component's arguments or outputs changed. If that is intended, run \`npm run schema\`, review the diff (other languages see it) and commit it`,
    );
  });

  it("serves every exported component, under rancher-audit:index:<Class>, as PulumiPlugin.yaml and package.json say", () => {
    assert.deepEqual(componentNames(), COMPONENTS);
    assert.deepEqual(Object.keys(schema.resources).sort(), COMPONENTS.map(token).sort());
    for (const name of COMPONENTS) {
      assert.equal((components as unknown as Record<string, { __pulumiType: string }>)[name].__pulumiType, token(name));
    }
    assert.match(fs.readFileSync(path.join(REPO_ROOT, "PulumiPlugin.yaml"), "utf8"), /^runtime: nodejs$/m);
    assert.equal(JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).name, PACKAGE_NAME);
  });

  it("requires exactly the arguments without a default", () => {
    const required = Object.fromEntries(COMPONENTS.map((c) => [c, schema.resources[token(c)].requiredInputs]));
    assert.deepEqual(required, {
      AuditAlerts: ["clusterName", "policyYaml"],
      AuditLogShipping: ["sinks"],
      AuditPolicySource: ["authorizedClusters"],
      AuditedCluster: ["clusterName", "kubernetesVersion"],
      Rke2ServerAudit: ["hosts"],
    });
  });

  it("has the choices of the settings table and the engine as enums", () => {
    const values = (name: string) => schema.types[token(name)]?.enum?.map((e) => e.value);
    assert.deepEqual(values("Delivery"), [...DELIVERIES]);
    assert.deepEqual(values("SourceKind"), [...SOURCE_KINDS]);
    assert.deepEqual(values("LogFormat"), [...LOG_FORMATS]);
    assert.deepEqual(values("AuditLevel"), [...LEVELS]);
    assert.deepEqual(values("AuditStage"), [...STAGES]);
    assert.deepEqual(values("Distro"), ["rke2", "k3s"]);
  });

  it("documents every input, output and type property", () => {
    const missing: string[] = [];
    const visit = (where: string, props: Record<string, Property> | undefined) => {
      for (const [k, p] of Object.entries(props ?? {})) if (!p.description?.trim()) missing.push(`${where}.${k}`);
    };
    for (const [t, r] of Object.entries(schema.resources)) {
      visit(`${t} input`, r.inputProperties);
      visit(`${t} output`, r.properties);
    }
    for (const [t, d] of Object.entries(schema.types)) visit(t, d.properties);
    assert.deepEqual(missing, [], "add a doc comment to each of these");
  });

  describe("the examples of docs/cross-language.md fit the schema", () => {
    const doc = fs.readFileSync(path.join(REPO_ROOT, "docs/cross-language.md"), "utf8");
    const block = (lang: string) => {
      const m = new RegExp("```" + lang + "\\n([\\s\\S]*?)```").exec(doc);
      assert.ok(m, `docs/cross-language.md has no ${lang} example`);
      return m[1];
    };

    it("Python", () => {
      const resources = pythonResources(block("python"), "rancher_audit", PACKAGE_NAME);
      assert.deepEqual(resources.map((r) => r.token), [token("AuditedCluster"), token("AuditLogShipping")]);
      assert.deepEqual(checkExample(schema, resources), []);
    });

    it("YAML", () => {
      const resources = yamlResources(parseYaml(block("yaml")), PACKAGE_NAME);
      assert.deepEqual(resources.map((r) => r.token), [token("AuditedCluster"), token("AuditLogShipping")]);
      assert.deepEqual(checkExample(schema, resources), []);
    });

    it("the check finds a wrong name, type, enum value and a missing required argument", () => {
      const wrong = checkExample(schema, [
        { token: token("AuditedCluster"), name: "c", args: { clusterName: "c", audit: { maxAge: "30", source: "vault", presett: "cis" } } },
        { token: token("AuditLogShipping"), name: "s", args: { sinks: [{ name: "l", kind: "loki", url: 5 }] } },
      ]);
      assert.deepEqual(wrong, [
        "c: required kubernetesVersion is missing",
        'c.audit.maxAge: expected a number, got "30"',
        'c.audit.source: "vault" is not one of secret, configmap',
        `c.audit.presett: not an argument (the arguments are ${Object.keys((schema.types[token("AuditArgs")] as { properties: object }).properties).sort().join(", ")})`,
        "s.sinks[0].url: expected a string, got 5",
      ]);
    });
  });
});
