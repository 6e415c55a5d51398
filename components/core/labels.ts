/**
 * Kubernetes label syntax, as the API server validates `metadata.labels`
 * (https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set):
 * a key is an optional DNS subdomain prefix (at most 253 characters) and "/", then a name of at
 * most 63 characters, alphanumeric at both ends with "-", "_" and "." between; a value is empty
 * or the same as a name. Checked before anything is registered, so a bad label does not fail in
 * the middle of `pulumi up`.
 */

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const NAME_RULE = 'at most 63 characters: letters, digits, "-", "_" and ".", starting and ending with a letter or digit';

/** What is wrong with a label key, or undefined when it is valid. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    return `the prefix before "/" must be a DNS subdomain (lowercase letters, digits, "-" and ".", at most 253 characters), e.g. "example.com/team"`;
  }
  if (name.length > 63 || !LABEL_NAME.test(name)) return `the name${prefix !== undefined ? ' after "/"' : ""} must be ${NAME_RULE}, e.g. "team"`;
  return undefined;
}

/** What is wrong with a label value, or undefined when it is valid. */
export function labelValueProblem(value: string): string | undefined {
  if (value === "" || (value.length <= 63 && LABEL_NAME.test(value))) return undefined;
  return `must be empty or ${NAME_RULE}${value.length > 63 ? ` (it has ${value.length})` : ""}`;
}
