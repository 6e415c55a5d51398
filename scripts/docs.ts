/**
 * `npm run docs`: regenerates every generated doc (scripts/generated-docs.ts) and says which files
 * changed. `npm run docs -- --check` writes nothing and exits 1 when a file is stale.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";

import { docStates, REPO_ROOT } from "./generated-docs";

function main(): number {
  const { values } = parseArgs({ options: { check: { type: "boolean", default: false } }, allowPositionals: false });
  const stale = docStates().filter((d) => d.generated !== d.committed);
  for (const doc of stale) {
    if (values.check) console.log(`${doc.file} is stale: run \`npm run docs\``);
    else {
      fs.writeFileSync(path.join(REPO_ROOT, doc.file), doc.generated);
      console.log(`wrote ${doc.file}`);
    }
  }
  if (stale.length === 0) console.log("generated docs are up to date");
  return values.check && stale.length > 0 ? 1 : 0;
}

try {
  process.exitCode = main();
} catch (e) {
  console.error(`npm run docs: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
}
