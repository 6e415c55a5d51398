/**
 * Which replayed requests would write a sensitive body into the audit log under a policy's
 * decision: Secret and ConfigMap data, TokenReview requests (spec.token is a bearer token) and
 * TokenRequest responses (a fresh service-account token). kube-apiserver logs the request body
 * from level Request and the response body only at RequestResponse, in the ResponseComplete event.
 * The targets and verbs are the ones analyzePolicy's `secret-bodies` finding checks
 * (components/audit-policy/analyze.ts SECRET_TARGETS), applied to real requests.
 */
import type { Decision, RequestAttributes } from "../../components/audit-policy";

export const LEAK_KINDS = ["secrets", "configmaps", "tokenreviews", "tokenrequests"] as const;
export type LeakKind = (typeof LEAK_KINDS)[number];

export const LEAK_TITLES: Record<LeakKind, string> = {
  secrets: "Secret bodies",
  configmaps: "ConfigMap bodies",
  tokenreviews: "TokenReview bodies",
  tokenrequests: "TokenRequest responses",
};

/** Verbs whose request body holds the object. */
const REQUEST_VERBS = new Set(["create", "update", "patch"]);
/** Verbs whose logged response body holds the object(s). */
const RESPONSE_VERBS = new Set(["create", "update", "patch", "get", "list", "delete", "deletecollection"]);

/** The kind of sensitive body this decision would log for the request, or undefined. */
export function bodyLeak(req: RequestAttributes, decision: Decision): LeakKind | undefined {
  const level = decision.level;
  if ((level !== "Request" && level !== "RequestResponse") || !req.resourceRequest || req.user === null) return undefined;
  if (decision.omitStages.includes("ResponseComplete")) return undefined;
  const full = level === "RequestResponse";
  const { apiGroup, resource, subresource, verb } = req;
  if (apiGroup === "" && subresource === "" && (resource === "secrets" || resource === "configmaps")) {
    return REQUEST_VERBS.has(verb) || (full && RESPONSE_VERBS.has(verb)) ? resource : undefined;
  }
  if (apiGroup === "authentication.k8s.io" && resource === "tokenreviews" && subresource === "" && verb === "create") return "tokenreviews";
  if (apiGroup === "" && resource === "serviceaccounts" && subresource === "token" && verb === "create" && full) return "tokenrequests";
  return undefined;
}
