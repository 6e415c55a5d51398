/**
 * The request model of the safety analysis (analyze.ts): the verbs RequestInfo produces, the parts
 * of a request (actor, scope), which combinations kube-apiserver can see, whether a decision
 * writes an event, and how findings describe a request.
 */
import { isLongRunningRequest } from "../long-running";
import type { RequestIdentity } from "../request-attributes";
import type { Decision, RequestAttributes, Stage } from "../types";

export { nonResourceScope, requestOf, resourceScope, type Scope } from "../request-attributes";

/** Who sends a request: `null` user and groups for a request without user info (failed authentication). */
export type Actor = RequestIdentity;

/** The group kube-apiserver adds to every authenticated user. */
export const AUTHENTICATED = "system:authenticated";
/** The group of anonymous (and some front-proxy) users instead of system:authenticated. */
export const UNAUTHENTICATED = "system:unauthenticated";

/** Every verb RequestInfo gives a resource request ("" for methods it does not map, e.g. OPTIONS). */
export const RESOURCE_VERBS = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "proxy", ""] as const;
/** Non-resource requests carry the lower-cased HTTP method. */
export const NON_RESOURCE_VERBS = ["get", "post", "put", "patch", "delete", "head", "options"] as const;
/** The verbs of Kubernetes' standard resource API (what CIS items and hints list). */
export const STANDARD_VERBS = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"] as const;

/** A string quoted for messages (JSON). */
export const q = (s: string): string => JSON.stringify(s);
/** Is the list present and not empty (an absent or empty condition matches everything)? */
export const nonEmpty = <T>(list: readonly T[] | undefined): list is readonly T[] => list !== undefined && list.length > 0;
/** How messages name an API group: `the core group ("")` or `group "apps"`. */
export const groupLabel = (g: string): string => (g === "" ? 'the core group ("")' : `group ${q(g)}`);

/** `base`, or `base-2`, `base-3`, ... : the first not in `taken` (an example value no rule lists). */
export function unique(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

/** RequestInfo's splitPath + resource test: /api/<v>/<x>... and /apis/<g>/<v>/<x>... are resource requests. */
export function isResourcePath(path: string): boolean {
  const trimmed = path.replace(/^\/+|\/+$/g, "");
  const parts = trimmed === "" ? [] : trimmed.split("/");
  if (parts.length < 3) return false;
  if (parts[0] === "api") return true;
  return parts[0] === "apis" && parts.length >= 4;
}

/** Does kube-apiserver write a ResponseStarted event for this request (watch, proxy, exec, attach, log, port-forward)? */
export function isLongRunning(req: RequestAttributes): boolean {
  return req.resourceRequest && isLongRunningRequest(req.verb, req.subresource);
}

/**
 * True when kube-apiserver writes an event for the request: a level above None and at least one
 * stage the request goes through not omitted (RequestReceived and ResponseComplete always;
 * ResponseStarted only for long-running requests; Panic is not counted).
 */
export function writesEvent(decision: Decision, req: RequestAttributes): boolean {
  if (decision.level === "None") return false;
  const omitted = new Set<Stage>(decision.omitStages);
  if (!omitted.has("RequestReceived") || !omitted.has("ResponseComplete")) return true;
  return isLongRunning(req) && !omitted.has("ResponseStarted");
}

/** RequestInfo never produces these combinations (see the comment of analyze.ts). */
export function possibleResourceRequest(verb: string, name: string, subresource: string): boolean {
  if (subresource !== "" && name === "") return false;
  switch (verb) {
    case "get":
    case "delete":
    case "update":
    case "patch":
      return name !== "";
    case "list":
    case "watch":
      return subresource === ""; // a name only with fieldSelector=metadata.name=<name>
    case "deletecollection":
      return name === "" && subresource === "";
    case "create":
      return name === "" || subresource !== "";
    case "proxy":
      return name !== "" && subresource === "";
    default:
      return true;
  }
}

/** Verbs that need an object name (get, delete, update, patch) share one category; other verbs are their own. */
export function verbCategory(verb: string): string {
  switch (verb) {
    case "get":
    case "delete":
    case "update":
    case "patch":
      return "named";
    default:
      return verb;
  }
}


/** Example values no rule lists, one per dimension: the unnamed class of each. */
export interface Names {
  /** A user name no rule lists, e.g. `alice`. */
  user: string;
  /** A namespace no rule lists, e.g. `team-a`. */
  namespace: string;
  /** An object name no rule lists, e.g. `example`. */
  name: string;
  /** An API group no rule lists, e.g. `example.com`. */
  group: string;
}

/** A request without user info (failed authentication). */
export const NO_ACTOR: Actor = { user: null, groups: null };

/** How messages name the sender of a request. */
export function describeActor(actor: Actor): string {
  if (actor.user === null) return "without user info (failed authentication)";
  return `by user ${q(actor.user)} (groups ${(actor.groups ?? []).join(", ") || "none"})`;
}

/** A request in words for messages, e.g. `get secrets "db" in namespace "team-a" by user "alice" (groups system:authenticated)`. */
export function describeRequest(req: RequestAttributes): string {
  const actor = describeActor({ user: req.user, groups: req.groups });
  if (!req.resourceRequest) return `${req.verb.toUpperCase()} ${/^[\x21-\x7e]+$/.test(req.path) ? req.path : q(req.path)} ${actor}`;
  const verb = req.verb === "" ? 'a request with verb "" (e.g. OPTIONS) on' : req.verb;
  const resource = `${req.resource}${req.apiGroup === "" ? "" : `.${req.apiGroup}`}${req.subresource === "" ? "" : `/${req.subresource}`}`;
  const name = req.name === "" ? "" : ` ${q(req.name)}`;
  const ns = req.namespace === "" ? "" : ` in namespace ${q(req.namespace)}`;
  return `${verb} ${resource}${name}${ns} ${actor}`;
}
