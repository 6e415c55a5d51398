/**
 * The representative request space of a policy (see the comment of analyze.ts): the candidate values of each
 * dimension, collapsed to classes of values no predicate tells apart.
 */
import { LONG_RUNNING_SUBRESOURCES } from "../long-running";
import type { Policy, PolicyRule } from "../types";
import type { Excluded } from "./never-matches";
import { isResourcePath, nonEmpty, unique, type Names } from "./requests";
import { BUILTIN_RESOURCES, parseResourceSpec } from "./resources";

const SUBRESOURCE_CANDIDATES = ["status", "scale", "log", "exec", "eviction", "binding", "token", "ephemeralcontainers", "finalize", "approval"];
/** An unlisted long-running subresource: it gets a ResponseStarted event where an unlisted ordinary one does not. */
const LONG_RUNNING_SUBRESOURCE_CANDIDATES = ["log", "exec", "attach", "portforward", "proxy"];
const PATH_CANDIDATES = ["/metrics", "/openapi/v2", "/livez", "/readyz", "/healthz", "/version", "/"];


/** One class of values of a dimension that no predicate of the policy tells apart. */
export interface ValueClass {
  /** The representative. */
  value: string;
  /** Its position in the dimension's candidate order: examples prefer lower ranks. */
  rank: number;
}

/**
 * Collapses candidates with the same signature (`signature(v)`: which predicates list v, "" when
 * none does): they behave identically in every rule, so one representative per class is enough.
 * The representative is the class's first candidate when the signature is empty (the unnamed
 * value), else the member the policy lists first (`firstListed`). Classes come in candidate order.
 */
export function valueClasses(
  candidates: readonly string[],
  signature: (value: string) => string,
  firstListed: ReadonlyMap<string, number>,
): { classes: ValueClass[]; classOf: Map<string, ValueClass> } {
  const bySignature = new Map<string, { members: string[]; rep: ValueClass; order: number }>();
  candidates.forEach((value, rank) => {
    const sig = signature(value);
    const order = sig === "" ? rank : (firstListed.get(value) ?? Number.MAX_SAFE_INTEGER);
    const cls = bySignature.get(sig);
    if (!cls) bySignature.set(sig, { members: [value], rep: { value, rank }, order });
    else {
      cls.members.push(value);
      if (order < cls.order) Object.assign(cls, { rep: { value, rank }, order });
    }
  });
  const classOf = new Map<string, ValueClass>();
  for (const { members, rep } of bySignature.values()) for (const m of members) classOf.set(m, rep);
  return { classes: [...bySignature.values()].map((c) => c.rep).sort((a, b) => a.rank - b.rank), classOf };
}

/** value -> signature: the sorted distinct keys (rule or entry positions) of the lists that hold it. */
export function signatures(lists: Iterable<[key: string, values: readonly string[] | undefined]>): Map<string, string> {
  const keys = new Map<string, string[]>();
  for (const [key, values] of lists) {
    for (const v of values ?? []) {
      let k = keys.get(v);
      if (!k) keys.set(v, (k = []));
      if (k[k.length - 1] !== key) k.push(key);
    }
  }
  return new Map([...keys].map(([v, k]) => [v, k.join(",")]));
}

/** value -> its first position in the policy (rules in order, each list in order). */
export function policyOrder(lists: Iterable<readonly string[] | undefined>): Map<string, number> {
  const out = new Map<string, number>();
  for (const values of lists) for (const v of values ?? []) if (!out.has(v)) out.set(v, out.size);
  return out;
}

/**
 * The candidate values of every dimension of a request, collapsed to classes (see the module
 * comment), and the (resource, subresource) pairs and non-resource paths worth trying.
 */
export class Space {
  /** Example values no rule lists. */
  readonly names: Names;
  // Classes of the candidates, which are, in rank order:
  /** the unnamed user, then the listed users (sorted); */
  readonly users: ValueClass[];
  /** the listed userGroups (sorted); */
  readonly userGroups: ValueClass[];
  /** the unnamed namespace, "", then the valid listed namespaces (sorted); */
  readonly namespaces: ValueClass[];
  /** the unnamed object name, "", then the listed resourceNames (sorted); */
  readonly objectNames: ValueClass[];
  /** "", the valid listed groups (sorted), then the unnamed group. */
  readonly apiGroups: ValueClass[];
  /** Non-resource paths, one per class. */
  readonly paths: string[];
  /** group -> rule -> the classes of resourceNames its entries for that group (with resources) list. */
  readonly namesListed = new Map<string, Map<number, ValueClass[]>>();
  private readonly resourceAtoms = new Map<string, Set<string>>();
  private readonly subresourceAtoms = new Map<string, Set<string>>();

  constructor(policy: Policy, groupWildcard: boolean, excluded: Excluded) {
    const rules = policy.rules;
    const users = new Set<string>();
    const groups = new Set<string>();
    const namespaces = new Set<string>();
    const objectNames = new Set<string>();
    const apiGroups = new Set<string>();
    const urls = new Set<string>();
    for (const rule of rules) {
      rule.users?.forEach((u) => users.add(u));
      rule.userGroups?.forEach((g) => groups.add(g));
      rule.namespaces?.forEach((n) => namespaces.add(n));
      rule.nonResourceURLs?.forEach((u) => urls.add(u));
      for (const gr of rule.resources ?? []) {
        const group = gr.group ?? "";
        if (excluded.groups.has(group)) continue;
        if (group !== "*") apiGroups.add(group);
        gr.resourceNames?.forEach((n) => objectNames.add(n));
        for (const res of gr.resources ?? []) {
          const spec = parseResourceSpec(res);
          if (spec.kind === "exact" || spec.kind === "subresourcesOf") {
            if (!excluded.resources.has(`${group}\u0000${spec.resource}`)) this.atom(this.resourceAtoms, group, spec.resource);
          }
          if (spec.kind === "exact" && spec.subresource !== "") this.atom(this.subresourceAtoms, group, spec.subresource);
          if (spec.kind === "anyResource") this.atom(this.subresourceAtoms, group, spec.subresource);
        }
      }
    }
    this.names = {
      user: unique("alice", users),
      namespace: unique("team-a", namespaces),
      name: unique("example", objectNames),
      group: unique("example.com", apiGroups),
    };
    if (!groupWildcard) this.resourceAtoms.delete("*");
    if (!groupWildcard) this.subresourceAtoms.delete("*");

    // users, userGroups, namespaces: a value's signature is the rules that list it.
    const byRule = (pick: (r: PolicyRule) => readonly string[] | undefined) =>
      signatures(rules.map((r, i): [string, readonly string[] | undefined] => [String(i), pick(r)]));
    const userSig = byRule((r) => r.users);
    this.users = valueClasses([this.names.user, ...[...users].sort()], (u) => userSig.get(u) ?? "", policyOrder(rules.map((r) => r.users))).classes;
    const groupSig = byRule((r) => r.userGroups);
    this.userGroups = valueClasses([...groups].sort(), (g) => groupSig.get(g) ?? "", policyOrder(rules.map((r) => r.userGroups))).classes;
    const nsSig = byRule((r) => r.namespaces);
    this.namespaces = valueClasses(
      [this.names.namespace, "", ...[...namespaces].filter((n) => n !== "" && !excluded.namespaces.has(n)).sort()],
      (n) => nsSig.get(n) ?? "",
      policyOrder(rules.map((r) => r.namespaces)),
    ).classes;

    // Object names are compared only in entries that list resources (an entry without resources
    // matches the whole group before looking at names); "" is its own class (no subresource, and
    // RequestInfo's verbs differ with and without a name).
    const entries = rules.flatMap((r, i) =>
      (r.resources ?? []).map((gr, j) => ({ rule: i, key: `${i}.${j}`, group: gr.group ?? "", gr })).filter((e) => !excluded.groups.has(e.group)),
    );
    const naming = entries.filter((e) => nonEmpty(e.gr.resources) && nonEmpty(e.gr.resourceNames));
    const nameSig = signatures(naming.map((e): [string, readonly string[] | undefined] => [e.key, e.gr.resourceNames]));
    const names = valueClasses(
      [this.names.name, "", ...[...objectNames].filter((n) => n !== "").sort()],
      (n) => `${n === "" ? '"" ' : ""}${nameSig.get(n) ?? ""}`,
      policyOrder(naming.map((e) => e.gr.resourceNames)),
    );
    this.objectNames = names.classes;
    for (const e of naming) {
      let perRule = this.namesListed.get(e.group);
      if (!perRule) this.namesListed.set(e.group, (perRule = new Map()));
      let list = perRule.get(e.rule);
      if (!list) perRule.set(e.rule, (list = []));
      for (const n of e.gr.resourceNames ?? []) {
        const cls = names.classOf.get(n)!;
        if (!list.includes(cls)) list.push(cls);
      }
    }

    // API groups: a rule treats a group by the contents (resources, resourceNames) of its entries
    // for that group, so groups whose entries read the same in every rule, and that have the
    // same resources excluded, are one class ("*" entries apply to all groups alike).
    const contents = new Map<string, Set<string>>();
    for (const e of entries) {
      if (e.group === "*") continue;
      let set = contents.get(e.group);
      if (!set) contents.set(e.group, (set = new Set()));
      set.add(`${e.rule}:${JSON.stringify([e.gr.resources ?? null, e.gr.resourceNames ?? null])}`);
    }
    const groupSignature = (g: string): string => {
      const c = [...(contents.get(g) ?? [])].sort().join(";");
      const out = [...excluded.resources].filter((k) => k.startsWith(`${g}\u0000`)).sort().join(";");
      return c === "" && out === "" ? "" : `${c}|${out}`;
    };
    this.apiGroups = valueClasses(
      ["", ...[...apiGroups].filter((g) => g !== "" && !excluded.groups.has(g)).sort(), this.names.group],
      groupSignature,
      policyOrder(entries.map((e) => [e.group])),
    ).classes;

    this.paths = this.pathsFor([...urls]);
  }

  private atom(map: Map<string, Set<string>>, group: string, value: string): void {
    let set = map.get(group);
    if (!set) map.set(group, (set = new Set()));
    set.add(value);
  }

  private atomsFor(map: Map<string, Set<string>>, group: string): string[] {
    return [...new Set([...(map.get(group) ?? []), ...(map.get("*") ?? [])])].sort();
  }

  /**
   * Every (resource, subresource) class of a group: literals, plus one unnamed resource, one
   * unnamed subresource and one unnamed long-running subresource.
   */
  pairs(group: string): [string, string][] {
    const resources = this.atomsFor(this.resourceAtoms, group);
    const subresources = this.atomsFor(this.subresourceAtoms, group);
    const taken = new Set(resources);
    const otherResource = (BUILTIN_RESOURCES[group] ?? []).find((r) => !taken.has(r)) ?? unique("widgets", taken);
    const unlisted = (candidates: string[]) => candidates.filter((s) => !subresources.includes(s));
    const otherSub = unlisted(SUBRESOURCE_CANDIDATES)[0] ?? unique("subresource", new Set(subresources));
    // Long-running or not decides whether ResponseStarted is written: keep one unlisted of each kind.
    const others = LONG_RUNNING_SUBRESOURCES.has(otherSub)
      ? [otherSub, ...unlisted(SUBRESOURCE_CANDIDATES.filter((s) => !LONG_RUNNING_SUBRESOURCES.has(s))).slice(0, 1)]
      : [otherSub, ...unlisted(LONG_RUNNING_SUBRESOURCE_CANDIDATES).slice(0, 1)];
    const out: [string, string][] = [];
    for (const resource of [otherResource, ...resources]) {
      for (const sub of ["", ...subresources, ...others]) out.push([resource, sub]);
    }
    return out;
  }

  /** Non-resource paths: one per class of "which literal does it equal, which prefixes does it start with". */
  private pathsFor(specs: string[]): string[] {
    const literals = new Set(specs.filter((s) => s !== "*" && !s.endsWith("*")));
    const prefixes = [...new Set(specs.filter((s) => s !== "*" && s.endsWith("*")).map((s) => s.replace(/\*+$/, "")))];
    const longestPrefix = (p: string) => prefixes.filter((x) => p.startsWith(x)).sort((a, b) => b.length - a.length)[0];
    const out = new Set<string>();
    const other = PATH_CANDIDATES.find((c) => !literals.has(c) && longestPrefix(c) === undefined) ?? "/\u0001";
    if (!literals.has(other) && longestPrefix(other) === undefined) out.add(other);
    for (const l of [...literals].sort()) out.add(l);
    for (const p of prefixes.sort()) {
      out.add(p);
      // A path that starts with p, equals no literal and starts with no longer prefix.
      const ext = ["x", "-x", "/x", "\u0001"].map((s) => p + s).find((c) => !literals.has(c) && longestPrefix(c) === p && !isResourcePath(c));
      if (ext !== undefined) out.add(ext);
    }
    return [...out].filter((p) => p.startsWith("/") && !isResourcePath(p));
  }
}
