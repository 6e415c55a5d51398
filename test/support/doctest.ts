/**
 * Doc tests: the command examples of README.md and docs/*.md are run and compared with the output
 * they show, so the manual cannot drift from the tool. The convention (README.md, "Examples in the
 * docs are tested", says the same to contributors):
 *
 * - A fenced block whose info string is `console` is a doc test. Every other block is prose to the
 *   runner and never executed.
 * - In it, a line starting with `$ ` is a command (a trailing `\` continues it on the next line);
 *   the lines after it, up to the next command, are its expected output: stdout and stderr
 *   interleaved as a terminal shows them, trailing spaces and blank lines at the end ignored.
 * - A line that is only `...` (at any indentation) stands for any number of lines, none included;
 *   `...` inside a line stands for any text on that line.
 * - A command's trailing `# exit N` comment gives its expected exit code; without one it must exit 0.
 *   Other trailing `# ...` comments are notes for the reader.
 * - An HTML comment on the line before the block's fence (blank lines between allowed) changes it:
 *   `<!-- doctest: skip: WHY -->` does not run the block (e.g. it needs a cluster), with the reason
 *   required; `<!-- doctest: file PATH -->` before any fenced block writes that block's text to
 *   PATH in the document's scratch directory, for the commands after it;
 *   `<!-- doctest: cli-lines -->` before a shell block (commands without output, e.g. a rollout
 *   recipe mixing `pulumi` and the CLI) runs the CLI commands of its lines (also those joined by
 *   `&&`) and checks only their exit code (0, or `# exit N`); the other commands are not run.
 * - Commands run in a scratch directory per document that mirrors the repository (symbolic links
 *   to its top-level entries), so relative paths such as `stacks/` and `test/fixtures/` work and
 *   files a command writes land in the scratch directory. The CLI (`./rancher-audit`,
 *   `rancher-audit`, `npx rancher-audit`, `npm run cli --`) runs in-process; any other command
 *   fails the test: run it elsewhere, or mark the block skip with the reason.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Readable, Writable } from "node:stream";
import { parse as parseShell } from "shell-quote";
import { run } from "../../cli/main";

/** One fenced block of a Markdown file. */
export interface FencedBlock {
  /** Markdown file, as given to `fencedBlocks`. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The info string after the fence (`console`, `sh`, ...). */
  info: string;
  /** The block's lines, without the fences. */
  body: string[];
  /** The `<!-- doctest: ... -->` directive before the block, if any (text after `doctest:`). */
  directive?: string;
}

/** One command of a console block with the output it is documented to print. */
export interface DocCommand {
  /** 1-based line of the command in the Markdown file. */
  line: number;
  /** The command as written, without `$ ` and the line continuations. */
  text: string;
  /** Expected exit code (`# exit N`, default 0). */
  exit: number;
  /** Expected output lines. */
  expected: string[];
}

const DIRECTIVE = /^\s*<!--\s*doctest:\s*(.*?)\s*-->\s*$/;
const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^`\s]*)/;

/** Every fenced block of a Markdown text, with the doctest directive written before it. */
export function fencedBlocks(file: string, text: string): FencedBlock[] {
  const lines = text.split("\n");
  const blocks: FencedBlock[] = [];
  let directive: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const d = DIRECTIVE.exec(lines[i]);
    if (d) {
      directive = d[1];
      continue;
    }
    const open = FENCE.exec(lines[i]);
    if (!open) {
      if (lines[i].trim() !== "") directive = undefined;
      continue;
    }
    const [, indent, fence, info] = open;
    // CommonMark: the info string of a backtick fence has no backtick (else it is inline code).
    if (fence[0] === "`" && lines[i].slice(indent.length + fence.length).includes("`")) {
      if (lines[i].trim() !== "") directive = undefined;
      continue;
    }
    const body: string[] = [];
    let j = i + 1;
    const close = new RegExp(`^\\s*${fence[0] === "`" ? "`" : "~"}{${fence.length},}\\s*$`);
    for (; j < lines.length && !close.test(lines[j]); j++) body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j].trimStart());
    blocks.push({ file, line: i + 1, info, body, directive });
    directive = undefined;
    i = j;
  }
  return blocks;
}

/** The commands of a console block and the output each is documented to print. */
export function consoleCommands(block: FencedBlock): DocCommand[] {
  const commands: DocCommand[] = [];
  for (let i = 0; i < block.body.length; i++) {
    const raw = block.body[i];
    if (raw.startsWith("$ ")) {
      const line = block.line + 1 + i;
      let text = raw.slice(2);
      while (text.endsWith("\\") && i + 1 < block.body.length) text = `${text.slice(0, -1).trimEnd()} ${block.body[++i].trim()}`;
      const exit = /#\s*exit\s+(\d+)\s*$/.exec(text);
      commands.push({ line, text: text.trim(), exit: exit ? Number(exit[1]) : 0, expected: [] });
    } else if (commands.length === 0) {
      if (raw.trim() !== "") throw new Error(`${block.file}:${block.line + 1 + i}: a console block starts with a "$ " command; found output before any command: ${JSON.stringify(raw)}`);
    } else {
      commands[commands.length - 1].expected.push(raw);
    }
  }
  if (commands.length === 0) throw new Error(`${block.file}:${block.line}: a console block has no "$ " command: add one, or use another info string (e.g. text) for output without a command`);
  return commands;
}

const CLI_PREFIXES: string[][] = [["./rancher-audit"], ["rancher-audit"], ["npx", "rancher-audit"], ["npm", "run", "cli", "--"]];

/** The CLI arguments of a command's words, or undefined when the words are not a CLI command. */
function cliArgv(words: string[]): string[] | undefined {
  const prefix = CLI_PREFIXES.find((p) => p.every((w, k) => words[k] === w));
  return prefix ? words.slice(prefix.length) : undefined;
}

/**
 * The words of a shell line, split into the commands joined by `&&` or `;`; a command using other
 * shell syntax (pipes, redirections) gets an error instead. A trailing comment is dropped.
 */
function shellCommands(line: string): Array<{ words: string[]; error?: string }> {
  const commands: Array<{ words: string[]; error?: string }> = [{ words: [] }];
  for (const token of parseShell(line, (name) => `$${name}`)) {
    const current = commands[commands.length - 1];
    if (typeof token === "string") current.words.push(token);
    else if ("comment" in token) break;
    else if ("op" in token && (token.op === "&&" || token.op === ";")) commands.push({ words: [] });
    else current.error ??= `shell syntax ${JSON.stringify("op" in token ? token.op : token)} is not run by the doc tests`;
  }
  return commands.filter((c) => c.words.length > 0);
}

/**
 * The CLI arguments of a documented console command, or an error saying why it cannot run here:
 * shell syntax (pipes, redirections, `&&`) and commands other than the CLI are refused.
 */
export function cliArguments(command: string): { argv: string[] } | { error: string } {
  const commands = shellCommands(command);
  if (commands.length > 1) return { error: 'shell syntax "&&" is not run by the doc tests' };
  if (commands[0]?.error) return { error: commands[0].error };
  const argv = cliArgv(commands[0]?.words ?? []);
  if (!argv) return { error: `only the CLI runs here (${CLI_PREFIXES.map((p) => p.join(" ")).join(", ")})` };
  return { argv };
}

/** One CLI command of a `cli-lines` block. */
export interface CliLine {
  /** 1-based line in the Markdown file. */
  line: number;
  /** The CLI command as written. */
  text: string;
  /** The CLI arguments, or why they cannot run (a CLI command piped into another). */
  argv: string[] | { error: string };
  /** Expected exit code (`# exit N` on the line, default 0). */
  exit: number;
}

/**
 * The CLI commands of a block of shell lines (`<!-- doctest: cli-lines -->`): each line, and each
 * command of a line joined by `&&` or `;`, that runs the CLI. Other commands (npm ci, pulumi, ...)
 * are left out: the block shows them to the reader, the doc test cannot run them.
 */
export function cliLines(block: FencedBlock): CliLine[] {
  const found: CliLine[] = [];
  for (let i = 0; i < block.body.length; i++) {
    const line = block.line + 1 + i;
    let text = block.body[i];
    while (text.trimEnd().endsWith("\\") && i + 1 < block.body.length) text = `${text.trimEnd().slice(0, -1).trimEnd()} ${block.body[++i].trim()}`;
    const exit = /#\s*exit\s+(\d+)\s*$/.exec(text);
    for (const command of shellCommands(text)) {
      const argv = cliArgv(command.words);
      if (argv) found.push({ line, text: command.words.join(" "), argv: command.error ? { error: command.error } : argv, exit: exit ? Number(exit[1]) : 0 });
    }
  }
  return found;
}

/**
 * Whether `actual` lines match `expected` lines: a line `...` matches any number of lines, `...`
 * inside a line any text. Returns the expected lines with each wildcard replaced by what it
 * matched (equal to `actual` exactly when they match), so a failure reads as a plain diff.
 */
export function matchLines(expected: string[], actual: string[]): { ok: boolean; filled: string[] } {
  const isGap = (e: string) => e.trim() === "...";
  const lineRe = expected.map((e) => (isGap(e) || !e.includes("...") ? undefined : new RegExp(`^${e.split("...").map(escapeRe).join(".*")}$`)));
  const same = (i: number, j: number) => (lineRe[i] ? lineRe[i].test(actual[j]) : expected[i] === actual[j]);
  // memo[i][j]: expected[i..] matches actual[j..]
  const memo = new Map<number, boolean>();
  const width = actual.length + 1;
  const matches = (i: number, j: number): boolean => {
    const key = i * width + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (i === expected.length) result = j === actual.length;
    else if (isGap(expected[i])) result = matches(i + 1, j) || (j < actual.length && matches(i, j + 1));
    else result = j < actual.length && same(i, j) && matches(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  if (expected.length * width > 4_000_000) throw new Error(`output too long to compare (${actual.length} lines): show less of it`);
  if (matches(0, 0)) return { ok: true, filled: actual };
  // No match: fill the wildcards greedily so the diff points at the first real difference.
  const filled: string[] = [];
  let j = 0;
  for (let i = 0; i < expected.length; i++) {
    if (isGap(expected[i])) {
      const next = expected.slice(i + 1).findIndex((e) => !isGap(e));
      const stop = next < 0 ? actual.length : actual.findIndex((a, k) => k >= j && (lineRe[i + 1 + next] ? lineRe[i + 1 + next]!.test(a) : a === expected[i + 1 + next]));
      const end = stop < 0 ? j : stop;
      filled.push(...actual.slice(j, end));
      j = end;
    } else {
      filled.push(j < actual.length && same(i, j) ? actual[j] : expected[i]);
      j++;
    }
  }
  return { ok: false, filled };
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Output lines as compared: trailing spaces and trailing blank lines dropped. */
export function normalize(lines: string[]): string[] {
  const out = lines.map((l) => l.trimEnd());
  while (out.length > 0 && out[out.length - 1] === "") out.pop();
  return out;
}

/** Writable that appends to a shared buffer, so stdout and stderr interleave as on a terminal. */
class Terminal extends Writable {
  constructor(private readonly sink: { text: string }) {
    super();
  }
  _write(chunk: Buffer | string, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.sink.text += chunk.toString();
    cb();
  }
}

/**
 * Runs the CLI in-process in `cwd`; stdout and stderr are captured together. An `--out` into a
 * directory linked from the repository is refused: it would write into the repository.
 */
export async function runCli(argv: string[], cwd: string): Promise<{ code: number; output: string }> {
  const out = argv.indexOf("--out");
  if (out >= 0 && argv[out + 1] !== undefined) {
    const first = path.relative(cwd, path.resolve(cwd, argv[out + 1])).split(path.sep)[0];
    if (first === ".." || path.isAbsolute(argv[out + 1]) || fs.lstatSync(path.join(cwd, first), { throwIfNoEntry: false })?.isSymbolicLink()) {
      throw new Error(`--out ${argv[out + 1]}: the doc tests write only to new directories of the scratch directory (e.g. --out out/rke2), never into the repository`);
    }
  }
  const sink = { text: "" };
  const code = await run(argv, { stdout: new Terminal(sink), stderr: new Terminal(sink), stdin: Readable.from([]), cwd, env: {} });
  return { code, output: sink.text };
}

/** Top-level entries of the repository the scratch directory does not mirror. */
const NOT_MIRRORED = new Set([".git", "node_modules", "dist", ".bench-tmp", ".scratch"]);

/** A scratch directory mirroring `repo` through symbolic links to its top-level entries. */
export function scratchMirror(repo: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rancher-audit-doctest-"));
  for (const entry of fs.readdirSync(repo)) {
    if (!NOT_MIRRORED.has(entry)) fs.symlinkSync(path.join(repo, entry), path.join(dir, entry));
  }
  return dir;
}

/**
 * Writes `content` to `relative` inside the scratch directory without writing through a link into
 * the repository: every linked directory on the way is replaced by a real one holding links to
 * its entries.
 */
export function writeScratchFile(scratch: string, relative: string, content: string): void {
  const target = path.resolve(scratch, relative);
  if (path.relative(scratch, target).startsWith("..") || path.isAbsolute(path.relative(scratch, target))) {
    throw new Error(`doctest file ${relative}: must be a relative path inside the scratch directory`);
  }
  let dir = scratch;
  for (const part of path.relative(scratch, path.dirname(target)).split(path.sep).filter(Boolean)) {
    dir = path.join(dir, part);
    const stat = fs.lstatSync(dir, { throwIfNoEntry: false });
    if (stat?.isSymbolicLink()) {
      const linked = fs.readlinkSync(dir);
      fs.unlinkSync(dir);
      fs.mkdirSync(dir);
      for (const entry of fs.readdirSync(linked)) fs.symlinkSync(path.join(linked, entry), path.join(dir, entry));
    } else if (!stat) {
      fs.mkdirSync(dir);
    }
  }
  if (fs.lstatSync(target, { throwIfNoEntry: false })?.isSymbolicLink()) fs.unlinkSync(target);
  fs.writeFileSync(target, content);
}
