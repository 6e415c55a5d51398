/**
 * The pure core of AuditedCluster: from a cluster's name, version, audit settings and policy, and
 * the user's own rkeConfig fragment, compute everything handed to Rancher. No Pulumi resources.
 *
 * What goes where (Rancher's planner, https://github.com/rancher/rancher/tree/main/pkg/capr/planner):
 * - selector-files delivery: a machineSelectorFiles entry for control-plane machines that copies the
 *   policy object's "audit-policy" key to `policyPath` (0600, dynamic: false so a change restarts
 *   kube-apiserver, hash = base64(sha256(content)) so a stale object is never used), and a
 *   machineSelectorConfigs entry for control-plane machines with the kube-apiserver audit flags;
 * - inline delivery (RKE2 only): the same control-plane machineSelectorConfigs entry also carries
 *   the RKE2 config key `audit-policy-file` with the policy text (Rancher writes it to
 *   `<data-dir>/etc/config-files/audit-policy-file`), and no `audit-policy-file` flag;
 * - a selector's `kube-apiserver-arg` replaces the global list on the machines it matches, so the
 *   control-plane list repeats the user's global flags (or the flags of the user's own
 *   control-plane entry) before the audit flags;
 * - with a Pod Security Admission template, Rancher's webhook adds
 *   `admission-control-config-file=/etc/rancher/<distro>/config/rancher-psact.yaml` to the global
 *   list and appends its own machineSelectorFiles entry; both are written here exactly as the
 *   webhook writes them (the flag first, the entry last), so the webhook finds nothing to change.
 *   The entry's `hash` is known only to the webhook; `ignoreChanges` covers exactly that field.
 */
import {
  ADMISSION_CONFIG_FLAG,
  CONTROL_PLANE_ROLE_LABEL,
  controlPlaneSelector,
  psactMountPath,
  psactSecretName,
  PSACT_SECRET_KEY,
  type Distro,
} from "../core/distro";
import { auditFlags, FLAG_SETTING, parseArg, withoutManaged, type AuditFlag, type ManagedFlag } from "../core/apiserver-args";
import { parseConfigYaml, renderConfigYaml, stringList, type ConfigMap } from "../core/config-yaml";
import { fail, mention, msg, show } from "../core/errors";
import { POLICY_KEY } from "./policy-object";
import { planAudit, type AuditPlan, type AuditPlanInput } from "./plan";


// ---------------------------------------------------------------------------------------------
// Plain (resolved) shapes of the rancher2 ClusterV2 rkeConfig fields the component composes.

/** A Kubernetes label selector (rancher2 `machineLabelSelector`). */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key?: string; operator?: string; values?: string[] }[];
}
/** An entry of rkeConfig `machineSelectorConfigs`: RKE2/K3s config for the machines the selector matches. */
export interface SelectorConfig {
  /** RKE2/K3s config as YAML text. */
  config?: string;
  machineLabelSelector?: LabelSelector;
}
/** A file Rancher writes to machines from a key of a Secret or ConfigMap. */
export interface FileItem {
  key: string;
  path: string;
  dynamic?: boolean;
  hash?: string;
  permissions?: string;
}
/** The Secret or ConfigMap of a machineSelectorFiles entry and the files taken from it. */
export interface FileObjectSource {
  name: string;
  items?: FileItem[];
  defaultPermissions?: string;
}
/** A file source of a machineSelectorFiles entry: a Secret or a ConfigMap. */
export interface FileSource {
  secret?: FileObjectSource;
  configmap?: FileObjectSource;
}
/** An entry of rkeConfig `machineSelectorFiles`: files for the machines the selector matches. */
export interface SelectorFile {
  machineLabelSelector?: LabelSelector;
  fileSources?: FileSource[];
}
/** The user's part of `rkeConfig` that the component composes with (plain values). */
export interface RkeFragment {
  machineGlobalConfig?: string;
  machineSelectorConfigs?: SelectorConfig[];
  machineSelectorFiles?: SelectorFile[];
}

/** Your rkeConfig fragment with the component's entries added, and what the control plane will run with. */
export interface ComposedRkeConfig {
  machineGlobalConfig?: string;
  /** Always a list (possibly empty): the component owns the whole list, yours plus its own entries. */
  machineSelectorConfigs: SelectorConfig[];
  /** Always a list (possibly empty), for the same reason. */
  machineSelectorFiles: SelectorFile[];
  /** kube-apiserver-arg on control-plane machines (what they will run with). */
  apiServerArgs: string[];
  /** kube-apiserver-arg in machineGlobalConfig. */
  globalApiServerArgs: string[];
  /** Index of the PSACT entry in machineSelectorFiles, when there is one. */
  psactFileIndex?: number;
  /** ClusterV2 `ignoreChanges` the component needs (the PSACT entry's hash). */
  ignoreChanges: string[];
}

// ---------------------------------------------------------------------------------------------

function isObject(v: unknown): boolean {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** A selector that matches every machine: absent, `{}`, or with empty matchLabels/matchExpressions. */
function matchesAll(sel: LabelSelector | undefined): boolean {
  if (sel === undefined || sel === null) return true;
  return Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0;
}

/** Exactly `matchLabels: {rke.cattle.io/control-plane-role: "true"}`: matches every control-plane machine. */
function isControlPlaneSelector(sel: LabelSelector | undefined): boolean {
  if (!sel) return false;
  const labels = Object.entries(sel.matchLabels ?? {});
  return (sel.matchExpressions ?? []).length === 0 && labels.length === 1 && labels[0][0] === CONTROL_PLANE_ROLE_LABEL && labels[0][1] === "true";
}

function describeSelector(sel: LabelSelector | undefined): string {
  return sel === undefined ? "every machine" : show(sel);
}

/** A value in the `audit-policy-file` config key that is a path rather than a policy. */
function looksLikePath(v: unknown): boolean {
  return typeof v === "string" && !v.includes("\n") && v.trim().startsWith("/");
}

function checkAuditPolicyFileKey(cfg: ConfigMap, enabled: boolean, path: string): void {
  if (!("audit-policy-file" in cfg)) return;
  const v = cfg["audit-policy-file"];
  if (looksLikePath(v)) {
    fail(
      path,
      `sets "audit-policy-file: ${String(v)}", a path: Rancher treats this key's value as the policy's content and writes it to a file, so kube-apiserver would load the text "${String(v)}" as its policy and fail to start; remove the key${enabled ? " (the component delivers the policy)" : ""}`,
    );
  }
  if (enabled) {
    fail(path, msg`sets "audit-policy-file", which the component manages; remove it and give the policy in ${mention("preset")} or ${mention("policy")}`);
  }
}

function sourceObject(fs: FileSource): FileObjectSource | undefined {
  return fs.secret ?? fs.configmap;
}

/** The PSACT file entry exactly as Rancher's webhook writes it, minus the hash only the webhook knows. */
export function psactFileEntry(clusterName: string, distro: Distro): SelectorFile {
  return {
    machineLabelSelector: controlPlaneSelector(),
    fileSources: [{ secret: { name: psactSecretName(clusterName), items: [{ key: PSACT_SECRET_KEY, path: psactMountPath(distro), dynamic: false }] } }],
  };
}

/** The `ignoreChanges` path of the PSACT entry's hash at index `index`. */
export function psactHashPath(index: number): string {
  return `rkeConfig.machineSelectorFiles[${index}].fileSources[0].secret.items[0].hash`;
}

/** The component's own machineSelectorFiles entry. */
export function auditFileEntry(plan: AuditPlan): SelectorFile | undefined {
  if (!plan.settings.enabled || plan.settings.delivery !== "selector-files" || !plan.policyRef || !plan.policy) return undefined;
  const source: FileObjectSource = {
    name: plan.policyRef.name,
    items: [{ key: POLICY_KEY, path: plan.settings.policyPath, permissions: "0600", dynamic: false, hash: plan.policy.sha256Base64 }],
  };
  return {
    machineLabelSelector: controlPlaneSelector(),
    fileSources: [plan.policyRef.kind === "secret" ? { secret: source } : { configmap: source }],
  };
}

/**
 * Composes the user's rkeConfig fragment with the plan. Never overwrites: the user's entries keep
 * their order and content; the component's entries follow. Refuses configurations that would
 * conflict (errors name `path`, default "cluster.rkeConfig").
 */
export function composeRkeConfig(plan: AuditPlan, user: RkeFragment | undefined, path = "cluster.rkeConfig"): ComposedRkeConfig {
  if (user !== undefined && !isObject(user)) fail(path, `must be an object; got ${show(user)}`);
  const u: RkeFragment = user ?? {};
  const { settings, psact, distro } = plan;
  const enabled = settings.enabled;
  const gPath = `${path}.machineGlobalConfig`;

  // Flags the component owns on control-plane machines, and what to tell a user who sets them too.
  const psactArg = `${ADMISSION_CONFIG_FLAG}=${psactMountPath(distro)}`;
  const psactManaged: ManagedFlag = {
    arg: psactArg,
    fix: "remove your own value: Rancher's webhook sets this flag to the Pod Security Admission configuration it mounts (or drop defaultPodSecurityAdmissionConfigurationTemplateName)",
  };
  const ourFlags = enabled ? auditFlags(settings, settings.delivery === "selector-files") : [];
  const ourManaged: ManagedFlag[] = ourFlags.map((arg) => {
    const name = parseArg(arg).name as AuditFlag;
    return { arg, fix: msg`remove it and set ${mention(FLAG_SETTING[name])} instead` };
  });
  if (enabled && settings.delivery === "inline") {
    // RKE2 sets --audit-policy-file itself from the config key; a user flag would point elsewhere.
    ourManaged.push({ arg: `audit-policy-file=${settings.policyPath}`, fix: 'remove it: with delivery "inline" RKE2 sets it from the delivered file' });
  }

  // machineGlobalConfig
  const global = parseConfigYaml(u.machineGlobalConfig, gPath);
  checkAuditPolicyFileKey(global, enabled, gPath);
  const userGlobalArgs = stringList(global["kube-apiserver-arg"], `${gPath}: kube-apiserver-arg`);
  if (enabled) withoutManaged(userGlobalArgs, ourManaged, `${gPath}: kube-apiserver-arg`);
  let globalArgs = userGlobalArgs;
  if (psact) globalArgs = [psactArg, ...withoutManaged(userGlobalArgs, [psactManaged], `${gPath}: kube-apiserver-arg`)];
  const newGlobal: ConfigMap = { ...global };
  if ("kube-apiserver-arg" in global || globalArgs.length > 0) newGlobal["kube-apiserver-arg"] = globalArgs;
  const machineGlobalConfig =
    u.machineGlobalConfig === undefined && Object.keys(newGlobal).length === 0 ? undefined : renderConfigYaml(newGlobal);

  // User's machineSelectorConfigs: find what control-plane machines run before our entry.
  const userConfigs = u.machineSelectorConfigs;
  if (userConfigs !== undefined && !Array.isArray(userConfigs)) fail(`${path}.machineSelectorConfigs`, `must be a list; got ${show(userConfigs)}`);
  let controlPlaneBase: string[] | undefined;
  (userConfigs ?? []).forEach((entry, i) => {
    const ePath = `${path}.machineSelectorConfigs[${i}]`;
    if (!isObject(entry)) fail(ePath, `must be an object with config and machineLabelSelector; got ${show(entry)}`);
    const cfg = parseConfigYaml(entry.config, `${ePath}.config`);
    checkAuditPolicyFileKey(cfg, enabled, `${ePath}.config`);
    if (!("kube-apiserver-arg" in cfg)) return;
    const args = stringList(cfg["kube-apiserver-arg"], `${ePath}.config: kube-apiserver-arg`);
    if (!enabled) return;
    withoutManaged(args, ourManaged, `${ePath}.config: kube-apiserver-arg`);
    if (matchesAll(entry.machineLabelSelector) || isControlPlaneSelector(entry.machineLabelSelector)) {
      controlPlaneBase = args; // later entries replace earlier ones, as in Rancher's planner
      return;
    }
    fail(
      ePath,
      `sets kube-apiserver-arg for ${describeSelector(entry.machineLabelSelector)}; Rancher replaces the whole kube-apiserver-arg list per matching entry and the component's control-plane entry comes last, so these flags would be lost on control-plane machines; move them to machineGlobalConfig, or to an entry whose machineLabelSelector is exactly { matchLabels: { "${CONTROL_PLANE_ROLE_LABEL}": "true" } } (the component merges those)`,
    );
  });

  const base = controlPlaneBase ?? globalArgs;
  let apiServerArgs: string[];
  let machineSelectorConfigs = userConfigs === undefined ? undefined : [...userConfigs];
  if (enabled) {
    const managed = psact ? [psactManaged, ...ourManaged] : ourManaged;
    apiServerArgs = [...(psact ? [psactArg] : []), ...withoutManaged(base, managed, `${path}: kube-apiserver-arg`), ...ourFlags];
    const ours: ConfigMap = { "kube-apiserver-arg": apiServerArgs };
    if (settings.delivery === "inline" && plan.policy) ours["audit-policy-file"] = plan.policy.yaml;
    machineSelectorConfigs = [...(machineSelectorConfigs ?? []), { machineLabelSelector: controlPlaneSelector(), config: renderConfigYaml(ours) }];
  } else {
    apiServerArgs = [...base];
  }

  // machineSelectorFiles
  const userFiles = u.machineSelectorFiles;
  if (userFiles !== undefined && !Array.isArray(userFiles)) fail(`${path}.machineSelectorFiles`, `must be a list; got ${show(userFiles)}`);
  const ourFile = auditFileEntry(plan);
  const psactName = psactSecretName(plan.clusterName);
  (userFiles ?? []).forEach((entry, i) => {
    const ePath = `${path}.machineSelectorFiles[${i}]`;
    if (!isObject(entry)) fail(ePath, `must be an object with fileSources and machineLabelSelector; got ${show(entry)}`);
    (entry.fileSources ?? []).forEach((fs, j) => {
      const src = isObject(fs) ? sourceObject(fs) : undefined;
      if (!src) return;
      if (psact && fs.secret?.name === psactName) {
        fail(`${ePath}.fileSources[${j}]`, `is the entry Rancher's webhook manages for the Pod Security Admission template (secret "${psactName}"); remove it, the component writes it exactly as the webhook does`);
      }
      if (ourFile && plan.policyRef && src.name === plan.policyRef.name) {
        fail(`${ePath}.fileSources[${j}]`, `already delivers the audit policy object "${src.name}"; remove it, the component adds its own entry`);
      }
      (src.items ?? []).forEach((item, k) => {
        if (ourFile && isObject(item) && item.path === settings.policyPath) {
          fail(`${ePath}.fileSources[${j}].items[${k}].path`, msg`writes ${settings.policyPath}, the audit policy path; choose another path, or set ${mention("policyPath")} elsewhere`);
        }
      });
    });
  });
  let machineSelectorFiles = userFiles === undefined ? undefined : [...userFiles];
  if (ourFile) machineSelectorFiles = [...(machineSelectorFiles ?? []), ourFile];
  let psactFileIndex: number | undefined;
  const ignoreChanges: string[] = [];
  if (psact) {
    machineSelectorFiles = [...(machineSelectorFiles ?? []), psactFileEntry(plan.clusterName, distro)];
    psactFileIndex = machineSelectorFiles.length - 1;
    if (settings.ignorePsactHash) ignoreChanges.push(psactHashPath(psactFileIndex));
  }

  // Always explicit lists, never left out: both fields are Optional+Computed in the rancher2
  // provider, so a list left out of the inputs keeps its last value without a diff. Turning audit
  // off (or moving to inline delivery) must remove the entries the component added before, or the
  // cluster would keep a file entry pointing at the policy object the component then deletes.
  return {
    machineGlobalConfig,
    machineSelectorConfigs: machineSelectorConfigs ?? [],
    machineSelectorFiles: machineSelectorFiles ?? [],
    apiServerArgs,
    globalApiServerArgs: globalArgs,
    psactFileIndex,
    ignoreChanges,
  };
}

/** Input of auditRkeConfig: the plan input plus the user's own rkeConfig fragment. */
export interface AuditRkeConfigInput extends AuditPlanInput {
  /** Your machineGlobalConfig / machineSelectorConfigs / machineSelectorFiles (plain values). */
  rkeConfig?: RkeFragment;
}

/** Result of auditRkeConfig: the composed rkeConfig fields and the cluster's plan. */
export interface AuditRkeConfigResult extends ComposedRkeConfig {
  plan: AuditPlan;
}

/**
 * The rkeConfig fragment for a ClusterV2 you declare yourself: pass the returned
 * machineGlobalConfig / machineSelectorConfigs / machineSelectorFiles into your `rkeConfig` (they
 * already contain yours), add `ignoreChanges` to the ClusterV2's options, and create the policy
 * object `plan.policyObject` (or use an AuditPolicySource). Pure: no resources.
 */
export function auditRkeConfig(input: AuditRkeConfigInput): AuditRkeConfigResult {
  const plan = planAudit(input);
  return { plan, ...composeRkeConfig(plan, input.rkeConfig) };
}

