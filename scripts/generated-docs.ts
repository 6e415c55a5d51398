/**
 * The generated documentation: every file (or marked section of a file) that is computed from the
 * code, so it cannot drift from it. `npm run docs` (scripts/docs.ts) rewrites them; the test
 * test/docs.test.ts fails when a committed file differs from what its generator gives.
 *
 * To add a generated doc, add an entry to GENERATED_DOCS: `generate` receives the committed text
 * (empty when the file does not exist yet) and returns the text the file must have. A doc that is
 * written by hand around generated parts marks each part with
 * `<!-- generated:NAME:start -->` / `<!-- generated:NAME:end -->` and uses replaceSections.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { alertsDoc } from "./alerts-doc";
import { presetsDocSections } from "./presets-doc";

/** One generated documentation file. */
export interface GeneratedDoc {
  /** Path from the repository root, e.g. `docs/presets.md`. */
  file: string;
  /** The text the file must have, given its committed text ("" when it does not exist). */
  generate(committed: string): string;
}

/** The repository root (this file is in scripts/). */
export const REPO_ROOT = path.join(__dirname, "..");

function sectionPattern(name: string): RegExp {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(<!-- generated:${escaped}:start -->\\n)([\\s\\S]*?)(\\n<!-- generated:${escaped}:end -->)`);
}

/**
 * `text` with the body of each marked section replaced by `sections[name]`. Throws, naming the
 * file and the section, when a section's markers are missing.
 */
export function replaceSections(file: string, text: string, sections: Readonly<Record<string, string>>): string {
  let out = text;
  for (const [name, body] of Object.entries(sections)) {
    const pattern = sectionPattern(name);
    if (!pattern.test(out)) {
      throw new Error(`${file} has no generated section "${name}": add the lines <!-- generated:${name}:start --> and <!-- generated:${name}:end --> where it belongs`);
    }
    out = out.replace(pattern, (_, start: string, _old: string, end: string) => `${start}${body}${end}`);
  }
  return out;
}

/** Every generated doc. */
export const GENERATED_DOCS: readonly GeneratedDoc[] = [
  { file: "docs/presets.md", generate: (committed) => replaceSections("docs/presets.md", committed, presetsDocSections()) },
  { file: "docs/alerts.md", generate: () => alertsDoc() },
];

/** A generated doc with its committed and its generated text. */
export interface DocState {
  file: string;
  committed: string;
  generated: string;
}

/** The committed and generated text of each doc (read from `root`, nothing written). */
export function docStates(docs: readonly GeneratedDoc[] = GENERATED_DOCS, root: string = REPO_ROOT): DocState[] {
  return docs.map((doc) => {
    const full = path.join(root, doc.file);
    const committed = fs.existsSync(full) ? fs.readFileSync(full, "utf8") : "";
    return { file: doc.file, committed, generated: doc.generate(committed) };
  });
}
