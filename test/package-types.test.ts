/**
 * `import { composePolicy } from "rancher-audit/audit-policy"` type-checks in a consumer with
 * `moduleResolution: "node"` (node10, the default of a new Pulumi TypeScript project: it reads
 * package.json `typesVersions`) and with node16/nodenext (they read `exports`). The engine's
 * declarations are emitted into a package laid out like the published one (this package.json,
 * dist/), and a tiny consumer is type-checked against it with each setting.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as ts from "typescript";

const ROOT = path.join(__dirname, "..");

describe("package: the audit-policy subpath's types", () => {
  let consumer: string;

  before(() => {
    consumer = fs.mkdtempSync(path.join(os.tmpdir(), "rancher-audit-consumer-"));
    const pkg = path.join(consumer, "node_modules", "rancher-audit");
    fs.mkdirSync(pkg, { recursive: true });
    fs.copyFileSync(path.join(ROOT, "package.json"), path.join(pkg, "package.json"));
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(pkg, "node_modules"), "dir");
    const emit = ts.createProgram([path.join(ROOT, "components", "audit-policy", "index.ts")], {
      declaration: true,
      emitDeclarationOnly: true,
      rootDir: ROOT,
      outDir: path.join(pkg, "dist"),
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      strict: true,
      skipLibCheck: true,
      esModuleInterop: true,
      resolveJsonModule: true,
      types: ["node"],
      typeRoots: [path.join(ROOT, "node_modules", "@types")],
    }).emit();
    assert.deepEqual(emit.diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")), []);
    fs.writeFileSync(
      path.join(consumer, "index.ts"),
      'import { composePolicy } from "rancher-audit/audit-policy";\nexport const rules: number = composePolicy({ preset: "cis" }).rules.length;\n',
    );
  });

  after(() => fs.rmSync(consumer, { recursive: true, force: true }));

  const settings: [string, ts.ModuleKind, ts.ModuleResolutionKind][] = [
    ["node (node10)", ts.ModuleKind.CommonJS, ts.ModuleResolutionKind.Node10],
    ["node16", ts.ModuleKind.Node16, ts.ModuleResolutionKind.Node16],
    ["nodenext", ts.ModuleKind.NodeNext, ts.ModuleResolutionKind.NodeNext],
  ];
  for (const [label, module, moduleResolution] of settings) {
    it(`type-checks with moduleResolution ${label}`, () => {
      const program = ts.createProgram([path.join(consumer, "index.ts")], { module, moduleResolution, target: ts.ScriptTarget.ES2022, strict: true, noEmit: true, skipLibCheck: true, types: [] });
      const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      assert.deepEqual(diagnostics, []);
    });
  }

  it("fails without the typesVersions mapping under moduleResolution node10 (the check can fail)", () => {
    const pkgFile = path.join(consumer, "node_modules", "rancher-audit", "package.json");
    const original = fs.readFileSync(pkgFile, "utf8");
    const { typesVersions: _dropped, ...rest } = JSON.parse(original) as Record<string, unknown>;
    fs.writeFileSync(pkgFile, JSON.stringify(rest));
    try {
      const program = ts.createProgram([path.join(consumer, "index.ts")], { module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, noEmit: true, skipLibCheck: true, types: [] });
      const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      assert.ok(diagnostics.some((d) => d.includes("rancher-audit/audit-policy")), diagnostics.join("\n"));
    } finally {
      fs.writeFileSync(pkgFile, original);
    }
  });
});
