/**
 * Which replayed requests would write a sensitive body into the audit log under a policy's
 * decision. The rule is the engine's (components/audit-policy/sensitive.ts), the same one the
 * safety analysis's `secret-bodies` finding applies; this module only names the kinds for reports.
 */
import { SENSITIVE_KINDS, sensitiveBodyLogged, type SensitiveKind } from "../../components/audit-policy";

export const LEAK_KINDS = SENSITIVE_KINDS;
export type LeakKind = SensitiveKind;

export const LEAK_TITLES: Record<LeakKind, string> = {
  secrets: "Secret bodies",
  configmaps: "ConfigMap bodies",
  tokenreviews: "TokenReview bodies",
  tokenrequests: "TokenRequest responses",
};

/** The kind of sensitive body this decision would log for the request, or undefined. */
export const bodyLeak = sensitiveBodyLogged;
