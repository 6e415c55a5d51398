/**
 * The public detection rules vendored in test/fixtures/detection-rules (Falco k8saudit, Sigma's
 * Kubernetes audit rules), each mapped to the requests it reads and the minimum level and stage it
 * needs, or to the reason the recommended preset deliberately does not feed it. Used by
 * test/alerts/rules-coverage.test.ts and by the generated part of docs/alerts.md.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { parse as parseYaml } from "yaml";

import {
  DETECTIONS,
  DIRECT_USER,
  evaluatePolicy,
  LEVELS,
  LOCAL_ADMIN,
  RANCHER_HUMAN,
  UNKNOWN_SA,
  type DetectionId,
  type Level,
  type Policy,
  type RequestAttributes,
  type RequestIdentity,
  type Stage,
} from "../../components/audit-policy";

export const RULES_DIR = path.join(__dirname, "..", "fixtures", "detection-rules");

export interface Needs {
  requests: readonly RequestAttributes[];
  level: Level;
  stage: Stage;
}
/** Either what a rule needs, or why recommended deliberately does not give it. */
export type Requirement = Needs | { tradeOff: string };

const sa = (ns: string, name: string): RequestIdentity => ({ user: `system:serviceaccount:${ns}:${name}`, groups: ["system:serviceaccounts", `system:serviceaccounts:${ns}`, "system:authenticated"] });
const KUBELET: RequestIdentity = { user: "system:node:worker-1", groups: ["system:nodes", "system:authenticated"] };
const ANONYMOUS: RequestIdentity = { user: "system:anonymous", groups: ["system:unauthenticated"] };
const FAILED_AUTH: RequestIdentity = { user: null, groups: null };
const KUBE_ADMIN: RequestIdentity = { user: "kubernetes-admin", groups: ["system:masters", "system:authenticated"] };
const FLEET = sa("cattle-fleet-system", "fleet-agent");
const CONTROLLER = sa("kube-system", "job-controller");
const PEOPLE = [RANCHER_HUMAN, DIRECT_USER, LOCAL_ADMIN, UNKNOWN_SA];

function r(who: RequestIdentity, verb: string, group: string, resource: string, o: { sub?: string; ns?: string; name?: string } = {}): RequestAttributes {
  const base = group === "" ? "/api/v1" : `/apis/${group}/v1`;
  const name = o.name ?? (["get", "update", "patch", "delete"].includes(verb) || o.sub ? "x" : "");
  const path_ = [base, o.ns ? `namespaces/${o.ns}` : "", resource, name, o.sub ?? ""].filter(Boolean).join("/");
  return { user: who.user, groups: who.groups, verb, resourceRequest: true, apiGroup: group, apiVersion: "v1", resource, subresource: o.sub ?? "", namespace: o.ns ?? "", name, path: path_ };
}

/** The same verbs on a kind, by people, an unknown service account and the platform's writers. */
const byEveryone = (verbs: string[], group: string, resource: string, ns?: string) =>
  [...PEOPLE, FLEET, CONTROLLER].flatMap((who) => verbs.map((v) => r(who, v, group, resource, { ns })));
const needs = (requests: readonly RequestAttributes[], level: Level = "Metadata", stage: Stage = "ResponseComplete"): Needs => ({ requests, level, stage });
const detection = (id: DetectionId, level?: Level, stage?: Stage): Needs => {
  const d = DETECTIONS.find((x) => x.id === id)!;
  return needs(d.requests, level ?? d.minLevel, stage);
};

export const CONFIGMAP_BODIES =
  "ConfigMap bodies are not logged (CIS 3.2.2: ConfigMaps at Metadata only; they often hold credentials, which is what this rule looks for): the change itself is logged at Metadata (who changed which ConfigMap)";

export const FALCO: Record<string, Requirement> = {
  "Disallowed K8s User": needs([DIRECT_USER, KUBE_ADMIN].flatMap((w) => [r(w, "get", "", "pods", { ns: "default" }), r(w, "list", "", "namespaces"), r(w, "create", "apps", "deployments", { ns: "default" })])),
  "Create Disallowed Pod": detection("privileged-pod", "Request"),
  "Create Privileged Pod": detection("privileged-pod"),
  "Create Sensitive Mount Pod": detection("hostpath-volume"),
  "Create HostNetwork Pod": detection("host-namespaces"),
  "Create HostPid Pod": detection("host-namespaces"),
  "Create HostIPC Pod": detection("host-namespaces"),
  "Create NodePort Service": detection("exposed-service"),
  "Create/Modify Configmap With Private Credentials": { tradeOff: CONFIGMAP_BODIES },
  "Anonymous Request Allowed": detection("anonymous-allowed"),
  "Attach/Exec Pod": detection("exec-attach", "Metadata", "ResponseStarted"),
  "port-forward": detection("port-forward"),
  "EphemeralContainers Created": detection("ephemeral-container"),
  "Create Disallowed Namespace": needs([...PEOPLE, ANONYMOUS, FLEET].map((w) => r(w, "create", "", "namespaces"))),
  "Pod Created in Kube Namespace": needs([...PEOPLE, sa("kube-system", "daemon-set-controller"), KUBELET].map((w) => r(w, "create", "", "pods", { ns: "kube-system" })), "Request"),
  "Service Account Created in Kube Namespace": needs(byEveryone(["create"], "", "serviceaccounts", "kube-system")),
  "System ClusterRole Modified/Deleted": detection("system-clusterrole-change"),
  "Attach to cluster-admin Role": detection("cluster-admin-binding"),
  "ClusterRole With Wildcard Created": needs([...PEOPLE, FLEET].flatMap((w) => [r(w, "create", "rbac.authorization.k8s.io", "clusterroles"), r(w, "create", "rbac.authorization.k8s.io", "roles", { ns: "default" })]), "Request"),
  "ClusterRole With Write Privileges Created": needs([...PEOPLE, FLEET].map((w) => r(w, "create", "rbac.authorization.k8s.io", "clusterroles")), "Request"),
  "ClusterRole With Pod Exec Created": needs([...PEOPLE, FLEET].map((w) => r(w, "create", "rbac.authorization.k8s.io", "roles", { ns: "default" })), "Request"),
  "K8s Deployment Created": needs(byEveryone(["create"], "apps", "deployments", "default")),
  "K8s Deployment Deleted": needs(byEveryone(["delete"], "apps", "deployments", "default")),
  "K8s Service Created": needs(byEveryone(["create"], "", "services", "default")),
  "K8s Service Deleted": needs(byEveryone(["delete"], "", "services", "default")),
  "K8s ConfigMap Created": needs(byEveryone(["create"], "", "configmaps", "default")),
  "K8s ConfigMap Deleted": needs(byEveryone(["delete"], "", "configmaps", "default")),
  "K8s Namespace Created": needs(byEveryone(["create"], "", "namespaces")),
  "K8s Namespace Deleted": needs(PEOPLE.map((w) => r(w, "delete", "", "namespaces"))),
  "K8s Serviceaccount Created": needs(byEveryone(["create"], "", "serviceaccounts", "default")),
  "K8s Serviceaccount Deleted": needs(byEveryone(["delete"], "", "serviceaccounts", "default")),
  "K8s Role Created": needs(byEveryone(["create"], "rbac.authorization.k8s.io", "roles", "default")),
  "K8s Role Deleted": needs(byEveryone(["delete"], "rbac.authorization.k8s.io", "roles", "default")),
  "K8s ClusterRole Created": needs(byEveryone(["create"], "rbac.authorization.k8s.io", "clusterroles")),
  "K8s ClusterRole Deleted": needs(byEveryone(["delete"], "rbac.authorization.k8s.io", "clusterroles")),
  "K8s RoleBinding Created": needs(byEveryone(["create"], "rbac.authorization.k8s.io", "rolebindings", "default")),
  "K8s RoleBinding Deleted": needs(byEveryone(["delete"], "rbac.authorization.k8s.io", "rolebindings", "default")),
  "K8s ClusterRoleBinding Created": needs(byEveryone(["create"], "rbac.authorization.k8s.io", "clusterrolebindings")),
  "K8s ClusterRoleBinding Deleted": needs(byEveryone(["delete"], "rbac.authorization.k8s.io", "clusterrolebindings")),
  "K8s Secret Created": needs(byEveryone(["create"], "", "secrets", "default")),
  "K8s Secret Deleted": needs(byEveryone(["delete"], "", "secrets", "default")),
  "K8s Secret Get Successfully": detection("secret-read"),
  "K8s Secret Get Unsuccessfully Tried": detection("secret-read"),
  "All K8s Audit Events": {
    tradeOff:
      "matches every event and is disabled upstream (consider_all_events is never true); a low-noise policy drops background reads, leases and probes by design, so no such policy can feed it",
  },
  "Full K8s Administrative Access": needs(["get", "list", "create", "delete"].map((v) => r(KUBE_ADMIN, v, "", "pods", { ns: "default" }))),
  "Ingress Object without TLS Certificate Created": needs(
    [...PEOPLE, FLEET].flatMap((w) => [r(w, "create", "networking.k8s.io", "ingresses", { ns: "default" }), r(w, "create", "extensions", "ingresses", { ns: "default" })]),
    "Request",
  ),
  "Untrusted Node Successfully Joined the Cluster": needs([r(KUBELET, "create", "", "nodes"), r(UNKNOWN_SA, "create", "", "nodes")]),
  "Untrusted Node Unsuccessfully Tried to Join the Cluster": needs([r(KUBELET, "create", "", "nodes"), r(FAILED_AUTH, "create", "", "nodes")]),
};

export const SIGMA: Record<string, Requirement> = {
  "kubernetes_audit_change_admission_controller.yml": detection("webhook-config-change"),
  "kubernetes_audit_cronjob_modification.yml": needs([...byEveryone(["create", "delete", "patch", "update"], "batch", "cronjobs", "default"), ...byEveryone(["create", "delete", "patch", "update"], "batch", "jobs", "default")]),
  "kubernetes_audit_deployment_deleted.yml": needs([...byEveryone(["delete"], "apps", "deployments", "default"), ...byEveryone(["delete"], "extensions", "deployments", "default")]),
  "kubernetes_audit_events_deleted.yml": detection("events-deleted"),
  "kubernetes_audit_exec_into_container.yml": needs(DETECTIONS.find((d) => d.id === "exec-attach")!.requests.filter((q) => q.verb === "create")),
  "kubernetes_audit_hostpath_mount.yml": detection("hostpath-volume"),
  "kubernetes_audit_pod_in_system_namespace.yml": needs([...PEOPLE, sa("kube-system", "daemon-set-controller"), KUBELET].map((w) => r(w, "create", "", "pods", { ns: "kube-system" }))),
  "kubernetes_audit_potential_enumeration_activity.yml": needs([...detection("exec-attach").requests, ...PEOPLE.map((w) => r(w, "list", "", "secrets"))]),
  "kubernetes_audit_privileged_pod_creation.yml": detection("dangerous-capabilities"),
  "kubernetes_audit_rbac_permisions_listing.yml": needs([...PEOPLE, ANONYMOUS].map((w) => r(w, "create", "authorization.k8s.io", "selfsubjectrulesreviews"))),
  "kubernetes_audit_rolebinding_modification.yml": needs([...byEveryone(["create", "delete", "patch", "update"], "rbac.authorization.k8s.io", "rolebindings", "default"), ...byEveryone(["create", "delete", "patch", "update"], "rbac.authorization.k8s.io", "clusterrolebindings")]),
  "kubernetes_audit_secrets_enumeration.yml": needs([...PEOPLE, FLEET, CONTROLLER, KUBELET, ANONYMOUS].map((w) => r(w, "list", "", "secrets"))),
  "kubernetes_audit_secrets_modified_or_deleted.yml": needs(byEveryone(["create", "delete", "patch", "update"], "", "secrets", "default")),
  "kubernetes_audit_serviceaccount_creation.yml": needs(byEveryone(["create"], "", "serviceaccounts", "default")),
  "kubernetes_audit_sidecar_injection.yml": needs(byEveryone(["patch"], "apps", "deployments", "default")),
  "kubernetes_audit_unauthorized_unauthenticated_actions.yml": needs([...detection("forbidden").requests, r(FAILED_AUTH, "get", "", "pods", { ns: "default" }), r(FAILED_AUTH, "list", "", "secrets")]),
};

export const rank = (l: Level) => LEVELS.indexOf(l);

/** Why a policy cannot feed a rule ("" when it can). */
export function gaps(policy: Policy, n: Needs): string[] {
  return n.requests.flatMap((q) => {
    const d = evaluatePolicy(policy, q);
    if (rank(d.level) < rank(n.level)) return [`${q.user} ${q.verb} ${q.path}: ${d.level} (rules[${d.ruleIndex}]) < ${n.level}`];
    if (d.omitStages.includes(n.stage)) return [`${q.user} ${q.verb} ${q.path}: ${n.stage} omitted`];
    return [];
  });
}

export const falcoRuleNames = () =>
  (parseYaml(fs.readFileSync(path.join(RULES_DIR, "falco", "k8s_audit_rules.yaml"), "utf8")) as { rule?: string }[]).map((x) => x.rule).filter((x): x is string => typeof x === "string");
export const sigmaFiles = () => fs.readdirSync(path.join(RULES_DIR, "sigma")).filter((f) => f.endsWith(".yml")).sort();

