/**
 * Presenting a Plan: the human-readable sections, plan.json and one manifest per resource.
 * Everything shown comes from the recorded registrations and the program's outputs.
 */
import { stringify as toYaml } from "yaml";
import { formatIssues } from "../../components/audit-policy";
import type { Style } from "../io";
import { writeOutputFiles, type OutputFile } from "../output";
import { checkSource, formatFinding, type CheckResult } from "../commands/check";
import { secretPaths, sortKeys, unwrapSecrets, type Plan, type PlannedCluster, type PlannedResource } from "./collect";

export function yamlOf(value: unknown): string {
  return toYaml(value, { lineWidth: 0, minContentWidth: 0, blockQuote: "literal", aliasDuplicateObjects: false, sortMapEntries: false });
}

const indent = (text: string, by: string) =>
  text
    .trimEnd()
    .split("\n")
    .map((l) => (l === "" ? l : by + l))
    .join("\n");

/** A distinct delivered policy and the clusters that receive it. */
export interface PlanPolicy {
  sha256: string;
  yaml: string;
  clusters: string[];
  /** Objects holding it (`kind namespace/name`). */
  objects: string[];
  /** Oldest Kubernetes version among its clusters (analysis uses it). */
  kubernetesVersion: string;
  check: CheckResult;
}

function versionKey(v: string): number[] {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : [0, 0, 0];
}

function olderOf(a: string, b: string): string {
  const x = versionKey(a);
  const y = versionKey(b);
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] < y[i] ? a : b;
  return a;
}

/** The plan's distinct policies with their analysis (the same checkSource as `check`). */
export function planPolicies(plan: Plan): PlanPolicy[] {
  const bySha = new Map<string, Omit<PlanPolicy, "check">>();
  for (const c of plan.clusters) {
    if (c.policySha256 === null || c.policyYaml === null) continue;
    const p = bySha.get(c.policySha256) ?? { sha256: c.policySha256, yaml: c.policyYaml, clusters: [], objects: [], kubernetesVersion: c.kubernetesVersion };
    p.clusters.push(c.name);
    p.kubernetesVersion = olderOf(p.kubernetesVersion, c.kubernetesVersion);
    bySha.set(c.policySha256, p);
  }
  for (const r of plan.resources) {
    if (r.type !== "kubernetes:core/v1:Secret" && r.type !== "kubernetes:core/v1:ConfigMap") continue;
    const meta = (r.inputs.metadata ?? {}) as { name?: string; namespace?: string; annotations?: Record<string, string> };
    const sha = meta.annotations?.["rancher-audit.io/policy-sha256"];
    const p = sha ? bySha.get(sha) : undefined;
    if (p) p.objects.push(`${r.type.split(":").pop()} ${meta.namespace ?? "default"}/${meta.name ?? r.name}`);
  }
  return [...bySha.values()].map((p) => ({
    ...p,
    check: checkSource({ label: `policy ${p.sha256.slice(0, 10)}`, text: p.yaml }, p.kubernetesVersion),
  }));
}

/** Groups clusters whose value (by key) is identical. */
function grouped<T>(clusters: PlannedCluster[], value: (c: PlannedCluster) => T): { clusters: string[]; value: T }[] {
  const out = new Map<string, { clusters: string[]; value: T }>();
  for (const c of clusters) {
    const v = value(c);
    const key = JSON.stringify(v);
    const g = out.get(key) ?? { clusters: [], value: v };
    g.clusters.push(c.name);
    out.set(key, g);
  }
  return [...out.values()];
}

function resourceLine(r: PlannedResource, s: Style): string {
  return `${s.dim(r.type)} ${s.bold(r.name)}`;
}

/** The human-readable plan (stdout of `plan`). */
export function renderPlanText(plan: Plan, policies: PlanPolicy[], s: Style, source?: string): string {
  const out: string[] = [];
  const custom = plan.resources.filter((r) => r.custom);
  out.push(
    `${s.bold(`Plan for stack ${plan.stack}`)} (project ${plan.project}${source ? `, ${source}` : ""}): ` +
      `${plan.resources.length} resources (${custom.length} provider resources) for ${plan.clusters.length} cluster(s)`,
  );
  out.push(s.dim("Offline: the program ran under Pulumi's mock monitor. Inputs are exactly what the providers receive; ids and clusterV1Id are stand-ins."));

  out.push("", s.bold("== Resources =="));
  const children = (parent: string | null) => plan.resources.filter((r) => r.parent === parent);
  const printResource = (r: PlannedResource, depth: number) => {
    const pad = "  ".repeat(depth);
    out.push(`${pad}${resourceLine(r, s)}`);
    if (r.custom) {
      const secrets = secretPaths(r.inputs);
      if (secrets.length > 0) out.push(`${pad}    ${s.dim(`# secret inputs (${secrets.join(", ")}) shown in clear: the audit policy is not secret`)}`);
      out.push(indent(yamlOf(unwrapSecrets(r.inputs)), `${pad}    `));
    }
    for (const c of children(r.name).filter((x) => x !== r)) printResource(c, depth + 1);
  };
  for (const r of children(null)) printResource(r, 0);

  out.push("", s.bold("== Audit policy =="));
  if (policies.length === 0) out.push("audit is disabled: no policy is delivered");
  for (const p of policies) {
    out.push(`${s.bold(`sha256 ${p.sha256}`)}: ${p.clusters.join(", ")}${p.objects.length > 0 ? ` (in ${p.objects.join(", ")})` : " (inline in the RKE2 config)"}`);
    out.push(indent(p.yaml, "  "));
  }

  out.push("", s.bold("== kube-apiserver flags (control-plane machines) =="));
  for (const g of grouped(plan.clusters, (c) => c.apiServerArgs)) {
    out.push(`${g.clusters.join(", ")}:`);
    if (g.value.length === 0) out.push("  (none)");
    for (const a of g.value) out.push(`  --${a}`);
  }

  out.push("", s.bold("== Restart scope =="));
  for (const g of grouped(plan.clusters, (c) => c.restartScope)) {
    const roles = g.value.roles.length > 0 ? g.value.roles.join(", ") : "none";
    out.push(`${g.clusters.join(", ")}: restarts ${s.bold(roles)} machines (${g.value.selector})`);
    out.push(indent(g.value.summary, "  "));
  }

  out.push("", s.bold("== Findings =="));
  if (policies.length === 0) out.push("none (no policy)");
  for (const p of policies) {
    const errors = p.check.findings.filter((f) => f.severity === "error").length;
    const head = `${p.check.file} (${p.clusters.join(", ")}; analyzed for ${p.kubernetesVersion})`;
    if (!p.check.valid) {
      out.push(`${s.red(head)}: kube-apiserver would not load it`);
      for (const line of formatIssues(p.check.issues, p.check.file).split("\n")) out.push(`  ${line}`);
    } else if (p.check.findings.length === 0) out.push(`${head}: ${s.green("no findings")}`);
    else {
      out.push(`${head}: ${errors} error(s), ${p.check.findings.length - errors} warning(s)`);
      for (const f of p.check.findings) out.push(`  ${(f.severity === "error" ? s.red : s.yellow)(formatFinding(f, p.check.file))}`);
    }
  }
  const warnings = [...plan.clusters.flatMap((c) => c.warnings.map((w) => `${c.name}: ${w}`)), ...plan.warnings];
  if (warnings.length > 0) {
    out.push("", s.bold("== Warnings =="));
    for (const w of warnings) out.push(s.yellow(`warning: ${w}`));
  }
  return `${out.join("\n")}\n`;
}

/** plan.json: the plan with every object's keys sorted, 2-space indented, one trailing newline. */
export function planJson(plan: Plan): string {
  return `${JSON.stringify(sortKeys(plan), null, 2)}\n`;
}

export function manifestFileName(r: PlannedResource): string {
  const kind = r.type.split(":").pop() ?? r.type;
  return `${kind}-${r.name}.yaml`.replace(/[^A-Za-z0-9._-]/g, "_");
}

/** The manifest of one provider resource: its inputs as YAML, secrets shown in clear. */
export function manifestText(r: PlannedResource, plan: Plan): string {
  const header = [
    `# ${r.type} ${r.name} (stack ${plan.stack}${r.parent ? `, parent ${r.parent}` : ""})`,
    r.type.startsWith("kubernetes:")
      ? "# The object the kubernetes provider applies (the provider's inputs)."
      : "# The inputs handed to the provider (Pulumi/Terraform field names, not a Kubernetes manifest).",
  ];
  const secrets = secretPaths(r.inputs);
  if (secrets.length > 0) header.push(`# Marked secret by the provider SDK, shown in clear (the audit policy is not secret): ${secrets.join(", ")}`);
  return `${header.join("\n")}\n${yamlOf(unwrapSecrets(r.inputs))}`;
}

/** Writes plan.json and the manifests; returns the paths written, relative to dir. */
export function writePlan(dir: string, plan: Plan, given = dir): string[] {
  // The plan and the manifests hold the policy: owner-only, like the policy file on the nodes.
  const files: OutputFile[] = [{ path: "plan.json", content: planJson(plan), mode: 0o600 }];
  for (const r of plan.resources) if (r.custom) files.push({ path: manifestFileName(r), content: manifestText(r, plan), mode: 0o600 });
  writeOutputFiles("--out", given, dir, files);
  return files.map((f) => f.path);
}
