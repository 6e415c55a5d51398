/**
 * `alerts --format loki|opensearch|elasticsearch --out DIR [--index-pattern P] [--policy SRC]`:
 * writes the alert rule files for one sink (the same renderers as the program and AuditAlerts), and
 * with --policy reports which alerts that policy keeps from firing. Every option is checked before
 * anything is written.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { AlertFormat, AlertId, alertsCannotFire, renderAlertRules, type RenderedFile } from "../../components/alerts";
import type { Finding } from "../../components/audit-policy";
import { CliError, EXIT_FINDINGS, EXIT_OK, flag, str, strs, type CommandSpec, parseOrHelp } from "../args";
import { Out, type Io } from "../io";
import { writeOutputFiles } from "../output";
import { kubernetesVersionOption, loadPolicy } from "../policy-source";

const FORMATS = Object.values(AlertFormat) as string[];

export const spec: CommandSpec = {
  name: "alerts",
  summary: "write the alert rule files for Loki, OpenSearch or Elasticsearch, and check that a policy lets them fire",
  usage: ["alerts --format loki|opensearch|elasticsearch --out DIR [--index-pattern P] [--selector S] [--alert ID]... [--policy <policy.yaml | preset:NAME>] [--kubernetes-version V] [--strict]"],
  description: [
    "loki: one Loki ruler rule-group file (loki/kube-audit-alerts.yaml), LogQL over the shipped stream {job=\"kube-audit\"}. opensearch: one alerting monitor per alert (opensearch/<id>.json, the body of POST _plugins/_alerting/monitors). elasticsearch: one Kibana \"Elasticsearch query\" rule per alert (elasticsearch/<id>.json, the body of POST /api/alerting/rule). See docs/alerts.md.",
    "With --policy, the can-fire analysis runs first: every alert the policy keeps from firing (level too low, stage omitted, request dropped) is reported as a warning, or, with --strict, as an error that writes nothing and exits 1.",
    "Files are written with mode 0644 (rules hold no secret); an existing --out that is not a directory is refused.",
  ],
  options: {
    format: { type: "string", short: "f", value: "FORMAT", description: `the sink: ${FORMATS.join(", ")}` },
    out: { type: "string", short: "o", value: "DIR", description: "write the files under DIR (created when missing)" },
    "index-pattern": { type: "string", value: "P", description: "opensearch/elasticsearch: index pattern of the audit events (default kube-audit*)" },
    selector: { type: "string", value: "S", description: 'loki: stream selector (default {job="kube-audit"}), e.g. {job="kube-audit", cluster="prod-eu-1"}' },
    alert: { type: "string", multiple: true, value: "ID", description: `only these alerts (default all): ${Object.values(AlertId).join(", ")}` },
    policy: { type: "string", value: "SRC", description: "check that this policy (file, - for stdin, or preset:NAME) lets the alerts fire" },
    "kubernetes-version": { type: "string", value: "VERSION", description: "Kubernetes version the policy runs on, for the analysis" },
    strict: { type: "boolean", description: "with --policy: an alert that cannot fire is an error (exit 1, nothing written)" },
  },
  positionals: { min: 0, max: 0, names: "no positional arguments" },
  exitCodes: [
    "0  written (warnings about alerts that cannot fire may be printed)",
    "1  --strict and the policy keeps an alert from firing; nothing is written",
    "2  bad options, an unusable policy or --out, or a usage error; nothing is written",
  ],
  examples: [
    "rancher-audit alerts --format loki --out out/rules",
    "rancher-audit alerts --format elasticsearch --index-pattern 'kube-audit-*' --out out/rules",
    "rancher-audit alerts --format opensearch --policy preset:metadata --strict --out out/rules",
  ],
};

/** Prints the can-fire findings: one line each, as `check` prints findings. */
export function printCannotFire(out: Out, label: string, findings: readonly Finding[]): void {
  const s = out.out;
  for (const f of findings) {
    const text = `${label}: ${f.severity} [${f.id}] ${f.message}`;
    out.error(f.severity === "error" ? s.red(text) : s.yellow(text));
  }
}

export async function run(argv: string[], io: Io): Promise<number> {
  const out = new Out(io);
  const args = parseOrHelp(spec, argv, (text) => out.print(text));
  if (!args) return EXIT_OK;
  const v = args.values;
  const format = str(v, "format");
  if (format === undefined) throw new CliError(`alerts: --format is required: one of ${FORMATS.join(", ")}\nRun 'rancher-audit alerts --help' for the options.`);
  if (!FORMATS.includes(format)) throw new CliError(`alerts: --format: unknown format "${format}"; the formats are: ${FORMATS.join(", ")}`);
  const outDir = str(v, "out");
  if (outDir === undefined || outDir === "") throw new CliError("alerts: --out DIR is required: the directory the rule files are written to (e.g. --out out/rules)");
  const indexPattern = str(v, "index-pattern");
  const selector = str(v, "selector");
  if (indexPattern !== undefined && format === AlertFormat.Loki) throw new CliError("alerts: --index-pattern is for opensearch and elasticsearch; Loki rules select a stream (--selector)");
  if (selector !== undefined && format !== AlertFormat.Loki) throw new CliError(`alerts: --selector is for loki; ${format} rules search an index (--index-pattern)`);
  if (selector !== undefined && !/^\{.*\}$/s.test(selector.trim())) throw new CliError(`alerts: --selector must be a LogQL stream selector such as {job="kube-audit", cluster="prod-eu-1"}; got "${selector}"`);
  const alerts = strs(v, "alert");
  const unknown = alerts.filter((a) => !(Object.values(AlertId) as string[]).includes(a));
  if (unknown.length > 0) throw new CliError(`alerts: --alert: unknown alert ${unknown.map((u) => `"${u}"`).join(", ")}; the alerts are: ${Object.values(AlertId).join(", ")}`);
  const strict = flag(v, "strict");
  const policySpec = str(v, "policy");
  if (strict && policySpec === undefined) throw new CliError("alerts: --strict needs --policy (the policy whose logging the alerts rely on)");
  const kubernetesVersion = kubernetesVersionOption(str(v, "kubernetes-version"));

  const dir = path.resolve(io.cwd, outDir);
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(dir);
  } catch {
    stat = undefined;
  }
  if (stat && !stat.isDirectory()) throw new CliError(`alerts: --out ${outDir}: exists and is not a directory; give a directory (it is created when missing)`);

  let files: RenderedFile[];
  try {
    files = renderAlertRules(format as AlertFormat, { ...(indexPattern !== undefined ? { indexPattern } : {}), ...(selector !== undefined ? { selector } : {}), ...(alerts.length > 0 ? { alerts } : {}) });
  } catch (e) {
    const m = /^(indexPattern|selector|alerts): (.*)$/s.exec((e as Error).message);
    if (!m) throw e;
    throw new CliError(`alerts: --${m[1] === "indexPattern" ? "index-pattern" : m[1] === "alerts" ? "alert" : m[1]}: ${m[2]}`);
  }

  if (policySpec !== undefined) {
    const loaded = await loadPolicy(policySpec, io, kubernetesVersion);
    const findings = alertsCannotFire(loaded.policy, { strict, kubernetesVersion, ...(alerts.length > 0 ? { alerts } : {}) }).map((c) => c.finding);
    printCannotFire(out, loaded.label, findings);
    if (strict && findings.length > 0) {
      out.error(`alerts: ${findings.length} alert(s) cannot fire with ${loaded.label}; nothing written. Log their requests at the level they need (preset:recommended lets every alert fire), leave them out (--alert), or drop --strict.`);
      return EXIT_FINDINGS;
    }
  }

  writeOutputFiles("--out", outDir, dir, files.map((f) => ({ ...f, mode: 0o644 })));
  for (const f of files) out.print(`wrote ${path.relative(io.cwd, path.join(dir, f.path)) || f.path} (mode 0644)`);
  return EXIT_OK;
}
