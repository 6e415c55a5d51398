/**
 * `npm run bench [-- SUITE...]`: runs the benchmark suites (bench/*.bench.ts) and records their
 * results in BENCHMARKS.md, each suite in its own marked section, with the machine and date.
 * Timing lives here, never in tests.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { BenchSuite } from "./suite";

function machine(): string {
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  return `${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}`;
}

function table(rows: string[][]): string {
  const [head, ...body] = rows;
  return [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...body.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

async function main(): Promise<void> {
  const dir = __dirname;
  const available = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".bench.ts"))
    .map((f) => f.replace(/\.bench\.ts$/, ""))
    .sort();
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
  const unknown = wanted.filter((w) => !available.includes(w));
  if (unknown.length > 0) {
    console.error(`unknown bench suite(s): ${unknown.join(", ")}; available: ${available.join(", ")}`);
    process.exit(2);
  }
  const names = wanted.length > 0 ? wanted : available;
  const file = path.join(dir, "..", "BENCHMARKS.md");
  let doc = fs.existsSync(file)
    ? fs.readFileSync(file, "utf8")
    : "# Benchmarks\n\nRecorded by `npm run bench` (see `bench/`). Each section says when and on what machine it was measured.\n";
  for (const name of names) {
    const mod = (await import(path.join(dir, `${name}.bench.ts`))) as { suite: BenchSuite };
    console.log(`\n== ${mod.suite.title} ==`);
    const result = await mod.suite.run();
    const date = new Date().toISOString().slice(0, 10);
    const body = [
      `## ${mod.suite.title}`,
      "",
      `Measured ${date} on ${machine()}.`,
      "",
      ...result.tables.flatMap((t) => [table(t.rows), ""]),
      ...result.notes.map((n) => `- ${n}`),
    ].join("\n");
    console.log(body);
    const start = `<!-- bench:${name}:start -->`;
    const end = `<!-- bench:${name}:end -->`;
    const section = `${start}\n${body.trimEnd()}\n${end}`;
    const re = new RegExp(`${start}[\\s\\S]*?${end}`);
    doc = re.test(doc) ? doc.replace(re, section) : `${doc.trimEnd()}\n\n${section}\n`;
    fs.writeFileSync(file, doc.endsWith("\n") ? doc : `${doc}\n`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
