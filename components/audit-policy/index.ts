/**
 * The audit policy engine: parse, validate, evaluate and render audit.k8s.io/v1 policies exactly
 * as kube-apiserver does. Pure functions, no Pulumi import: the CLI, the components and the docs
 * all call these.
 */
export * from "./types";
export { parsePolicy, decodePolicy, policyFromObject, type ParseOptions, type DecodedPolicy } from "./parse";
export { isDroppedIssue, suggest } from "./decode";
export { validatePolicy } from "./validate";
export { evaluatePolicy, compilePolicy, evaluateCompiled, matchingRules, unionStages, invertStages, type CompiledPolicy } from "./evaluate";
export { renderPolicy, canonicalPolicyObject, sortKeysDeep } from "./render";
export { auditEventProblem, requestFromEvent } from "./event";
export { parseKubernetesVersion, requireKubernetesVersion, requireSupportedKubernetesVersion, SUPPORTED_KUBERNETES, supportsGroupWildcard, type KubernetesVersion } from "./version";
export { analyzePolicy, BUILTIN_RESOURCES, type AnalyzeOptions, type AnalyzeStats } from "./analyze";
export { SENSITIVE_KINDS, SENSITIVE_TARGETS, sensitiveBodyLogged, sensitiveTarget, logsSensitiveBody, type SensitiveKind, type SensitiveTarget } from "./sensitive";
export * from "./presets";
export * from "./detections";
export * from "./volume";
export * from "./compose";
