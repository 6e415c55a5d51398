/**
 * The alerts we ship, one row per detection class of the engine (components/audit-policy/detections.ts).
 * A row adds only what an alert needs on top of its detection: the conditions on the shipped event,
 * who is not worth waking someone for, the labels to group by, and the words for people. The requests
 * an alert needs and their minimum level come from the detection (see coverage.ts), never from here.
 */
import { DETECTIONS, SYSTEM_COMPONENT_GROUPS, SYSTEM_COMPONENT_USERS, type Detection, type DetectionId } from "../audit-policy";
import { ConditionKind, eventMatches, type Condition, type FieldPath } from "./conditions";

/** The alerts; each value is the id of the detection class it raises. */
export enum AlertId {
  RbacChange = "rbac-change",
  ClusterAdminBinding = "cluster-admin-binding",
  ExecAttach = "exec-attach",
  PrivilegedPod = "privileged-pod",
  HostPathVolume = "hostpath-volume",
  HostNamespaces = "host-namespaces",
  SecretRead = "secret-read",
  AnonymousAllowed = "anonymous-allowed",
  Impersonation = "impersonation",
  WebhookConfigChange = "webhook-config-change",
  CsrApproval = "csr",
  EventsDeleted = "events-deleted",
}

/** How urgent an alert is (the `severity` label of Prometheus-style rules). */
export enum AlertSeverity {
  Critical = "critical",
  Warning = "warning",
  Info = "info",
}

export interface AlertDefinition {
  id: AlertId;
  /** The rule name (Prometheus `alert:`, monitor and rule names). */
  name: string;
  severity: AlertSeverity;
  /** One line for the notification. */
  summary: string;
  /** All must hold for an event to raise the alert. */
  conditions: readonly Condition[];
  /** Event fields the alert is grouped by (one alert per distinct value set), after `cluster`. */
  groupBy: readonly FieldPath[];
  /** Who or what raises it legitimately, and what to do about it. */
  falsePositives: string;
  /** kubectl commands that raise it on a real cluster (as someone allowed to run them). */
  trigger: readonly string[];
  /** Names of the Falco k8saudit rules whose events this alert raises on (test/fixtures/detection-rules). */
  falcoRules: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Fields and identities.
// ---------------------------------------------------------------------------------------------

export const F = {
  verb: ["verb"],
  apiGroup: ["objectRef", "apiGroup"],
  resource: ["objectRef", "resource"],
  subresource: ["objectRef", "subresource"],
  namespace: ["objectRef", "namespace"],
  name: ["objectRef", "name"],
  user: ["user", "username"],
  impersonatedUser: ["impersonatedUser", "username"],
  decision: ["annotations", "authorization.k8s.io/decision"],
  requestURI: ["requestURI"],
  roleRef: ["requestObject", "roleRef", "name"],
} as const satisfies Record<string, FieldPath>;

/**
 * The platform's own identities, derived from the `recommended` preset's lists (one source of truth):
 * control-plane users by name, kubelets and the service accounts of the platform namespaces by prefix.
 * Rancher's cattle-impersonation-system service accounts are people and never in here.
 */
export const PLATFORM_USERS: readonly string[] = [...SYSTEM_COMPONENT_USERS];
export const PLATFORM_USER_PREFIXES: readonly string[] = SYSTEM_COMPONENT_GROUPS.map((g) =>
  g === "system:nodes" ? "system:node:" : g.replace(/^system:serviceaccounts:/, "system:serviceaccount:") + ":",
);

const notPlatform: Condition = { kind: ConditionKind.NotPrefixOf, field: F.user, prefixes: PLATFORM_USER_PREFIXES, exact: PLATFORM_USERS };
const oneOf = (field: FieldPath, ...values: string[]): Condition => ({ kind: ConditionKind.OneOf, field, values });
const succeeded: Condition = { kind: ConditionKind.Succeeded };

const WRITE = ["create", "update", "patch", "delete", "deletecollection"];
const POD_CHANGE = [oneOf(F.apiGroup, ""), oneOf(F.resource, "pods"), oneOf(F.subresource, "", "ephemeralcontainers"), oneOf(F.verb, "create", "update", "patch")];
const CONTAINER_LISTS = ["containers", "initContainers", "ephemeralContainers"];
const WHO = [F.user, F.verb] as const;
const TARGET = [F.namespace, F.name] as const;

// ---------------------------------------------------------------------------------------------
// The table.
// ---------------------------------------------------------------------------------------------

export const ALERTS: readonly AlertDefinition[] = [
  {
    id: AlertId.RbacChange,
    name: "KubeAuditRbacChange",
    severity: AlertSeverity.Warning,
    summary: "An RBAC role or binding was created, changed or deleted by someone other than the platform",
    conditions: [oneOf(F.apiGroup, "rbac.authorization.k8s.io"), oneOf(F.resource, "roles", "clusterroles", "rolebindings", "clusterrolebindings"), oneOf(F.subresource, ""), oneOf(F.verb, ...WRITE), succeeded, notPlatform],
    groupBy: [...WHO, F.resource, ...TARGET],
    falsePositives: "Administrators granting access, Helm releases and operators installed by people (their service accounts are not the platform's). Rancher's own RBAC sync (cattle-system) is excluded; to silence another operator, add its service account to the user_username exclusion of your copy of the rule.",
    trigger: ["kubectl create clusterrole audit-alert-test --verb=get --resource=pods", "kubectl delete clusterrole audit-alert-test"],
    falcoRules: [
      "K8s Role Created", "K8s Role Deleted", "K8s ClusterRole Created", "K8s ClusterRole Deleted",
      "K8s RoleBinding Created", "K8s RoleBinding Deleted", "K8s ClusterRoleBinding Created", "K8s ClusterRoleBinding Deleted",
      "System ClusterRole Modified/Deleted", "Attach to cluster-admin Role",
      "ClusterRole With Wildcard Created", "ClusterRole With Write Privileges Created", "ClusterRole With Pod Exec Created",
    ],
  },
  {
    id: AlertId.ClusterAdminBinding,
    name: "KubeAuditClusterAdminBinding",
    severity: AlertSeverity.Critical,
    summary: "A binding to cluster-admin was created or changed",
    conditions: [oneOf(F.apiGroup, "rbac.authorization.k8s.io"), oneOf(F.resource, "rolebindings", "clusterrolebindings"), oneOf(F.verb, "create", "update", "patch"), oneOf(F.roleRef, "cluster-admin")],
    groupBy: [...WHO, F.resource, F.name],
    falsePositives: "Rancher binds cluster owners to cluster-admin when someone is made owner of the cluster; each one deserves a look.",
    trigger: ["kubectl create clusterrolebinding audit-alert-test --clusterrole=cluster-admin --user=nobody", "kubectl delete clusterrolebinding audit-alert-test"],
    falcoRules: ["Attach to cluster-admin Role"],
  },
  {
    id: AlertId.ExecAttach,
    name: "KubeAuditPodExec",
    severity: AlertSeverity.Warning,
    summary: "Someone opened a shell or attached to a container (exec/attach)",
    conditions: [oneOf(F.apiGroup, ""), oneOf(F.resource, "pods"), oneOf(F.subresource, "exec", "attach"), oneOf(F.verb, "create", "get")],
    groupBy: [F.user, ...TARGET, F.subresource],
    falsePositives: "Debugging by operators; CI jobs that run commands in pods. kubectl ≥ 1.30 sends exec as a websocket GET, older ones as POST (create): both are matched.",
    trigger: ["kubectl run audit-alert-test --image=busybox --restart=Never -- sleep 600", "kubectl exec audit-alert-test -- true", "kubectl delete pod audit-alert-test"],
    falcoRules: ["Attach/Exec Pod"],
  },
  {
    id: AlertId.PrivilegedPod,
    name: "KubeAuditPrivilegedPod",
    severity: AlertSeverity.Critical,
    summary: "A pod with a privileged container was created",
    conditions: [...POD_CHANGE, { kind: ConditionKind.BodyTrue, paths: CONTAINER_LISTS.map((c) => ["requestObject", "spec", c, "[]", "securityContext", "privileged"]), lineRegex: `"privileged":\\s*true` }],
    groupBy: [F.user, F.namespace],
    falsePositives: "CNI, storage and monitoring DaemonSets (canal/calico, longhorn, node-exporter) in system namespaces, when they roll out. The pod is created by a controller service account; the Deployment/DaemonSet change by the person is logged at Request too.",
    trigger: ["kubectl run audit-alert-test --image=busybox --restart=Never --privileged -- sleep 600", "kubectl delete pod audit-alert-test"],
    falcoRules: ["Create Privileged Pod"],
  },
  {
    id: AlertId.HostPathVolume,
    name: "KubeAuditHostPathPod",
    severity: AlertSeverity.Warning,
    summary: "A pod mounting a hostPath volume was created",
    conditions: [...POD_CHANGE, { kind: ConditionKind.BodyObject, paths: [["requestObject", "spec", "volumes", "[]", "hostPath"]], lineRegex: `"hostPath":\\s*\\{` }],
    groupBy: [F.user, F.namespace],
    falsePositives: "Node agents (log collectors, CNI, CSI drivers, node-exporter) mount host paths by design; they run in system namespaces.",
    trigger: [
      `kubectl run audit-alert-test --image=busybox --restart=Never --overrides='{"spec":{"volumes":[{"name":"h","hostPath":{"path":"/etc"}}]}}' -- sleep 600`,
      "kubectl delete pod audit-alert-test",
    ],
    falcoRules: ["Create Sensitive Mount Pod"],
  },
  {
    id: AlertId.HostNamespaces,
    name: "KubeAuditHostNamespacePod",
    severity: AlertSeverity.Warning,
    summary: "A pod sharing the host's network, PID or IPC namespace was created",
    conditions: [...POD_CHANGE, { kind: ConditionKind.BodyTrue, paths: ["hostNetwork", "hostPID", "hostIPC"].map((k) => ["requestObject", "spec", k]), lineRegex: `"host(Network|PID|IPC)":\\s*true` }],
    groupBy: [F.user, F.namespace],
    falsePositives: "CNI and ingress controllers with hostNetwork (rke2-ingress-nginx, canal), node-exporter.",
    trigger: [`kubectl run audit-alert-test --image=busybox --restart=Never --overrides='{"spec":{"hostNetwork":true}}' -- sleep 600`, "kubectl delete pod audit-alert-test"],
    falcoRules: ["Create HostNetwork Pod", "Create HostPid Pod", "Create HostIPC Pod"],
  },
  {
    id: AlertId.SecretRead,
    name: "KubeAuditSecretReadByHuman",
    severity: AlertSeverity.Warning,
    summary: "A Secret was read (get, list or watch) by a person or an unknown service account",
    conditions: [oneOf(F.apiGroup, ""), oneOf(F.resource, "secrets"), oneOf(F.subresource, ""), oneOf(F.verb, "get", "list", "watch"), notPlatform],
    groupBy: [...WHO, ...TARGET],
    falsePositives: "The Rancher UI lists Secrets when someone opens a namespace's Secrets page; Helm reads its release Secrets on every helm command; workloads that read their own Secrets through the API (not as mounted volumes).",
    trigger: ["kubectl -n default get secrets"],
    falcoRules: ["K8s Secret Get Successfully", "K8s Secret Get Unsuccessfully Tried"],
  },
  {
    id: AlertId.AnonymousAllowed,
    name: "KubeAuditAnonymousAllowed",
    severity: AlertSeverity.Critical,
    summary: "An anonymous request was allowed",
    conditions: [
      oneOf(F.user, "system:anonymous"),
      oneOf(F.decision, "allow"),
      { kind: ConditionKind.NotPrefixOf, field: F.requestURI, prefixes: ["/healthz?", "/livez?", "/readyz?", "/healthz/", "/livez/", "/readyz/"], exact: ["/healthz", "/livez", "/readyz"] },
    ],
    groupBy: [F.verb, F.resource, F.requestURI],
    falsePositives: "Only where anonymous authentication is enabled on purpose and RBAC grants system:anonymous or system:unauthenticated something beyond the health endpoints (e.g. a public discovery endpoint). RKE2 runs kube-apiserver with --anonymous-auth=false.",
    trigger: ["curl -k https://<server>:6443/api/v1/namespaces   # allowed only if anonymous auth is on and RBAC allows it"],
    falcoRules: ["Anonymous Request Allowed"],
  },
  {
    id: AlertId.Impersonation,
    name: "KubeAuditImpersonation",
    severity: AlertSeverity.Warning,
    summary: "A request impersonated another user outside Rancher's own impersonation",
    conditions: [{ kind: ConditionKind.Present, field: F.impersonatedUser }, { kind: ConditionKind.NotPrefixOf, field: F.user, prefixes: ["system:serviceaccount:cattle-impersonation-system:"], exact: [] }],
    groupBy: [F.user, F.impersonatedUser],
    falsePositives: "kubectl --as by administrators; tools that impersonate by design (audit2rbac demos, some CI). Rancher's cattle-impersonation-system service accounts impersonate the people they stand for on every request and are excluded.",
    trigger: ["kubectl get pods --as=system:serviceaccount:default:default"],
    falcoRules: [],
  },
  {
    id: AlertId.WebhookConfigChange,
    name: "KubeAuditAdmissionWebhookChange",
    severity: AlertSeverity.Critical,
    summary: "An admission webhook configuration was created, changed or deleted",
    conditions: [oneOf(F.apiGroup, "admissionregistration.k8s.io"), oneOf(F.resource, "mutatingwebhookconfigurations", "validatingwebhookconfigurations"), oneOf(F.verb, ...WRITE), succeeded, notPlatform],
    groupBy: [...WHO, F.resource, F.name],
    falsePositives: "Installing or upgrading charts that ship webhooks (cert-manager, Kyverno, OPA Gatekeeper) by a person. rancher-webhook updating its own configuration (cattle-system) is excluded.",
    trigger: [
      `kubectl create -f - <<'EOF'\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingWebhookConfiguration\nmetadata: {name: audit-alert-test}\nwebhooks: []\nEOF`,
      "kubectl delete validatingwebhookconfiguration audit-alert-test",
    ],
    falcoRules: [],
  },
  {
    id: AlertId.CsrApproval,
    name: "KubeAuditCsrApproval",
    severity: AlertSeverity.Warning,
    summary: "A certificate signing request was approved by someone other than the platform",
    conditions: [oneOf(F.apiGroup, "certificates.k8s.io"), oneOf(F.resource, "certificatesigningrequests"), oneOf(F.subresource, "approval"), oneOf(F.verb, "update", "patch"), succeeded, notPlatform],
    groupBy: [F.user, F.name],
    falsePositives: "An administrator approving a user's client certificate. The controller manager's automatic approval of kubelet certificates is excluded.",
    trigger: ["kubectl certificate approve <csr-name>   # any pending CSR (kubectl get csr)"],
    falcoRules: [],
  },
  {
    id: AlertId.EventsDeleted,
    name: "KubeAuditEventsDeleted",
    severity: AlertSeverity.Warning,
    summary: "Kubernetes Events were deleted by someone other than the platform (covering tracks)",
    conditions: [oneOf(F.apiGroup, "", "events.k8s.io"), oneOf(F.resource, "events"), oneOf(F.verb, "delete", "deletecollection"), notPlatform],
    groupBy: [...WHO, F.namespace],
    falsePositives: "Cleanup scripts run by people. The namespace controller deleting the Events of a deleted namespace is excluded (kube-system).",
    trigger: ["kubectl -n default delete events --all"],
    falcoRules: [],
  },
];

/** The detection class an alert raises (every alert id is a detection id; a test checks it). */
export function detectionOf(alert: AlertDefinition): Detection {
  const d = DETECTIONS.find((x) => x.id === (alert.id as string as DetectionId));
  if (!d) throw new Error(`alert ${alert.id} names no detection class in components/audit-policy/detections.ts`);
  return d;
}

export function isAlertId(x: unknown): x is AlertId {
  return typeof x === "string" && (Object.values(AlertId) as string[]).includes(x);
}

/** The alerts with these ids, in table order; unknown ids are an error naming the valid ones. */
export function selectAlerts(ids?: readonly string[], argument = "alerts"): readonly AlertDefinition[] {
  if (ids === undefined) return ALERTS;
  const unknown = ids.filter((id) => !isAlertId(id));
  if (unknown.length > 0) {
    throw new Error(`${argument}: unknown alert ${unknown.map((u) => JSON.stringify(u)).join(", ")}; the alerts are: ${Object.values(AlertId).join(", ")}`);
  }
  return ALERTS.filter((a) => ids.includes(a.id));
}

/** Does a decoded audit event (one shipped line) raise this alert? */
export function alertRaised(alert: AlertDefinition, event: unknown): boolean {
  return eventMatches(alert.conditions, event);
}

/** The ids of the alerts a decoded audit event raises, in table order. */
export function alertsRaisedBy(event: unknown, alerts: readonly AlertDefinition[] = ALERTS): AlertId[] {
  return alerts.filter((a) => alertRaised(a, event)).map((a) => a.id);
}
