/**
 * The RKE2/K3s config documents Rancher carries as YAML strings (`machineGlobalConfig`,
 * `machineSelectorConfigs[].config`): parsed the way the rancher2 provider and Rancher read them
 * (go-yaml v2's YAML 1.1, the engine's GO_YAML rules: `2001-12-14` stays a string; a mapping at
 * the top) and rendered deterministically (keys sorted at every level, list
 * order kept, multi-line strings as literal blocks, no line folding), so the same data always gives
 * the same bytes.
 */
import { Document, isMap, parseDocument, Scalar, visit } from "yaml";
import { GO_YAML } from "../audit-policy/goyaml";
import { sortKeysDeep } from "../audit-policy/render";
import { fail, show } from "./errors";

/** An RKE2/K3s config document as a plain mapping (`{ "kube-apiserver-arg": [...] }`). */
export type ConfigMap = Record<string, unknown>;

/** Parses a config YAML string into a plain mapping; `undefined`/empty text gives `{}`. */
export function parseConfigYaml(text: unknown, path: string): ConfigMap {
  if (text === undefined || text === null) return {};
  if (typeof text !== "string") {
    fail(path, `must be a YAML string (the rancher2 provider takes this config as YAML text, e.g. "cni: canal\\n"); got ${show(text)}`);
  }
  if (text.trim() === "") return {};
  const doc = parseDocument(text, { ...GO_YAML, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    fail(path, `is not valid YAML: ${doc.errors[0].message.split("\n")[0]}`);
  }
  if (doc.contents === null) return {};
  if (!isMap(doc.contents)) {
    fail(path, `must be a YAML mapping of RKE2/K3s config keys (e.g. "kube-apiserver-arg: [...]"); got ${show(doc.toJS())}`);
  }
  const value = doc.toJS({ maxAliasCount: 100 }) as ConfigMap;
  return value;
}

/**
 * Renders a config mapping: keys sorted, list order kept, multi-line strings as `|` blocks (so an
 * inline audit policy stays readable in a diff), one trailing newline.
 */
export function renderConfigYaml(config: ConfigMap): string {
  // Hundreds of clusters of a stack share a handful of configs (the same flags): render each once.
  const key = JSON.stringify(config);
  const cached = renderedConfigs.get(key);
  if (cached !== undefined) return cached;
  const text = renderConfigYamlUncached(config);
  if (renderedConfigs.size >= RENDERED_CONFIGS_LIMIT) renderedConfigs.delete(renderedConfigs.keys().next().value!);
  renderedConfigs.set(key, text);
  return text;
}

/** Rendered configs by their JSON (bounded: a long-lived process keeps only the most recent). */
const renderedConfigs = new Map<string, string>();
const RENDERED_CONFIGS_LIMIT = 256;

function renderConfigYamlUncached(config: ConfigMap): string {
  const doc = new Document(sortKeysDeep(config), { ...GO_YAML, aliasDuplicateObjects: false });
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === "string" && node.value.includes("\n")) node.type = Scalar.BLOCK_LITERAL;
    },
  });
  return doc.toString({ lineWidth: 0, minContentWidth: 0, indentSeq: true });
}

/** A config value that must be a list of strings (`kube-apiserver-arg`); a single string counts as a one-item list. */
export function stringList(value: unknown, path: string): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === "string") return [value];
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    fail(path, `must be a list of "flag=value" strings (e.g. ["audit-log-compress=true"]); got ${show(value)}`);
  }
  return [...value];
}
