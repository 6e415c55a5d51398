/**
 * What Rancher's planner makes of a `rancher2:index/clusterV2:ClusterV2` for kube-apiserver audit
 * logging, read from the resource's inputs as a policy sees them (YAML strings parsed, secrets
 * unwrapped, values possibly unknown during preview). Pure; no check here, only the model the
 * checks read.
 *
 * The planner rules followed (rancher/rancher pkg/capr/planner/config.go `addUserConfig`,
 * `renderFiles`; filter.go `filterConfigData`):
 * - a machine's config is machineGlobalConfig, then every machineSelectorConfigs entry whose
 *   machineLabelSelector matches the machine's labels replaces whole keys, in list order (a nil
 *   selector matches every machine);
 * - config keys the distribution's KDM data does not list are dropped without an error: K3s has no
 *   `audit-policy-file` key, so on K3s that key never reaches the node; values that are not a
 *   string, bool or list are dropped too;
 * - on RKE2 the `audit-policy-file` key holds the policy text: Rancher writes it to
 *   `<data-dir>/etc/config-files/audit-policy-file`, and RKE2 then sets --audit-policy-file, a
 *   default --audit-log-path and --audit-log-maxage=30/maxbackup=10/maxsize=100 before the user's
 *   kube-apiserver-arg (rancher/rke2 pkg/podtemplate, staticpod.go); RKE2 adds nothing when the
 *   policy is given only as a kube-apiserver-arg;
 * - machineSelectorFiles entries whose selector matches the machine are written to it.
 *
 * Control-plane machines carry `rke.cattle.io/control-plane-role: "true"` and may also carry the
 * etcd and worker role labels, so every check looks at the four role combinations. A selector on
 * any other label may or may not match a control-plane machine; the model says so.
 */
import { UnknownValueError } from "@pulumi/policy";
import { CONTROL_PLANE_ROLE_LABEL, distroOf, parseArg, parseConfigYaml, stringList, type ConfigMap, type Distro } from "./shared";
import { AuditConfigError, DEFAULT_FLEET_NAMESPACE } from "./shared";

export const CLUSTER_V2 = "rancher2:index/clusterV2:ClusterV2";

const ETCD_ROLE_LABEL = "rke.cattle.io/etcd-role";
const WORKER_ROLE_LABEL = "rke.cattle.io/worker-role";
const ROLE_LABELS = [CONTROL_PLANE_ROLE_LABEL, ETCD_ROLE_LABEL, WORKER_ROLE_LABEL];

/** The control-plane machines a cluster can have, by the role labels Rancher sets on them. */
export const CONTROL_PLANE_MACHINES: readonly { name: string; labels: Record<string, string> }[] = [
  { name: "control-plane", labels: { [CONTROL_PLANE_ROLE_LABEL]: "true" } },
  { name: "control-plane+etcd", labels: { [CONTROL_PLANE_ROLE_LABEL]: "true", [ETCD_ROLE_LABEL]: "true" } },
  { name: "control-plane+worker", labels: { [CONTROL_PLANE_ROLE_LABEL]: "true", [WORKER_ROLE_LABEL]: "true" } },
  { name: "control-plane+etcd+worker", labels: { [CONTROL_PLANE_ROLE_LABEL]: "true", [ETCD_ROLE_LABEL]: "true", [WORKER_ROLE_LABEL]: "true" } },
];

/** RKE2's audit retention defaults when it wires the audit flags itself (rancher/rke2 staticpod.go). */
const RKE2_RETENTION_DEFAULTS = { "audit-log-maxage": "30", "audit-log-maxbackup": "10", "audit-log-maxsize": "100" };

type Json = Record<string, unknown>;
type Match = "yes" | "no" | "maybe";

/** Where a policy file comes from: a key of an object on the management cluster. */
export interface FileRef {
  kind: "secret" | "configmap";
  name: string;
  key: string;
  path: string;
  dynamic: boolean;
  hash: string | undefined;
  /** Field path inside the ClusterV2, for messages. */
  at: string;
}

/** The audit setup of one control-plane machine kind. */
export interface MachineAudit {
  machine: string;
  /** Problems that leave this machine without a working audit log (messages). */
  problems: string[];
  /** The kube-apiserver audit flags it runs with (name → value), RKE2's own defaults included. */
  flags: Map<string, string>;
  /** The policy text given in the `audit-policy-file` config key (RKE2). */
  inlinePolicy?: string;
  /** The machineSelectorFiles item that delivers the policy file. */
  file?: FileRef;
}

export interface ClusterAudit {
  /** The provisioning cluster name (`name` input, else the Pulumi name). */
  name: string;
  /** Whether `name` was set explicitly (an autonamed cluster's real name is not in its inputs). */
  named: boolean;
  namespace: string;
  kubernetesVersion: string;
  distro: Distro;
  machines: MachineAudit[];
  /** Problems of the whole cluster spec (both a secret and a configmap in one file source...). */
  problems: string[];
}

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? [...v] : [];
}

/** Kubernetes label selector semantics, three-valued: labels other than the role labels are unknown. */
export function selectorMatches(selector: unknown, labels: Record<string, string>): Match {
  if (selector === undefined || selector === null) return "yes";
  if (!isObject(selector)) return "maybe";
  let result: Match = "yes";
  const known = (key: string) => ROLE_LABELS.includes(key);
  const combine = (m: Match) => {
    if (m === "no" || result === "no") result = "no";
    else if (m === "maybe") result = "maybe";
  };
  const matchLabels = isObject(selector.matchLabels) ? selector.matchLabels : {};
  for (const [key, value] of Object.entries(matchLabels)) {
    combine(known(key) ? (labels[key] === value ? "yes" : "no") : "maybe");
  }
  for (const expr of list(selector.matchExpressions)) {
    if (!isObject(expr) || typeof expr.key !== "string") {
      combine("maybe");
      continue;
    }
    if (!known(expr.key)) {
      combine("maybe");
      continue;
    }
    const has = expr.key in labels;
    const values = list(expr.values).map(String);
    const op = String(expr.operator);
    if (op === "In") combine(has && values.includes(labels[expr.key]) ? "yes" : "no");
    else if (op === "NotIn") combine(!has || !values.includes(labels[expr.key]) ? "yes" : "no");
    else if (op === "Exists") combine(has ? "yes" : "no");
    else if (op === "DoesNotExist") combine(has ? "no" : "yes");
    else combine("maybe");
  }
  return result;
}

/** A config YAML string as a mapping; a YAML error becomes a problem instead of a crash. */
function readConfig(text: unknown, at: string, problems: string[]): ConfigMap {
  try {
    return parseConfigYaml(text, at);
  } catch (e) {
    if (e instanceof AuditConfigError) {
      problems.push(`${e.message} (the rancher2 provider refuses it)`);
      return {};
    }
    throw e;
  }
}

function looksLikePath(v: string): boolean {
  return !v.includes("\n") && v.trim().startsWith("/");
}

/** Reads the cluster; throws UnknownValueError (through the policy proxy) where a value it needs is unknown. */
export function readClusterAudit(props: Json, resourceName: string): ClusterAudit | undefined {
  const rke = props.rkeConfig;
  if (!isObject(rke)) return undefined; // an imported or hosted cluster: Rancher does not provision its nodes
  const problems: string[] = [];
  const named = typeof props.name === "string";
  const name = named ? (props.name as string) : resourceName;
  const namespace = typeof props.fleetNamespace === "string" ? props.fleetNamespace : DEFAULT_FLEET_NAMESPACE;
  const kubernetesVersion = String(props.kubernetesVersion);
  const distro = distroOf(kubernetesVersion, "kubernetesVersion");

  const global = readConfig(rke.machineGlobalConfig, "rkeConfig.machineGlobalConfig", problems);
  const selectorConfigs = list(rke.machineSelectorConfigs).map((entry, i) => {
    const e = isObject(entry) ? entry : {};
    return { selector: e.machineLabelSelector, config: readConfig(e.config, `rkeConfig.machineSelectorConfigs[${i}].config`, problems), at: `rkeConfig.machineSelectorConfigs[${i}]` };
  });
  const files = list(rke.machineSelectorFiles).map((entry, i) => (isObject(entry) ? { ...entry, at: `rkeConfig.machineSelectorFiles[${i}]` } : { at: "" }));
  files.forEach((f) => {
    list((f as Json).fileSources).forEach((fs, j) => {
      if (isObject(fs) && isObject(fs.secret) && isObject(fs.configmap) && fs.secret.name && fs.configmap.name) {
        problems.push(
          `${f.at}.fileSources[${j}] names both secret "${String(fs.secret.name)}" and configmap "${String(fs.configmap.name)}": Rancher refuses to render the cluster's plan ("cannot both be defined at the same time for files"); use separate entries`,
        );
      }
    });
  });

  const machines = CONTROL_PLANE_MACHINES.map((machine) => {
    const config: ConfigMap = { ...global };
    const m: MachineAudit = { machine: machine.name, problems: [], flags: new Map() };
    for (const sc of selectorConfigs) {
      const match = selectorMatches(sc.selector, machine.labels);
      if (match === "yes") Object.assign(config, sc.config);
      else if (match === "maybe" && ("kube-apiserver-arg" in sc.config || "audit-policy-file" in sc.config)) {
        m.problems.push(
          `${sc.at} sets ${"kube-apiserver-arg" in sc.config ? "kube-apiserver-arg" : "audit-policy-file"} for machines selected by labels other than the role labels: Rancher replaces the whole key on the machines it matches, so some control-plane machines may lose their audit flags; select with rke.cattle.io/control-plane-role only, or put the keys in machineGlobalConfig`,
        );
      }
    }
    let args: string[] = [];
    try {
      args = stringList(config["kube-apiserver-arg"], "kube-apiserver-arg");
    } catch (e) {
      if (!(e instanceof AuditConfigError)) throw e;
      m.problems.push(`kube-apiserver-arg must be a list of "flag=value" strings; Rancher drops anything else`);
    }
    let rke2Wires = false;
    let viaProfile = false;
    let keyProblem = false;
    if ("audit-policy-file" in config) {
      const v = config["audit-policy-file"];
      keyProblem = true;
      if (distro === "k3s") {
        m.problems.push(
          `sets the "audit-policy-file" config key on a K3s cluster: Rancher drops that key for K3s (it is not a K3s option in Rancher's KDM data), so the policy never reaches the nodes and audit stays off; deliver the policy with machineSelectorFiles and set kube-apiserver-arg audit-policy-file=<path> and audit-log-path=<path> (Rancher docs, "Enabling the API Audit Log in Downstream Clusters", K3s tab)`,
        );
      } else if (typeof v !== "string") {
        m.problems.push(`the "audit-policy-file" config key is not a string: Rancher keeps only string, bool and list values, so it is dropped; give the policy as a YAML block string`);
      } else if (looksLikePath(v)) {
        m.problems.push(
          `the "audit-policy-file" config key holds a path (${JSON.stringify(v)}): Rancher writes the key's value as the policy's content, so kube-apiserver would read the text "${v}" as its policy and fail to start; put the policy text there, or deliver the file with machineSelectorFiles and set the kube-apiserver-arg audit-policy-file instead`,
        );
      } else {
        keyProblem = false;
        rke2Wires = true;
        m.inlinePolicy = v;
        m.flags.set("audit-policy-file", "(the audit-policy-file config key)");
      }
    }
    if (!rke2Wires && distro === "rke2" && typeof config.profile === "string" && config.profile.startsWith("cis")) {
      // RKE2's CIS profile wires the audit flags itself, with this policy path (rancher/rke2 podtemplate).
      rke2Wires = viaProfile = true;
      m.flags.set("audit-policy-file", "/etc/rancher/rke2/audit-policy.yaml");
    }
    if (rke2Wires) {
      m.flags.set("audit-log-path", "(RKE2 default)");
      for (const [k, v] of Object.entries(RKE2_RETENTION_DEFAULTS)) m.flags.set(k, v);
    }
    // The user's kube-apiserver-arg come after RKE2's own flags, so they win.
    for (const a of args.map(parseArg)) {
      if (!a.name.startsWith("audit-") || a.value === undefined) continue;
      m.flags.set(a.name, a.value);
      if (a.name === "audit-policy-file") m.inlinePolicy = undefined;
    }

    if (!m.flags.has("audit-policy-file")) {
      if (!keyProblem) {
        m.problems.push(
          `kube-apiserver audit is off: no audit-policy-file in kube-apiserver-arg${distro === "rke2" ? ' and no "audit-policy-file" config key' : ""} (machineGlobalConfig or a machineSelectorConfigs entry for control-plane machines)`,
        );
      }
      return m;
    }
    if (!m.flags.has("audit-log-path") && !m.flags.has("audit-webhook-config-file")) {
      m.problems.push("kube-apiserver has an audit policy but no audit-log-path (nor audit-webhook-config-file): it writes no audit log; add kube-apiserver-arg audit-log-path=<path>");
    }
    if (m.inlinePolicy === undefined) {
      const path = m.flags.get("audit-policy-file")!;
      m.file = deliveredFile(files, machine.labels, path);
      if (!m.file && viaProfile && path === "/etc/rancher/rke2/audit-policy.yaml") {
        m.problems.push("RKE2's CIS profile turns audit on with /etc/rancher/rke2/audit-policy.yaml, and with no file delivered there RKE2 writes its default policy, which logs nothing (rules: [{level: None}]); deliver a policy");
      } else if (!m.file) {
        m.problems.push(
          `audit-policy-file=${path} is not delivered: no machineSelectorFiles item for control-plane machines writes ${path}, so kube-apiserver cannot load its policy`,
        );
      }
    }
    return m;
  });
  return { name, named, namespace, kubernetesVersion, distro, machines, problems };
}

/** The last machineSelectorFiles item that writes `path` on a machine with these labels. */
function deliveredFile(files: Json[], labels: Record<string, string>, path: string): FileRef | undefined {
  let found: FileRef | undefined;
  for (const f of files) {
    if (selectorMatches(f.machineLabelSelector, labels) !== "yes") continue;
    list(f.fileSources).forEach((fs, j) => {
      if (!isObject(fs)) return;
      for (const kind of ["secret", "configmap"] as const) {
        const src = fs[kind];
        if (!isObject(src) || typeof src.name !== "string" || src.name === "") continue;
        list(src.items).forEach((item, k) => {
          if (isObject(item) && item.path === path) {
            found = {
              kind,
              name: src.name as string,
              key: String(item.key),
              path,
              dynamic: item.dynamic === true,
              hash: typeof item.hash === "string" && item.hash !== "" ? item.hash : undefined,
              at: `${String(f.at)}.fileSources[${j}].${kind}.items[${k}]`,
            };
          }
        });
      }
    });
  }
  return found;
}

/** Problems grouped by message, naming the machine kinds when not every control-plane machine has it. */
export function groupByMachine(cluster: ClusterAudit, pick: (m: MachineAudit) => string[]): string[] {
  const byMessage = new Map<string, string[]>();
  for (const m of cluster.machines) for (const p of pick(m)) byMessage.set(p, [...(byMessage.get(p) ?? []), m.machine]);
  return [...byMessage].map(([message, machines]) =>
    machines.length === cluster.machines.length ? message : `${message} (on ${machines.join(", ")} machines)`,
  );
}

/** Runs `read` and returns undefined when a value it reads is unknown (preview). */
export function ifKnown<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (e) {
    if (e instanceof UnknownValueError) return undefined;
    throw e;
  }
}
