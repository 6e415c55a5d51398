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

/**
 * The request attributes a policy is evaluated on, read from a recorded audit Event (a decoded
 * JSON line of the audit log: user, verb, objectRef, requestURI). Throws when `event` is not an
 * object. Example: an event with `verb: "get"` and `objectRef: { resource: "secrets", namespace: "default", name: "db" }`
 * gives a resource request for secrets/db in namespace default.
 */
export function requestFromEvent(event: unknown): RequestAttributes {
  if (typeof event !== "object" || event === null || Array.isArray(event)) {
    throw new Error(`an audit event must be a JSON object, got ${event === null ? "null" : Array.isArray(event) ? "an array" : typeof event}`);
  }
  const e = event as Record<string, unknown>;
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
