/**
 * Request classes for replay: verb + API group + resource[/subresource] + the kind of caller.
 * Counting by class (never by individual request) keeps replay's memory flat; the number of
 * classes is capped too (MAX_CLASSES), the rest is summed into one "(other classes)" row.
 */
import type { RequestAttributes } from "../../components/audit-policy";

/**
 * At most this many distinct classes are tracked per table; further classes are added to the
 * OTHER row. Real clusters have a few hundred (verbs x resources x caller kinds); the cap only
 * matters for logs with thousands of CRDs, and bounds memory at a few MB whatever the input.
 */
export const MAX_CLASSES = 10_000;
export const OTHER = "(other classes)";

/** The kind of caller, from the authenticated user kube-apiserver evaluates the policy against. */
export function userKind(req: RequestAttributes): string {
  const u = req.user;
  if (u === null) return "unauthenticated";
  if (u === "system:anonymous") return "anonymous";
  if (u.startsWith("system:node:")) return "node";
  if (u.startsWith("system:serviceaccount:cattle-impersonation-system:")) return "rancher-user";
  if (u.startsWith("system:serviceaccount:")) return "serviceaccount";
  if (u.startsWith("system:")) return "system";
  return "user";
}

export function requestClass(req: RequestAttributes): string {
  if (!req.resourceRequest) return `${req.verb} ${req.path || "/"} by ${userKind(req)}`;
  const group = req.apiGroup === "" ? "core" : req.apiGroup;
  const res = req.subresource === "" ? req.resource : `${req.resource}/${req.subresource}`;
  return `${req.verb} ${group}/${res} by ${userKind(req)}`;
}

/** A bounded map of counters: past MAX_CLASSES keys, new keys go to the OTHER entry. */
export class BoundedCounters<T> {
  private readonly map = new Map<string, T>();
  constructor(
    private readonly make: () => T,
    private readonly limit = MAX_CLASSES,
  ) {}

  get(key: string): T {
    let v = this.map.get(key);
    if (v === undefined) {
      if (this.map.size >= this.limit && key !== OTHER) return this.get(OTHER);
      v = this.make();
      this.map.set(key, v);
    }
    return v;
  }

  get size(): number {
    return this.map.size;
  }

  entries(): [string, T][] {
    return [...this.map.entries()];
  }

  /** True when some key was folded into OTHER. */
  get overflowed(): boolean {
    return this.map.size >= this.limit && this.map.has(OTHER);
  }
}
