/**
 * The shipping part of a plan: what each shipped cluster's collector reads (file, nodes,
 * tolerations), where it sends it (sinks, never credentials) and the resources it registers; and
 * its diff. Shown only when a side of the plan ships, so plans without shipping are unchanged.
 */
import type { ShippingSummary } from "../../components/shipping";
import type { Style } from "../io";
import type { Plan, PlannedCluster } from "./collect";

/** Whether any cluster of the plans ships its log. */
export function shipsAny(...plans: Plan[]): boolean {
  return plans.some((p) => p.clusters.some((c) => c.shipping !== undefined));
}

function sinkLine(sink: ShippingSummary["sinks"][number]): string {
  return `sink ${sink.name} (${sink.kind}): ${sink.url} → ${sink.target}; auth ${sink.auth ? "basic (from a Secret)" : "none"}; tls ${sink.tls}`;
}

/** One cluster's shipping summary as lines. */
export function shippingLines(name: string, sh: ShippingSummary, s: Style): string[] {
  const nodes = Object.entries(sh.nodeSelector).map(([k, v]) => `${k}=${v}`).join(",");
  return [
    `${s.bold(name)}: ${sh.collector} reads ${sh.reads} on nodes ${nodes}`,
    `  tolerations: ${sh.tolerations.join(", ")}`,
    ...sh.sinks.map((x) => `  ${sinkLine(x)}`),
    `  resources: ${sh.resources.map((r) => `${r.kind} ${r.namespace ? `${r.namespace}/` : ""}${r.name}`).join(", ")}`,
  ];
}

/** The "Log shipping" section of the plan text ([] when nothing ships). */
export function renderShippingSection(plan: Plan, s: Style): string[] {
  if (!shipsAny(plan)) return [];
  const out = ["", s.bold("== Log shipping ==")];
  for (const c of plan.clusters) if (c.shipping) out.push(...shippingLines(c.name, c.shipping, s));
  const off = plan.clusters.filter((c) => !c.shipping).map((c) => c.name);
  if (off.length > 0) out.push(`not shipped: ${off.join(", ")}`);
  out.push(s.dim("Shipping is installed into each downstream cluster and changes no ClusterV2 input: no control-plane restart."));
  return out;
}

/** The shipping diff of paired clusters ([] when neither side ships). */
export function shippingDiff(before: Plan, after: Plan, pairs: { before?: PlannedCluster; after?: PlannedCluster }[], s: Style): string[] {
  if (!shipsAny(before, after)) return [];
  const out = ["", s.bold("== Log shipping ==")];
  for (const p of pairs) {
    const a = p.before?.shipping;
    const b = p.after?.shipping;
    const label = p.after && p.before && p.before.name !== p.after.name ? `${p.after.name} (vs ${p.before.name})` : (p.after ?? p.before)!.name;
    if (!a && !b) continue;
    if (!a) {
      out.push(s.green(`+ ${label}: ships with ${b!.collector} from ${b!.reads} to ${b!.sinks.map((x) => x.name).join(", ")}`));
      continue;
    }
    if (!b) {
      out.push(s.red(`- ${label}: no longer shipped (${a.collector} removed from the cluster)`));
      continue;
    }
    const lines: string[] = [];
    if (a.collector !== b.collector) lines.push(`  ~ collector: ${a.collector} → ${b.collector}`);
    if (a.reads !== b.reads) lines.push(`  ~ reads: ${a.reads} → ${b.reads}`);
    const sa = new Map(a.sinks.map((x) => [x.name, sinkLine(x)] as const));
    const sb = new Map(b.sinks.map((x) => [x.name, sinkLine(x)] as const));
    for (const [n, line] of sb) {
      if (!sa.has(n)) lines.push(s.green(`  + ${line}`));
      else if (sa.get(n) !== line) lines.push(`  ~ ${line} (was: ${sa.get(n)})`);
    }
    for (const [n, line] of sa) if (!sb.has(n)) lines.push(s.red(`  - ${line}`));
    out.push(lines.length === 0 ? `${label}: unchanged` : `${label}:`, ...lines);
  }
  out.push(s.dim("Shipping changes touch only the downstream cluster: no ClusterV2 input changes, nothing restarts."));
  return out;
}
