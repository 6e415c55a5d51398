/**
 * Every exported declaration of the engine (components/audit-policy, every file), and every member
 * of its exported interfaces, classes and enums, has a doc comment. The checker is
 * test/support/doc-comments.ts; to cover more of the package, add a test that passes its entry files.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { undocumentedExports } from "../support/doc-comments";

const ROOT = path.join(__dirname, "..", "..");

/** Every .ts file under `dir` (relative to the repository root), sorted. */
function tsFiles(dir: string): string[] {
  return fs
    .readdirSync(path.join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => path.posix.join(dir, f.split(path.sep).join("/")))
    .sort();
}

describe("doc comments", function () {
  this.timeout(120_000);
  it("every exported declaration of the engine (components/audit-policy) has one", function () {
    const missing = undocumentedExports(tsFiles("components/audit-policy"), { root: ROOT });
    assert.deepEqual(
      missing.map((u) => `${u.location} ${u.name}`),
      [],
      "these exported declarations have no doc comment (/** what, default, unit, example */)",
    );
  });

  describe("the checker", () => {
    let dir: string;
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "doc-comments-"));
      fs.writeFileSync(
        path.join(dir, "inner.ts"),
        [
          "/** Documented. */",
          "export const documented = 1;",
          "export const bare = 2;",
          "/** An interface. */",
          "export interface Shape {",
          "  /** Documented member. */",
          "  width: number;",
          "  height: number;",
          "}",
          "export enum Color { Red }",
          "/** A class. */",
          "export class Box {",
          "  /** Documented. */",
          "  open(): void {}",
          "  close(): void {}",
          "  private secret = 1;",
          "}",
          "const internal = 3;",
          "export default internal;",
          "",
        ].join("\n"),
      );
      fs.writeFileSync(path.join(dir, "entry.ts"), 'export * from "./inner";\nexport { bare as renamed } from "./inner";\n/** A function. */\nexport function f(): void {}\nexport type T = string;\n');
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("reports undocumented exports, members and re-exports, with their location", () => {
      const found = undocumentedExports(["entry.ts"], { root: dir }).map((u) => `${u.location} ${u.name}`);
      assert.deepEqual(found, ["entry.ts:5 T", "inner.ts:3 bare", "inner.ts:8 Shape.height", "inner.ts:10 Color", "inner.ts:10 Color.Red", "inner.ts:15 Box.close"]);
    });

    it("with members: false, reports only the declarations", () => {
      const found = undocumentedExports(["entry.ts"], { root: dir, members: false }).map((u) => u.name);
      assert.deepEqual(found, ["T", "bare", "Color"]);
    });

    it("names an entry file it cannot read", () => {
      assert.throws(() => undocumentedExports(["missing.ts"], { root: dir }), /cannot read entry file .*missing\.ts/);
    });
  });
});
