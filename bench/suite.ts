/** The shape of a benchmark suite: `bench/<name>.bench.ts` exports `suite`. */
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
