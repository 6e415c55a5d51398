/**
 * The offline plan: runs the program's own `buildStack` (the code `pulumi up` runs through
 * index.ts) under Pulumi's mock monitor and records every resource registration exactly as the
 * providers would receive it. Nothing here re-implements the component: what is printed is what
 * was registered. test/cli/plan.test.ts proves it by registering the same config under an
 * independent mock and deep-equalling the inputs.
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { buildStack, PROJECT, SecretConfigValue, stackOutputs, type BuiltStack, type ClusterAlertsPlan, type StackConfig } from "../../program";
import type { RestartScope } from "../../components/rancher";
import { describeShipping, type ShippingSummary } from "../../components/shipping";
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
  /** What the cluster's AuditLogShipping reads and sends where (absent when its log is not shipped). */
  shipping?: ShippingSummary;
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

/** The decrypted credentials of a config (none offline, where `secure:` values stay unknown). */
export function credentialTexts(config: StackConfig): string[] {
  const texts = new Set<string>();
  for (const sink of config.shipping?.sinks ?? []) {
    for (const v of [sink.username, sink.password]) if (v instanceof SecretConfigValue && v.value) texts.add(v.value);
  }
  return [...texts].sort((a, b) => b.length - a.length);
}

/** Every occurrence of a credential replaced by "[secret]": a plan never holds one, even when given decrypted config. */
export function maskCredentials(v: unknown, texts: readonly string[]): unknown {
  if (texts.length === 0) return v;
  if (typeof v === "string") return texts.reduce((t, secret) => t.split(secret).join("[secret]"), v);
  if (Array.isArray(v)) return v.map((x) => maskCredentials(x, texts));
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, maskCredentials(x, texts)]));
  return v;
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
export async function settle(count: () => number): Promise<void> {
  let last = -1;
  let stable = 0;
  while (stable < 3) {
    await new Promise((r) => setImmediate(r));
    const n = count();
    stable = n === last ? stable + 1 : 0;
    last = n;
  }
}

/** The outputs of an AuditedCluster that a plan shows (the component's own fields, or the program's stack outputs). */
export interface ClusterComponentOutputs {
  clusterV1Id: pulumi.Output<string>;
  policySourceName: pulumi.Output<string | undefined>;
  policySha256: pulumi.Output<string | undefined>;
  policyYaml: pulumi.Output<string | undefined>;
  apiServerArgs: pulumi.Output<string[]>;
  restartScope: pulumi.Output<RestartScope>;
}

/** One cluster of the plan, from its component's outputs. */
export async function plannedCluster(
  name: string,
  o: ClusterComponentOutputs,
  kubernetesVersion: string,
  warnings: readonly string[],
  timeoutMs: number,
): Promise<PlannedCluster> {
  const [clusterV1Id, policySourceName, policySha256, apiServerArgs, restartScope, policyYaml] = await Promise.all([
    valueOf(o.clusterV1Id, `${name} clusterV1Id`, timeoutMs),
    valueOf(o.policySourceName, `${name} policySourceName`, timeoutMs),
    valueOf(o.policySha256, `${name} policySha256`, timeoutMs),
    valueOf(o.apiServerArgs, `${name} apiServerArgs`, timeoutMs),
    valueOf(o.restartScope, `${name} restartScope`, timeoutMs),
    valueOf(o.policyYaml, `${name} policy`, timeoutMs),
  ]);
  return {
    name,
    clusterV1Id,
    policySourceName: policySourceName ?? null,
    policySha256: policySha256 ?? null,
    policyYaml: policyYaml ?? null,
    apiServerArgs: [...apiServerArgs],
    restartScope: sortKeys(restartScope) as RestartScope,
    kubernetesVersion,
    warnings: [...warnings],
  };
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
  return oneAtATime(() => collect(config, options));
}

/** Runs `fn` after every earlier plan has finished (the mock monitor and config are process-global). */
export function oneAtATime<T>(fn: () => Promise<T>): Promise<T> {
  const run = queue.then(fn);
  queue = run.catch(() => undefined);
  return run;
}

/**
 * Installs the recording mock for `project`/`stack` with the given config (every value as the
 * stack file writes it; objects become JSON as Pulumi passes them; `secretKeys` read as secrets).
 */
export async function installMocks(recorded: RecordedRegistration[], project: string, stack: string, allConfig: Record<string, unknown>, secretKeys: string[] = []): Promise<void> {
  await pulumi.runtime.setMocks(recordingMocks(recorded), project, stack, false);
  const flat: Record<string, string> = {};
  for (const [k, v] of Object.entries(allConfig)) flat[k] = typeof v === "string" ? v : JSON.stringify(v);
  pulumi.runtime.setAllConfig(flat, secretKeys);
}

/**
 * Runs `fn` with pulumi.log's warnings collected: without an engine they go to console.warn,
 * and would reach the terminal unannounced.
 */
export async function capturingWarnings<T>(fn: (logged: string[]) => Promise<T>): Promise<T> {
  const logged: string[] = [];
  const originalWarn = console.warn;
  console.warn = (...args: unknown[]) => {
    logged.push(args.map(String).join(" ").replace(/^warning: \[runtime\] /, ""));
  };
  try {
    return await fn(logged);
  } finally {
    console.warn = originalWarn;
  }
}

/** The Plan from the recorded registrations and the clusters' outputs (both sorted by name). */
export function assemblePlan(project: string, stack: string, resources: PlannedResource[], clusters: PlannedCluster[], logged: readonly string[], alerts: PlannedClusterAlerts[] = []): Plan {
  const sorted = resources
    .map((r) => ({ ...r, inputs: sortKeys(r.inputs) as Record<string, unknown> }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  clusters.sort((a, b) => (a.name < b.name ? -1 : 1));
  // The AuditAlerts warnings repeat the alerts' findings, which the plan lists per cluster.
  const warnings = logged.filter((w) => !clusters.some((c) => c.warnings.some((x) => w.includes(x))) && !alerts.some((a) => a.findings.some((f) => w.includes(f.message))));
  return { formatVersion: 1, project, stack, resources: sorted, clusters, warnings, ...(alerts.length > 0 ? { alerts } : {}) };
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

/** The cluster's shipping summary, when its log is shipped. */
function shippingOf(shipping: BuiltStack["shipping"][string] | undefined): { shipping?: ShippingSummary } {
  return shipping ? { shipping: describeShipping(shipping.plan, shipping.kubernetesProvider !== undefined) } : {};
}

async function collect(config: StackConfig, options: CollectOptions): Promise<Plan> {
  const project = options.project ?? PROJECT;
  const timeoutMs = options.timeoutMs ?? 120_000;
  const recorded: RecordedRegistration[] = [];
  await installMocks(recorded, project, options.stack, options.allConfig ?? {});
  return capturingWarnings(async (logged) => {
    const built = buildStack(config);
    const outputs = stackOutputs(built);
    const clusters: PlannedCluster[] = [];
    for (const c of config.clusters) {
      const planned = await plannedCluster(c.name, { ...outputs.clusters[c.name], policyYaml: outputs.policies[c.name] }, c.kubernetesVersion, built.clusters[c.name].plan.warnings, timeoutMs);
      clusters.push({ ...planned, ...shippingOf(built.shipping[c.name]) });
    }
    await settle(() => recorded.length);
    // Credentials decrypted into the config (never offline, but a test may give them) are masked.
    const credentials = credentialTexts(config);
    const resources = inferParents(recorded).map((r) => ({ ...r, inputs: maskCredentials(r.inputs, credentials) as Record<string, unknown> }));
    return assemblePlan(project, options.stack, resources, clusters, logged, plannedAlerts(built.alertPlans));
  });
}

/** Whether a type token is one of this package's components. */
export const isOwnType = (type: string): boolean => type.startsWith("rancher-audit:");

/**
 * The names of the resources this package created: its components and everything under them.
 * Plans of the bundled program hold nothing else; in a user's program the rest is listed only.
 */
export function ownResources(resources: readonly PlannedResource[]): Set<string> {
  const byName = new Map(resources.map((r) => [r.name, r] as const));
  const own = new Set<string>();
  for (const r of resources) {
    const seen = new Set<string>();
    for (let at: PlannedResource | undefined = r; at && !seen.has(at.name); at = at.parent === null ? undefined : byName.get(at.parent)) {
      seen.add(at.name);
      if (isOwnType(at.type)) {
        own.add(r.name);
        break;
      }
    }
  }
  return own;
}

/** Replaces every secret value by "[secret]", keeping the secret marker (resources that are not ours: never printed). */
export function redactSecrets(v: unknown): unknown {
  if (isSecretWrapper(v)) return { [SECRET_SIG]: SECRET_VALUE, value: "[secret]" };
  if (Array.isArray(v)) return v.map(redactSecrets);
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = redactSecrets(x);
    return out;
  }
  return v;
}
