/**
 * Everything the pack takes from the rest of rancher-audit, in one place: the audit policy engine
 * (components/audit-policy) and the Rancher builders' facts (distribution rules, CIS minimums, the
 * authorization annotation, the hash encoding, the config YAML reader). The pack never restates
 * them; when these modules move, only this file changes.
 *
 * Only pure modules are imported (no Pulumi component), so loading the pack stays cheap. They are
 * reached by relative path from this folder and resolve their own dependencies (`yaml`) from the
 * repository's node_modules; see docs/policy-pack.md.
 */
export { analyzePolicy, parsePolicy, PolicyError, type Finding } from "../components/audit-policy";
export { distroOf, CONTROL_PLANE_ROLE_LABEL, type Distro } from "../components/core/distro";
export { CIS_RETENTION } from "../components/core/settings";
export { CIS_RETENTION_SETTINGS } from "../components/core/settings-table";
export { AUTHORIZED_ANNOTATION } from "../components/rancher/policy-object";
export { policyDigest } from "../components/core/policy";
export { parseConfigYaml, stringList, type ConfigMap } from "../components/core/config-yaml";
export { parseArg } from "../components/core/apiserver-args";
export { AuditConfigError } from "../components/core/errors";
export { DEFAULT_FLEET_NAMESPACE } from "../components/rancher/plan";
