/**
 * The offline plan: runs the program's own `buildStack` (the code `pulumi up` runs through
 * index.ts) under Pulumi's mock monitor and records every resource registration exactly as the
 * providers would receive it. Nothing here re-implements the component: what is printed is what
 * was registered. test/cli/plan.test.ts proves it by registering the same config under an
 * independent mock and deep-equalling the inputs.
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { buildStack, PROJECT, stackOutputs, type ClusterAlertsPlan, type StackConfig } from "../../program";
import type { RestartScope } from "../../components/rancher";
import { sortKeysDeep, type Finding } from "../../components/audit-policy";

/** Pulumi's secret signature key, and the value marking a secret, in serialized property values. */
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";
export const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

export interface PlannedResource {
  /** Pulumi type token, e.g. `rancher2:index/clusterV2:ClusterV2`. */
  type: string;
  /** Logical (Pulumi) name. */
  name: string;
  /** Logical name of the parent component; null at the top level. */
  parent: string | null;
  /** true for provider resources, false for components. */
  custom: boolean;
  /** The inputs as the provider receives them (secret values still wrapped). */
  inputs: Record<string, unknown>;
}

export interface PlannedCluster {
  name: string;
  /** The mock's stand-in for the management cluster ID (`c-m-` + 8 hex of the name). */
  clusterV1Id: string;
  policySourceName: string | null;
  policySha256: string | null;
  policyYaml: string | null;
  apiServerArgs: string[];
  restartScope: RestartScope;
  kubernetesVersion: string;
  /** Warnings the component logged for this cluster. */
  warnings: string[];
}

/** One cluster's alerts (rancher-audit:alerts): the rules for its sink and the can-fire findings. */
export interface PlannedClusterAlerts {
  cluster: string;
  /** The shipping sink the rules are for, and its kind (loki, elasticsearch, opensearch). */
  sink: string;
  format: string;
  /** Rule names, in table order. */
  rules: string[];
  /** `alert-cannot-fire` findings (severity error when strict). */
  findings: Finding[];
  /** Elasticsearch/OpenSearch: the rule files the program cannot load (written by `plan --out` under alerts/<cluster>/). */
  files?: { path: string; content: string }[];
}

/** The plan's view of the alert plans of buildStack. */
export function plannedAlerts(plans: Record<string, ClusterAlertsPlan>): PlannedClusterAlerts[] {
  return Object.entries(plans)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([cluster, p]) => ({ cluster, sink: p.sink, format: p.format as string, rules: [...p.rules], findings: p.findings.map((f) => ({ ...f })), ...(p.files ? { files: p.files.map((f) => ({ ...f })) } : {}) }));
}

export interface Plan {
  formatVersion: 1;
  project: string;
  stack: string;
  /** Every registration, sorted by name then type (registration order is not meaningful). */
  resources: PlannedResource[];
  /** The program's stack outputs per cluster, sorted by name. */
  clusters: PlannedCluster[];
  /** Other warnings the program logged. */
  warnings: string[];
  /** Per cluster, when rancher-audit:alerts is on (absent in plans saved before alerts existed). */
  alerts?: PlannedClusterAlerts[];
}

export interface RecordedRegistration {
  type: string;
  name: string;
  custom: boolean;
  inputs: Record<string, unknown>;
}

/** The stand-in clusterV1Id for a cluster (deterministic). */
export function mockClusterV1Id(name: string): string {
  return `c-m-${createHash("sha256").update(name).digest("hex").slice(0, 8)}`;
}

/** Plausible provider outputs for the mock: inputs plus what the component reads back. */
export function mockState(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  const state: Record<string, unknown> = { ...inputs };
  if (type === "rancher2:index/clusterV2:ClusterV2") {
    state.clusterV1Id = mockClusterV1Id(typeof inputs.name === "string" ? inputs.name : name);
  }
  return state;
}

export function isSecretWrapper(v: unknown): v is { value: unknown } {
  return v !== null && typeof v === "object" && !Array.isArray(v) && (v as Record<string, unknown>)[SECRET_SIG] === SECRET_VALUE;
}

/** Replaces every secret wrapper by its value (for display: the policy is not secret). */
export function unwrapSecrets(v: unknown): unknown {
  if (isSecretWrapper(v)) return unwrapSecrets(v.value);
  if (Array.isArray(v)) return v.map(unwrapSecrets);
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = unwrapSecrets(x);
    return out;
  }
  return v;
}

/** Field paths (`stringData`, `a.b[0]`) that hold secret-wrapped values. */
export function secretPaths(v: unknown, at = ""): string[] {
  if (isSecretWrapper(v)) return [at];
  if (Array.isArray(v)) return v.flatMap((x, i) => secretPaths(x, `${at}[${i}]`));
  if (v !== null && typeof v === "object") return Object.entries(v).flatMap(([k, x]) => secretPaths(x, at ? `${at}.${k}` : k));
  return [];
}

/** Keys sorted at every level (the engine's sortKeysDeep): plan.json and manifests are stable. */
export const sortKeys = sortKeysDeep;

/** Parent of each registration: the component with the longest name that prefixes `${name}-`. */
export function inferParents(recorded: RecordedRegistration[]): PlannedResource[] {
  const components = recorded.filter((r) => !r.custom).map((r) => r.name);
  return recorded.map((r) => {
    let parent: string | null = null;
    if (r.custom) {
      for (const c of components) if (r.name.startsWith(`${c}-`) && (parent === null || c.length > parent.length)) parent = c;
    }
    return { type: r.type, name: r.name, parent, custom: r.custom, inputs: r.inputs };
  });
}

/** Resolves an Output's value (plans run with preview=false, so every value is known). */
function valueOf<T>(o: pulumi.Output<T>, what: string, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`plan: ${what} did not resolve within ${timeoutMs / 1000}s`)), timeoutMs);
    o.apply((v) => {
      clearTimeout(timer);
      resolve(v);
      return v;
    });
  });
}

/** Lets pending registrations finish: waits until no new registration arrives for a few turns. */
async function settle(count: () => number): Promise<void> {
  let last = -1;
  let stable = 0;
  while (stable < 3) {
    await new Promise((r) => setImmediate(r));
    const n = count();
    stable = n === last ? stable + 1 : 0;
    last = n;
  }
}

export interface CollectOptions {
  stack: string;
  project?: string;
  /** Every stack config key as written in the stack file (`rancher2:apiUrl`, `rancher-audit:preset`, ...). */
  allConfig?: Record<string, unknown>;
  timeoutMs?: number;
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * Registers the stack under mocks and returns the plan. Runs one at a time (the mock monitor is
 * process-global). Errors thrown by the program (bad config) propagate unchanged.
 */
export function collectPlan(config: StackConfig, options: CollectOptions): Promise<Plan> {
  const run = queue.then(() => collect(config, options));
  queue = run.catch(() => undefined);
  return run;
}

/** The mock `pulumi up` uses here; exported so tests can compare with an independent one. */
export function recordingMocks(recorded: RecordedRegistration[]): pulumi.runtime.Mocks {
  return {
    newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
      const inputs = (args.inputs ?? {}) as Record<string, unknown>;
      recorded.push({ type: args.type, name: args.name, custom: args.custom !== false, inputs });
      if (args.custom === false) return { id: undefined, state: {} };
      return { id: `${args.name}-id`, state: mockState(args.type, args.name, inputs) };
    },
    call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
      throw new Error(`plan: the program called ${args.token}, which cannot run offline`);
    },
  };
}

async function collect(config: StackConfig, options: CollectOptions): Promise<Plan> {
  const project = options.project ?? PROJECT;
  const timeoutMs = options.timeoutMs ?? 120_000;
  const recorded: RecordedRegistration[] = [];
  await pulumi.runtime.setMocks(recordingMocks(recorded), project, options.stack, false);
  const flat: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.allConfig ?? {})) flat[k] = typeof v === "string" ? v : JSON.stringify(v);
  pulumi.runtime.setAllConfig(flat);

  // The component logs its warnings through pulumi.log, which prints with console.warn when no
  // engine is attached; collect them instead of letting them reach the terminal unannounced.
  const logged: string[] = [];
  const originalWarn = console.warn;
  console.warn = (...args: unknown[]) => {
    logged.push(args.map(String).join(" ").replace(/^warning: \[runtime\] /, ""));
  };
  try {
    const built = buildStack(config);
    const outputs = stackOutputs(built);
    const clusters: PlannedCluster[] = [];
    for (const c of config.clusters) {
      const o = outputs.clusters[c.name];
      const [clusterV1Id, policySourceName, policySha256, apiServerArgs, restartScope, policyYaml] = await Promise.all([
        valueOf(o.clusterV1Id, `${c.name} clusterV1Id`, timeoutMs),
        valueOf(o.policySourceName, `${c.name} policySourceName`, timeoutMs),
        valueOf(o.policySha256, `${c.name} policySha256`, timeoutMs),
        valueOf(o.apiServerArgs, `${c.name} apiServerArgs`, timeoutMs),
        valueOf(o.restartScope, `${c.name} restartScope`, timeoutMs),
        valueOf(outputs.policies[c.name], `${c.name} policy`, timeoutMs),
      ]);
      clusters.push({
        name: c.name,
        clusterV1Id,
        policySourceName: policySourceName ?? null,
        policySha256: policySha256 ?? null,
        policyYaml: policyYaml ?? null,
        apiServerArgs: [...apiServerArgs],
        restartScope: sortKeys(restartScope) as RestartScope,
        kubernetesVersion: c.kubernetesVersion,
        warnings: [...built.clusters[c.name].plan.warnings],
      });
    }
    await settle(() => recorded.length);
    const resources = inferParents(recorded)
      .map((r) => ({ ...r, inputs: sortKeys(r.inputs) as Record<string, unknown> }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
    clusters.sort((a, b) => (a.name < b.name ? -1 : 1));
    const alerts = plannedAlerts(built.alertPlans);
    // The AuditAlerts warnings repeat the alerts' findings, which the plan lists per cluster.
    const warnings = logged.filter((w) => !clusters.some((c) => c.warnings.some((x) => w.includes(x))) && !alerts.some((a) => a.findings.some((f) => w.includes(f.message))));
    return { formatVersion: 1, project, stack: options.stack, resources, clusters, warnings, ...(alerts.length > 0 ? { alerts } : {}) };
  } finally {
    console.warn = originalWarn;
  }
}
