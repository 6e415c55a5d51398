/**
 * The namespaces of a stack's config keys. Pulumi hands a program every key of its stack
 * (`pulumi.runtime.allConfig()`), `<namespace>:<name>`; the program reads its own namespace and
 * each provider reads its own. A key in a namespace nobody reads is ignored by Pulumi without a
 * word, so a misspelled namespace (`rancher-audt:preset`, `rancher_audit:maxAge`) would deploy
 * the defaults. Rule:
 * - `rancher-audit:<name>`: ours, checked by the parser;
 * - a known provider's namespace (KNOWN_NAMESPACES): left to the provider;
 * - a namespace that looks like ours (a near miss by the engine's suggestion rule, the same
 *   letters in another case or punctuation, or a part of "rancher-audit" with one of our key
 *   names): an error with "did you mean";
 * - any other namespace: left alone (another provider's: every provider reads its own namespace).
 * A key without a namespace (`preset: cis`) is an error: Pulumi itself refuses it in a stack file
 * ("configuration keys should be of the form `<namespace>:<name>`").
 */
import { suggest } from "../components/audit-policy";
import { ConfigError, PROJECT, type ConfigProblems } from "./errors";

/**
 * Namespaces always allowed: Pulumi's own settings (`pulumi:`) and the providers this project
 * depends on (a test checks every `@pulumi/<provider>` dependency is listed).
 */
export const KNOWN_NAMESPACES: readonly string[] = ["pulumi", "rancher2", "kubernetes", "command"];

const letters = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, "");

/** True when `namespace` is probably a misspelling of ours (and not a known provider's). */
function looksLikeOurs(namespace: string, name: string, ourKeys: readonly string[]): boolean {
  if (namespace === PROJECT || KNOWN_NAMESPACES.includes(namespace)) return false;
  if (letters(namespace) === letters(PROJECT) || suggest(namespace, [PROJECT]) !== undefined) return true;
  // `rancher:preset`, `audit:maxAge`: a part of our name with one of our keys.
  const part = letters(namespace);
  return part.length >= 4 && letters(PROJECT).includes(part) && suggest(name, ourKeys) !== undefined;
}

/**
 * Checks the namespaces of every key of a stack's config (as written in the stack file, or as
 * `pulumi.runtime.allConfig()` gives them) and returns the values of our namespace, keys without
 * the prefix. `<ns>:config:<name>` is read as `<ns>:<name>`, as Pulumi does.
 */
export function projectValues(all: Record<string, unknown>, ourKeys: readonly string[], problems: ConfigProblems): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  const meant = (name: string) => `${PROJECT}:${ourKeys.includes(name) ? name : (suggest(name, ourKeys) ?? name)}`;
  for (const [key, value] of Object.entries(all)) {
    const parts = key.split(":");
    if (parts.length === 3 && parts[1] === "config") parts.splice(1, 1);
    if (parts.length !== 2 || parts[0] === "" || parts[1] === "") {
      const name = parts[parts.length - 1];
      const hint = ourKeys.includes(name) || suggest(name, ourKeys) ? `did you mean "${meant(name)}"? ` : "";
      problems.record(
        new ConfigError(key, `is not a Pulumi config key: keys are <namespace>:<name>, and this project's settings are ${PROJECT}:<name>; ${hint}Pulumi refuses a stack file with such a key`, { asWritten: true }),
      );
      continue;
    }
    const [namespace, name] = parts;
    if (namespace === PROJECT) values[name] = value;
    else if (looksLikeOurs(namespace, name, ourKeys)) {
      problems.record(new ConfigError(key, `is in namespace "${namespace}", which nothing reads (Pulumi would ignore the key and deploy the default); did you mean "${meant(name)}"?`, { asWritten: true }));
    }
  }
  return values;
}
