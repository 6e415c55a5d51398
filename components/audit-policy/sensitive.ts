/**
 * Which requests carry secret material in the bodies an audit level records: Secret and ConfigMap
 * data, TokenReview requests (spec.token is a bearer token) and TokenRequest responses (a fresh
 * service-account token). kube-apiserver records the request body from level Request and the
 * response body only at RequestResponse, both in the ResponseComplete event, and only for
 * authenticated requests that reach the handler. One table, used by the safety analysis
 * (`secret-bodies`) and by the CLI's replay (leaks on real traffic).
 */
import type { Decision, RequestAttributes } from "./types";

/** The kinds of secret material audit bodies can hold. */
export const SENSITIVE_KINDS = ["secrets", "configmaps", "tokenreviews", "tokenrequests"] as const;
/** One kind of secret material: `secrets`, `configmaps`, `tokenreviews` or `tokenrequests`. */
export type SensitiveKind = (typeof SENSITIVE_KINDS)[number];

/** A resource whose request or response bodies hold secret material, and the verbs for which they do. */
export interface SensitiveTarget {
  /** Which kind of material. */
  kind: SensitiveKind;
  /** How findings and reports name it. */
  label: string;
  /** API group ("" for core). */
  apiGroup: string;
  /** Resource, e.g. `secrets`. */
  resource: string;
  /** Subresource, e.g. `token`; "" for none. */
  subresource: string;
  /** Verbs whose request body (logged from level Request) holds the material. */
  requestVerbs: readonly string[];
  /** Verbs whose response body (logged only at RequestResponse) holds it. */
  responseVerbs: readonly string[];
  /** True when the resource has no namespace (TokenReviews). */
  clusterScoped: boolean;
}

const WRITE_VERBS = ["create", "update", "patch"] as const;
/** Verbs whose response is the object (or a list of them, or the deleted object). */
const OBJECT_RESPONSE_VERBS = ["create", "update", "patch", "get", "list", "delete", "deletecollection"] as const;

/** Every resource whose bodies hold secret material: Secrets, ConfigMaps, TokenReviews, TokenRequests. */
export const SENSITIVE_TARGETS: readonly SensitiveTarget[] = [
  { kind: "secrets", label: "Secrets", apiGroup: "", resource: "secrets", subresource: "", requestVerbs: WRITE_VERBS, responseVerbs: OBJECT_RESPONSE_VERBS, clusterScoped: false },
  { kind: "configmaps", label: "ConfigMaps", apiGroup: "", resource: "configmaps", subresource: "", requestVerbs: WRITE_VERBS, responseVerbs: OBJECT_RESPONSE_VERBS, clusterScoped: false },
  {
    kind: "tokenreviews",
    label: "TokenReviews",
    apiGroup: "authentication.k8s.io",
    resource: "tokenreviews",
    subresource: "",
    requestVerbs: ["create"],
    responseVerbs: ["create"],
    clusterScoped: true,
  },
  {
    kind: "tokenrequests",
    label: "ServiceAccount tokens (serviceaccounts/token responses)",
    apiGroup: "",
    resource: "serviceaccounts",
    subresource: "token",
    requestVerbs: [],
    responseVerbs: ["create"],
    clusterScoped: false,
  },
];

/** Verbs that can carry sensitive material for some target: what the analysis tries. */
export const SENSITIVE_VERBS: readonly string[] = OBJECT_RESPONSE_VERBS;

/** The sensitive target a request addresses, or undefined. */
export function sensitiveTarget(req: RequestAttributes): SensitiveTarget | undefined {
  if (!req.resourceRequest) return undefined;
  for (const t of SENSITIVE_TARGETS) {
    if (t.apiGroup === req.apiGroup && t.resource === req.resource && t.subresource === req.subresource) return t;
  }
  return undefined;
}

/** Whether this decision writes the target's secret material for this verb into the log. */
export function logsSensitiveBody(target: SensitiveTarget, verb: string, decision: Decision): boolean {
  if (decision.ruleIndex === null || decision.omitStages.includes("ResponseComplete")) return false;
  if (decision.level === "RequestResponse") return target.responseVerbs.includes(verb) || target.requestVerbs.includes(verb);
  if (decision.level === "Request") return target.requestVerbs.includes(verb);
  return false;
}

/** The kind of secret material this decision would write to the log for this request, or undefined. */
export function sensitiveBodyLogged(req: RequestAttributes, decision: Decision): SensitiveKind | undefined {
  if (req.user === null) return undefined; // failed authentication never reaches the handler that records bodies
  const target = sensitiveTarget(req);
  return target && logsSensitiveBody(target, req.verb, decision) ? target.kind : undefined;
}
