/**
 * YAML as kube-apiserver reads it. Its policy loader (sigs.k8s.io/yaml over go-yaml v2) resolves
 * plain scalars by YAML 1.1 rules, with go-yaml's own differences from the YAML 1.1 schema of the
 * `yaml` package: no timestamps (go-yaml keeps `2024-05-01` a string when decoding into JSON-like
 * values), no sexagesimal numbers (`1:20` stays a string), and Go's integer syntax (`0o17`, `0X1F`
 * and `0B101` are integers). Parsing and rendering both use these tags, so a string that
 * kube-apiserver would read as a number is quoted when rendered.
 */
import type { ScalarTag, Tags } from "yaml";

const goInteger = (source: string): number => {
  const s = source.replace(/_/g, "");
  const sign = s.startsWith("-") ? -1 : 1;
  const body = s.replace(/^[-+]/, "");
  const base = /^0[oO]/.test(body) ? 8 : /^0[xX]/.test(body) ? 16 : /^0[bB]/.test(body) ? 2 : 10;
  return sign * parseInt(base === 10 ? body : body.slice(2), base);
};

/** Go's base-prefixed integer forms that YAML 1.1 lacks (upper-case prefixes and 0o octal). */
const goPrefixedInt: ScalarTag = {
  identify: (value) => typeof value === "number" && Number.isInteger(value),
  default: true,
  tag: "tag:yaml.org,2002:int",
  format: "GO",
  test: /^[-+]?0(?:[oO][0-7_]+|[X][0-9a-fA-F_]+|[B][01_]+)$/,
  resolve: goInteger,
};

/** The `customTags` option for the `yaml` package: go-yaml v2's scalar resolution on top of YAML 1.1. */
export function goYamlTags(tags: Tags): Tags {
  const kept = tags.filter((t) => {
    const tag = t as ScalarTag;
    if (tag.tag === "tag:yaml.org,2002:timestamp") return false;
    if (tag.format === "TIME") return false; // sexagesimal ints and floats
    return true;
  });
  return [...kept, goPrefixedInt];
}

/** Options for parsing and for Document creation: YAML 1.1 with go-yaml's scalar rules. */
export const GO_YAML = { version: "1.1", customTags: goYamlTags } as const;
