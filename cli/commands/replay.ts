/**
 * `replay --events FILE <policy> [<other policy>]`: streams a real audit log through one or two
 * policies and reports, per policy, what it would keep, how many bytes it would write, which
 * sensitive bodies it would log and which detection classes it would keep; with two policies, the
 * request classes whose level changes, largest byte change first.
 */
import { LEVELS, type Level } from "../../components/audit-policy";
import { CliError, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, flag, intOption, str, type CommandSpec, parseOrHelp } from "../args";
import { bytes, num, pct, signedBytes, table } from "../format";
import { isTty, Out, type Io } from "../io";
import { describeEarlyEnd, describeLineCap, MAX_LINE_BYTES, openLines } from "../lines";
import { droppedWarnings, kubernetesVersionOption, loadPolicy, type LoadedPolicy } from "../policy-source";
import { MAX_CLASSES, OTHER } from "../replay/classes";
import { compileForReplay, MAX_EXAMPLES, MAX_PENDING, replay, type ChangeStats, type ClassStats, type ReplayResult } from "../replay/engine";
import { LEAK_KINDS, LEAK_TITLES } from "../replay/leaks";
import { ProgressBar } from "../replay/progress";

export const spec: CommandSpec = {
  name: "replay",
  summary: "replay a real audit log through one or two policies",
  usage: ["replay --events FILE <policy.yaml | preset:NAME> [<other policy>] [--json] [--top N] [--no-progress] [--kubernetes-version VERSION]"],
  description: [
    "Streams a kube-apiserver audit log (JSON lines; - for stdin; gzip is detected, so .gz files work) in constant memory and reports per policy: requests kept by level, the lines and estimated bytes kube-apiserver would write (each request's stages with the bodies its level would not record removed), Secret/ConfigMap/TokenReview/TokenRequest bodies it would log, and detection coverage (the detection classes of the recommended preset: requests of each class in the log, and how many the policy keeps at the level the detection needs).",
    "With two policies it also lists the request classes (verb, API group, resource/subresource, kind of caller) whose level changes, largest byte change first.",
    `A log may hold several lines per request (RequestReceived, ResponseStarted, ResponseComplete): a request is counted once, on its final line. A malformed line (not JSON, not an audit event, or longer than ${describeLineCap(MAX_LINE_BYTES)}) is counted and reported with its line number, never fatal. A log that ends early (a .gz cut while it was being compressed or copied) is reported up to where it ends, with a warning, and exits 2. A progress bar is drawn on stderr when it is a terminal.`,
  ],
  options: {
    events: { type: "string", value: "FILE", description: "the audit log to replay (JSON lines, .gz too; - for stdin)" },
    json: { type: "boolean", description: "print the report as one JSON object" },
    top: { type: "string", value: "N", description: "rows in the request-class tables (default 20)" },
    "no-progress": { type: "boolean", description: "never draw the progress bar" },
    "kubernetes-version": { type: "string", value: "VERSION", description: 'target Kubernetes version, e.g. "v1.31.5+rke2r1" (default: newest)' },
  },
  positionals: { min: 1, max: 2, names: "one policy, or two to compare" },
  exitCodes: [
    "0  replayed",
    "1  a replayed policy would write Secret, ConfigMap, TokenReview or TokenRequest bodies for requests in this log",
    "2  unusable policy or events file (empty, no line of it is an audit event, or it ends early: a truncated .gz, reported up to where it ends), or a usage error",
  ],
  examples: [
    "rancher-audit replay --events /var/lib/rancher/rke2/server/logs/audit.log preset:recommended",
    "rancher-audit replay --events audit.log.gz current-policy.yaml preset:recommended",
    "zcat audit-*.gz | rancher-audit replay --events - policy.yaml --json",
  ],
};

const LEVEL_ORDER: Level[] = [...LEVELS].reverse();

function sortedClasses(entries: [string, ClassStats][], top: number): [string, ClassStats][] {
  return entries.sort((a, b) => b[1].bytes - a[1].bytes || b[1].requests - a[1].requests || a[0].localeCompare(b[0])).slice(0, top);
}

export interface ChangeRow {
  class: string;
  from: Level;
  to: Level;
  requests: number;
  bytesBefore: number;
  bytesAfter: number;
}

function changeRows(entries: [string, ChangeStats][]): ChangeRow[] {
  return entries
    .map(([key, c]) => {
      const [cls, from, to] = key.split("\t");
      return { class: cls, from: from as Level, to: to as Level, ...c };
    })
    .sort(
      (a, b) =>
        Math.abs(b.bytesAfter - b.bytesBefore) - Math.abs(a.bytesAfter - a.bytesBefore) ||
        b.requests - a.requests ||
        a.class.localeCompare(b.class),
    );
}

/** The report as plain JSON (tables sorted and cut to `top`). */
export function reportJson(r: ReplayResult, top: number): Record<string, unknown> {
  return {
    input: r.input,
    seconds: r.seconds,
    policies: r.policies.map((p) => ({
      label: p.label,
      requests: LEVELS.reduce((n, l) => n + p.levels[l], 0),
      levels: p.levels,
      kept: p.levels.Metadata + p.levels.Request + p.levels.RequestResponse,
      loggedEvents: p.loggedEvents,
      loggedBytes: p.loggedBytes,
      leaks: p.leaks,
      detections: p.detections,
      topClasses: sortedClasses(p.classes.entries(), top).map(([cls, c]) => ({ class: cls, ...c })),
      classesCapped: p.classes.overflowed,
    })),
    ...(r.changes ? { changes: changeRows(r.changes.entries()).slice(0, top), changedClasses: r.changes.size } : {}),
  };
}

function printHuman(out: Out, r: ReplayResult, top: number): void {
  const s = out.out;
  const inp = r.input;
  const rate = r.seconds > 0 ? `${bytes(inp.bytes / r.seconds)}/s` : "";
  out.print(
    `${s.bold("Replayed")} ${inp.file}${inp.gzip ? " (gzip)" : ""}: ${num(inp.lines)} lines, ${bytes(inp.bytes)}, ` +
      `${num(inp.requests)} requests in ${r.seconds.toFixed(2)} s${rate ? ` (${rate})` : ""}`,
  );
  if (inp.readError !== null) {
    out.print(s.yellow(`  the input ${describeEarlyEnd(inp)}: this report covers only the ${num(inp.lines)} complete line(s) before`));
  }
  if (inp.stageLinesFolded > 0) out.print(`  ${num(inp.stageLinesFolded)} earlier-stage lines were counted with their request's final line`);
  if (inp.malformed.count > 0) {
    out.print(s.yellow(`  ${num(inp.malformed.count)} malformed line(s) skipped:`));
    for (const m of inp.malformed.messages) out.print(s.yellow(`    ${inp.file}:${m.replace(/^line /, "")}`));
    if (inp.malformed.count > inp.malformed.messages.length) out.print(s.yellow(`    ... and ${num(inp.malformed.count - inp.malformed.messages.length)} more`));
  }
  out.print("");

  const ps = r.policies;
  const rows: string[][] = [["", ...ps.map((p) => s.bold(p.label))]];
  const total = (i: number) => LEVELS.reduce((n, l) => n + ps[i].levels[l], 0);
  rows.push(["requests kept (logged)", ...ps.map((p, i) => `${num(total(i) - p.levels.None)} (${pct(total(i) - p.levels.None, total(i))})`)]);
  for (const l of LEVEL_ORDER) {
    rows.push([`  ${l === "None" ? "None (dropped)" : l}`, ...ps.map((p, i) => `${num(p.levels[l])} (${pct(p.levels[l], total(i))})`)]);
  }
  rows.push(["lines written", ...ps.map((p) => num(p.loggedEvents))]);
  rows.push(["estimated log bytes", ...ps.map((p) => `${bytes(p.loggedBytes)} (${pct(p.loggedBytes, inp.bytes)} of input)`)]);
  rows.push(["sensitive bodies logged", ...ps.map(() => "")]);
  for (const k of LEAK_KINDS) {
    rows.push([`  ${LEAK_TITLES[k]}`, ...ps.map((p) => (p.leaks[k].count > 0 ? s.red(`${num(p.leaks[k].count)} (line ${p.leaks[k].lines.join(", ")}${p.leaks[k].count > p.leaks[k].lines.length ? ", ..." : ""})`) : "0"))]);
  }
  out.print(table(rows));

  out.print("");
  const present = ps[0].detections.map((d, i) => ({ d, i })).filter(({ d }) => d.seen > 0);
  out.print(`${s.bold("Detection coverage")} (classes of the recommended preset; requests kept at the level the detection needs / requests in the log):`);
  if (present.length === 0) out.print("  no request of any detection class in this log");
  else {
    const drows: string[][] = [["", "", ...ps.map((p) => s.bold(p.label))]];
    for (const { d, i } of present) {
      drows.push([
        `  ${d.id}`,
        `needs ${d.minLevel}`,
        ...ps.map((p) => {
          const x = p.detections[i];
          const text = `${num(x.kept)}/${num(x.seen)}${x.kept < x.seen ? ` (missed: line ${x.missedLines.join(", ")}${x.seen - x.kept > x.missedLines.length ? ", ..." : ""})` : ""}`;
          return x.kept < x.seen ? s.red(text) : s.green(text);
        }),
      ]);
    }
    out.print(table(drows, ["l", "l", ...ps.map(() => "r" as const)]));
  }
  const absent = ps[0].detections.filter((d) => d.seen === 0).map((d) => d.id);
  if (absent.length > 0) out.print(s.dim(`  not in this log: ${absent.join(", ")}`));

  if (r.changes) {
    out.print("");
    const rowsC = changeRows(r.changes.entries());
    out.print(`${s.bold("Level changes")} ${ps[0].label} → ${ps[1].label}, largest byte change first${rowsC.length > top ? ` (top ${top} of ${num(rowsC.length)})` : ""}:`);
    if (rowsC.length === 0) out.print("  no request changes level");
    else {
      const crows: string[][] = [["  request class", "level", "requests", "bytes before", "bytes after", "change"]];
      for (const c of rowsC.slice(0, top)) {
        const d = c.bytesAfter - c.bytesBefore;
        crows.push([`  ${c.class}`, `${c.from} → ${c.to}`, num(c.requests), bytes(c.bytesBefore), bytes(c.bytesAfter), d > 0 ? s.yellow(signedBytes(d)) : s.green(signedBytes(d))]);
      }
      out.print(table(crows, ["l", "l", "r", "r", "r", "r"]));
    }
    const diff = ps[1].loggedBytes - ps[0].loggedBytes;
    out.print(`  total: ${signedBytes(diff)} (${bytes(ps[0].loggedBytes)} → ${bytes(ps[1].loggedBytes)})`);
  } else {
    out.print("");
    const p = ps[0];
    const rowsT = sortedClasses(p.classes.entries(), top);
    out.print(`${s.bold("Largest request classes")} by estimated log bytes${p.classes.size > top ? ` (top ${top} of ${num(p.classes.size)})` : ""}:`);
    if (rowsT.length === 0) out.print("  nothing is logged");
    else {
      const trows: string[][] = [["  request class", "requests", "bytes", "share"]];
      for (const [cls, c] of rowsT) trows.push([`  ${cls}`, num(c.requests), bytes(c.bytes), pct(c.bytes, p.loggedBytes)]);
      out.print(table(trows));
    }
  }
  const capped = r.policies.some((p) => p.classes.overflowed) || r.changes?.overflowed;
  if (capped) out.print(s.dim(`  (more than ${num(MAX_CLASSES)} request classes: the rest are summed as "${OTHER}")`));
}

export async function run(argv: string[], io: Io): Promise<number> {
  const out = new Out(io);
  const args = parseOrHelp(spec, argv, (text) => out.print(text));
  if (!args) return EXIT_OK;
  const events = str(args.values, "events");
  if (events === undefined) throw new CliError("replay: --events FILE is required (the audit log to replay; - for stdin)\nRun 'rancher-audit replay --help' for the options.");
  const top = intOption(args.values, "top", "replay") ?? 20;
  const kubernetesVersion = kubernetesVersionOption(str(args.values, "kubernetes-version"));
  if (events === "-" && args.positionals.includes("-")) throw new CliError("replay: the policy and --events cannot both come from stdin (-)");
  const loaded: LoadedPolicy[] = [];
  for (const p of args.positionals) loaded.push(await loadPolicy(p, io, kubernetesVersion));
  if (loaded.length === 2 && loaded[0].label === loaded[1].label) throw new CliError(`replay: both policies are ${loaded[0].label}; give two different policies to compare`);
  for (const l of loaded) for (const w of droppedWarnings(l)) out.error(w);
  const input = await openLines(events, io);
  const policies = loaded.map((l) => compileForReplay(l.label, l.policy, { kubernetesVersion }));

  const progress =
    !flag(args.values, "no-progress") && isTty(io.stderr) && input.size !== undefined
      ? new ProgressBar(io.stderr, input.size, () => input.bytesRead(), `replay ${input.label}`)
      : undefined;
  progress?.start();
  let result: ReplayResult;
  try {
    result = await replay(input, policies);
  } finally {
    progress?.stop();
  }
  if (flag(args.values, "json")) out.print(JSON.stringify(reportJson(result, top), null, 2));
  else printHuman(out, result, top);

  const inp = result.input;
  if (inp.readError !== null) {
    out.error(
      `replay: ${inp.file} ${describeEarlyEnd(inp)}; the report covers only the ${num(inp.lines)} complete line(s) before. ` +
        "Was it copied while it was still being written or compressed? Replay a complete copy.",
    );
    return EXIT_USAGE;
  }
  if (inp.events === 0) {
    if (inp.malformed.count > 0) {
      out.error(`replay: no line of ${inp.file} is an audit event (${num(inp.malformed.count)} malformed); is it a kube-apiserver audit log in JSON format?`);
    } else if (inp.lines === 0) {
      out.error(`replay: ${inp.file} is empty: no audit event to replay`);
    } else {
      out.error(`replay: ${inp.file} holds no audit event (only ${num(inp.blank)} blank line(s))`);
    }
    return EXIT_USAGE;
  }
  return result.policies.some((p) => LEAK_KINDS.some((k) => p.leaks[k].count > 0)) ? EXIT_FINDINGS : EXIT_OK;
}

/** Documented bounds (docs/cli.md). */
export const BOUNDS = { MAX_CLASSES, MAX_PENDING, MAX_EXAMPLES, MAX_LINE_BYTES };
