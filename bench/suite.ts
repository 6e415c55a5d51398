/** The shape of a benchmark suite: `bench/<name>.bench.ts` exports `suite`. */
import { spawnSync } from "node:child_process";
import * as path from "node:path";

export interface BenchTable {
  /** First row is the header. */
  rows: string[][];
}

export interface BenchResult {
  tables: BenchTable[];
  /** Sentences printed under the tables (how it was measured, what the numbers mean). */
  notes: string[];
}

export interface BenchSuite {
  name: string;
  title: string;
  run(): Promise<BenchResult>;
}

/** Peak RSS so far in MiB (resourceUsage().maxRSS is in KiB). */
export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/**
 * Runs `script child ...args` in a fresh Node process (tsx loaded) and returns the JSON object of
 * its last stdout line: each measurement gets its own heap and peak RSS.
 */
export function runChild<T>(script: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): T {
  const r = spawnSync(process.execPath, ["--import", "tsx", script, "child", ...args], {
    cwd: path.join(__dirname, ".."),
    encoding: "utf8",
    env: { ...process.env, ...env },
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error(`bench child ${path.basename(script)} ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop() ?? "") as T;
}

/** The child side of runChild: when `module` is the main module run as `child`, prints `measure(args)` as JSON and exits. */
export function childMain(module: NodeModule, measure: (args: string[]) => Promise<unknown>): void {
  if (require.main !== module || process.argv[2] !== "child") return;
  measure(process.argv.slice(3)).then(
    (r) => {
      process.stdout.write(`${JSON.stringify(r)}\n`);
      process.exit(0);
    },
    (e: unknown) => {
      process.stderr.write(`${String((e as Error)?.stack ?? e)}\n`);
      process.exit(1);
    },
  );
}
