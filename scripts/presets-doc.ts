/**
 * The generated sections of docs/presets.md: each preset's rule table, the identities the presets
 * name, the volume of the presets and the reference policies on one hour of the traffic model
 * (test/support/traffic.ts), and which detection classes each covers. Registered in
 * scripts/generated-docs.ts.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import {
  detectionCoverage,
  DETECTIONS,
  measureVolume,
  parsePolicy,
  PRESET_NAMES,
  presets,
  SYSTEM_COMPONENT_GROUPS,
  SYSTEM_COMPONENT_USERS,
  type Policy,
  type PolicyRule,
  type PresetName,
  type VolumeMeasurement,
} from "../components/audit-policy";
import { generateBackgroundTraffic } from "../test/support/traffic";

const POLICIES_DIR = path.join(__dirname, "..", "test", "fixtures", "policies");
const reference = (file: string): Policy => parsePolicy(fs.readFileSync(path.join(POLICIES_DIR, file), "utf8"));

const code = (s: string) => `\`${s}\``;
const list = (xs: readonly string[]) => xs.map(code).join(", ");

function namedList(xs: readonly string[]): string {
  if (xs.length === SYSTEM_COMPONENT_USERS.length && xs.every((x, i) => x === SYSTEM_COMPONENT_USERS[i])) return "*system component users*";
  if (xs.length === SYSTEM_COMPONENT_GROUPS.length && xs.every((x, i) => x === SYSTEM_COMPONENT_GROUPS[i])) return "*system component groups*";
  return list(xs);
}

function summarize(rule: PolicyRule): string {
  const parts: string[] = [];
  if (rule.users?.length) parts.push(`users ${namedList(rule.users)}`);
  if (rule.userGroups?.length) parts.push(`groups ${namedList(rule.userGroups)}`);
  if (rule.verbs?.length) parts.push(`verbs ${list(rule.verbs)}`);
  if (rule.namespaces?.length) parts.push(`namespaces ${list(rule.namespaces)}`);
  if (rule.resources?.length) {
    parts.push(
      rule.resources
        .map((gr) => `${gr.group ? code(gr.group) : "core"}: ${gr.resources?.length ? list(gr.resources) : "every resource"}${gr.resourceNames?.length ? ` named ${list(gr.resourceNames)}` : ""}`)
        .join("; "),
    );
  }
  if (rule.nonResourceURLs?.length) parts.push(`URLs ${list(rule.nonResourceURLs)}`);
  return parts.length > 0 ? parts.join("; ") : "every request";
}

function rulesSection(name: PresetName): string {
  const p = presets[name];
  const rows = p.policy.rules.map((rule, i) => `| ${i} | ${rule.level} | ${summarize(rule)} | ${p.notes[i].what} | ${p.notes[i].why} |`);
  return ["| # | level | matches | what | why |", "|---|---|---|---|---|", ...rows].join("\n");
}

/** The policies docs/presets.md compares: the presets, then the GCE and OpenShift reference policies. */
export const COMPARED: { name: string; policy: Policy }[] = [
  ...PRESET_NAMES.map((name) => ({ name, policy: presets[name].policy })),
  { name: "GCE (reference)", policy: reference("gce-gci-configure-helper-default.yaml") },
  { name: "OpenShift Default (reference)", policy: reference("openshift-default.yaml") },
];

const covered = (policy: Policy) => detectionCoverage(policy).filter((c) => c.covered).length;

function volumeSection(m: VolumeMeasurement): string {
  const g = m.policies.find((p) => p.name.startsWith("GCE"))!;
  const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(1)} %`;
  const rows = m.policies.map((p, i) => {
    const policy = COMPARED[i].policy;
    return `| ${p.name} | ${p.events.toLocaleString("en-US")} | ${(p.bytes / 1e6).toFixed(2)} | ${pct(p.events, g.events)} | ${pct(p.bytes, g.bytes)} | ${covered(policy)} / ${DETECTIONS.length} |`;
  });
  return [
    `Measured on one hour of the traffic model (\`generateBackgroundTraffic()\`: seed 1, 3 servers + 3 workers, Rancher monitoring, two people): ${m.requests.toLocaleString("en-US")} requests.`,
    "",
    "| policy | events/hour | MB/hour | events vs GCE | bytes vs GCE | detection classes covered |",
    "|---|---:|---:|---:|---:|---:|",
    ...rows,
  ].join("\n");
}

function coverageSection(): string {
  const cols = COMPARED.map((c) => detectionCoverage(c.policy));
  const header = `| # | detection | min level | ${COMPARED.map((c) => c.name.replace(" (reference)", "")).join(" | ")} |`;
  const sep = `|---|---|---|${COMPARED.map(() => ":-:").join("|")}|`;
  const rows = cols[0].map((d, i) => `| ${i + 1} | ${d.title} (${code(d.id)}) | ${d.minLevel} | ${cols.map((c) => (c[i].covered ? "✓" : "✗")).join(" | ")} |`);
  return [header, sep, ...rows].join("\n");
}

/** The generated sections of docs/presets.md, by marker name (`rules:<preset>`, `volume`, `coverage`, `identities`). */
export function presetsDocSections(m: VolumeMeasurement = measuredHour()): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of PRESET_NAMES) out[`rules:${name}`] = rulesSection(name);
  out.volume = volumeSection(m);
  out.coverage = coverageSection();
  out.identities = [
    `- *system component users*: ${list(SYSTEM_COMPONENT_USERS)}`,
    `- *system component groups*: ${list(SYSTEM_COMPONENT_GROUPS)}`,
  ].join("\n");
  return out;
}


let oneHour: VolumeMeasurement | undefined;
/** The volume of every COMPARED policy on one hour of the traffic model (computed once per process: a few seconds). */
export function measuredHour(): VolumeMeasurement {
  oneHour ??= measureVolume(generateBackgroundTraffic(), COMPARED);
  return oneHour;
}
