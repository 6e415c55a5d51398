/**
 * The replay engine: streams audit events through one or two policies and keeps only counters.
 *
 * Memory is bounded whatever the input size:
 * - counters per policy (levels, bytes, leaks, detection classes) are fixed-size;
 * - request classes are capped at MAX_CLASSES entries (the rest go to "(other classes)");
 * - a log may hold several lines per request (RequestReceived, ResponseStarted, ResponseComplete,
 *   all with the same auditID). A request is counted once, on its final line (ResponseComplete or
 *   Panic), because the volume model estimates every stage the policy would write from that one
 *   line. Earlier-stage lines wait in a small map keyed by auditID (at most MAX_PENDING entries and
 *   MAX_PENDING_BYTES of text): a line whose request never completes in the log (an exec session
 *   recorded only at ResponseStarted, a truncated log) or that is pushed out of the map is counted
 *   as the request itself.
 * - malformed lines are counted; the first MAX_EXAMPLES line numbers are kept. A line longer than
 *   the line reader's cap (MAX_LINE_BYTES, cli/lines.ts) never reaches the engine whole: it is
 *   counted as malformed through `longLine`.
 */
import {
  compilePolicy,
  DETECTIONS,
  detectEvents,
  estimateLoggedBytes,
  evaluateCompiled,
  LEVELS,
  levelAtLeast,
  auditEventProblem,
  requestFromEvent,
  type CompiledPolicy,
  type Decision,
  type DetectionId,
  type Level,
  type RequestAttributes,
} from "../../components/audit-policy";
import { num } from "../format";
import { describeLineCap, type LineInput } from "../lines";
import { BoundedCounters, requestClass } from "./classes";
import { bodyLeak, LEAK_KINDS, type LeakKind } from "./leaks";

export const MAX_PENDING = 20_000;
export const MAX_PENDING_BYTES = 32 * 1024 * 1024;
/** Line numbers kept as examples per counter (malformed lines, leaks, missed detections). */
export const MAX_EXAMPLES = 5;

export interface ReplayPolicy {
  label: string;
  compiled: CompiledPolicy;
}

interface Examples {
  count: number;
  lines: number[];
}

const examples = (): Examples => ({ count: 0, lines: [] });
function note(e: Examples, line: number): void {
  e.count++;
  if (e.lines.length < MAX_EXAMPLES) e.lines.push(line);
}

export interface DetectionStats {
  id: DetectionId;
  title: string;
  minLevel: Level;
  /** Requests of the class in the log. */
  seen: number;
  /** Of those, logged at minLevel or more with the stages the detection needs. */
  kept: number;
  /** Lines of requests the policy would lose (first few). */
  missedLines: number[];
}

export interface ClassStats {
  requests: number;
  bytes: number;
}

export interface PolicyStats {
  label: string;
  /** Requests per decided level. */
  levels: Record<Level, number>;
  /** Lines kube-apiserver would write (all stages). */
  loggedEvents: number;
  /** Estimated bytes it would write. */
  loggedBytes: number;
  leaks: Record<LeakKind, Examples>;
  detections: DetectionStats[];
  /** Top request classes by logged bytes. */
  classes: BoundedCounters<ClassStats>;
}

export interface ChangeStats {
  requests: number;
  bytesBefore: number;
  bytesAfter: number;
}

export interface ReplayResult {
  input: {
    file: string;
    gzip: boolean;
    lines: number;
    /** Bytes read (uncompressed). */
    bytes: number;
    /** Lines that were audit events. */
    events: number;
    /** Requests (events folded by auditID into their final stage). */
    requests: number;
    /** Earlier-stage lines folded into their request's final line. */
    stageLinesFolded: number;
    blank: number;
    malformed: Examples & { messages: string[] };
    /**
     * Why the input ended early (a truncated or corrupt gzip stream, a read error), or null when it
     * was read to its end. The counters cover the lines read before.
     */
    readError: string | null;
    /** With readError: the line the input ended in the middle of (not replayed, not in `lines`), or null. */
    partialLine: number | null;
  };
  policies: PolicyStats[];
  /** With two policies: class + level change → counters. */
  changes?: BoundedCounters<ChangeStats>;
  seconds: number;
}

const FINAL_STAGES = new Set(["ResponseComplete", "Panic"]);

function newPolicyStats(label: string): PolicyStats {
  return {
    label,
    levels: Object.fromEntries(LEVELS.map((l) => [l, 0])) as Record<Level, number>,
    loggedEvents: 0,
    loggedBytes: 0,
    leaks: Object.fromEntries(LEAK_KINDS.map((k) => [k, examples()])) as Record<LeakKind, Examples>,
    detections: DETECTIONS.map((d) => ({ id: d.id, title: d.title, minLevel: d.minLevel, seen: 0, kept: 0, missedLines: [] })),
    classes: new BoundedCounters<ClassStats>(() => ({ requests: 0, bytes: 0 })),
  };
}

const DETECTION_INDEX = new Map(DETECTIONS.map((d, i) => [d.id, i] as const));

function detectionKeeps(id: DetectionId, decision: Decision): boolean {
  const d = DETECTIONS[DETECTION_INDEX.get(id)!];
  if (!levelAtLeast(decision.level, d.minLevel)) return false;
  for (const s of d.needsStages ?? []) if (decision.omitStages.includes(s)) return false;
  return true;
}

export interface ReplayOptions {
  kubernetesVersion?: string;
}

export class Replayer {
  readonly result: ReplayResult;
  private readonly pending = new Map<string, { event: object; line: number; size: number }>();
  private pendingBytes = 0;
  private readonly started = Date.now();

  constructor(
    private readonly policies: ReplayPolicy[],
    file: string,
    gzip: boolean,
  ) {
    this.result = {
      input: {
        file,
        gzip,
        lines: 0,
        bytes: 0,
        events: 0,
        requests: 0,
        stageLinesFolded: 0,
        blank: 0,
        malformed: { ...examples(), messages: [] },
        readError: null,
        partialLine: null,
      },
      policies: policies.map((p) => newPolicyStats(p.label)),
      changes: policies.length === 2 ? new BoundedCounters<ChangeStats>(() => ({ requests: 0, bytesBefore: 0, bytesAfter: 0 })) : undefined,
      seconds: 0,
    };
  }

  private malformed(lineNo: number, message: string): void {
    const m = this.result.input.malformed;
    note(m, lineNo);
    if (m.messages.length < MAX_EXAMPLES) m.messages.push(`line ${lineNo}: ${message}`);
  }

  /** Counts a line the reader skipped because it is longer than its cap. */
  longLine(lineNo: number, size: number, cap: number): void {
    this.malformed(lineNo, `longer than ${describeLineCap(cap)} (${num(size)} bytes), skipped`);
  }

  /** Feeds one line of the log. */
  line(text: string, lineNo: number): void {
    // Audit lines start with "{": only test for a blank line (which trim() would copy) otherwise.
    if (text.length === 0 || (text.charCodeAt(0) !== 0x7b && text.trim() === "")) {
      this.result.input.blank++;
      return;
    }
    let event: unknown;
    try {
      event = JSON.parse(text);
    } catch (e) {
      this.malformed(lineNo, `not JSON (${(e as Error).message})`);
      return;
    }
    if (typeof event !== "object" || event === null || Array.isArray(event)) {
      this.malformed(lineNo, `not an audit event (a JSON ${event === null ? "null" : Array.isArray(event) ? "array" : typeof event})`);
      return;
    }
    const e = event as Record<string, unknown>;
    if (typeof e.verb !== "string" || e.verb === "") {
      this.malformed(lineNo, "not an audit event (no verb)");
      return;
    }
    this.result.input.events++;
    const stage = typeof e.stage === "string" ? e.stage : "";
    const auditID = typeof e.auditID === "string" ? e.auditID : "";
    if (auditID !== "" && stage !== "" && !FINAL_STAGES.has(stage)) {
      // An earlier stage: wait for the request's final line.
      const prev = this.pending.get(auditID);
      if (prev) {
        this.pending.delete(auditID);
        this.pendingBytes -= prev.size;
        this.result.input.stageLinesFolded++;
      }
      this.pending.set(auditID, { event: e, line: lineNo, size: text.length });
      this.pendingBytes += text.length;
      while (this.pending.size > MAX_PENDING || this.pendingBytes > MAX_PENDING_BYTES) this.flushOldest();
      return;
    }
    if (auditID !== "" && this.pending.size > 0) {
      const prev = this.pending.get(auditID);
      if (prev) {
        this.pending.delete(auditID);
        this.pendingBytes -= prev.size;
        this.result.input.stageLinesFolded++;
      }
    }
    this.request(e, lineNo, text);
  }

  private flushOldest(): void {
    const first = this.pending.entries().next();
    if (first.done) return;
    const [id, p] = first.value;
    this.pending.delete(id);
    this.pendingBytes -= p.size;
    this.request(p.event, p.line);
  }

  /** Accounts one request (its final line, or the last line seen of it). */
  private request(event: object, lineNo: number, text?: string): void {
    const problem = auditEventProblem(event);
    if (problem !== undefined) {
      this.malformed(lineNo, `not an audit event (${problem})`);
      return;
    }
    this.result.input.requests++;
    const req: RequestAttributes = requestFromEvent(event);
    const detected = detectEvents(event);
    const cls = requestClass(req);
    const decisions: Decision[] = [];
    const bytes: number[] = [];
    this.policies.forEach((p, i) => {
      const stats = this.result.policies[i];
      const decision = evaluateCompiled(p.compiled, req);
      decisions.push(decision);
      stats.levels[decision.level]++;
      const vol = estimateLoggedBytes(event, decision, text);
      bytes.push(vol.bytes);
      stats.loggedEvents += vol.events;
      stats.loggedBytes += vol.bytes;
      if (vol.bytes > 0) {
        const c = stats.classes.get(cls);
        c.requests++;
        c.bytes += vol.bytes;
      }
      const leak = bodyLeak(req, decision);
      if (leak) note(stats.leaks[leak], lineNo);
      for (const id of detected) {
        const d = stats.detections[DETECTION_INDEX.get(id)!];
        d.seen++;
        if (detectionKeeps(id, decision)) d.kept++;
        else if (d.missedLines.length < MAX_EXAMPLES) d.missedLines.push(lineNo);
      }
    });
    if (this.result.changes && decisions[0].level !== decisions[1].level) {
      const c = this.result.changes.get(`${cls}\t${decisions[0].level}\t${decisions[1].level}`);
      c.requests++;
      c.bytesBefore += bytes[0];
      c.bytesAfter += bytes[1];
    }
  }

  /** Counts the requests whose final line never came. */
  finish(lines: number, bytes: number, readError?: string, partialLine?: number): ReplayResult {
    while (this.pending.size > 0) this.flushOldest();
    this.result.input.lines = lines;
    this.result.input.bytes = bytes;
    this.result.input.readError = readError ?? null;
    this.result.input.partialLine = partialLine ?? null;
    this.result.seconds = (Date.now() - this.started) / 1000;
    return this.result;
  }
}

/** Replays a whole input. */
export async function replay(input: LineInput, policies: ReplayPolicy[]): Promise<ReplayResult> {
  const r = new Replayer(policies, input.label, input.gzip);
  const { lines, bytes, readError, partialLine } = await input.forEach(
    (text, lineNo) => r.line(text, lineNo),
    (lineNo, size) => r.longLine(lineNo, size, input.maxLineBytes),
  );
  return r.finish(lines, bytes, readError, partialLine);
}

export function compileForReplay(label: string, policy: Parameters<typeof compilePolicy>[0], options: ReplayOptions): ReplayPolicy {
  return { label, compiled: compilePolicy(policy, { kubernetesVersion: options.kubernetesVersion }) };
}
