/**
 * `check <policy.yaml | preset:NAME> [--json] [--alerts | --strict-alerts]`: parse, validate and
 * analyze a policy; with --alerts, also which alerts (components/alerts) it keeps from firing.
 *
 * Decision (documented in docs/cli.md):
 * - exit 2, "unusable": the text is not a policy (YAML syntax, wrong types, wrong apiVersion/kind)
 *   or kube-apiserver would refuse to start with it (validation errors, no rules). Every issue is
 *   printed as `file:line:column: path: message`. Nothing is analyzed.
 * - otherwise the policy kube-apiserver would load (unknown and duplicate keys dropped, as it does
 *   with only a warning) is analyzed. The analysis reports each dropped key as a `never-matches`
 *   finding (a warning: kube-apiserver accepts the file); check is strict and raises those to
 *   severity error, because the rule they belong to silently matches something else than written.
 * - exit 1 when any finding has severity error, 0 otherwise (warnings alone do not fail).
 */
import {
  analyzePolicy,
  formatIssues,
  PolicyError,
  type Finding,
  type PolicyIssue,
} from "../../components/audit-policy";
import { findingText } from "../../components/core/policy";
import { alertCoverage } from "../../components/alerts";
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, CliError, flag, str, type CommandSpec, parseOrHelp } from "../args";
import { Out, type Io, type Style } from "../io";
import { kubernetesVersionOption, loadability, locator, readPolicySource, type Location, type PolicySource } from "../policy-source";

export const spec: CommandSpec = {
  name: "check",
  summary: "parse, validate and analyze an audit policy",
  usage: ["check <policy.yaml | preset:NAME>... [--json] [--kubernetes-version VERSION] [--alerts | --strict-alerts]"],
  description: [
    "Loads the policy as kube-apiserver does and checks it: YAML and types, kube-apiserver's own validation (with its exact messages), then a safety analysis (Secret bodies logged, shadowed rules, rules that never match, CIS 3.2.2, a policy that logs nothing).",
    "Keys kube-apiserver would drop with only a warning (a typo such as `resource:` or a rule field indented under `resources`) are errors: the policy is still analyzed as kube-apiserver would load it, and the command exits 1.",
    "Every problem is printed as file:line:column: path: message.",
    "--alerts adds the can-fire analysis: each alert of docs/alerts.md that the policy keeps from firing (its requests logged below the level it needs, a stage it needs omitted, or dropped) is an alert-cannot-fire warning at the rule that decides it; --strict-alerts makes them errors (exit 1).",
  ],
  options: {
    json: { type: "boolean", description: "print { file, valid, issues, findings } (one JSON object per policy, one per line)" },
    "kubernetes-version": {
      type: "string",
      value: "VERSION",
      description: 'target Kubernetes version, e.g. "v1.31.5+rke2r1" (group "*" is valid only from 1.36; default: newest)',
    },
    alerts: { type: "boolean", description: "also report the alerts the policy keeps from firing (warnings)" },
    "strict-alerts": { type: "boolean", description: "like --alerts, and an alert that cannot fire is an error (exit 1)" },
  },
  positionals: { min: 1, max: Infinity, names: "one or more policy files or preset:NAME" },
  exitCodes: [
    "0  kube-apiserver loads it and no finding has severity error (warnings may be printed)",
    "1  findings of severity error: the policy is unsafe or does not do what it says",
    "2  unusable: not a policy, or kube-apiserver would refuse to start with it; or a usage error",
  ],
  examples: [
    "rancher-audit check policy.yaml",
    "rancher-audit check preset:recommended --json",
    "rancher-audit check policy.yaml --kubernetes-version v1.31.5+rke2r1",
    "rancher-audit check preset:metadata --alerts",
    "rancher-audit check policy.yaml --strict-alerts",
  ],
};

export interface LocatedFinding extends Finding {
  line?: number;
  column?: number;
}

export interface CheckResult {
  file: string;
  /** kube-apiserver would load it (no issues). */
  valid: boolean;
  /** Why it is unusable (exit 2), located. */
  issues: PolicyIssue[];
  /** The analysis of what kube-apiserver would load, located when the path exists in the text. */
  findings: LocatedFinding[];
  exitCode: number;
}

/** What `check` looks at beyond the policy itself. */
export interface CheckOptions {
  /** Also report the alerts (docs/alerts.md) the policy keeps from firing. */
  alerts?: boolean;
  /** Those findings are errors (exit 1) instead of warnings. */
  strictAlerts?: boolean;
}

/** Checks one policy source; the same function backs `check` and the findings of `plan`. */
export function checkSource(source: PolicySource, kubernetesVersion?: string, options: CheckOptions = {}): CheckResult {
  let result;
  try {
    result = loadability(source, kubernetesVersion);
  } catch (e) {
    if (!(e instanceof PolicyError)) throw e;
    return { file: source.label, valid: false, issues: e.issues, findings: [], exitCode: EXIT_USAGE };
  }
  if (result.issues.length > 0) {
    return { file: source.label, valid: false, issues: result.issues, findings: [], exitCode: EXIT_USAGE };
  }
  const { policy, dropped } = result.decoded;
  const locate = locator(source.text);
  const findings: LocatedFinding[] = analyzePolicy(policy, { kubernetesVersion, dropped }).map((f) => {
    const loc: Location | undefined = dropped.find((d) => d.path === f.path && d.line !== undefined) as Location | undefined;
    const at = loc ?? locate(f.path);
    return at ? { ...f, line: at.line, column: at.column } : { ...f };
  });
  // Strict: a key kube-apiserver drops is an error here (the analysis reports it as a warning).
  for (const d of dropped) {
    const f = findings.find((x) => x.id === "never-matches" && x.path === d.path);
    if (f) f.severity = "error";
    else findings.push({ id: "never-matches", severity: "error", path: d.path, message: d.message, line: d.line, column: d.column });
  }
  if (options.alerts || options.strictAlerts) {
    for (const f of alertCoverage(policy, { kubernetesVersion, strict: options.strictAlerts === true })) {
      const at = locate(f.path);
      findings.push(at ? { ...f, line: at.line, column: at.column } : { ...f });
    }
  }
  findings.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0));
  const exitCode = findings.some((f) => f.severity === "error") ? EXIT_FINDINGS : EXIT_OK;
  return { file: source.label, valid: true, issues: [], findings, exitCode };
}

/** One finding as every command prints it: `file:line:column: severity [id] path: message` (the core's findingText). */
export function formatFinding(f: LocatedFinding, file: string): string {
  const where = [file, f.line, f.line !== undefined ? f.column : undefined].filter((x) => x !== undefined).join(":");
  return `${where}: ${f.severity} ${findingText(f)}`;
}

/** Findings of the policy `text` with the line and column of their path in it, in text order. */
export function locateFindings(text: string, findings: readonly Finding[]): LocatedFinding[] {
  const locate = locator(text);
  return findings
    .map((f): LocatedFinding => {
      const at = locate(f.path);
      return at ? { ...f, line: at.line, column: at.column } : { ...f };
    })
    .sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0));
}

/** A finding's line, coloured by severity (errors red, warnings yellow). */
export function findingLine(f: LocatedFinding, file: string, s: Style): string {
  const text = formatFinding(f, file);
  return f.severity === "error" ? s.red(text) : s.yellow(text);
}

function printHuman(out: Out, r: CheckResult): void {
  const s = out.out;
  if (!r.valid) {
    out.print(`${s.red(s.bold(`${r.file}: unusable`))}: ${r.issues.length} problem(s); kube-apiserver would not load it`);
    for (const line of formatIssues(r.issues, r.file).split("\n")) out.print(`  ${line}`);
    return;
  }
  const errors = r.findings.filter((f) => f.severity === "error").length;
  const warnings = r.findings.length - errors;
  const verdict = errors > 0 ? s.red(s.bold("unsafe")) : warnings > 0 ? s.yellow("ok, with warnings") : s.green("ok");
  out.print(`${s.bold(r.file)}: ${verdict}: ${errors} error(s), ${warnings} warning(s)`);
  for (const f of r.findings) out.print(`  ${findingLine(f, r.file, s)}`);
}

export async function run(argv: string[], io: Io): Promise<number> {
  const out = new Out(io);
  const args = parseOrHelp(spec, argv, (text) => out.print(text));
  if (!args) return EXIT_OK;
  const asJson = flag(args.values, "json");
  const kubernetesVersion = kubernetesVersionOption(str(args.values, "kubernetes-version"));
  const checkOptions: CheckOptions = { alerts: flag(args.values, "alerts"), strictAlerts: flag(args.values, "strict-alerts") };
  let worst = EXIT_OK;
  for (const spec of args.positionals) {
    let r: CheckResult;
    try {
      r = checkSource(await readPolicySource(spec, io), kubernetesVersion, checkOptions);
    } catch (e) {
      if (!(e instanceof CliError) || args.positionals.length === 1) throw e;
      out.error(e.message);
      worst = Math.max(worst, e.exitCode);
      continue;
    }
    if (asJson) {
      const { exitCode: _exitCode, ...json } = r;
      out.print(JSON.stringify(json));
    } else printHuman(out, r);
    worst = Math.max(worst, r.exitCode);
  }
  return worst;
}
