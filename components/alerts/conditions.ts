/**
 * The condition language alerts are written in: a conjunction of field tests on one audit event.
 * Every condition is rendered three ways from the same value, so the three cannot drift apart:
 * - LogQL label filters after `| json` (and line filters for values inside arrays, which `| json` skips),
 * - Elasticsearch/OpenSearch query DSL over the raw event fields,
 * - a TypeScript predicate over a decoded event (`eventMatches`), used to replay recorded events.
 */

/** A field of the audit event, as the path of object keys from the top (`["objectRef", "resource"]`). */
export type FieldPath = readonly string[];

/** A field inside the request or response body that may cross arrays: `[]` marks an array level. */
export type BodyPath = readonly string[];

export enum ConditionKind {
  /** The string field equals one of `values`. */
  OneOf = "one-of",
  /** The string field equals none of `values` (an absent field is "", so it passes). */
  NoneOf = "none-of",
  /** The string field starts with one of `prefixes`. */
  PrefixOf = "prefix-of",
  /** The string field starts with none of `prefixes` and equals none of `exact`. */
  NotPrefixOf = "not-prefix-of",
  /** The field is present and not empty. */
  Present = "present",
  /** The response code is 2xx. */
  Succeeded = "succeeded",
  /** Some body path holds the boolean `true` (any array element). */
  BodyTrue = "body-true",
  /** Some body path holds an object (any array element). */
  BodyObject = "body-object",
}

export type Condition =
  | { kind: ConditionKind.OneOf; field: FieldPath; values: readonly string[] }
  | { kind: ConditionKind.NoneOf; field: FieldPath; values: readonly string[] }
  | { kind: ConditionKind.PrefixOf; field: FieldPath; prefixes: readonly string[] }
  | { kind: ConditionKind.NotPrefixOf; field: FieldPath; prefixes: readonly string[]; exact: readonly string[] }
  | { kind: ConditionKind.Present; field: FieldPath }
  | { kind: ConditionKind.Succeeded }
  | {
      kind: ConditionKind.BodyTrue | ConditionKind.BodyObject;
      paths: readonly BodyPath[];
      /** The JSON text the line must contain (Loki line filter, a regular expression), for paths across arrays. */
      lineRegex: string;
    };

export const STATUS_CODE: FieldPath = ["responseStatus", "code"];

/** Field names `| json` gives a path: keys joined by `_`, every other character replaced by `_`. */
export function lokiLabel(path: FieldPath): string {
  return path.join("_").replace(/[^A-Za-z0-9_]/g, "_");
}

/** The dotted field name in Elasticsearch/OpenSearch (`[]` levels vanish: arrays are flattened). */
export function esField(path: readonly string[]): string {
  return path.filter((p) => p !== "[]").join(".");
}

/** Does a condition read the request or response body (so it needs level Request or more)? */
export function readsBody(c: Condition): boolean {
  if ("paths" in c) return true;
  if (!("field" in c)) return false;
  return c.field[0] === "requestObject" || c.field[0] === "responseObject";
}

// ---------------------------------------------------------------------------------------------
// The TypeScript predicate.
// ---------------------------------------------------------------------------------------------

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function at(event: unknown, path: readonly string[]): unknown {
  let v: unknown = event;
  for (const key of path) v = isObj(v) ? v[key] : undefined;
  return v;
}

/** The field as Loki's `| json` would give it: strings as they are, numbers and booleans as text, else "". */
export function fieldText(event: unknown, path: FieldPath): string {
  const v = at(event, path);
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return "";
}

/** Every value at a body path, across array levels. */
function bodyValues(event: unknown, path: BodyPath): unknown[] {
  let current: unknown[] = [event];
  for (const key of path) {
    const next: unknown[] = [];
    for (const v of current) {
      if (key === "[]") {
        if (Array.isArray(v)) next.push(...v);
      } else if (isObj(v) && key in v) next.push(v[key]);
    }
    current = next;
  }
  return current;
}

/** Does one condition hold for a decoded audit event? */
export function conditionHolds(c: Condition, event: unknown): boolean {
  switch (c.kind) {
    case ConditionKind.OneOf:
      return c.values.includes(fieldText(event, c.field));
    case ConditionKind.NoneOf:
      return !c.values.includes(fieldText(event, c.field));
    case ConditionKind.PrefixOf: {
      const v = fieldText(event, c.field);
      return c.prefixes.some((p) => v.startsWith(p));
    }
    case ConditionKind.NotPrefixOf: {
      const v = fieldText(event, c.field);
      return !c.exact.includes(v) && !c.prefixes.some((p) => v.startsWith(p));
    }
    case ConditionKind.Present:
      return fieldText(event, c.field) !== "";
    case ConditionKind.Succeeded: {
      const code = at(event, STATUS_CODE);
      return typeof code === "number" && code >= 200 && code < 300;
    }
    case ConditionKind.BodyTrue:
      return c.paths.some((p) => bodyValues(event, p).some((v) => v === true));
    case ConditionKind.BodyObject:
      return c.paths.some((p) => bodyValues(event, p).some(isObj));
  }
}

/** Do all conditions hold for a decoded audit event? */
export function eventMatches(conditions: readonly Condition[], event: unknown): boolean {
  return conditions.every((c) => conditionHolds(c, event));
}
