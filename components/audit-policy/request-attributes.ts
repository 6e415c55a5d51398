/**
 * Building RequestAttributes (the input of evaluatePolicy) from a sender, a verb and what the
 * request addresses, with the path kube-apiserver would see (API version v1). Used by the
 * representative requests of the detection classes and of the safety analysis.
 */
import type { RequestAttributes } from "./types";

/** Who sends a request: the authenticated user and groups, both null for a request without user info (failed authentication). */
export interface RequestIdentity {
  /** User name; null without user info. */
  user: string | null;
  /** Groups; null without user info. */
  groups: string[] | null;
}

/** What a request addresses: a resource (group, resource, subresource, namespace, name) or a non-resource path. */
export interface Scope {
  /** True for resource requests. */
  resourceRequest: boolean;
  /** API group ("" for core and non-resource requests). */
  apiGroup: string;
  /** Resource; "" for non-resource requests. */
  resource: string;
  /** Subresource; "" for none. */
  subresource: string;
  /** Namespace; "" for cluster-scoped or all-namespace requests. */
  namespace: string;
  /** Object name; "" for none. */
  name: string;
  /** The request path, e.g. `/api/v1/namespaces/team-a/pods/example`. */
  path: string;
}

/** The RequestAttributes (fields in their declared order) of a request by `who` with this verb and scope. */
export function requestOf(who: RequestIdentity, verb: string, scope: Scope): RequestAttributes {
  const { resourceRequest, apiGroup, resource, subresource, namespace, name, path } = scope;
  return { user: who.user, groups: who.groups, verb, resourceRequest, apiGroup, apiVersion: resourceRequest ? "v1" : "", resource, subresource, namespace, name, path };
}

/** The URL path of a resource request, e.g. `/apis/apps/v1/namespaces/team-a/deployments/web/scale`. */
export function resourcePath(apiGroup: string, resource: string, subresource: string, namespace: string, name: string): string {
  const prefix = apiGroup === "" ? "/api/v1" : `/apis/${apiGroup}/v1`;
  const ns = namespace === "" ? "" : `/namespaces/${namespace}`;
  return `${prefix}${ns}/${resource}${name === "" ? "" : `/${name}`}${subresource === "" ? "" : `/${subresource}`}`;
}

/** The scope of a resource request (its path derived). */
export function resourceScope(apiGroup: string, resource: string, subresource: string, namespace: string, name: string): Scope {
  return { resourceRequest: true, apiGroup, resource, subresource, namespace, name, path: resourcePath(apiGroup, resource, subresource, namespace, name) };
}

/** The scope of a non-resource request to `path`. */
export function nonResourceScope(path: string): Scope {
  return { resourceRequest: false, apiGroup: "", resource: "", subresource: "", namespace: "", name: "", path };
}
