/**
 * The steps that build the representative requests one part at a time (scope, namespace, verb,
 * user, groups), each narrowing the set of rules still matching (see the comment of analyze.ts).
 */
import type { CompiledPolicy } from "../evaluate";
import { LONG_RUNNING_SUBRESOURCES } from "../long-running";
import type { Policy, PolicyRule, VersionOptions } from "../types";
import { AUTHENTICATED, NO_ACTOR, nonEmpty, nonResourceScope, possibleResourceRequest, requestOf, resourceScope, UNAUTHENTICATED, type Actor } from "./requests";
import { dimension, extend, members, RANK_SIZE, refine, strippedPolicy, type Combo, type Dimension, type Evaluator, type Layout, type RuleSet, type Step } from "./rule-sets";
import type { Space, ValueClass } from "./space";

/**
 * The request space of a policy, enumerated by distinct sets of matching rules. A rule matches a
 * request iff all of these hold (kube-apiserver's ruleMatches): its users, its userGroups, its
 * verbs, and for resource requests its namespaces and its resources entries (group, resource,
 * subresource and resourceNames, checked together per entry); non-resource requests its
 * nonResourceURLs. Each is computed by the evaluator on the policy stripped to that condition.
 */
export class Requests {
  private readonly users: Dimension;
  private readonly namespaces: Dimension;
  private readonly userGroups: Dimension;
  private readonly nullActor: RuleSet;
  private readonly verbSets = new Map<string, RuleSet>();
  private readonly groupSets = new Map<string, RuleSet>();
  private readonly namespaceSets = new Map<string, RuleSet>();
  private readonly blocks: Record<"users" | "userGroups" | "actor" | "verbs" | "namespaces" | "entries" | "looseEntries" | "scope", CompiledPolicy>;
  private readonly probe: Actor;

  constructor(
    policy: Policy,
    private readonly space: Space,
    private readonly groupWildcard: boolean,
    options: VersionOptions,
    private readonly ev: Evaluator,
  ) {
    const strip = (pick: (r: PolicyRule) => Partial<PolicyRule>) => strippedPolicy(policy, pick, options);
    const resourceScoped = (r: PolicyRule) => nonEmpty(r.resources) || nonEmpty(r.namespaces);
    this.blocks = {
      users: strip((r) => ({ users: r.users })),
      userGroups: strip((r) => ({ userGroups: r.userGroups })),
      actor: strip((r) => ({ users: r.users, userGroups: r.userGroups })),
      verbs: strip((r) => ({ verbs: r.verbs })),
      // For resource requests: the namespace condition of resource rules, and "never" for
      // non-resource rules (a rule with neither matches every request).
      namespaces: strip((r) => ({ namespaces: r.namespaces, nonResourceURLs: resourceScoped(r) ? undefined : r.nonResourceURLs })),
      // For resource requests: the resources condition (rules without one accept every resource).
      entries: strip((r) => ({ resources: r.resources })),
      looseEntries: strip((r) => ({ resources: r.resources?.map((gr) => ({ ...gr, resourceNames: undefined })) })),
      // For non-resource requests: everything but users, userGroups and verbs.
      scope: strip((r) => ({ resources: r.resources, namespaces: r.namespaces, nonResourceURLs: r.nonResourceURLs })),
    };
    this.probe = { user: space.names.user, groups: [AUTHENTICATED] };
    const anyone = (user: string | null, groups: string[] | null) => requestOf({ user, groups }, "get", nonResourceScope("/"));
    const userSet = (u: string) => this.ev.set(this.blocks.users, anyone(u, []));
    this.users = dimension(space.users, userSet, userSet(space.users[0].value));
    const groupSet = (gs: string[]) => this.ev.set(this.blocks.userGroups, anyone(space.names.user, gs));
    this.userGroups = dimension(space.userGroups, (g) => groupSet([g]), groupSet([]));
    this.nullActor = this.ev.set(this.blocks.actor, anyone(null, null));
    const nsSet = (ns: string) => this.namespaceSet(ns);
    this.namespaces = dimension(space.namespaces, nsSet, nsSet(space.namespaces[0].value));
  }

  private memo(cache: Map<string, RuleSet>, key: string, compute: () => RuleSet): RuleSet {
    let set = cache.get(key);
    if (set === undefined) cache.set(key, (set = compute()));
    return set;
  }

  private verbSet(verb: string): RuleSet {
    return this.memo(this.verbSets, verb, () => this.ev.set(this.blocks.verbs, requestOf(NO_ACTOR, verb, nonResourceScope("/"))));
  }

  private groupSet(groups: string[]): RuleSet {
    const req = requestOf({ user: this.space.names.user, groups }, "get", nonResourceScope("/"));
    return this.memo(this.groupSets, groups.join("\u0000"), () => this.ev.set(this.blocks.userGroups, req));
  }

  private namespaceSet(namespace: string): RuleSet {
    const req = requestOf(NO_ACTOR, "", resourceScope("", "pods", "", namespace, ""));
    return this.memo(this.namespaceSets, namespace, () => this.ev.set(this.blocks.namespaces, req));
  }

  /**
   * Resource scopes without a namespace: per group class, per (resource, subresource) pair, the
   * unnamed object name, "" (when there is no subresource), and the names listed in entries of
   * rules that the name can still decide (they match the pair but not with the unnamed name).
   */
  resourceStarts(layout: Layout, target?: { apiGroup: string; resource: string; subresource: string }): Combo[] {
    const out: Combo[] = [];
    const unnamed = this.space.objectNames[0];
    const emptyName = this.space.objectNames.find((c) => c.value === "")!;
    const groups = target ? [{ value: target.apiGroup, rank: 0 }] : this.space.apiGroups;
    for (const group of groups) {
      const pairs: [string, string][] = target ? [[target.resource, target.subresource]] : this.space.pairs(group.value);
      pairs.forEach(([resource, subresource], p) => {
        const scopeOf = (name: string) => resourceScope(group.value, resource, subresource, "", name);
        const entries = (name: string) => this.ev.set(this.blocks.entries, requestOf(this.probe, "", scopeOf(name)));
        const flags = `${subresource === "" ? "" : "sub"}|${LONG_RUNNING_SUBRESOURCES.has(subresource) ? "long" : ""}`;
        const add = (name: ValueClass, set: RuleSet) => {
          const rank = new Array<number>(RANK_SIZE).fill(0);
          rank[layout.group] = group.rank;
          rank[layout.pair] = p;
          rank[layout.name] = name.rank;
          out.push({ set, flags: `${name.value === "" ? "" : "name"}|${flags}`, rank, actor: NO_ACTOR, verb: "", scope: scopeOf(name.value) });
        };
        const named = entries(unnamed.value);
        add(unnamed, named);
        if (subresource === "") add(emptyName, entries(""));
        const undecided = this.ev.set(this.blocks.looseEntries, requestOf(this.probe, "", scopeOf(unnamed.value))) & ~named;
        const seen = new Set<ValueClass>();
        for (const r of members(undecided)) {
          const listed = [...(this.space.namesListed.get(group.value)?.get(r) ?? []), ...((this.groupWildcard && this.space.namesListed.get("*")?.get(r)) || [])];
          for (const cls of listed) {
            if (cls.value === "" || seen.has(cls)) continue; // "" is tried above (and has no subresource)
            seen.add(cls);
            add(cls, entries(cls.value));
          }
        }
      });
    }
    return out;
  }

  /** Non-resource paths, each with the rules whose scope conditions accept it. */
  nonResourceStarts(layout: Layout): Combo[] {
    return this.space.paths.map((path, k) => {
      const rank = new Array<number>(RANK_SIZE).fill(0);
      rank[layout.kind] = 1;
      rank[layout.group] = k;
      const scope = nonResourceScope(path);
      return { set: this.ev.set(this.blocks.scope, requestOf(this.probe, "", scope)), flags: "", rank, actor: NO_ACTOR, verb: "", scope };
    });
  }

  /** The namespace step: every namespace class that narrows the set differently, or only `only` ("" for cluster-scoped targets). */
  namespaceStep(layout: Layout, only?: string): Step {
    const at = (c: Combo, namespace: string) => resourceScope(c.scope.apiGroup, c.scope.resource, c.scope.subresource, namespace, c.scope.name);
    if (only !== undefined) return (c, emit) => emit(extend(c, c.set & this.namespaceSet(only), layout.namespace, 0, { scope: at(c, only) }));
    return (c, emit) => refine(c.set, this.namespaces, (cls, set) => emit(extend(c, set, layout.namespace, cls.rank, { scope: at(c, cls.value) })));
  }

  /** `verbs` in example order; `flags` says what the result depends on after this step. */
  verbStep(layout: Layout, verbs: readonly string[], flags: (verb: string, c: Combo) => string): Step {
    return (c, emit) =>
      verbs.forEach((verb, k) => {
        if (c.scope.resourceRequest && !possibleResourceRequest(verb, c.scope.name, c.scope.subresource)) return;
        emit(extend(c, c.set & this.verbSet(verb), layout.verb, k, { verb, flags: flags(verb, c) }));
      });
  }

  /** Users (their groups are the next step); with `withoutUserInfo`, also a request without user info. */
  userStep(layout: Layout, withoutUserInfo: boolean): Step {
    return (c, emit) => {
      refine(c.set, this.users, (cls, set) => emit(extend(c, set, layout.user, cls.rank, { actor: { user: cls.value, groups: [] } })));
      // Last in example order, and kept apart from the users (the groups step passes it through).
      if (withoutUserInfo) emit(extend(c, c.set & this.nullActor, layout.user, Number.MAX_SAFE_INTEGER, { actor: NO_ACTOR, flags: `${c.flags}|no user info` }));
    };
  }

  /** Group sets {base} and {base, g} (see the comment of analyze.ts), g listed by a rule still in the set. */
  groupStep(layout: Layout): Step {
    const bases = [AUTHENTICATED, UNAUTHENTICATED];
    return (c, emit) => {
      const user = c.actor.user;
      if (user === null) return emit(c);
      bases.forEach((base, b) => {
        const alone = this.groupSet([base]);
        emit(extend(c, c.set & alone, layout.groups, b, { actor: { user, groups: [base] } }));
        const seen = new Set<number>();
        for (const r of members(c.set & ~alone)) {
          for (const k of this.userGroups.listedBy.get(r) ?? []) {
            const g = this.userGroups.classes[k];
            if (g.value === base || seen.has(k)) continue;
            seen.add(k);
            emit(extend(c, c.set & this.groupSet([base, g.value]), layout.groups, 2 + 2 * g.rank + b, { actor: { user, groups: [base, g.value] } }));
          }
        }
      });
    };
  }
}
