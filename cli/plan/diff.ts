/**
 * `plan --diff`: a readable comparison of two plans (another stack, or a saved plan.json):
 * policy rules, kube-apiserver flags, restart scope, and the resources added, removed or changed.
 */
import { distroOf, parseArg } from "../../components/rancher";
import { decodePolicy, type Policy } from "../../components/audit-policy";
import type { Style } from "../io";
import { renderRule } from "../policy-source";
import { unwrapSecrets, type Plan, type PlannedCluster } from "./collect";
import { shippingDiff } from "./shipping";

/** Longest common subsequence alignment of two lists: "=" kept, "-" only in a, "+" only in b. */
export function align<T>(a: readonly T[], b: readonly T[], eq: (x: T, y: T) => boolean = (x, y) => x === y): { op: "=" | "-" | "+"; a?: number; b?: number }[] {
  const n = a.length;
  const m = b.length;
  const dp: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) dp[i][j] = eq(a[i], b[j]) ? dp[i + 1][j + 1] + 1 : Math.max(dp[i + 1][j], dp[i][j + 1]);
  const out: { op: "=" | "-" | "+"; a?: number; b?: number }[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && eq(a[i], b[j])) out.push({ op: "=", a: i++, b: j++ });
    else if (j < m && (i === n || dp[i][j + 1] >= dp[i + 1][j])) out.push({ op: "+", b: j++ });
    else out.push({ op: "-", a: i++ });
  }
  return out;
}

function policyOf(yaml: string): Policy | undefined {
  try {
    return decodePolicy(yaml).policy;
  } catch {
    return undefined;
  }
}

const show = (v: unknown) => (v === undefined ? "(unset)" : JSON.stringify(v));

/** The rule-level diff of two policies (canonical YAML texts). */
export function policyDiff(before: string, after: string, s: Style): string[] {
  const a = policyOf(before);
  const b = policyOf(after);
  if (!a || !b) return [s.yellow("  (a policy could not be decoded; showing nothing)")];
  const out: string[] = [];
  for (const key of ["omitStages", "omitManagedFields"] as const) {
    if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) out.push(`  ${key}: ${s.red(show(a[key]))} → ${s.green(show(b[key]))}`);
  }
  const ra = a.rules.map((_, i) => renderRule(a, i));
  const rb = b.rules.map((_, i) => renderRule(b, i));
  const steps = align(ra, rb);
  const added = steps.filter((x) => x.op === "+").length;
  const removed = steps.filter((x) => x.op === "-").length;
  out.push(`  rules: ${a.rules.length} → ${b.rules.length} (${added} added, ${removed} removed, ${steps.length - added - removed} unchanged)`);
  for (const st of steps) {
    if (st.op === "=") continue;
    const text = st.op === "-" ? ra[st.a!] : rb[st.b!];
    const label = st.op === "-" ? `- rules[${st.a}] (before)` : `+ rules[${st.b}] (after)`;
    const colour = st.op === "-" ? s.red : s.green;
    out.push(colour(`  ${label}`));
    for (const line of text.trimEnd().split("\n")) out.push(colour(`  ${st.op}   ${line}`));
  }
  return out;
}

/** Flag-level diff of two kube-apiserver-arg lists. */
export function flagsDiff(before: readonly string[], after: readonly string[], s: Style): string[] {
  const pa = new Map(before.map((x) => [parseArg(x).name, parseArg(x).value ?? ""] as const));
  const pb = new Map(after.map((x) => [parseArg(x).name, parseArg(x).value ?? ""] as const));
  const out: string[] = [];
  for (const [name, v] of pa) {
    if (!pb.has(name)) out.push(s.red(`  - --${name}=${v}`));
    else if (pb.get(name) !== v) out.push(`  ~ --${name}: ${s.red(v)} → ${s.green(pb.get(name)!)}`);
  }
  for (const [name, v] of pb) if (!pa.has(name)) out.push(s.green(`  + --${name}=${v}`));
  if (out.length === 0 && before.join("\n") !== after.join("\n")) out.push("  same flags, in a different order");
  return out;
}

interface Pairing {
  before?: PlannedCluster;
  after?: PlannedCluster;
}

function distro(c: PlannedCluster): string {
  try {
    return distroOf(c.kubernetesVersion);
  } catch {
    return "";
  }
}

/**
 * Pairs the clusters of the two plans. Within a stack (a saved plan of the same stack), by name:
 * new clusters have no counterpart and missing ones are removed. Across stacks (no cluster name in
 * common) each cluster is compared with the first cluster of the other side that runs the same
 * distribution (RKE2 or K3s), else with its first cluster.
 */
export function pairClusters(before: Plan, after: Plan): { pairs: Pairing[]; crossStack: boolean } {
  const byName = new Map(before.clusters.map((c) => [c.name, c] as const));
  const crossStack = before.clusters.length > 0 && !after.clusters.some((c) => byName.has(c.name));
  if (crossStack) {
    const pairs = after.clusters.map((c) => ({ before: before.clusters.find((b) => distro(b) === distro(c)) ?? before.clusters[0], after: c }));
    return { pairs, crossStack };
  }
  const pairs: Pairing[] = after.clusters.map((c) => ({ before: byName.get(c.name), after: c }));
  const present = new Set(after.clusters.map((c) => c.name));
  for (const c of before.clusters) if (!present.has(c.name)) pairs.push({ before: c });
  return { pairs, crossStack };
}

function groupPairs<K>(pairs: Pairing[], key: (p: Pairing) => K | undefined): { key: K; pairs: Pairing[] }[] {
  const out = new Map<string, { key: K; pairs: Pairing[] }>();
  for (const p of pairs) {
    const k = key(p);
    if (k === undefined) continue;
    const id = JSON.stringify(k);
    const g = out.get(id) ?? { key: k, pairs: [] };
    g.pairs.push(p);
    out.set(id, g);
  }
  return [...out.values()];
}

const names = (pairs: Pairing[], side: "before" | "after") => [...new Set(pairs.map((p) => p[side]?.name).filter((x): x is string => !!x))].join(", ");

/** Leaf paths whose values differ between two input objects (secrets unwrapped first). */
export function changedPaths(a: unknown, b: unknown, at = ""): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  const isObj = (v: unknown) => v !== null && typeof v === "object";
  if (Array.isArray(a) && Array.isArray(b)) {
    const out: string[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) out.push(...changedPaths(a[i], b[i], `${at}[${i}]`));
    return out;
  }
  if (isObj(a) && isObj(b) && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a as object), ...Object.keys(b as object)])].sort();
    return keys.flatMap((k) => changedPaths((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], at ? `${at}.${k}` : k));
  }
  return [at || "(root)"];
}

/** The whole diff, as lines. `beforeLabel`/`afterLabel` name the two sides. */
export function renderDiff(before: Plan, after: Plan, beforeLabel: string, afterLabel: string, s: Style): string {
  const out: string[] = [];
  out.push(s.bold(`Diff: ${beforeLabel} → ${afterLabel}`) + s.dim(`  (- ${beforeLabel}, + ${afterLabel})`));
  const { pairs, crossStack } = pairClusters(before, after);
  if (crossStack) {
    out.push(s.dim("No cluster name in common: each cluster is compared with a cluster of the other side running the same distribution (RKE2 or K3s)."));
  }

  out.push("", s.bold("== Policy rules =="));
  const policyGroups = groupPairs(pairs, (p) => [p.before?.policySha256 ?? null, p.after?.policySha256 ?? null] as const);
  for (const g of policyGroups) {
    const [shaA, shaB] = g.key;
    const who = `${names(g.pairs, "before") || "(none)"} → ${names(g.pairs, "after") || "(none)"}`;
    if (shaA === shaB) {
      out.push(`${who}: unchanged${shaA ? ` (sha256 ${shaA.slice(0, 10)})` : " (no policy)"}`);
      continue;
    }
    const yamlA = g.pairs[0].before?.policyYaml ?? null;
    const yamlB = g.pairs[0].after?.policyYaml ?? null;
    out.push(`${who}: sha256 ${shaA?.slice(0, 10) ?? "(none)"} → ${shaB?.slice(0, 10) ?? "(none)"}`);
    if (yamlA === null) out.push(s.green(`  + a policy is delivered (${policyOf(yamlB ?? "")?.rules.length ?? "?"} rules)`));
    else if (yamlB === null) out.push(s.red("  - no policy is delivered any more"));
    else out.push(...policyDiff(yamlA, yamlB, s));
  }

  out.push("", s.bold("== kube-apiserver flags =="));
  for (const g of groupPairs(pairs, (p) => [p.before?.apiServerArgs ?? null, p.after?.apiServerArgs ?? null] as const)) {
    const who = `${names(g.pairs, "before") || "(none)"} → ${names(g.pairs, "after") || "(none)"}`;
    const [a, b] = g.key;
    if (a === null) out.push(`${who}: new cluster, flags: ${b!.map((x) => `--${x}`).join(" ")}`);
    else if (b === null) out.push(`${who}: removed`);
    else {
      const lines = flagsDiff(a, b, s);
      out.push(lines.length === 0 ? `${who}: unchanged` : `${who}:`, ...lines);
    }
  }

  out.push("", s.bold("== Restart scope =="));
  for (const p of pairs) {
    if (!p.after) {
      out.push(`${p.before!.name}: not in ${afterLabel} (removing the component leaves delivered files on the nodes)`);
      continue;
    }
    const label = p.before && p.before.name !== p.after.name ? `${p.after.name} (vs ${p.before.name})` : p.after.name;
    if (!p.before) {
      out.push(`${label}: new cluster: audit is configured at creation, nothing restarts`);
      continue;
    }
    const policyChanged = p.before.policySha256 !== p.after.policySha256;
    const flagsChanged = p.before.apiServerArgs.join("\n") !== p.after.apiServerArgs.join("\n");
    const scope = p.after.restartScope.roles.length > 0 ? p.after.restartScope : p.before.restartScope;
    if (!policyChanged && !flagsChanged) out.push(`${label}: no restart (policy and flags unchanged)`);
    else {
      const why = [policyChanged ? "policy" : "", flagsChanged ? "flags" : ""].filter(Boolean).join(" and ");
      out.push(`${label}: ${why} change restarts ${s.bold(scope.roles.join(", ") || "control-plane")} machines (${scope.selector})`);
    }
    if (JSON.stringify(p.before.restartScope) !== JSON.stringify(p.after.restartScope)) {
      out.push(`  restart scope itself changes: ${p.before.restartScope.roles.join(", ") || "none"} → ${p.after.restartScope.roles.join(", ") || "none"}`);
    }
  }

  out.push(...shippingDiff(before, after, pairs, s));

  out.push("", s.bold("== Resources =="));
  const key = (r: { type: string; name: string }) => `${r.type} ${r.name}`;
  const ra = new Map(before.resources.map((r) => [key(r), r] as const));
  const rb = new Map(after.resources.map((r) => [key(r), r] as const));
  let same = 0;
  for (const [k, r] of rb) {
    const old = ra.get(k);
    if (!old) out.push(s.green(`+ ${k}`));
    else {
      const paths = changedPaths(unwrapSecrets(old.inputs), unwrapSecrets(r.inputs));
      if (paths.length === 0) same++;
      else out.push(`~ ${k}: ${paths.slice(0, 8).join(", ")}${paths.length > 8 ? `, ... (${paths.length} fields)` : ""}`);
    }
  }
  for (const k of ra.keys()) if (!rb.has(k)) out.push(s.red(`- ${k}`));
  out.push(s.dim(`${same} unchanged`));
  return `${out.join("\n")}\n`;
}
