/**
 * The Pulumi package schema of our components, as Pulumi infers it for other languages
 * (`pulumi package add`, PulumiPlugin.yaml): Pulumi's own analyzer, run without the Pulumi CLI,
 * on the components the plugin host finds when it loads the package.
 *
 * `npm run schema` writes it to docs/schema.json; `npm run schema -- --check` writes nothing and
 * exits 1 when the committed file differs (test/xlang/schema.test.ts fails the same way).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { Analyzer } from "@pulumi/pulumi/provider/experimental/analyzer";
import { getPulumiComponents } from "@pulumi/pulumi/provider/experimental/provider";
import { generateSchema } from "@pulumi/pulumi/provider/experimental/schema";

export const REPO_ROOT = path.resolve(__dirname, "..");
/** The committed schema. */
export const SCHEMA_FILE = "docs/schema.json";
/** The package name: the first segment of every token (`rancher-audit:index:AuditedCluster`). */
export const PACKAGE_NAME = "rancher-audit";

/**
 * The component classes the plugin host serves: like `pulumi-language-nodejs` (run-plugin), the
 * ComponentResource subclasses exported by the package's entry module (components/index.ts, which
 * package.json `main` points at once built).
 */
export function componentNames(): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the entry module, loaded as the plugin host loads it
  const entry = require(path.join(REPO_ROOT, "components")) as Record<string, unknown>;
  return getPulumiComponents(entry).map((c) => c.name).sort();
}

/** The schema Pulumi infers: components, types and dependencies, with sorted keys (stable diffs). */
export function inferSchema(): Record<string, unknown> {
  const packageJson = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as Record<string, unknown>;
  const result = new Analyzer(REPO_ROOT, PACKAGE_NAME, packageJson, new Set(componentNames())).analyze();
  const schema = generateSchema(
    PACKAGE_NAME,
    String(packageJson.version),
    String(packageJson.description ?? ""),
    result.components,
    result.typeDefinitions,
    result.dependencies,
    undefined,
  );
  return sortKeys(JSON.parse(JSON.stringify(schema))) as Record<string, unknown>;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]));
  }
  return value;
}

/** The schema file's content. */
export function renderSchema(schema: unknown): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

function main(): number {
  const { values } = parseArgs({ options: { check: { type: "boolean", default: false } }, allowPositionals: false });
  const file = path.join(REPO_ROOT, SCHEMA_FILE);
  const generated = renderSchema(inferSchema());
  const committed = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  if (generated === committed) {
    console.log(`${SCHEMA_FILE} is up to date`);
    return 0;
  }
  if (values.check) {
    console.log(`${SCHEMA_FILE} is stale: run \`npm run schema\` and review the diff`);
    return 1;
  }
  fs.writeFileSync(file, generated);
  console.log(`wrote ${SCHEMA_FILE}`);
  return 0;
}

if (require.main === module) {
  try {
    process.exitCode = main();
  } catch (e) {
    console.error(`npm run schema: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  }
}
