/**
 * How many bytes, and how many lines, kube-apiserver's JSON log backend writes for a request under
 * a policy decision: the volume model behind `replay` and the presets' volume figures.
 *
 * What kube-apiserver writes (k8s.io/apiserver pkg/endpoints/filters/audit.go, pkg/audit/request.go):
 * - nothing at level None;
 * - one JSON line per stage that is not omitted: RequestReceived (before the handler runs: no
 *   response status, no authorization annotations, no bodies), ResponseStarted (long-running
 *   requests only: watch, and the exec/attach/portforward/proxy/log subresources), and
 *   ResponseComplete (or Panic);
 * - `requestObject` only at Request and RequestResponse, `responseObject` only at RequestResponse;
 * - `metadata.managedFields` stripped from both bodies (and from every list item) when the
 *   decision says omitManagedFields.
 *
 * Byte counts are UTF-8 bytes of `JSON.stringify` of the event with those fields removed, plus the
 * newline. The input event may have been recorded at any level and stage: only its fields are used,
 * with `level` and `stage` replaced by what would be written. Body sizes are cached per body object
 * (WeakMap), so treat bodies as immutable once measured; the traffic generator shares frozen bodies
 * between events, which makes replaying it cheap.
 */
import { compilePolicy, evaluateCompiled } from "./evaluate";
import { requestFromEvent } from "./event";
import { LONG_RUNNING_SUBRESOURCES, LONG_RUNNING_VERBS } from "./long-running";
import type { Decision, Level, Policy, Stage, VersionOptions } from "./types";

/** The part of a Decision the volume model needs. */
export type VolumeDecision = Pick<Decision, "level" | "omitStages"> & { omitManagedFields?: boolean };

/** What one request, or many, writes to the audit log. */
export interface LoggedVolume {
  /** Lines written (0 to 3: RequestReceived, ResponseStarted, ResponseComplete/Panic). */
  events: number;
  /** UTF-8 bytes written, newlines included. */
  bytes: number;
}

type Obj = Record<string, unknown>;


const utf8 = (s: string): number => Buffer.byteLength(s, "utf8");
const jsonBytes = (v: unknown): number => {
  const s = JSON.stringify(v);
  return s === undefined ? 0 : utf8(s);
};
/** `"key":` (cached: an event has a dozen distinct keys, met millions of times). */
const keyCache = new Map<string, number>();
const keyBytes = (k: string): number => {
  let n = keyCache.get(k);
  if (n === undefined) {
    n = utf8(JSON.stringify(k)) + 1;
    if (keyCache.size < 1000) keyCache.set(k, n);
  }
  return n;
};

const fullSize = new WeakMap<object, number>();
const strippedSize = new WeakMap<object, number>();

function bodySize(body: unknown): number {
  if (typeof body !== "object" || body === null) return jsonBytes(body);
  let n = fullSize.get(body);
  if (n === undefined) {
    n = jsonBytes(body);
    fullSize.set(body, n);
  }
  return n;
}

/** Bytes `"managedFields":[...]` (and its comma) take in one object's metadata. */
function managedFieldsBytes(o: unknown): number {
  if (typeof o !== "object" || o === null) return 0;
  const meta = (o as Obj).metadata;
  if (typeof meta !== "object" || meta === null) return 0;
  const mf = (meta as Obj).managedFields;
  if (mf === undefined) return 0;
  let keys = 0;
  for (const k in meta as Obj) if ((meta as Obj)[k] !== undefined) keys++;
  return keyBytes("managedFields") + jsonBytes(mf) + (keys > 1 ? 1 : 0);
}

function bodySizeWithoutManagedFields(body: unknown): number {
  if (typeof body !== "object" || body === null) return jsonBytes(body);
  let n = strippedSize.get(body);
  if (n === undefined) {
    n = bodySize(body) - managedFieldsBytes(body);
    const items = (body as Obj).items;
    if (Array.isArray(items)) for (const item of items) n -= managedFieldsBytes(item);
    strippedSize.set(body, n);
  }
  return n;
}

/** Is this a long-running request (a watch, exec, attach, port-forward, proxy or log stream)? */
export function isLongRunning(event: object): boolean {
  const e = event as Obj;
  const verb = e.verb;
  if (typeof verb === "string" && LONG_RUNNING_VERBS.has(verb)) return true;
  const ref = e.objectRef as Obj | undefined;
  if (ref && typeof ref === "object" && typeof ref.subresource === "string" && LONG_RUNNING_SUBRESOURCES.has(ref.subresource)) {
    return typeof ref.resource === "string" && ref.resource !== "";
  }
  return e.stage === "ResponseStarted";
}

const LEVEL_RANK: Record<Level, number> = { None: 0, Metadata: 1, Request: 2, RequestResponse: 3 };
const rankOf = (l: string): number => LEVEL_RANK[l as Level] ?? 0;

/** Sizes of the parts of an event, so each stage's line can be added up without re-serializing. */
interface Parts {
  /** `{}` plus every field present in every stage, with their commas; level and stage excluded. */
  common: number;
  commonFields: number;
  responseStatus: number;
  annotations: number;
  requestObject: number;
  responseObject: number;
}

/**
 * Can `line`'s own byte length stand for JSON.stringify of what it parses to? Yes when it is
 * compact JSON as JSON.stringify and kube-apiserver write it: no space after a separator, no \u or
 * \/ escape (Go writes <, > and & as \u003c..., JSON.stringify does not escape them), braces at
 * both ends. A line that fails this is measured field by field, which is always exact; a false
 * "no" only costs time. (Not caught: numbers written in another form, such as 1.0 for 1.)
 */
function isCompactJson(line: string): boolean {
  return (
    line.charCodeAt(0) === 0x7b &&
    line.charCodeAt(line.length - 1) === 0x7d &&
    line.indexOf('": ') < 0 &&
    line.indexOf(', "') < 0 &&
    line.indexOf("\\u") < 0 &&
    line.indexOf("\\/") < 0
  );
}

/** Present (serialisable) fields of an object, as JSON.stringify counts them. */
function fieldCount(e: Obj): number {
  let n = 0;
  for (const k in e) {
    const v = e[k];
    if (v !== undefined && typeof v !== "function") n++;
  }
  return n;
}

/**
 * `"key":value` of a field that is present, else 0. Together with `fieldCount` this decomposes an
 * object's JSON: `{` + fields joined by commas + `}`.
 */
const fieldBytes = (k: string, v: unknown): number => (v === undefined || typeof v === "function" ? 0 : keyBytes(k) + jsonBytes(v));

/**
 * Measures an event's parts. The fields written unchanged (everything but level, stage,
 * responseStatus, annotations and the bodies) are not serialised one by one: their total is the
 * JSON of the event without its bodies minus the few small fields, and when the event's own line
 * is given (replay has it) and every body it holds is kept at this level, that JSON's size comes
 * from the line's byte length instead of a JSON.stringify (see isCompactJson).
 */
function measure(e: Obj, level: Level, omitManagedFields: boolean, line?: string): Parts {
  const rank = rankOf(level);
  const req = e.requestObject;
  const resp = e.responseObject;
  const hasReq = req !== undefined && typeof req !== "function";
  const hasResp = resp !== undefined && typeof resp !== "function";
  const parts: Parts = {
    common: 0,
    commonFields: 0,
    responseStatus: fieldBytes("responseStatus", e.responseStatus),
    annotations: fieldBytes("annotations", e.annotations),
    requestObject: hasReq && rank >= 2 ? keyBytes("requestObject") + (omitManagedFields ? bodySizeWithoutManagedFields(req) : bodySize(req)) : 0,
    responseObject: hasResp && rank >= 3 ? keyBytes("responseObject") + (omitManagedFields ? bodySizeWithoutManagedFields(resp) : bodySize(resp)) : 0,
  };
  // `{...}` of every field but the two bodies: fields joined by commas in braces.
  const restFields = fieldCount(e) - (hasReq ? 1 : 0) - (hasResp ? 1 : 0);
  let rest: number;
  if (line !== undefined && (!hasReq || rank >= 2) && (!hasResp || rank >= 3) && isCompactJson(line)) {
    rest = utf8(line);
    if (hasReq) rest -= keyBytes("requestObject") + bodySize(req) + 1;
    if (hasResp) rest -= keyBytes("responseObject") + bodySize(resp) + 1;
  } else if (!hasReq && !hasResp) {
    rest = jsonBytes(e);
  } else {
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    const { requestObject, responseObject, ...others } = e;
    rest = jsonBytes(others);
  }
  if (restFields === 0) return parts;
  const special =
    fieldBytes("level", e.level) + fieldBytes("stage", e.stage) + parts.responseStatus + parts.annotations;
  const specialFields =
    (e.level !== undefined ? 1 : 0) + (e.stage !== undefined ? 1 : 0) + (parts.responseStatus > 0 ? 1 : 0) + (parts.annotations > 0 ? 1 : 0);
  parts.commonFields = restFields - specialFields;
  // rest = 2 + (restFields - 1) commas + every field; common = the fields that are not special.
  parts.common = parts.commonFields === 0 ? 0 : rest - 2 - (restFields - 1) - special;
  return parts;
}

/** Bytes of one line: `{` + fields joined by commas + `}` + newline. */
function lineBytes(parts: Parts, level: Level, stage: string, extra: number[]): number {
  let bytes = parts.common + keyBytes("level") + utf8(JSON.stringify(level)) + keyBytes("stage") + utf8(JSON.stringify(stage));
  let fields = parts.commonFields + 2;
  for (const x of extra) {
    if (x > 0) {
      bytes += x;
      fields++;
    }
  }
  return bytes + (fields - 1) + 2 + 1;
}

/**
 * Bytes of this one event line as it would be written under the decision: 0 at level None or when
 * the event's own stage is omitted; otherwise the event with `level` set to the decision's level,
 * `requestObject` removed below Request, `responseObject` removed below RequestResponse and
 * managedFields stripped when the decision says so, plus the newline. `line`: as for
 * estimateLoggedBytes.
 */
export function estimateEventBytes(event: object, decision: VolumeDecision, line?: string): number {
  if (decision.level === "None") return 0;
  const e = event as Obj;
  const stage = typeof e.stage === "string" ? e.stage : "ResponseComplete";
  if (decision.omitStages.includes(stage as Stage)) return 0;
  const p = measure(e, decision.level, decision.omitManagedFields === true, line);
  return lineBytes(p, decision.level, stage, [p.responseStatus, p.annotations, p.requestObject, p.responseObject]);
}

/**
 * What kube-apiserver writes for the request this event records, under the decision: the number of
 * lines and their bytes, over every stage that is not omitted:
 * - RequestReceived: the request's metadata only (no responseStatus, annotations or bodies);
 * - ResponseStarted, for long-running requests only (isLongRunning): metadata, status,
 *   annotations and the request body at Request or more;
 * - ResponseComplete (Panic when the event is a Panic): everything the level allows.
 *
 * Call it once per request: on a recorded log that kept several stages, on one line per auditID
 * (for example the ResponseComplete lines). `line`, the JSON text the event was parsed from, is
 * optional and only makes it faster (the result is the same for a compact line; see measure).
 */
export function estimateLoggedBytes(event: object, decision: VolumeDecision, line?: string): LoggedVolume {
  if (decision.level === "None") return { events: 0, bytes: 0 };
  const e = event as Obj;
  const omitted = decision.omitStages;
  const p = measure(e, decision.level, decision.omitManagedFields === true, line);
  let events = 0;
  let bytes = 0;
  if (!omitted.includes("RequestReceived")) {
    events++;
    bytes += lineBytes(p, decision.level, "RequestReceived", []);
  }
  if (isLongRunning(e) && !omitted.includes("ResponseStarted")) {
    events++;
    bytes += lineBytes(p, decision.level, "ResponseStarted", [p.responseStatus, p.annotations, p.requestObject]);
  }
  const last = e.stage === "Panic" ? "Panic" : "ResponseComplete";
  if (!omitted.includes(last)) {
    events++;
    bytes += lineBytes(p, decision.level, last, [p.responseStatus, p.annotations, p.requestObject, p.responseObject]);
  }
  return { events, bytes };
}

/** What one policy writes for all the requests measured. */
export interface PolicyVolume extends LoggedVolume {
  /** The policy's name, as given to measureVolume. */
  name: string;
}

/** The result of measureVolume. */
export interface VolumeMeasurement {
  /** Requests (input events) replayed. */
  requests: number;
  /** Per policy, in the order given. */
  policies: PolicyVolume[];
}

/**
 * Replays one event per request through each policy (requestFromEvent, then the first-match
 * decision) and adds up what each would write (estimateLoggedBytes). Streams: the events are
 * consumed once and not kept.
 */
export function measureVolume(
  events: Iterable<object>,
  policies: readonly { name: string; policy: Policy }[],
  options: VersionOptions = {},
): VolumeMeasurement {
  const compiled = policies.map((p) => compilePolicy(p.policy, options));
  const totals = policies.map((p) => ({ name: p.name, events: 0, bytes: 0 }));
  let requests = 0;
  for (const event of events) {
    requests++;
    const request = requestFromEvent(event);
    for (let i = 0; i < compiled.length; i++) {
      const v = estimateLoggedBytes(event, evaluateCompiled(compiled[i], request));
      totals[i].events += v.events;
      totals[i].bytes += v.bytes;
    }
  }
  return { requests, policies: totals };
}
