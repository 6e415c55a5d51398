/**
 * Runs the `console` blocks of README.md and docs/*.md and compares each command's output with the
 * one shown (the convention: test/support/doctest.ts). A failure names file:line and the command,
 * and shows the difference as a diff (wildcards filled with what they matched).
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { cliArguments, cliLines, consoleCommands, fencedBlocks, matchLines, normalize, runCli, scratchMirror, writeScratchFile, type FencedBlock } from "./support/doctest";

const REPO = path.resolve(__dirname, "..");
const DOCUMENTS = ["README.md", ...fs.readdirSync(path.join(REPO, "docs")).filter((f) => f.endsWith(".md")).sort().map((f) => `docs/${f}`)];

/** The two texts without the lines they share at the start and the end (beyond 3 lines of context), so the diff stays short. */
export function differingWindow(actual: string[], expected: string[]): { actual: string[]; expected: string[] } {
  let head = 0;
  while (head < actual.length && head < expected.length && actual[head] === expected[head]) head++;
  let tail = 0;
  while (tail < actual.length - head && tail < expected.length - head && actual[actual.length - 1 - tail] === expected[expected.length - 1 - tail]) tail++;
  const from = Math.max(0, head - 3);
  const cut = Math.max(0, tail - 3);
  const window = (lines: string[]) => [...(from > 0 ? [`(${from} matching lines)`] : []), ...lines.slice(from, lines.length - cut), ...(cut > 0 ? [`(${cut} matching lines)`] : [])];
  return { actual: window(actual), expected: window(expected) };
}

async function runBlock(block: FencedBlock, scratch: string): Promise<void> {
  for (const command of consoleCommands(block)) {
    const where = `${block.file}:${command.line}: $ ${command.text}`;
    const parsed = cliArguments(command.text);
    if ("error" in parsed) assert.fail(`${where}\n  cannot run: ${parsed.error}; show another command, or mark the block <!-- doctest: skip: WHY -->`);
    const { code, output } = await runCli(parsed.argv, scratch);
    const actual = normalize(output.split("\n"));
    const { ok, filled } = matchLines(normalize(command.expected), actual);
    if (!ok || code !== command.exit) {
      const exitNote = (n: number) => (n === 0 ? [] : [`# exit ${n}`]);
      const shown = differingWindow([...actual, ...exitNote(code)], [...filled, ...exitNote(command.exit)]);
      throw new assert.AssertionError({
        message: `${where}\n  ${ok ? "" : "output differs from the doc"}${!ok && code !== command.exit ? "; " : ""}${code !== command.exit ? `exit code ${code}, the doc says ${command.exit}` : ""} (+ doc, - actual)`,
        actual: shown.actual.join("\n"),
        expected: shown.expected.join("\n"),
        operator: "doctest",
      });
    }
  }
}

async function runCliLines(block: FencedBlock, scratch: string): Promise<void> {
  const commands = cliLines(block);
  assert.ok(commands.length > 0, `${block.file}:${block.line}: <!-- doctest: cli-lines --> on a block without a CLI command: remove the directive`);
  for (const command of commands) {
    const where = `${block.file}:${command.line}: ${command.text}`;
    if (!Array.isArray(command.argv)) assert.fail(`${where}\n  cannot run: ${command.argv.error}; write the CLI command on its own, or mark the block <!-- doctest: skip: WHY -->`);
    const { code, output } = await runCli(command.argv, scratch);
    assert.equal(code, command.exit, `${where}\n  exit code ${code}, the doc expects ${command.exit}; it printed:\n${output}`);
  }
}

describe("doc tests: console blocks of README.md and docs/*.md", function () {
  this.timeout(120_000);
  for (const file of DOCUMENTS) {
    const blocks = fencedBlocks(file, fs.readFileSync(path.join(REPO, file), "utf8"));
    if (!blocks.some((b) => b.info === "console" || b.directive !== undefined)) continue;
    describe(file, () => {
      let scratch = "";
      before(() => {
        scratch = scratchMirror(REPO);
      });
      after(() => fs.rmSync(scratch, { recursive: true, force: true }));

      for (const block of blocks) {
        const directive = block.directive;
        const fileDirective = directive !== undefined ? /^file\s+(\S+)$/.exec(directive) : null;
        const skip = directive !== undefined ? /^skip:\s*(\S.*)$/.exec(directive) : null;
        if (directive !== undefined && !fileDirective && !skip && directive !== "cli-lines") {
          it(`${file}:${block.line}: doctest directive`, () => {
            assert.fail(`${file}:${block.line}: unknown doctest directive "${directive}": write <!-- doctest: skip: WHY -->, <!-- doctest: file PATH --> or <!-- doctest: cli-lines -->`);
          });
        } else if (fileDirective) {
          it(`${file}:${block.line}: writes ${fileDirective[1]}`, () => writeScratchFile(scratch, fileDirective[1], `${block.body.join("\n")}\n`));
        } else if (directive === "cli-lines") {
          it(`${file}:${block.line}: CLI commands of the ${block.info || "shell"} block exit as documented`, () => runCliLines(block, scratch));
        } else if (block.info === "console" && skip) {
          it.skip(`${file}:${block.line}: not executed: ${skip[1]}`);
        } else if (block.info === "console") {
          const first = block.body.find((l) => l.startsWith("$ ")) ?? "";
          it(`${file}:${block.line}: ${first}`, () => runBlock(block, scratch));
        }
      }
    });
  }
});

describe("doc test runner", () => {
  const block = (body: string, info = "console", directive?: string): FencedBlock => ({ file: "x.md", line: 10, info, body: body.split("\n"), directive });

  it("finds fenced blocks with their line, info string and the directive before them", () => {
    const md = ["text", "<!-- doctest: skip: needs a cluster -->", "", "```console", "$ kubectl get pods", "```", "", "~~~sh", "ls", "~~~", "  ```console", "  $ a", "  out", "  ```"].join("\n");
    assert.deepEqual(fencedBlocks("a.md", md), [
      { file: "a.md", line: 4, info: "console", body: ["$ kubectl get pods"], directive: "skip: needs a cluster" },
      { file: "a.md", line: 8, info: "sh", body: ["ls"], directive: undefined },
      { file: "a.md", line: 11, info: "console", body: ["$ a", "out"], directive: undefined },
    ]);
  });

  it("a line of inline code starting with backticks is not a fence", () => {
    const md = ["```` ```console ```` blocks are tested", "```console", "$ a", "```"].join("\n");
    assert.deepEqual(fencedBlocks("a.md", md), [{ file: "a.md", line: 2, info: "console", body: ["$ a"], directive: undefined }]);
  });

  it("a directive applies only to the next block, and prose in between cancels it", () => {
    const md = ["<!-- doctest: skip: x -->", "some prose", "```console", "$ a", "```"].join("\n");
    assert.equal(fencedBlocks("a.md", md)[0].directive, undefined);
  });

  it("splits a console block into commands with their line, continuation, exit code and output", () => {
    assert.deepEqual(consoleCommands(block("$ ./rancher-audit check a.yaml \\\n    --json   # exit 1\nout 1\n\n$ rancher-audit check b\nout 2")), [
      { line: 11, text: "./rancher-audit check a.yaml --json   # exit 1", exit: 1, expected: ["out 1", ""] },
      { line: 15, text: "rancher-audit check b", exit: 0, expected: ["out 2"] },
    ]);
    assert.throws(() => consoleCommands(block("output first\n$ a")), /x\.md:11: a console block starts with a "\$ " command/);
    assert.throws(() => consoleCommands(block("")), /x\.md:10: a console block has no "\$ " command/);
  });

  it("runs only the CLI, with quoted arguments, and refuses shell syntax and other commands", () => {
    assert.deepEqual(cliArguments(`./rancher-audit explain preset:cis --request 'verb=get user="a b"'  # a note`), { argv: ["explain", "preset:cis", "--request", 'verb=get user="a b"'] });
    assert.deepEqual(cliArguments("npm run cli -- check preset:basic"), { argv: ["check", "preset:basic"] });
    assert.deepEqual(cliArguments("npx rancher-audit --version"), { argv: ["--version"] });
    assert.match((cliArguments("./rancher-audit plan --stack dev --json | jq .") as { error: string }).error, /shell syntax "\|"/);
    assert.match((cliArguments("kubectl get pods") as { error: string }).error, /only the CLI runs here/);
    assert.match((cliArguments("npm test") as { error: string }).error, /only the CLI runs here/);
  });

  it("finds the CLI commands of a shell block, also joined by &&, with their line and exit code", () => {
    const found = cliLines(block("npm ci && ./rancher-audit plan --stack dev   # note\npulumi up\n./rancher-audit check \\\n  bad.yaml   # exit 2\n./rancher-audit plan --stack dev --json | jq ."));
    assert.deepEqual(found, [
      { line: 11, text: "./rancher-audit plan --stack dev", argv: ["plan", "--stack", "dev"], exit: 0 },
      { line: 13, text: "./rancher-audit check bad.yaml", argv: ["check", "bad.yaml"], exit: 2 },
      { line: 15, text: "./rancher-audit plan --stack dev --json jq .", argv: { error: 'shell syntax "|" is not run by the doc tests' }, exit: 0 },
    ]);
  });

  it("matches `...` lines with any number of lines and `...` in a line with any text", () => {
    const yes = (e: string[], a: string[]) => assert.equal(matchLines(e, a).ok, true, `${e.join("|")} ~ ${a.join("|")}`);
    const no = (e: string[], a: string[]) => assert.equal(matchLines(e, a).ok, false, `${e.join("|")} !~ ${a.join("|")}`);
    yes(["a", "...", "d"], ["a", "b", "c", "d"]);
    yes(["a", "...", "d"], ["a", "d"]);
    yes(["a", "  ...", "d"], ["a", "x", "d"]);
    yes(["...", "c"], ["a", "b", "c"]);
    yes(["in 0... s (...)"], ["in 0.05 s (2.0 MB/s)"]);
    yes(["a", "...", "b", "...", "b"], ["a", "b", "x", "b"]);
    no(["a", "d"], ["a", "b", "d"]);
    no(["a", "...", "d"], ["a", "b", "c"]);
    no(["a", "b"], ["b", "a"]);
    no(["a (x)"], ["a (y)"]);
    no(["a.b"], ["aXb"]);
    no(["x"], []);
  });

  it("on a mismatch, fills the wildcards from the output so the diff shows only the real difference", () => {
    assert.deepEqual(matchLines(["a", "...", "d", "e"], ["a", "b", "c", "d", "f"]), { ok: false, filled: ["a", "b", "c", "d", "e"] });
  });

  it("shows a failure as the differing lines with 3 lines of context", () => {
    const a = ["1", "2", "3", "4", "5", "x", "7", "8", "9", "10"];
    const e = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"];
    assert.deepEqual(differingWindow(a, e), {
      actual: ["(2 matching lines)", "3", "4", "5", "x", "7", "8", "9", "(1 matching lines)"],
      expected: ["(2 matching lines)", "3", "4", "5", "6", "7", "8", "9", "(1 matching lines)"],
    });
    assert.deepEqual(differingWindow(["a"], ["a", "# exit 2"]), { actual: ["a"], expected: ["a", "# exit 2"] });
  });

  it("ignores trailing spaces and trailing blank lines", () => {
    assert.deepEqual(normalize(["a  ", "", "b", "", ""]), ["a", "", "b"]);
  });

  it("runs commands in a scratch mirror of the repository and never writes through its links", async () => {
    const scratch = scratchMirror(REPO);
    try {
      assert.ok(fs.lstatSync(path.join(scratch, "stacks")).isSymbolicLink());
      assert.equal(fs.existsSync(path.join(scratch, "node_modules")), false);
      writeScratchFile(scratch, "stacks/Pulumi.doctest.yaml", "config: {}\n");
      assert.equal(fs.existsSync(path.join(REPO, "stacks", "Pulumi.doctest.yaml")), false);
      assert.equal(fs.readFileSync(path.join(scratch, "stacks", "Pulumi.doctest.yaml"), "utf8"), "config: {}\n");
      assert.ok(fs.existsSync(path.join(scratch, "stacks", "Pulumi.dev.yaml")));
      assert.throws(() => writeScratchFile(scratch, "../escape.yaml", ""), /must be a relative path inside the scratch directory/);
      await assert.rejects(runCli(["render", "rke1", "--preset", "metadata", "--out", "test/x"], scratch), /--out test\/x: the doc tests write only to new directories/);
      await assert.rejects(runCli(["render", "rke1", "--preset", "metadata", "--out", "/tmp/x"], scratch), /--out \/tmp\/x/);
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  });
});
