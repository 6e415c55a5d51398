/**
 * Request attributes from a recorded audit Event (audit.k8s.io v1 or v1beta1 JSON, or an event
 * with no apiVersion at all, as older logs have), so real logs can be replayed through any policy.
 * The policy is evaluated against the authenticated caller, before impersonation, so `user` is
 * event.user, never event.impersonatedUser. And it is evaluated on the request's attributes, before
 * the body is read: a create on a collection has no name then (kube-apiserver fills objectRef.name
 * from the created object only afterwards, in LogRequestObject), so such an event gets name "",
 * or replays would match resourceNames rules kube-apiserver never matched.
 */
import type { RequestAttributes } from "./types";

const str = (v: unknown): string => (typeof v === "string" ? v : "");

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const kindOf = (v: unknown): string => (v === null ? "null" : Array.isArray(v) ? "a list" : typeof v === "object" ? "an object" : `the ${typeof v} ${JSON.stringify(v)}`.slice(0, 60));
const OBJECT_REF_STRINGS = ["resource", "subresource", "namespace", "name", "apiGroup", "apiVersion"];

/**
 * Why a decoded JSON value is not an audit Event whose request can be replayed, or undefined when
 * it is one. Fields with the wrong type would otherwise read as empty, turning the line into a
 * request nobody made (a non-resource request with no user), silently counted.
 */
export function auditEventProblem(event: unknown): string | undefined {
  if (!isObject(event)) return `an audit event must be a JSON object, got ${kindOf(event)}`;
  if (event.kind !== undefined && event.kind !== "Event") return `kind is ${kindOf(event.kind)}, not "Event"`;
  if (typeof event.verb !== "string" || event.verb === "") return `verb must be a non-empty string, got ${kindOf(event.verb)}`;
  if (event.requestURI !== undefined && typeof event.requestURI !== "string") return `requestURI must be a string, got ${kindOf(event.requestURI)}`;
  const user = event.user;
  if (user !== undefined && user !== null) {
    if (!isObject(user)) return `user must be an object (username, groups), got ${kindOf(user)}`;
    if (user.username !== undefined && typeof user.username !== "string") return `user.username must be a string, got ${kindOf(user.username)}`;
    if (user.groups !== undefined && user.groups !== null && !(Array.isArray(user.groups) && user.groups.every((g) => typeof g === "string"))) {
      return `user.groups must be a list of strings, got ${kindOf(user.groups)}`;
    }
  }
  const ref = event.objectRef;
  if (ref !== undefined && ref !== null) {
    if (!isObject(ref)) return `objectRef must be an object (resource, namespace, name, ...), got ${kindOf(ref)}`;
    for (const key of OBJECT_REF_STRINGS) {
      if (ref[key] !== undefined && typeof ref[key] !== "string") return `objectRef.${key} must be a string, got ${kindOf(ref[key])}`;
    }
  }
  return undefined;
}

/**
 * The request attributes of an event. Never throws: fields that are missing or of the wrong type
 * read as empty. Check auditEventProblem first to skip values that are not audit Events.
 */
export function requestFromEvent(event: unknown): RequestAttributes {
  const e = (isObject(event) ? event : {}) as Record<string, unknown>;
  const userInfo = (typeof e.user === "object" && e.user !== null ? e.user : {}) as Record<string, unknown>;
  // Failed authentication is audited with an empty user: no user info at all.
  const username = str(userInfo.username);
  const user = username === "" ? null : username;
  const groups = user === null ? null : Array.isArray(userInfo.groups) ? userInfo.groups.filter((g): g is string => typeof g === "string") : [];
  const ref = (typeof e.objectRef === "object" && e.objectRef !== null ? e.objectRef : {}) as Record<string, unknown>;
  const resource = str(ref.resource);
  const verb = str(e.verb);
  const subresource = str(ref.subresource);
  const uri = str(e.requestURI);
  const q = uri.indexOf("?");
  return {
    user,
    groups,
    verb,
    resourceRequest: resource !== "",
    apiGroup: str(ref.apiGroup),
    apiVersion: str(ref.apiVersion),
    resource,
    subresource,
    namespace: str(ref.namespace),
    name: verb === "create" && subresource === "" ? "" : str(ref.name),
    path: q >= 0 ? uri.slice(0, q) : uri,
  };
}
