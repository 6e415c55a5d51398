/**
 * Layers point down only: engine → core → targets → the Pulumi program and the CLI. Every import
 * of every source file is checked against the table of allowed edges; a target never imports
 * another target.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";

const ROOT = path.join(__dirname, "..");

/** The targets: each may import the engine, the core and itself, never another target. */
const TARGETS = ["rancher", "rke2", "rke1", "shipping", "alerts"];

/** A source file's layer, from its path relative to the repository. */
export function layerOf(rel: string): string | undefined {
  const p = rel.split(path.sep).join("/");
  if (p === "index.ts") return "entry";
  if (p === "components/index.ts") return "package";
  if (p.startsWith("components/audit-policy/")) return "engine";
  if (p.startsWith("components/core/")) return "core";
  const target = TARGETS.find((t) => p.startsWith(`components/${t}/`));
  if (target) return `target:${target}`;
  if (p.startsWith("program/")) return "program";
  if (p.startsWith("cli/")) return "cli";
  if (p.startsWith("policy-pack/")) return "pack";
  return undefined;
}

/** Allowed edges: the layers each layer may import (its own layer is always allowed, except across targets). */
const ALLOWED: Record<string, readonly string[]> = {
  engine: [],
  core: ["engine"],
  target: ["engine", "core"],
  package: ["engine", "core", "target"],
  program: ["engine", "core", "target"],
  cli: ["engine", "core", "target", "package", "program"],
  pack: ["engine", "core", "target"],
  // The entry also re-exports the package's types: Pulumi's component analyzer starts there (index.ts).
  entry: ["program", "package"],
};

/** Why an import from `from` to `to` (both relative paths) is not allowed, or undefined when it is. */
export function forbiddenEdge(from: string, to: string): string | undefined {
  const a = layerOf(from);
  const b = layerOf(to);
  if (a === undefined || b === undefined || a === b) return undefined;
  if (a.startsWith("target:") && b.startsWith("target:")) return `${from} imports ${to}: a target must not import another target (move the shared code to components/core)`;
  const kind = (l: string) => (l.startsWith("target:") ? "target" : l);
  if (!ALLOWED[kind(a)].includes(kind(b))) return `${from} (${a}) imports ${to} (${b}): layers point down only (engine → core → targets → program, cli)`;
  return undefined;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((d) => {
    const rel = path.join(dir, d.name);
    if (d.isDirectory()) return sourceFiles(rel);
    return d.name.endsWith(".ts") ? [rel] : [];
  });
}

/** Relative imports (import, export from, import(), require) of a file, resolved to repository paths. */
function importsOf(rel: string): string[] {
  const info = ts.preProcessFile(fs.readFileSync(path.join(ROOT, rel), "utf8"), true, true);
  return info.importedFiles
    .map((f) => f.fileName)
    .filter((spec) => spec.startsWith("."))
    .map((spec) => {
      const base = path.join(path.dirname(rel), spec);
      const candidates = [`${base}.ts`, path.join(base, "index.ts")];
      return candidates.find((c) => fs.existsSync(path.join(ROOT, c))) ?? base;
    });
}

describe("layers", () => {
  const files = ["index.ts", ...sourceFiles("components"), ...sourceFiles("program"), ...sourceFiles("cli"), ...sourceFiles("policy-pack").filter((f) => !f.includes("node_modules"))];

  it("every import of every source file points down (or within its own layer)", () => {
    assert.ok(files.length > 50, `found the sources (${files.length})`);
    const problems = files.flatMap((f) => importsOf(f).map((to) => forbiddenEdge(f, to)).filter((p): p is string => p !== undefined));
    assert.deepEqual(problems, []);
  });

  it("the engine imports no Pulumi package", () => {
    for (const f of files.filter((f) => layerOf(f) === "engine")) {
      const info = ts.preProcessFile(fs.readFileSync(path.join(ROOT, f), "utf8"), true, true);
      assert.deepEqual(info.importedFiles.filter((i) => i.fileName.startsWith("@pulumi/")).map((i) => i.fileName), [], f);
    }
  });

  it("refuses imports that point up or across targets", () => {
    assert.match(forbiddenEdge("components/rke1/render.ts", "components/rke2/render.ts")!, /must not import another target/);
    assert.match(forbiddenEdge("components/rke2/render.ts", "components/rancher/policy-source.ts")!, /must not import another target/);
    assert.match(forbiddenEdge("components/core/settings.ts", "components/rancher/rke-config.ts")!, /point down only/);
    assert.match(forbiddenEdge("components/audit-policy/compose.ts", "components/core/errors.ts")!, /point down only/);
    assert.match(forbiddenEdge("components/rke2/render.ts", "program/config.ts")!, /point down only/);
    assert.match(forbiddenEdge("program/plan.ts", "cli/stack-file.ts")!, /point down only/);
    assert.equal(forbiddenEdge("components/rke1/render.ts", "components/core/standalone.ts"), undefined);
    assert.equal(forbiddenEdge("cli/render/input.ts", "program/index.ts"), undefined);
  });
});
