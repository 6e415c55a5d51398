/** Finding construction and order shared by every check of the safety analysis. */
import type { Finding, FindingId, Severity } from "../types";

/** The severity of each finding id. */
export const SEVERITY: Record<FindingId, Severity> = {
  "secret-bodies": "error",
  "shadowed-rule": "warning",
  "never-matches": "warning",
  "cis-3.2.2": "warning",
  "logs-nothing": "warning",
  "alert-cannot-fire": "warning",
};

/** A finding with its id's severity. */
export function make(id: FindingId, path: string, message: string): Finding {
  return { id, severity: SEVERITY[id], path, message };
}

/** Natural order on paths (rules[2] before rules[10]), then id, then message. */
export function comparePaths(a: string, b: string): number {
  const ta = a.split(/(\d+)/);
  const tb = b.split(/(\d+)/);
  for (let i = 0; i < Math.min(ta.length, tb.length); i++) {
    if (ta[i] === tb[i]) continue;
    if (i % 2 === 1) return Number(ta[i]) - Number(tb[i]);
    return ta[i] < tb[i] ? -1 : 1;
  }
  return ta.length - tb.length;
}

/** The order of analyzePolicy's result: path (natural), then id, then message. */
export function compareFindings(a: Finding, b: Finding): number {
  return comparePaths(a.path, b.path) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0);
}

/** `rules[i]`, or `rules` for the policy as a whole (null). */
export const rulePath = (i: number | null): string => (i === null ? "rules" : `rules[${i}]`);
