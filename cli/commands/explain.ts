/**
 * `explain <policy> (--request '...' | --events FILE)`: which rule decides a request, the level,
 * the stages left out, and the other rules that would also have matched.
 */
import {
  compilePolicy,
  evaluateCompiled,
  invertStages,
  matchingRules,
  auditEventProblem,
  requestFromEvent,
  type CompiledPolicy,
  type Decision,
  type RequestAttributes,
} from "../../components/audit-policy";
import { CliError, EXIT_OK, EXIT_USAGE, flag, str, strs, type CommandSpec, parseOrHelp } from "../args";
import { Out, type Io } from "../io";
import { droppedWarnings, kubernetesVersionOption, loadPolicy, renderRule, ruleLocations, type LoadedPolicy } from "../policy-source";
import { describeEarlyEnd, describeLineCap, openLines } from "../lines";
import { ALL_AUTHENTICATED, ALL_UNAUTHENTICATED, describeRequest, parseRequest, REQUEST_KEYS_HELP } from "../request-spec";

export const spec: CommandSpec = {
  name: "explain",
  summary: "show which rule of a policy decides a request, its level and the stages it leaves out",
  usage: [
    "explain <policy.yaml | preset:NAME> --request 'verb=get resource=secrets namespace=team-a user=alice' [--exact-groups] [--json] [--kubernetes-version VERSION]",
    "explain <policy.yaml | preset:NAME> --events FILE [--exact-groups] [--json] [--kubernetes-version VERSION]",
  ],
  description: [
    `--request takes key=value pairs separated by spaces: ${REQUEST_KEYS_HELP}. A request without user= has no user info, like a failed authentication, and never matches a rule with users or userGroups.`,
    `As kube-apiserver does, a user gets the group ${ALL_AUTHENTICATED} added to its groups (system:anonymous gets ${ALL_UNAUTHENTICATED} instead), unless groups= already holds one of the two; --exact-groups turns this off. The groups used are printed with the request.`,
    "--events takes a JSON-lines audit log (a file, - for stdin, .gz too) and explains every event; a line that is not an audit event is reported with its line number and skipped.",
    "The policy is loaded as kube-apiserver loads it: keys it would drop are warned about on stderr and ignored.",
  ],
  options: {
    request: { type: "string", multiple: true, value: "'k=v ...'", description: "the request to explain" },
    events: { type: "string", value: "FILE", description: "explain each event of a JSON-lines audit log (- for stdin)" },
    "exact-groups": { type: "boolean", description: `use groups= of --request exactly as given: do not add ${ALL_AUTHENTICATED} (or ${ALL_UNAUTHENTICATED} for system:anonymous)` },
    json: { type: "boolean", description: "print one JSON object per request (JSON lines)" },
    "kubernetes-version": { type: "string", value: "VERSION", description: 'target Kubernetes version, e.g. "v1.31.5+rke2r1" (group "*" matches only from 1.36; default: newest)' },
  },
  positionals: { min: 1, max: 1, names: "the policy" },
  exitCodes: [
    "0  explained",
    "2  unusable policy, request or events file (empty, no line of it is an audit event, or it ends early: a truncated .gz, explained up to where it ends), or a usage error",
  ],
  examples: [
    "rancher-audit explain preset:recommended --request 'verb=get resource=secrets namespace=team-a user=alice'",
    "rancher-audit explain policy.yaml --request 'verb=create resource=pods/exec namespace=prod user=bob groups=devs'",
    "rancher-audit explain policy.yaml --request 'verb=get path=/healthz user=system:anonymous'",
    "rancher-audit explain policy.yaml --events audit.log --json",
  ],
};

export interface Explanation {
  request: RequestAttributes;
  ruleIndex: number | null;
  level: Decision["level"];
  omitStages: string[];
  /** Stages written for this request: not omitted, and ResponseStarted only for long-running requests; Panic only if the handler panics. */
  recordedStages: string[];
  omitManagedFields: boolean;
  /** Every matching rule after the deciding one (they would have decided had the first not matched). */
  alsoMatching: number[];
}

/** kube-apiserver's long-running check (watch, proxy, exec/attach/portforward/proxy/log): only these get a ResponseStarted event. */
const LONG_RUNNING_SUBRESOURCES = new Set(["attach", "exec", "log", "portforward", "proxy"]);
export function isLongRunning(req: RequestAttributes): boolean {
  return req.verb === "watch" || req.verb === "proxy" || (req.resourceRequest && LONG_RUNNING_SUBRESOURCES.has(req.subresource));
}

export function explainRequest(compiled: CompiledPolicy, request: RequestAttributes): Explanation {
  const decision = evaluateCompiled(compiled, request);
  const matches = matchingRules(compiled, request);
  const written = invertStages(decision.omitStages).filter((st) => st !== "ResponseStarted" || isLongRunning(request));
  return {
    request,
    ruleIndex: decision.ruleIndex,
    level: decision.level,
    omitStages: [...decision.omitStages],
    recordedStages: decision.level === "None" ? [] : written,
    omitManagedFields: decision.omitManagedFields,
    alsoMatching: matches.filter((i) => i !== decision.ruleIndex),
  };
}

const BODIES: Record<Decision["level"], string> = {
  None: "nothing is logged",
  Metadata: "metadata only (no request or response body)",
  Request: "metadata and the request body (no response body)",
  RequestResponse: "metadata, the request body and the response body",
};

type Locations = ReturnType<typeof ruleLocations>;

function human(out: Out, loaded: LoadedPolicy, locs: Locations, ex: Explanation, where: string | undefined, addedGroup: string | null = null): void {
  const s = out.out;
  const at = (i: number) => (locs[i] ? ` (${loaded.label}:${locs[i]!.line})` : "");
  const lines: string[] = [];
  lines.push(`${s.bold("request:")}  ${describeRequest(ex.request)}${where ? s.dim(`  [${where}]`) : ""}`);
  if (addedGroup !== null) {
    const why = addedGroup === ALL_AUTHENTICATED ? "kube-apiserver adds it to every authenticated user" : "kube-apiserver gives it to system:anonymous";
    lines.push(s.dim(`          (${addedGroup} added: ${why}; --exact-groups to turn off)`));
  }
  if (ex.ruleIndex === null) {
    lines.push(`${s.bold("decided by:")} no rule matches: the default level None applies`);
  } else {
    lines.push(`${s.bold("decided by:")} rules[${ex.ruleIndex}]${at(ex.ruleIndex)}`);
    for (const l of renderRule(loaded.policy, ex.ruleIndex).trimEnd().split("\n")) lines.push(`  ${s.cyan(l)}`);
  }
  const levelColour = ex.level === "None" ? s.dim : ex.level === "RequestResponse" ? s.yellow : s.green;
  lines.push(`${s.bold("level:")}      ${levelColour(ex.level)}: ${BODIES[ex.level]}`);
  if (ex.level !== "None") {
    lines.push(`${s.bold("omitted stages:")} ${ex.omitStages.length > 0 ? ex.omitStages.join(", ") : "none"}`);
    const stages = ex.recordedStages.map((st) => (st === "Panic" ? "Panic (if the handler panics)" : st));
    lines.push(`${s.bold("recorded stages:")} ${stages.join(", ") || "none (nothing is written)"}`);
    if (ex.level === "Request" || ex.level === "RequestResponse") {
      lines.push(`${s.bold("managedFields:")} ${ex.omitManagedFields ? "omitted from logged objects" : "kept in logged objects"}`);
    }
  }
  if (ex.alsoMatching.length > 0) {
    const list = ex.alsoMatching.map((i) => `rules[${i}] (${loaded.policy.rules[i].level})${at(i)}`);
    lines.push(`${s.bold("also matching (shadowed):")} ${list.join(", ")}`);
  } else {
    lines.push(`${s.bold("also matching:")} no other rule`);
  }
  out.print(lines.join("\n"));
}

function json(ex: Explanation, before: Record<string, unknown> = {}, after: Record<string, unknown> = {}): string {
  return JSON.stringify({ ...before, ...ex, ...after });
}

export async function run(argv: string[], io: Io): Promise<number> {
  const out = new Out(io);
  const args = parseOrHelp(spec, argv, (text) => out.print(text));
  if (!args) return EXIT_OK;
  const requests = strs(args.values, "request");
  const events = str(args.values, "events");
  if ((requests.length > 0) === (events !== undefined)) {
    throw new CliError("explain: give either --request 'verb=... resource=...' or --events FILE (one of them)\nRun 'rancher-audit explain --help' for the options.");
  }
  const asJson = flag(args.values, "json");
  const kubernetesVersion = kubernetesVersionOption(str(args.values, "kubernetes-version"));
  const exactGroups = flag(args.values, "exact-groups");
  if (exactGroups && events !== undefined) throw new CliError("explain: --exact-groups applies to --request only (--events uses the groups recorded in each event)");
  const parsedRequests = requests.map((r) => parseRequest(r, { exactGroups }));
  if (args.positionals[0] === "-" && events === "-") throw new CliError("explain: the policy and --events cannot both come from stdin (-)");
  const loaded = await loadPolicy(args.positionals[0], io, kubernetesVersion);
  for (const w of droppedWarnings(loaded)) out.error(w);
  const compiled = compilePolicy(loaded.policy, { kubernetesVersion });
  const locs = ruleLocations(loaded.text, loaded.policy.rules.length);

  if (events === undefined) {
    parsedRequests.forEach(({ request, addedGroup }, i) => {
      const ex = explainRequest(compiled, request);
      if (asJson) out.print(json(ex, {}, { addedGroup }));
      else {
        if (i > 0) out.print("");
        human(out, loaded, locs, ex, undefined, addedGroup);
      }
    });
    return EXIT_OK;
  }

  const input = await openLines(events, io);
  let malformed = 0;
  let explained = 0;
  const skip = (lineNo: number, message: string) => {
    malformed++;
    const text = `${input.label}:${lineNo}: ${message}; skipped`;
    if (asJson) out.print(JSON.stringify({ line: lineNo, error: text }));
    else out.error(`warning: ${text}`);
  };
  const read = await input.forEach(
    (line, lineNo) => {
      if (line.trim() === "") return;
      let req: RequestAttributes;
      try {
        const event: unknown = JSON.parse(line);
        const problem = auditEventProblem(event);
        if (problem !== undefined) throw new Error(problem);
        req = requestFromEvent(event);
      } catch (e) {
        skip(lineNo, `not an audit event (${(e as Error).message})`);
        return;
      }
      const ex = explainRequest(compiled, req);
      if (asJson) out.print(json(ex, { line: lineNo }));
      else {
        if (explained > 0) out.print("");
        human(out, loaded, locs, ex, `${input.label}:${lineNo}`);
      }
      explained++;
    },
    (lineNo, size) => skip(lineNo, `longer than ${describeLineCap(input.maxLineBytes)} (${size.toLocaleString("en-US")} bytes)`),
  );
  if (!asJson) out.error(`explained ${explained} event(s) from ${input.label}${malformed > 0 ? `; ${malformed} malformed line(s) skipped` : ""}`);
  if (read.readError !== undefined) {
    out.error(
      `explain: ${input.label} ${describeEarlyEnd(read)}; only the ${read.lines} complete line(s) before were explained. ` +
        "Was it copied while it was still being written or compressed?",
    );
    return EXIT_USAGE;
  }
  if (explained === 0) {
    out.error(
      malformed > 0
        ? `explain: no line of ${input.label} is an audit event; is it a kube-apiserver audit log in JSON format?`
        : `explain: ${input.label} holds no audit event${read.lines === 0 ? " (it is empty)" : ""}`,
    );
    return EXIT_USAGE;
  }
  return EXIT_OK;
}
