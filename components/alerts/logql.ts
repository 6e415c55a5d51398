/**
 * LogQL for the Loki ruler, over the stream the shipper writes: one audit Event JSON per line,
 * stream labels `job="kube-audit"`, `cluster`, `distro`. Ruler expressions must be instant vectors
 * (grafana.com/docs/loki/latest/alert/), so each alert is
 *   sum by (cluster, <labels>) (count_over_time(<selector> <line filters> | json <label filters> [5m])) > 0
 * `| json` flattens nested keys with `_` and skips arrays
 * (grafana.com/docs/loki/latest/query/log_queries/#json): values inside arrays (containers,
 * volumes) are matched with a line filter on the JSON text instead.
 */
import { ConditionKind, lokiLabel, type Condition } from "./conditions";
import type { AlertDefinition } from "./catalog";

export interface LokiQueryOptions {
  /** The stream selector. Default `{job="kube-audit"}` (the shipper's stream labels). */
  selector?: string;
  /** The window of `count_over_time`. Default `5m`: an event raises the alert for five minutes. */
  window?: string;
}

export const DEFAULT_LOKI_SELECTOR = '{job="kube-audit"}';
export const DEFAULT_WINDOW = "5m";

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** A raw (backtick) LogQL string: no escaping inside, so regular expressions stay readable. */
const raw = (s: string) => {
  if (s.includes("`")) throw new Error(`a LogQL raw string cannot hold a backtick: ${s}`);
  return `\`${s}\``;
};
const alternation = (values: readonly string[]) => (values.length === 1 ? escapeRegex(values[0]) : `(${values.map(escapeRegex).join("|")})`);

function labelFilter(c: Condition): string | undefined {
  switch (c.kind) {
    case ConditionKind.OneOf:
      return c.values.length === 1 ? `${lokiLabel(c.field)}=${JSON.stringify(c.values[0])}` : `${lokiLabel(c.field)}=~${raw(alternation(c.values))}`;
    case ConditionKind.NoneOf:
      return c.values.length === 1 ? `${lokiLabel(c.field)}!=${JSON.stringify(c.values[0])}` : `${lokiLabel(c.field)}!~${raw(alternation(c.values))}`;
    case ConditionKind.PrefixOf:
      return `${lokiLabel(c.field)}=~${raw(`${alternation(c.prefixes)}.*`)}`;
    case ConditionKind.NotPrefixOf: {
      const parts = [...c.exact.map(escapeRegex), ...(c.prefixes.length > 0 ? [`${alternation(c.prefixes)}.*`] : [])];
      return `${lokiLabel(c.field)}!~${raw(parts.length === 1 ? parts[0] : `(${parts.join("|")})`)}`;
    }
    case ConditionKind.Present:
      return `${lokiLabel(c.field)}!=""`;
    case ConditionKind.Succeeded:
      return `responseStatus_code=~"2.."`;
    case ConditionKind.BodyTrue:
    case ConditionKind.BodyObject: {
      // Paths without arrays are labels after `| json`; the line filter below already selects the rest.
      if (c.paths.some((p) => p.includes("[]"))) return undefined;
      const test = c.kind === ConditionKind.BodyTrue ? '="true"' : '!=""';
      const alts = c.paths.map((p) => `${lokiLabel(p)}${test}`);
      return alts.length === 1 ? alts[0] : `(${alts.join(" or ")})`;
    }
  }
}

function lineFilter(c: Condition): string | undefined {
  return c.kind === ConditionKind.BodyTrue || c.kind === ConditionKind.BodyObject ? `|~ ${raw(c.lineRegex)}` : undefined;
}

/** The log query of an alert: the events that raise it (used by the dashboard's log panels too). */
export function alertLogQuery(alert: AlertDefinition, options: LokiQueryOptions = {}): string {
  const lines = alert.conditions.map(lineFilter).filter((x): x is string => x !== undefined);
  const labels = alert.conditions.map(labelFilter).filter((x): x is string => x !== undefined);
  return [options.selector ?? DEFAULT_LOKI_SELECTOR, ...lines, "| json", ...labels.map((l) => `| ${l}`)].join(" ");
}

/** The labels an alert is grouped by: the stream's cluster, then the alert's fields. */
export function alertGroupLabels(alert: AlertDefinition): string[] {
  return ["cluster", ...alert.groupBy.map(lokiLabel)];
}

/** The ruler expression: an instant vector, > 0 when an event raised the alert within the window. */
export function alertExpr(alert: AlertDefinition, options: LokiQueryOptions = {}): string {
  const window = options.window ?? DEFAULT_WINDOW;
  return `sum by (${alertGroupLabels(alert).join(", ")}) (count_over_time(${alertLogQuery(alert, options)} [${window}])) > 0`;
}
