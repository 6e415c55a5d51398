/**
 * Every exported declaration of the core, the targets and the program has a doc comment (what,
 * default, unit, example where it helps), as pulumi-eks documents its Args.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";

const ROOT = path.join(__dirname, "..");
const DIRS = ["components/core", "components/rancher", "components/rke2", "components/rke1", "program", "cli/render"];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((d) => {
    const rel = path.join(dir, d.name);
    if (d.isDirectory()) return sourceFiles(rel);
    return d.name.endsWith(".ts") ? [rel] : [];
  });
}

/** Exported top-level declarations (not re-exports) without a JSDoc comment, as `file:line name`. */
export function undocumentedExports(rel: string): string[] {
  const sf = ts.createSourceFile(rel, fs.readFileSync(path.join(ROOT, rel), "utf8"), ts.ScriptTarget.ES2022, true);
  return sf.statements.flatMap((st) => {
    const exported = ts.canHaveModifiers(st) && ts.getModifiers(st)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (!exported || ts.getJSDocCommentsAndTags(st).length > 0) return [];
    const name = ts.isVariableStatement(st) ? st.declarationList.declarations.map((d) => d.name.getText()).join(", ") : ((st as ts.DeclarationStatement).name?.getText() ?? "?");
    return [`${rel}:${sf.getLineAndCharacterOfPosition(st.getStart()).line + 1} ${name}`];
  });
}

describe("API docs", () => {
  it("every exported declaration of the core, the targets, the program and the render glue has a doc comment", () => {
    const files = DIRS.flatMap(sourceFiles);
    assert.ok(files.length > 20, `found the sources (${files.length})`);
    assert.deepEqual(files.flatMap(undocumentedExports), []);
  });
});
