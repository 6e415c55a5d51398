/**
 * Sets of matching rules and their enumeration without the cross product (see the comment of analyze.ts): rule
 * sets as bit sets, the counting evaluator, per-dimension classes with the rules that accept them,
 * and the partial requests (combos) narrowed one part at a time.
 */
import { compilePolicy, evaluateCompiled, matchingRules, type CompiledPolicy } from "../evaluate";
import type { Decision, Level, Policy, PolicyRule, RequestAttributes, VersionOptions } from "../types";
import type { Actor, Scope } from "./requests";
import type { ValueClass } from "./space";

/** Work counters of one analyzePolicy call (diagnostic). */
export interface AnalyzeStats {
  /** Requests handed to the evaluator (matchingRules or evaluateCompiled), all passes together. */
  requestsEvaluated: number;
  /**
   * Representative requests whose matching rules differ from the set the enumeration derived from
   * the per-condition classes. Always 0: anything else is a bug in the analysis.
   */
  selfCheckFailures: number;
}

/** A set of rule indices as a bit set (bit i = rules[i]). */
export type RuleSet = bigint;

/** The RuleSet holding these rule indices. */
export function ruleSet(indices: readonly number[]): RuleSet {
  if (indices.length === 0) return 0n;
  let top = 0;
  for (const i of indices) if (i > top) top = i;
  const bits = new Array<string>(top + 1).fill("0");
  for (const i of indices) bits[top - i] = "1";
  return BigInt(`0b${bits.join("")}`);
}

/** The rule indices in a RuleSet, ascending. */
export function members(set: RuleSet): number[] {
  const bits = set.toString(2);
  const out: number[] = [];
  for (let k = 0; k < bits.length; k++) if (bits.charCodeAt(bits.length - 1 - k) === 49) out.push(k);
  return out;
}

/** The engine's evaluator, counting the requests it is handed (AnalyzeStats). */
export class Evaluator {
  constructor(readonly stats: AnalyzeStats) {}

  /** The indices of the rules that match `req`, in order (matchingRules), counted. */
  matches(compiled: CompiledPolicy, req: RequestAttributes): number[] {
    this.stats.requestsEvaluated++;
    return matchingRules(compiled, req);
  }

  /** The rules that match `req` as a RuleSet, counted. */
  set(compiled: CompiledPolicy, req: RequestAttributes): RuleSet {
    return ruleSet(this.matches(compiled, req));
  }

  /** The policy's decision for `req` (evaluateCompiled), counted. */
  decide(compiled: CompiledPolicy, req: RequestAttributes): Decision {
    this.stats.requestsEvaluated++;
    return evaluateCompiled(compiled, req);
  }
}

/** The policy reduced to the conditions `pick` keeps, every rule at Metadata: which rules accept a value of those conditions. */
export function strippedPolicy(policy: Policy, pick: (r: PolicyRule) => Partial<PolicyRule>, options: VersionOptions): CompiledPolicy {
  return compilePolicy(
    { apiVersion: "audit.k8s.io/v1", kind: "Policy", rules: policy.rules.map((r) => ({ level: "Metadata" as Level, ...pick(r) })) },
    options,
  );
}

/**
 * The classes of one dimension with the rules that accept each (by the evaluator, on a policy
 * stripped to that dimension's conditions). `base` is what the unnamed class gets: the rules that
 * do not test the dimension; every class gets base plus the rules that list it.
 */
export interface Dimension {
  /** The classes, in rank order; classes[0] is the unnamed value. */
  classes: ValueClass[];
  /** Per class, the rules that accept it. */
  sets: RuleSet[];
  /** The rules that accept the unnamed value (those that do not test this dimension). */
  base: RuleSet;
  /** rule -> indices (in classes) of the classes it accepts beyond base. */
  listedBy: Map<number, number[]>;
}

/** The Dimension of `classes`, with `setOf(value)` the rules that accept a value. */
export function dimension(classes: ValueClass[], setOf: (value: string) => RuleSet, base: RuleSet): Dimension {
  const sets = classes.map((c) => setOf(c.value));
  const listedBy = new Map<number, number[]>();
  sets.forEach((set, k) => {
    for (const r of members(set & ~base)) {
      let list = listedBy.get(r);
      if (!list) listedBy.set(r, (list = []));
      list.push(k);
    }
  });
  return { classes, sets, base, listedBy };
}

/**
 * `set` narrowed by each class of `dim` that narrows it differently: classes[0] (the unnamed
 * value, listed nowhere) and the classes some rule of `set` lists. Any other class leaves exactly
 * what classes[0] leaves (it gets base plus rules outside `set`).
 */
export function refine(set: RuleSet, dim: Dimension, each: (cls: ValueClass, narrowed: RuleSet) => void): void {
  each(dim.classes[0], set & dim.sets[0]);
  const seen = new Set<number>([0]);
  for (const r of members(set & ~dim.base)) {
    for (const k of dim.listedBy.get(r) ?? []) {
      if (seen.has(k)) continue;
      seen.add(k);
      each(dim.classes[k], set & dim.sets[k]);
    }
  }
}

/**
 * A partial request: the rules whose conditions on the parts fixed so far all hold. A rule
 * matches a request iff each of its conditions holds, so fixing a further part intersects `set`
 * with the rules that accept that part; two combos with the same `set` and `flags` therefore end
 * in the same sets whatever is fixed next, and only one of them (the lower `rank`) is kept.
 */
export interface Combo {
  /** The rules whose conditions on the parts fixed so far all hold. */
  set: RuleSet;
  /** What the remaining parts or the result depend on besides `set` (name and subresource empty, long-running, verb). */
  flags: string;
  /** Example order, most significant first (unfixed parts 0): the kept combo is the one a nested loop would meet first. */
  rank: number[];
  /** The sender (NO_ACTOR until the user step). */
  actor: Actor;
  /** The verb ("" until the verb step). */
  verb: string;
  /** What the request addresses. */
  scope: Scope;
}

/** Where each part goes in Combo.rank, most significant first. */
export interface Layout {
  /** Position of the user. */
  user: number;
  /** Position of the group set. */
  groups: number;
  /** Position of the kind: resource (0) or non-resource (1) request. */
  kind: number;
  /** Position of the verb. */
  verb: number;
  /** Also the non-resource path. */
  group: number;
  /** Position of the (resource, subresource) pair. */
  pair: number;
  /** Position of the namespace. */
  namespace: number;
  /** Position of the object name. */
  name: number;
}

/** The main pass: per actor, resource requests then non-resource ones; per verb, scopes in space order. */
export const MAIN_ORDER: Layout = { user: 0, groups: 1, kind: 2, verb: 3, group: 4, pair: 5, namespace: 6, name: 7 };
/** secret-bodies: per verb, per actor, per namespace, per name (the target is fixed). */
export const TARGET_ORDER: Layout = { verb: 0, user: 1, groups: 2, namespace: 3, name: 4, group: 5, pair: 6, kind: 7 };
/** Number of positions in Combo.rank. */
export const RANK_SIZE = 8;

/** `c` with one more part fixed: its new set, its rank at `slot`, and the fields in `patch`. */
export function extend(c: Combo, set: RuleSet, slot: number, rank: number, patch: Partial<Combo>): Combo {
  const r = c.rank.slice();
  r[slot] = rank;
  return { ...c, ...patch, set, rank: r };
}

/** Lexicographic order of ranks: the combo a nested loop meets first is smaller. */
export function compareRanks(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** One part of the request fixed: emits each combo the part's classes make of `c`. */
export type Step = (c: Combo, emit: (next: Combo) => void) => void;

/**
 * Runs the steps over the starting combos, keeping one combo per (flags, set) after each, and
 * dropping combos no rule matches (the default decision, None, writes nothing and decides
 * nothing). Returns the complete combos in rank order.
 */
export function enumerate(starts: readonly Combo[], steps: readonly Step[]): Combo[] {
  const distinct = new Map<string, Combo>();
  const emit = (c: Combo) => {
    if (c.set === 0n) return;
    const key = `${c.flags}|${c.set.toString(36)}`;
    const kept = distinct.get(key);
    if (!kept || compareRanks(c.rank, kept.rank) < 0) distinct.set(key, c);
  };
  starts.forEach(emit);
  for (const step of steps) {
    const current = [...distinct.values()];
    distinct.clear();
    for (const c of current) step(c, emit);
  }
  return [...distinct.values()].sort((a, b) => compareRanks(a.rank, b.rank));
}
