/**
 * `npm run bench -- plan`: what the AuditedCluster component costs over a hand-written program.
 *
 * For stacks of 1, 10, 100 and 500 RKE2 clusters (the recommended preset, a Secret per cluster),
 * two programs register their resources under the same recording mock the `plan` command uses
 * (cli/plan/collect.ts recordingMocks):
 * - component: what `pulumi up` runs (index.ts): parseStackConfig + buildStack, one AuditedCluster
 *   per cluster;
 * - raw: a hand-written program that registers the same `kubernetes:core/v1:Secret` and
 *   `rancher2:index/clusterV2:ClusterV2` resources with literal inputs (the policy rendered once);
 * - grouped: the raw program with each cluster's two resources under an empty ComponentResource:
 *   the floor of any component, since the component is itself a registered resource.
 * - shipping: the component program with `rancher-audit:shipping` on (Fluent Bit to Loki, a secret
 *   password): one AuditLogShipping per cluster, measured in the same run as "component" and
 *   compared by CPU time (user + system), which a busy machine disturbs less than wall time.
 * The parent checks that both register identical provider resources (same types, names, inputs).
 * Each run is a child process, so its peak RSS is its own. Timing lives here, never in tests.
 */
import { createHash } from "node:crypto";
import * as os from "node:os";
import * as path from "node:path";
import { StepProgress } from "../cli/status";
import type { BenchSuite } from "./suite";
import { childMain, fmt, runChild } from "./suite";

const SIZES = [1, 10, 100, 500];
const VARIANTS = ["component", "raw", "grouped", "shipping"] as const;
type Variant = (typeof VARIANTS)[number];

interface ChildResult {
  variant: Variant;
  clusters: number;
  /** From the start of the program (config parsing included) until every registration is done. */
  programMs: number;
  /** Whole child process, module loading included. */
  processMs: number;
  /** CPU time (user + sys) of the program part (as programMs measures it). */
  programCpuMs: number;
  /** CPU time (user + sys) of the whole child process, Node start-up and module loading included. */
  processCpuMs: number;
  peakRssMiB: number;
  /** Provider (custom) resources registered. */
  resources: number;
  /** SHA-256 of the sorted provider registrations (type, name, inputs). */
  digest: string;
}

const KUBERNETES_VERSION = "v1.31.5+rke2r1";
const clusterNames = (n: number) => Array.from({ length: n }, (_, i) => `bench-${String(i).padStart(3, "0")}`);

async function child(variant: Variant, n: number): Promise<ChildResult> {
  const started = Number(process.env.BENCH_CHILD_STARTED ?? Date.now());
  const pulumi = await import("@pulumi/pulumi");
  const { recordingMocks, sortKeys } = await import("../cli/plan/collect");
  const recorded: { type: string; name: string; custom: boolean; inputs: Record<string, unknown> }[] = [];
  await pulumi.runtime.setMocks(recordingMocks(recorded), "rancher-audit", "bench", false);
  // The installed CLI runs compiled JavaScript without source maps; tsx (which runs this file)
  // turns them on, and the SDK formats a stack trace for every promise it tracks: mapping each
  // frame in our TypeScript sources would charge the component for the harness, not for plan.
  if (process.env.BENCH_SOURCE_MAPS !== "1") process.setSourceMapsEnabled(false);
  const names = clusterNames(n);
  const warn = console.warn;
  console.warn = () => undefined; // the component's CIS/PSA warnings are not what is measured
  const valueOf = <T>(o: { apply: (f: (v: T) => T) => unknown }) => new Promise<T>((resolve) => o.apply((v) => (resolve(v), v)));

  let ids: Promise<unknown>[] = [];
  let t0 = 0;
  let cpu0 = process.cpuUsage();
  if (variant === "component" || variant === "shipping") {
    const { buildStack, parseStackConfig } = await import("../program");
    t0 = performance.now();
    cpu0 = process.cpuUsage();
    const clusters = names.map((name) => ({ name, kubernetesVersion: KUBERNETES_VERSION }));
    // dev's shipping: Fluent Bit to Loki with a secret password (offline: present but unknown).
    const shipping = { sinks: { loki: { kind: "loki", url: "https://loki.example.com", tenant: "platform", username: "audit", password: { secure: "v1:bench" } } } };
    const config = parseStackConfig(variant === "shipping" ? { clusters, shipping } : { clusters }, { projectDir: path.join(__dirname, "..") });
    const built = buildStack(config);
    ids = names.map((name) => valueOf(built.clusters[name].clusterV1Id));
    for (const s of Object.values(built.shipping)) ids.push(valueOf(s.logPath));
  } else {
    const k8s = await import("@pulumi/kubernetes");
    const rancher2 = await import("@pulumi/rancher2");
    const { getPreset, renderPolicy } = await import("../components/audit-policy");
    /** An empty component: what registering any component costs. */
    class Group extends pulumi.ComponentResource {
      constructor(name: string) {
        super("bench:index:Group", name, {}, {});
        this.registerOutputs({});
      }
    }
    t0 = performance.now();
    cpu0 = process.cpuUsage();
    // The hand-written program: one policy text, then a Secret and a ClusterV2 per cluster.
    const policy = renderPolicy(getPreset("recommended"));
    const digest = createHash("sha256").update(policy, "utf8").digest();
    const sha = digest.toString("hex");
    const selector = { matchLabels: { "rke.cattle.io/control-plane-role": "true" } };
    const policyPath = "/etc/rancher/rke2/audit-policy.yaml";
    const flags = [
      `audit-policy-file=${policyPath}`,
      "audit-log-path=/var/lib/rancher/rke2/server/logs/audit.log",
      "audit-log-maxage=30",
      "audit-log-maxbackup=10",
      "audit-log-maxsize=100",
      "audit-log-format=json",
    ];
    const config = `kube-apiserver-arg:\n${flags.map((f) => `  - ${f}\n`).join("")}`;
    for (const name of names) {
      const parent = variant === "grouped" ? new Group(name) : undefined;
      const objectName = `${name}-audit-policy-${sha.slice(0, 10)}`;
      const secret = new k8s.core.v1.Secret(`${name}-policy`, {
        metadata: {
          name: objectName,
          namespace: "fleet-default",
          annotations: { "rancher-audit.io/policy-sha256": sha, "rke.cattle.io/object-authorized-for-clusters": name },
          labels: { "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "rancher-audit" },
        },
        type: "Opaque",
        immutable: true,
        stringData: { "audit-policy": policy },
      }, { parent });
      const cluster = new rancher2.ClusterV2(
        `${name}-cluster`,
        {
          name,
          fleetNamespace: "fleet-default",
          kubernetesVersion: KUBERNETES_VERSION,
          rkeConfig: {
            machineSelectorConfigs: [{ config, machineLabelSelector: selector }],
            machineSelectorFiles: [
              {
                machineLabelSelector: selector,
                fileSources: [
                  {
                    secret: {
                      name: objectName,
                      items: [{ key: "audit-policy", path: policyPath, permissions: "0600", dynamic: false, hash: digest.toString("base64") }],
                    },
                  },
                ],
              },
            ],
          },
        },
        { dependsOn: [secret], parent },
      );
      ids.push(valueOf(cluster.clusterV1Id));
    }
  }
  await Promise.all(ids);
  let last = -1;
  for (let stable = 0; stable < 3; ) {
    await new Promise((r) => setImmediate(r));
    stable = recorded.length === last ? stable + 1 : 0;
    last = recorded.length;
  }
  const programMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const total = process.cpuUsage();
  console.warn = warn;
  const custom = recorded
    .filter((r) => r.custom)
    .map((r) => JSON.stringify(sortKeys({ type: r.type, name: r.name, inputs: r.inputs })))
    .sort();
  return {
    variant,
    clusters: n,
    programMs,
    programCpuMs: (cpu.user + cpu.system) / 1000,
    processCpuMs: (total.user + total.system) / 1000,
    processMs: Date.now() - started,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    resources: custom.length,
    digest: createHash("sha256").update(custom.join("\n")).digest("hex"),
  };
}

/** Runs per figure; the median (by program CPU time) is reported, since one run on 2 shared CPUs is noisy. */
const REPEATS = 3;

function medianRun(variant: Variant, n: number, progress: StepProgress): ChildResult {
  const runs = Array.from({ length: REPEATS }, (_, i) => {
    progress.step(`${variant}, ${n} cluster(s), run ${i + 1} of ${REPEATS}`);
    return runPlanChild(variant, n);
  }).sort((a, b) => a.programCpuMs - b.programCpuMs);
  return runs[Math.floor(runs.length / 2)];
}

function runPlanChild(variant: Variant, n: number): ChildResult {
  // runChild blocks the event loop, so the status line is redrawn between runs only.
  return runChild<ChildResult>(__filename, [variant, String(n)], { BENCH_CHILD_STARTED: String(Date.now()) });
}

export const suite: BenchSuite = {
  name: "plan",
  title: "Plan: AuditedCluster component vs a hand-written program",
  async run() {
    const results: Record<Variant, ChildResult[]> = { component: [], raw: [], grouped: [], shipping: [] };
    // A run costs about its clusters plus ~100 clusters' worth of Node start-up and module loading.
    const progress = new StepProgress(process.stderr, SIZES.flatMap((n) => VARIANTS.flatMap(() => Array<number>(REPEATS).fill(n + 100))));
    for (const n of SIZES) {
      for (const v of VARIANTS) {
        const r = medianRun(v, n, progress);
        progress.stop();
        results[v].push(r);
        console.log(`  ${v} ${n}: ${fmt(r.programMs)} ms, ${fmt(r.peakRssMiB)} MiB`);
      }
    }
    const rows = [
      ["clusters", "provider resources", "component: program CPU ms", "raw: program CPU ms", "CPU ratio", "component: program ms", "raw: program ms", "time ratio", "grouped: program ms", "grouped / raw", "component: peak RSS MiB", "raw: peak RSS MiB", "memory ratio", "component ms / cluster", "same inputs"],
    ];
    SIZES.forEach((n, i) => {
      const c = results.component[i];
      const r = results.raw[i];
      const g = results.grouped[i];
      rows.push([
        String(n),
        String(c.resources),
        fmt(c.programCpuMs),
        fmt(r.programCpuMs),
        `${fmt(c.programCpuMs / r.programCpuMs, 2)}x`,
        fmt(c.programMs),
        fmt(r.programMs),
        `${fmt(c.programMs / r.programMs, 2)}x`,
        fmt(g.programMs),
        `${fmt(g.programMs / r.programMs, 2)}x`,
        fmt(c.peakRssMiB),
        fmt(r.peakRssMiB),
        `${fmt(c.peakRssMiB / r.peakRssMiB, 2)}x`,
        fmt(c.programMs / n, 1),
        c.digest === r.digest && c.resources === r.resources && g.digest === r.digest ? "yes" : "NO",
      ]);
    });
    const ship = [["clusters", "provider resources without / with shipping", "component: program CPU ms", "with shipping: program CPU ms", "CPU ratio"]];
    SIZES.forEach((n, i) => {
      const c = results.component[i];
      const w = results.shipping[i];
      ship.push([String(n), `${c.resources} / ${w.resources}`, fmt(c.programCpuMs), fmt(w.programCpuMs), `${fmt(w.programCpuMs / c.programCpuMs, 2)}x`]);
    });
    const proc = [["clusters", "component: process ms", "raw: process ms", "grouped: process ms"]];
    SIZES.forEach((n, i) => proc.push([String(n), fmt(results.component[i].processMs), fmt(results.raw[i].processMs), fmt(results.grouped[i].processMs)]));
    const c500 = results.component[SIZES.length - 1];
    const r500 = results.raw[SIZES.length - 1];
    const c100 = results.component[SIZES.length - 2];
    return {
      tables: [{ rows }, { rows: ship }, { rows: proc }],
      notes: [
        `Each figure is the median of ${REPEATS} runs, each in its own child process (\`node --import tsx bench/plan.bench.ts child <variant> <clusters>\`) on ${os.cpus().length} CPUs; peak RSS is the child's maxRSS.`,
        "Program CPU ms: user + system CPU time of the child (process.cpuUsage) over the same span as program ms; the figure the target is about, since wall time on a shared machine is noise. The children run with Node's source maps off (tsx turns them on), as the compiled CLI runs: the SDK formats a stack trace for every promise it tracks, and mapping each frame through our TypeScript sources' maps would charge the component for the harness.",
        "Program ms: from the first line of the program (for the component: parseStackConfig, as index.ts runs it) until every registration has reached the mock monitor and every ClusterV2's clusterV1Id has resolved. Process ms adds Node start-up and module loading.",
        "Both programs register under the recording mock of `rancher-audit plan` (cli/plan/collect.ts); \"same inputs\" compares the sorted provider registrations (type, name, inputs) of the two programs: the hand-written program registers exactly the component's Secret and ClusterV2 resources.",
        "The component resolves each distinct policy once (components/core/policy.ts caches the composed, analyzed and rendered policy by its spec and Kubernetes-version behaviour), so a stack of clusters sharing one policy analyzes it once although every cluster is planned three times (config check, stack build, component constructor). Before that cache the component took 5.3x the hand-written time at 500 clusters, 3.6 s of 7.5 s at 100 clusters going to repeated analysis.",
        `"grouped" is the hand-written program with an empty ComponentResource around each cluster's two resources: ${fmt(results.grouped[SIZES.length - 1].programMs / r500.programMs, 2)}x the hand-written time at 500 clusters. That is the cost of registering a component at all, the floor for any component; the rest of the gap is the component's Output wiring and registerOutputs.`,
        `Shipping (second table): target at most 1.10x the CPU time without it at 500 clusters; measured ${fmt(results.shipping[SIZES.length - 1].programCpuMs / c500.programCpuMs, 2)}x. Each shipped cluster registers 7 more provider resources and one more component (ClusterSync, Provider, Namespace, ServiceAccount, ConfigMap, Secret, DaemonSet), and the Pulumi SDK's cost per registration dominates (see the shipping note below the table).`,
        `Target: within 1.2x of the hand-written program's CPU time, growing linearly. Measured at 500 clusters: ${fmt(c500.programCpuMs / r500.programCpuMs, 2)}x the CPU time, ${fmt(c500.programMs / r500.programMs, 2)}x the wall time and ${fmt(c500.peakRssMiB / r500.peakRssMiB, 2)}x the memory; ${fmt(c100.programMs / 100, 1)} ms per cluster at 100 clusters vs ${fmt(c500.programMs / 500, 1)} ms at 500 (linear growth keeps these equal).`,
      ],
    };
  },
};

childMain(module, (args) => child(args[0] as Variant, Number(args[1])));
