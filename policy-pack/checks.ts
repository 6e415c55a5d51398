/**
 * The pack's checks as plain functions: resource checks take a ClusterV2's inputs, stack checks
 * take the stack's resources; each returns its violations. policies.ts wraps them as CrossGuard
 * policies. Values that are unknown during preview are read through the policy proxy, which
 * throws UnknownValueError; the checks let it through, and the policy server reports an advisory
 * "can't run policy ... during preview" instead of a result (@pulumi/policy server.ts).
 */
import type { PolicyResource } from "@pulumi/policy";
import { CLUSTER_V2, groupByMachine, readClusterAudit, type ClusterAudit, type FileRef } from "./cluster";
import { authorizedClusters, policyObjects, type PolicyObject } from "./objects";
import { analyzePolicy, AuditConfigError, AUTHORIZED_ANNOTATION, CIS_RETENTION, CIS_RETENTION_SETTINGS, parsePolicy, policyDigest, PolicyError } from "./shared";

type Json = Record<string, unknown>;

export interface Violation {
  message: string;
  /** The resource the violation is about (stack checks). */
  urn?: string;
}

/** Minimum retention the retention check asks for, by setting key (pack config; default the CIS minimums). */
export type RetentionMinimums = Readonly<Record<(typeof CIS_RETENTION_SETTINGS)[number]["key"], number>>;

function readCluster(props: Json, name: string): ClusterAudit | AuditConfigError | undefined {
  try {
    return readClusterAudit(props, name);
  } catch (e) {
    if (e instanceof AuditConfigError) return e;
    throw e;
  }
}

/** audit enabled on every control-plane machine, the policy delivered, K3s not through the dropped config key. */
export function checkAuditEnabled(props: Json, name: string): string[] {
  const cluster = readCluster(props, name);
  if (cluster === undefined) return [];
  if (cluster instanceof AuditConfigError) return [`${cluster.message}: cannot tell whether Rancher provisions RKE2 or K3s`];
  return [...cluster.problems, ...groupByMachine(cluster, (m) => m.problems)];
}

/** The delivered policy file items of a cluster, once each. */
function policyFiles(cluster: ClusterAudit): FileRef[] {
  const byAt = new Map<string, FileRef>();
  for (const m of cluster.machines) if (m.file) byAt.set(m.file.at, m.file);
  return [...byAt.values()];
}

function clusterOrNothing(props: Json, name: string): ClusterAudit | undefined {
  const c = readCluster(props, name);
  return c instanceof AuditConfigError ? undefined : c; // checkAuditEnabled reports it
}

/** The policy file is not `dynamic`: a change must restart kube-apiserver, which reads the policy only at start. */
export function checkPolicyFileNotDynamic(props: Json, name: string): string[] {
  const cluster = clusterOrNothing(props, name);
  if (!cluster) return [];
  return policyFiles(cluster)
    .filter((f) => f.dynamic)
    .map(
      (f) =>
        `${f.at} delivers the audit policy ${f.path} with dynamic: true: Rancher leaves dynamic files out of the restart stamp, so a new policy is written but kube-apiserver keeps the old one until some unrelated restart; set dynamic: false`,
    );
}

/** The policy file item pins its content: `hash` = base64 of the raw SHA-256, as Rancher compares it. */
export function checkPolicyFileHash(props: Json, name: string): string[] {
  const cluster = clusterOrNothing(props, name);
  if (!cluster) return [];
  const out: string[] = [];
  for (const f of policyFiles(cluster)) {
    if (f.hash === undefined) {
      out.push(
        `${f.at} delivers the audit policy ${f.path} without a hash: Rancher then copies whatever the ${f.kind} "${f.name}" holds at the time; set hash to the base64 SHA-256 of the content (e.g. openssl dgst -sha256 -binary policy.yaml | base64)`,
      );
    } else if (!/^[A-Za-z0-9+/]{43}=$/.test(f.hash)) {
      const hex = /^[0-9a-fA-F]{64}$/.test(f.hash);
      out.push(
        `${f.at}.hash ${JSON.stringify(f.hash)} is not the base64 of a SHA-256${hex ? " (it is hex)" : ""}: Rancher compares it with base64(sha256(content)) and refuses to render the plan when they differ; use openssl dgst -sha256 -binary policy.yaml | base64`,
      );
    }
  }
  return out;
}

/** Retention flags at or above the minimums where audit is on. */
export function checkRetention(props: Json, name: string, minimums: RetentionMinimums = CIS_RETENTION): string[] {
  const cluster = clusterOrNothing(props, name);
  if (!cluster) return [];
  const wanted = CIS_RETENTION_SETTINGS.map((s) => [s.flag, minimums[s.key], s.unit] as const);
  return groupByMachine(cluster, (m) => {
    if (!m.flags.has("audit-policy-file") || !m.flags.has("audit-log-path")) return []; // audit off: checkAuditEnabled says so
    const low: string[] = [];
    for (const [flag, min, unit] of wanted) {
      const raw = m.flags.get(flag);
      const value = raw === undefined ? NaN : Number(raw);
      if (raw === undefined) low.push(`${flag} is not set (kube-apiserver's default, which changes between versions)`);
      else if (!Number.isInteger(value) || value < min) low.push(`${flag}=${raw} is below ${min} ${unit}`);
    }
    if (low.length === 0) return [];
    return [
      `audit log retention below the minimums (${wanted.map(([flag, min]) => `${flag.replace(/^audit-log-/, "")} ${min}`).join(", ")}; CIS Kubernetes Benchmark 1.2.17-1.2.19): ${low.join("; ")}; set them in kube-apiserver-arg`,
    ];
  });
}

// ---------------------------------------------------------------------------------------------
// Stack checks: the ClusterV2s with the objects their policy files come from.

interface ClusterInStack {
  resource: PolicyResource;
  cluster: ClusterAudit;
}

function clustersOf(resources: readonly PolicyResource[]): ClusterInStack[] {
  const out: ClusterInStack[] = [];
  for (const r of resources) {
    if (r.type !== CLUSTER_V2) continue;
    const cluster = clusterOrNothing(r.props, r.name);
    if (cluster) out.push({ resource: r, cluster });
  }
  return out;
}

/** The object a file item reads: same kind and name, in the cluster's namespace if there is one there. */
function objectFor(objects: PolicyObject[], file: FileRef, namespace: string): { object?: PolicyObject; elsewhere?: PolicyObject } {
  const named = objects.filter((o) => o.kind === file.kind && o.name === file.name);
  const object = named.find((o) => o.namespace === namespace && (o.clusterId === undefined || o.clusterId === "local"));
  return object ? { object } : { elsewhere: named[0] };
}

function eachFile(resources: readonly PolicyResource[], visit: (c: ClusterInStack, f: FileRef, o: ReturnType<typeof objectFor>) => void): void {
  const objects = policyObjects(resources);
  for (const c of clustersOf(resources)) {
    for (const f of policyFiles(c.cluster)) visit(c, f, objectFor(objects, f, c.cluster.namespace));
  }
}

/** The referenced object is where Rancher looks (cluster namespace, management cluster) and authorizes the cluster. */
export function checkPolicyObjectAuthorized(resources: readonly PolicyResource[]): Violation[] {
  const out: Violation[] = [];
  eachFile(resources, ({ cluster }, f, { object, elsewhere }) => {
    if (!object) {
      if (elsewhere) {
        const where = elsewhere.clusterId !== undefined && elsewhere.clusterId !== "local" ? `on cluster "${elsewhere.clusterId}"` : `in namespace ${JSON.stringify(elsewhere.namespace ?? "(the provider's default)")}`;
        out.push({
          urn: elsewhere.resource.urn,
          message: `${f.kind} "${f.name}" is ${where}, but Rancher reads it for cluster "${cluster.name}" only from namespace "${cluster.namespace}" on the management cluster ("local"): the plan fails with "error retrieving ${f.kind}"; create it there`,
        });
      }
      return; // not in this stack: it is managed elsewhere and cannot be checked here
    }
    if (!cluster.named) return; // autonamed: Rancher authorizes by a name the inputs do not hold yet
    const value = object.annotations[AUTHORIZED_ANNOTATION];
    const names = authorizedClusters(value);
    if (!names.includes(cluster.name)) {
      const spaced = names.some((n) => n.trim() === cluster.name);
      out.push({
        urn: object.resource.urn,
        message: `${f.kind} "${f.name}" does not authorize cluster "${cluster.name}": ${AUTHORIZED_ANNOTATION} is ${value === undefined ? "missing" : JSON.stringify(value)}${spaced ? " (Rancher splits on \",\" without trimming spaces, so \" " + cluster.name + "\" is not \"" + cluster.name + "\")" : ""}; Rancher refuses to render the cluster's plan; set it to the cluster names joined by "," without spaces`,
      });
    }
  });
  return out;
}

/** The object's content matches the `hash` the cluster expects. */
export function checkPolicyObjectHash(resources: readonly PolicyResource[]): Violation[] {
  const out: Violation[] = [];
  eachFile(resources, ({ cluster, resource }, f, { object }) => {
    if (!object || f.hash === undefined) return;
    const content = object.content(f.key);
    const actual = policyDigest(content ?? "").sha256Base64;
    if (actual !== f.hash) {
      out.push({
        urn: resource.urn,
        message: `cluster "${cluster.name}": ${f.at}.hash is ${f.hash} but ${f.kind} "${f.name}" key "${f.key}" has SHA-256 ${actual}${content === undefined ? " (the key is missing: an empty file)" : ""}; Rancher refuses to render the plan ("does not contain the expected content") until the object and the hash agree`,
      });
    }
  });
  return out;
}

interface PolicyText {
  text: string;
  where: string;
  urn: string;
  kubernetesVersion: string;
}

/** Every policy text the stack delivers (inline config keys, referenced objects in the stack), once per resource holding it. */
function policyTexts(resources: readonly PolicyResource[]): PolicyText[] {
  const out = new Map<string, PolicyText>();
  const objects = policyObjects(resources);
  for (const { resource, cluster } of clustersOf(resources)) {
    for (const m of cluster.machines) {
      if (m.inlinePolicy !== undefined) {
        const where = `cluster "${cluster.name}": the audit-policy-file config key`;
        out.set(`${resource.urn}\0${m.inlinePolicy}`, { text: m.inlinePolicy, where, urn: resource.urn, kubernetesVersion: cluster.kubernetesVersion });
      }
      if (m.file) {
        const { object } = objectFor(objects, m.file, cluster.namespace);
        const text = object?.content(m.file.key);
        if (object && text !== undefined) {
          const where = `${m.file.kind} "${m.file.name}" key "${m.file.key}" (cluster "${cluster.name}")`;
          out.set(`${object.resource.urn}\0${cluster.kubernetesVersion}\0${text}`, { text, where, urn: object.resource.urn, kubernetesVersion: cluster.kubernetesVersion });
        }
      }
    }
  }
  return [...out.values()];
}

/** The delivered policy loads in kube-apiserver (the engine's strict reading). */
export function checkPolicyValid(resources: readonly PolicyResource[]): Violation[] {
  const out: Violation[] = [];
  for (const p of policyTexts(resources)) {
    try {
      parsePolicy(p.text, { kubernetesVersion: p.kubernetesVersion });
    } catch (e) {
      if (!(e instanceof PolicyError)) throw e;
      out.push({ urn: p.urn, message: `${p.where} is not a valid audit policy for Kubernetes ${p.kubernetesVersion}: ${e.message}` });
    }
  }
  return out;
}

/** The delivered policy logs no Secret, ConfigMap or token bodies (the engine's analysis, finding secret-bodies). */
export function checkPolicyNoSensitiveBodies(resources: readonly PolicyResource[]): Violation[] {
  const out: Violation[] = [];
  for (const p of policyTexts(resources)) {
    let findings;
    try {
      findings = analyzePolicy(parsePolicy(p.text, { kubernetesVersion: p.kubernetesVersion }), { kubernetesVersion: p.kubernetesVersion });
    } catch (e) {
      if (e instanceof PolicyError) continue; // checkPolicyValid reports it
      throw e;
    }
    for (const f of findings.filter((x) => x.id === "secret-bodies")) {
      out.push({ urn: p.urn, message: `${p.where} logs sensitive bodies: ${f.path ? `${f.path}: ` : ""}${f.message}` });
    }
  }
  return out;
}
