/**
 * `npm run bench -- cli-start`: CPU time (user + system) of one whole CLI process, from start to
 * exit, for the commands a user types first: the compiled entry (`./rancher-audit`, the package
 * `bin` dist/cli/main.js) against the TypeScript sources run through tsx, as `npm run cli` did.
 *
 * The CPU of a finished child process tree is read from /proc/self/stat (cutime + cstime: the
 * user and system time of the children this process waited for, and of theirs), so tsx's own
 * launcher process counts too. Linux only; clock ticks of 10 ms. The variants run in turn, round
 * by round, so a slow spell of the shared machine hits both; the median of the rounds is reported.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { StepProgress } from "../cli/status";
import type { BenchSuite } from "./suite";
import { fmt } from "./suite";

const REPO = path.join(__dirname, "..");
const ROUNDS = 9;
const TICKS_PER_SECOND = 100;

/** User + system seconds of the waited-for children so far. */
function childrenCpu(): number {
  const stat = fs.readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // After the command name: state is field 3, cutime field 16, cstime field 17 (1-based).
  return (Number(fields[16 - 3]) + Number(fields[17 - 3])) / TICKS_PER_SECOND;
}

function cpuOf(argv: string[]): number {
  const before = childrenCpu();
  const r = spawnSync(argv[0], argv.slice(1), { cwd: REPO, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${argv.join(" ")} exited ${r.status}: ${r.stderr}`);
  return childrenCpu() - before;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const COMMANDS = [["check", "preset:recommended"], ["--help"], ["plan", "--help"]];
const VARIANTS: { name: string; argv: (args: string[]) => string[] }[] = [
  { name: "tsx cli/main.ts (before)", argv: (a) => [path.join(REPO, "node_modules", ".bin", "tsx"), "cli/main.ts", ...a] },
  { name: "./rancher-audit (compiled)", argv: (a) => [process.execPath, path.join(REPO, "rancher-audit"), ...a] },
];

export const suite: BenchSuite = {
  name: "cli-start",
  title: "CLI start: CPU of one whole process, compiled entry vs tsx",
  async run() {
    if (!fs.existsSync(path.join(REPO, "dist", "cli", "main.js"))) throw new Error("dist/cli/main.js is missing: run npm run build");
    const progress = new StepProgress(process.stderr, Array<number>(COMMANDS.length * ROUNDS).fill(1));
    const rows = [["command", ...VARIANTS.map((v) => `${v.name}: CPU s`), "compiled / tsx"]];
    const figures: { command: string; before: number; after: number }[] = [];
    for (const args of COMMANDS) {
      const cpu: number[][] = VARIANTS.map(() => []);
      for (let round = 0; round < ROUNDS; round++) {
        progress.step(`${args.join(" ")}, round ${round + 1} of ${ROUNDS}`);
        VARIANTS.forEach((v, i) => cpu[i].push(cpuOf(v.argv(args))));
      }
      progress.stop();
      const [before, after] = cpu.map(median);
      figures.push({ command: args.join(" "), before, after });
      console.log(`  ${args.join(" ")}: tsx ${fmt(before, 2)} s, compiled ${fmt(after, 2)} s CPU`);
      rows.push([`\`${args.join(" ")}\``, fmt(before, 2), fmt(after, 2), `${fmt(after / before, 2)}x`]);
    }
    const check = figures[0];
    return {
      tables: [{ rows }],
      notes: [
        `Median of ${ROUNDS} rounds; each figure is the user + system CPU of the whole process tree (tsx's launcher included), read from /proc/self/stat after the child exits.`,
        `Target: \`check preset:recommended\` within 0.6 s of CPU. Measured: ${fmt(check.after, 2)} s compiled vs ${fmt(check.before, 2)} s through tsx (${fmt(check.after / check.before, 2)}x). npx adds its own start-up (about a second of CPU) in a consumer project; node_modules/.bin/rancher-audit does not.`,
        "Commands load lazily: `check`, `--help` and `plan --help` never load @pulumi/pulumi or a provider SDK (cli/main.ts, cli/commands/plan.ts). On Node 22.1+ the CLI enables Node's module compile cache, which shortens every start after the first; this machine's Node has none.",
      ],
    };
  },
};
