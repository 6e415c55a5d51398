/**
 * Detection classes: what the public detection rule sets look for in the audit log, the fields they
 * read and the minimum policy level that records them, drawn from Falco's k8saudit rules
 * (https://github.com/falcosecurity/plugins/blob/main/plugins/k8saudit/rules/k8s_audit_rules.yaml),
 * Sigma's Kubernetes audit rules (https://github.com/SigmaHQ/sigma/tree/master/rules/application/kubernetes/audit)
 * and Elastic's Kubernetes detection rules
 * (https://github.com/elastic/detection-rules/tree/main/rules/integrations/kubernetes).
 * One source of truth for the presets' tests, docs/presets.md and the CLI's replay coverage report.
 *
 * Each class says
 * - the minimum audit level a policy must give its requests (`minLevel`) and the stages it needs;
 * - representative requests (`requests`): what a policy is evaluated on to decide whether it covers
 *   the class. They include the forms that policies get wrong: exec/attach as a websocket GET
 *   (kubectl ≥ 1.30), people arriving through Rancher as cattle-impersonation-system service
 *   accounts, pods created by controller service accounts, Secret reads by Rancher's agents;
 * - `matches(event)`: whether a recorded audit event belongs to the class. Cheap: a few field reads,
 *   and a walk of the request body only for the few classes defined by body content (a privileged
 *   pod, a binding to cluster-admin, ...). Such classes cannot recognise an event recorded without
 *   its body (below Request).
 */
import { compilePolicy, evaluateCompiled } from "./evaluate";
import { nonResourceScope, requestOf, resourceScope, type RequestIdentity } from "./request-attributes";
import { LEVELS, type Decision, type Level, type Policy, type RequestAttributes, type Stage, type VersionOptions } from "./types";

/** Any decoded audit Event object (audit.k8s.io v1 or v1beta1 JSON); absent fields are tolerated. */
export type AuditEventLike = object;

export type { RequestIdentity } from "./request-attributes";

/** The id of every detection class, in DETECTIONS order. */
export const DETECTION_IDS = [
  "exec-attach",
  "port-forward",
  "ephemeral-container",
  "secret-read",
  "rbac-change",
  "cluster-admin-binding",
  "escalating-role",
  "system-clusterrole-change",
  "privileged-pod",
  "hostpath-volume",
  "host-namespaces",
  "dangerous-capabilities",
  "exposed-service",
  "token-request",
  "impersonation",
  "anonymous-allowed",
  "forbidden",
  "webhook-config-change",
  "csr",
  "configmap-credentials",
  "events-deleted",
  "nodes-proxy",
] as const;
/** The id of a detection class, e.g. `exec-attach`. */
export type DetectionId = (typeof DETECTION_IDS)[number];

/** A detection class: what a detection rule looks for, the level it needs, and how to recognise its events. */
export interface Detection {
  /** Its id, e.g. `exec-attach`. */
  id: DetectionId;
  /** Its position in DETECTIONS, from 1 (the `#` column of the coverage table in docs/presets.md). */
  row: number;
  /** A short name, e.g. "Exec or attach into a pod". */
  title: string;
  /** The level every request of the class must be logged at, at least. */
  minLevel: Level;
  /** The level at which everything the detection can read is logged, when higher than minLevel. */
  fullLevel?: Level;
  /** Stages that must not be omitted (ResponseStarted for Falco's exec rule, ResponseComplete for outcomes). */
  needsStages?: Stage[];
  /** Representative requests: a policy covers the class when it logs all of them at minLevel or more. */
  requests: readonly RequestAttributes[];
  /** Does a recorded audit event belong to this class? */
  matches(event: AuditEventLike): boolean;
  /** Caveats: what the policy cannot see, deliberate trade-offs. */
  note?: string;
}

// ---------------------------------------------------------------------------------------------
// Field access: extract once per event, then every class looks at plain strings.
// ---------------------------------------------------------------------------------------------

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : undefined);
const str = (v: unknown): string => (typeof v === "string" ? v : "");
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

interface Fields {
  verb: string;
  apiGroup: string;
  resource: string;
  subresource: string;
  name: string;
  user: string;
  path: string;
  decision: string;
  code: number | undefined;
  impersonated: boolean;
  event: Obj;
}

const NO_EVENT: Obj = {};

function fields(event: AuditEventLike): Fields {
  const e = obj(event) ?? NO_EVENT;
  const ref = obj(e.objectRef);
  const status = obj(e.responseStatus);
  const annotations = obj(e.annotations);
  const uri = str(e.requestURI);
  const q = uri.indexOf("?");
  const imp = obj(e.impersonatedUser);
  return {
    verb: str(e.verb),
    apiGroup: ref ? str(ref.apiGroup) : "",
    resource: ref ? str(ref.resource) : "",
    subresource: ref ? str(ref.subresource) : "",
    name: ref ? str(ref.name) : "",
    user: str(obj(e.user)?.username),
    path: q >= 0 ? uri.slice(0, q) : uri,
    decision: annotations ? str(annotations["authorization.k8s.io/decision"]) : "",
    code: status && typeof status.code === "number" ? status.code : undefined,
    impersonated: imp !== undefined && str(imp.username) !== "",
    event: e,
  };
}

const MODIFY = new Set(["create", "update", "patch"]);
const WRITE = new Set(["create", "update", "patch", "delete", "deletecollection"]);
const READ = new Set(["get", "list", "watch"]);

const requestObject = (f: Fields): Obj | undefined => obj(f.event.requestObject);
const responseObject = (f: Fields): Obj | undefined => obj(f.event.responseObject);

/** Containers, init containers and ephemeral containers of a pod body (or patch). */
function containers(spec: Obj): Obj[] {
  const out: Obj[] = [];
  for (const key of ["containers", "initContainers", "ephemeralContainers"]) {
    for (const c of arr(spec[key])) {
      const o = obj(c);
      if (o) out.push(o);
    }
  }
  return out;
}

/** The pod spec in a pod create/update/patch (or ephemeralcontainers) request body. */
function podSpec(f: Fields): Obj | undefined {
  if (f.resource !== "pods" || f.apiGroup !== "" || !MODIFY.has(f.verb)) return undefined;
  if (f.subresource !== "" && f.subresource !== "ephemeralcontainers") return undefined;
  return obj(requestObject(f)?.spec);
}

const DANGEROUS_CAPABILITIES = new Set([
  "ALL",
  "BPF",
  "DAC_READ_SEARCH",
  "NET_ADMIN",
  "SYS_ADMIN",
  "SYS_BOOT",
  "SYS_MODULE",
  "SYS_PTRACE",
  "SYS_RAWIO",
  "SYSLOG",
]);

/** Falco's k8s_audit_rules `Create/Modify Configmap With Private Credentials` substrings. */
const CREDENTIAL_MARKERS = ["aws_access_key_id", "aws-access-key-id", "aws_s3_access_key_id", "aws-s3-access-key-id", "password", "passphrase"];

const ESCALATING_VERBS = new Set(["*", "escalate", "bind", "impersonate"]);
const ESCALATING_RESOURCES = new Set(["*", "pods/exec", "pods/attach", "secrets", "nodes/proxy", "serviceaccounts/token"]);

function rulesEscalate(body: Obj | undefined): boolean {
  if (!body) return false;
  for (const r of arr(body.rules)) {
    const rule = obj(r);
    if (!rule) continue;
    if (arr(rule.verbs).some((v) => typeof v === "string" && ESCALATING_VERBS.has(v))) return true;
    if (arr(rule.resources).some((v) => typeof v === "string" && ESCALATING_RESOURCES.has(v))) return true;
  }
  return false;
}

const isRbacKind = (f: Fields, kinds: readonly string[]) => f.apiGroup === "rbac.authorization.k8s.io" && kinds.includes(f.resource) && f.subresource === "";
const HEALTH_PATHS = ["/healthz", "/livez", "/readyz"];

// ---------------------------------------------------------------------------------------------
// Representative identities and requests.
// ---------------------------------------------------------------------------------------------

const sa = (namespace: string, name: string): RequestIdentity => ({
  user: `system:serviceaccount:${namespace}:${name}`,
  groups: ["system:serviceaccounts", `system:serviceaccounts:${namespace}`, "system:authenticated"],
});

/** A person using kubectl or the UI through Rancher: Rancher's impersonation service account. */
export const RANCHER_HUMAN: RequestIdentity = sa("cattle-impersonation-system", "cattle-impersonation-u-b4qkhsnliz");
/** A person with the node-local admin kubeconfig (/etc/rancher/rke2/rke2.yaml). */
export const LOCAL_ADMIN: RequestIdentity = { user: "system:admin", groups: ["system:masters", "system:authenticated"] };
/** A service account the platform knows nothing about (a CI job, or a stolen token). */
export const UNKNOWN_SA: RequestIdentity = sa("ci", "deployer");
/** A user authenticated directly (Rancher's authorized cluster endpoint, OIDC). */
export const DIRECT_USER: RequestIdentity = { user: "u-mo773yttt4", groups: ["system:authenticated"] };
const ANONYMOUS: RequestIdentity = { user: "system:anonymous", groups: ["system:unauthenticated"] };
const REPLICASET_CONTROLLER = sa("kube-system", "replicaset-controller");
const CATTLE_AGENT = sa("cattle-system", "cattle");
const FLEET_AGENT = sa("cattle-fleet-system", "fleet-agent");
const RANCHER_WEBHOOK = sa("cattle-system", "rancher-webhook");
const PROMETHEUS = sa("cattle-monitoring-system", "rancher-monitoring-prometheus");
const KUBELET: RequestIdentity = { user: "system:node:worker-1", groups: ["system:nodes", "system:authenticated"] };

interface Target {
  group?: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

function req(who: RequestIdentity, verb: string, t: Target): RequestAttributes {
  return requestOf(who, verb, resourceScope(t.group ?? "", t.resource, t.subresource ?? "", t.namespace ?? "", t.name ?? ""));
}

function nonResource(who: RequestIdentity, path: string, verb = "get"): RequestAttributes {
  return requestOf(who, verb, nonResourceScope(path));
}

const pod = (namespace = "default", name = "web-7c9f8d6b4-x2x9q"): Target => ({ resource: "pods", namespace, name });
const podSub = (subresource: string): Target => ({ ...pod(), subresource });
const rbac = (resource: string, name: string, namespace?: string): Target => ({ group: "rbac.authorization.k8s.io", resource, name, namespace });

const POD_SPEC_REQUESTS: readonly RequestAttributes[] = [
  req(RANCHER_HUMAN, "create", { resource: "pods", namespace: "default" }),
  req(REPLICASET_CONTROLLER, "create", { resource: "pods", namespace: "default" }),
  req(sa("kube-system", "daemon-set-controller"), "create", { resource: "pods", namespace: "kube-system" }),
  req(UNKNOWN_SA, "create", { resource: "pods", namespace: "ci" }),
  req(LOCAL_ADMIN, "create", { resource: "pods", namespace: "kube-system" }),
  req(KUBELET, "create", { resource: "pods", namespace: "kube-system" }),
  req(RANCHER_HUMAN, "patch", pod()),
  req(RANCHER_HUMAN, "update", pod()),
  req(RANCHER_HUMAN, "patch", podSub("ephemeralcontainers")),
];

const WORKLOAD_NOTE =
  "Pods of workloads are created by controller service accounts (replicaset-controller, daemon-set-controller, job-controller); log the workload kinds at Request too to see who asked for them.";

// ---------------------------------------------------------------------------------------------
// The classes.
// ---------------------------------------------------------------------------------------------

interface Spec extends Omit<Detection, "matches"> {
  match(f: Fields): boolean;
}

const SPECS: Spec[] = [
  {
    id: "exec-attach",
    row: 1,
    title: "Exec or attach into a pod",
    minLevel: "Metadata",
    fullLevel: "Request",
    needsStages: ["ResponseStarted", "ResponseComplete"],
    requests: [
      req(RANCHER_HUMAN, "create", podSub("exec")),
      req(RANCHER_HUMAN, "get", podSub("exec")),
      req(RANCHER_HUMAN, "get", podSub("attach")),
      req(LOCAL_ADMIN, "create", podSub("exec")),
      req(UNKNOWN_SA, "get", podSub("exec")),
      req(DIRECT_USER, "create", podSub("attach")),
      req(CATTLE_AGENT, "create", podSub("exec")),
    ],
    match: (f) => f.resource === "pods" && (f.subresource === "exec" || f.subresource === "attach") && (f.verb === "create" || f.verb === "get"),
    note: "kubectl ≥ 1.30 sends exec and attach as a websocket GET: match both verbs. Falco's rule needs the ResponseStarted stage; Elastic's needs level Request.",
  },
  {
    id: "port-forward",
    row: 2,
    title: "Port-forward to a pod",
    minLevel: "Metadata",
    needsStages: ["ResponseComplete"],
    requests: [req(RANCHER_HUMAN, "create", podSub("portforward")), req(RANCHER_HUMAN, "get", podSub("portforward")), req(UNKNOWN_SA, "create", podSub("portforward"))],
    match: (f) => f.resource === "pods" && f.subresource === "portforward",
  },
  {
    id: "ephemeral-container",
    row: 3,
    title: "Ephemeral container added (kubectl debug)",
    minLevel: "Metadata",
    fullLevel: "Request",
    needsStages: ["ResponseComplete"],
    requests: [req(RANCHER_HUMAN, "patch", podSub("ephemeralcontainers")), req(RANCHER_HUMAN, "update", podSub("ephemeralcontainers")), req(UNKNOWN_SA, "patch", podSub("ephemeralcontainers"))],
    match: (f) => f.resource === "pods" && f.subresource === "ephemeralcontainers" && (f.verb === "update" || f.verb === "patch"),
    note: "Request shows the container's image.",
  },
  {
    id: "secret-read",
    row: 4,
    title: "Secret read (get, list, watch)",
    minLevel: "Metadata",
    needsStages: ["ResponseComplete"],
    requests: [
      req(RANCHER_HUMAN, "get", { resource: "secrets", namespace: "default", name: "db-credentials" }),
      req(RANCHER_HUMAN, "list", { resource: "secrets" }),
      req(UNKNOWN_SA, "list", { resource: "secrets", namespace: "kube-system" }),
      req(DIRECT_USER, "get", { resource: "secrets", namespace: "cattle-system", name: "tls-rancher" }),
      req(CATTLE_AGENT, "get", { resource: "secrets", namespace: "cattle-system", name: "cattle-credentials-8a1f2c" }),
      req(FLEET_AGENT, "list", { resource: "secrets", namespace: "cattle-fleet-system" }),
      req(KUBELET, "watch", { resource: "secrets", namespace: "default" }),
    ],
    match: (f) => f.resource === "secrets" && f.apiGroup === "" && f.subresource === "" && READ.has(f.verb),
    note: "Never log Secrets above Metadata. Rancher's agents (cattle-system, cattle-fleet-system) read Secrets constantly: allowlist them in the alert, not in the policy.",
  },
  {
    id: "rbac-change",
    row: 5,
    title: "RBAC role or binding created, changed or deleted",
    minLevel: "Metadata",
    needsStages: ["ResponseComplete"],
    requests: [
      req(RANCHER_HUMAN, "create", rbac("rolebindings", "", "default")),
      req(RANCHER_HUMAN, "patch", rbac("clusterroles", "monitoring-view")),
      req(RANCHER_HUMAN, "delete", rbac("clusterrolebindings", "ops-admins")),
      req(LOCAL_ADMIN, "deletecollection", rbac("roles", "", "default")),
      req(UNKNOWN_SA, "update", rbac("roles", "deployer", "ci")),
      req(CATTLE_AGENT, "create", rbac("rolebindings", "", "p-x7k2m")),
      req(DIRECT_USER, "create", rbac("clusterroles", "")),
    ],
    match: (f) => isRbacKind(f, ["roles", "clusterroles", "rolebindings", "clusterrolebindings"]) && WRITE.has(f.verb),
    note: "ResponseComplete tells success from failure (the response code).",
  },
  {
    id: "cluster-admin-binding",
    row: 6,
    title: "Binding to cluster-admin",
    minLevel: "Request",
    fullLevel: "RequestResponse",
    needsStages: ["ResponseComplete"],
    requests: [
      req(RANCHER_HUMAN, "create", rbac("clusterrolebindings", "")),
      req(RANCHER_HUMAN, "update", rbac("clusterrolebindings", "ops-admins")),
      req(UNKNOWN_SA, "create", rbac("rolebindings", "", "ci")),
      req(CATTLE_AGENT, "create", rbac("clusterrolebindings", "")),
      req(DIRECT_USER, "patch", rbac("rolebindings", "edit", "default")),
    ],
    match: (f) => {
      if (!isRbacKind(f, ["rolebindings", "clusterrolebindings"]) || !MODIFY.has(f.verb)) return false;
      const roleRef = (o: Obj | undefined) => str(obj(o?.roleRef)?.name);
      return roleRef(requestObject(f)) === "cluster-admin" || roleRef(responseObject(f)) === "cluster-admin";
    },
    note: "roleRef and subjects are in the request body; Elastic's rule insists on RequestResponse.",
  },
  {
    id: "escalating-role",
    row: 7,
    title: "Role with wildcard or escalating permissions",
    minLevel: "RequestResponse",
    needsStages: ["ResponseComplete"],
    requests: [
      req(RANCHER_HUMAN, "create", rbac("clusterroles", "")),
      req(RANCHER_HUMAN, "patch", rbac("roles", "deployer", "default")),
      req(UNKNOWN_SA, "update", rbac("clusterroles", "ci-deployer")),
      req(UNKNOWN_SA, "create", rbac("roles", "", "ci")),
    ],
    match: (f) => isRbacKind(f, ["roles", "clusterroles"]) && MODIFY.has(f.verb) && (rulesEscalate(requestObject(f)) || rulesEscalate(responseObject(f))),
    note: "Verbs *, escalate, bind, impersonate or resources *, pods/exec, pods/attach, secrets, nodes/proxy, serviceaccounts/token. A create is visible at Request; the rules resulting from a patch only in the response, so RequestResponse.",
  },
  {
    id: "system-clusterrole-change",
    row: 8,
    title: "system: role changed or deleted",
    minLevel: "Metadata",
    needsStages: ["ResponseComplete"],
    requests: [
      req(RANCHER_HUMAN, "patch", rbac("clusterroles", "system:node")),
      req(RANCHER_HUMAN, "delete", rbac("clusterroles", "system:aggregate-to-edit")),
      req(UNKNOWN_SA, "update", rbac("clusterroles", "system:controller:token-cleaner")),
    ],
    match: (f) =>
      isRbacKind(f, ["roles", "clusterroles"]) &&
      (MODIFY.has(f.verb) || f.verb === "delete") &&
      (f.name || str(obj(requestObject(f)?.metadata)?.name)).startsWith("system:"),
  },
  {
    id: "privileged-pod",
    row: 9,
    title: "Privileged pod",
    minLevel: "Request",
    needsStages: ["ResponseComplete"],
    requests: POD_SPEC_REQUESTS,
    match: (f) => {
      const spec = podSpec(f);
      return spec !== undefined && containers(spec).some((c) => obj(c.securityContext)?.privileged === true);
    },
    note: WORKLOAD_NOTE,
  },
  {
    id: "hostpath-volume",
    row: 10,
    title: "Pod with a hostPath volume",
    minLevel: "Request",
    needsStages: ["ResponseComplete"],
    requests: POD_SPEC_REQUESTS,
    match: (f) => {
      const spec = podSpec(f);
      return spec !== undefined && arr(spec.volumes).some((v) => obj(obj(v)?.hostPath) !== undefined);
    },
    note: WORKLOAD_NOTE,
  },
  {
    id: "host-namespaces",
    row: 11,
    title: "Pod with hostNetwork, hostPID or hostIPC",
    minLevel: "Request",
    needsStages: ["ResponseComplete"],
    requests: POD_SPEC_REQUESTS,
    match: (f) => {
      const spec = podSpec(f);
      return spec !== undefined && (spec.hostNetwork === true || spec.hostPID === true || spec.hostIPC === true);
    },
    note: WORKLOAD_NOTE,
  },
  {
    id: "dangerous-capabilities",
    row: 12,
    title: "Container with dangerous Linux capabilities",
    minLevel: "Request",
    needsStages: ["ResponseComplete"],
    requests: POD_SPEC_REQUESTS,
    match: (f) => {
      const spec = podSpec(f);
      return (
        spec !== undefined &&
        containers(spec).some((c) =>
          arr(obj(obj(c.securityContext)?.capabilities)?.add).some((cap) => typeof cap === "string" && DANGEROUS_CAPABILITIES.has(cap.toUpperCase().replace(/^CAP_/, ""))),
        )
      );
    },
    note: `${WORKLOAD_NOTE} Capabilities: ${[...DANGEROUS_CAPABILITIES].join(", ")}.`,
  },
  {
    id: "exposed-service",
    row: 13,
    title: "NodePort or LoadBalancer service",
    minLevel: "Request",
    needsStages: ["ResponseComplete"],
    requests: [
      req(RANCHER_HUMAN, "create", { resource: "services", namespace: "default" }),
      req(RANCHER_HUMAN, "patch", { resource: "services", namespace: "default", name: "web" }),
      req(UNKNOWN_SA, "update", { resource: "services", namespace: "ci", name: "runner" }),
      req(CATTLE_AGENT, "create", { resource: "services", namespace: "cattle-system" }),
    ],
    match: (f) => {
      if (f.resource !== "services" || f.apiGroup !== "" || f.subresource !== "" || !MODIFY.has(f.verb)) return false;
      const type = str(obj(requestObject(f)?.spec)?.type);
      return type === "NodePort" || type === "LoadBalancer";
    },
  },
  {
    id: "token-request",
    row: 14,
    title: "Service account token minted (TokenRequest)",
    minLevel: "Metadata",
    needsStages: ["ResponseComplete"],
    requests: [
      req(KUBELET, "create", { resource: "serviceaccounts", subresource: "token", namespace: "default", name: "default" }),
      req(RANCHER_HUMAN, "create", { resource: "serviceaccounts", subresource: "token", namespace: "kube-system", name: "default" }),
      req(UNKNOWN_SA, "create", { resource: "serviceaccounts", subresource: "token", namespace: "ci", name: "deployer" }),
    ],
    match: (f) => f.resource === "serviceaccounts" && f.subresource === "token" && f.verb === "create",
    note: "The response is a fresh token: never above Metadata. Kubelets request one per pod about every 48 minutes.",
  },
  {
    id: "impersonation",
    row: 15,
    title: "Impersonation",
    minLevel: "Metadata",
    needsStages: ["ResponseComplete"],
    requests: [
      req(RANCHER_HUMAN, "get", pod()),
      req(RANCHER_HUMAN, "list", { resource: "namespaces" }),
      req(RANCHER_HUMAN, "watch", { resource: "pods", namespace: "default" }),
      req(RANCHER_HUMAN, "get", podSub("log")),
      req(RANCHER_HUMAN, "delete", pod()),
      req(RANCHER_HUMAN, "list", { group: "coordination.k8s.io", resource: "leases", namespace: "kube-system" }),
      req(RANCHER_HUMAN, "update", { resource: "nodes", subresource: "status", name: "worker-1" }),
      nonResource(RANCHER_HUMAN, "/apis"),
      nonResource(RANCHER_HUMAN, "/api/v1"),
      req(LOCAL_ADMIN, "list", { resource: "pods", namespace: "default" }),
      nonResource(LOCAL_ADMIN, "/api"),
    ],
    match: (f) => f.impersonated,
    note: "The policy sees the impersonator, not the impersonated user: keep everything done by identities that impersonate (Rancher's cattle-impersonation-system service accounts, the local admin).",
  },
  {
    id: "anonymous-allowed",
    row: 16,
    title: "Anonymous request allowed",
    minLevel: "Metadata",
    needsStages: ["ResponseComplete"],
    requests: [
      req(ANONYMOUS, "create", { resource: "namespaces", name: "" }),
      req(ANONYMOUS, "list", { resource: "secrets" }),
      req(ANONYMOUS, "get", pod()),
    ],
    match: (f) =>
      f.user === "system:anonymous" &&
      f.decision !== "forbid" &&
      (f.code === undefined || f.code < 400) &&
      !HEALTH_PATHS.some((p) => f.path === p || f.path.startsWith(`${p}/`)),
    note: "RKE2 runs kube-apiserver with --anonymous-auth=false; health endpoints are excluded, as in Falco's rule.",
  },
  {
    id: "forbidden",
    row: 17,
    title: "Forbidden request (enumeration)",
    minLevel: "Metadata",
    needsStages: ["ResponseComplete"],
    requests: [
      req(RANCHER_HUMAN, "list", { resource: "secrets", namespace: "kube-system" }),
      req(UNKNOWN_SA, "list", { resource: "pods" }),
      req(UNKNOWN_SA, "get", { resource: "nodes", name: "worker-1" }),
      req(DIRECT_USER, "create", rbac("clusterrolebindings", "")),
      req(LOCAL_ADMIN, "list", { resource: "nodes" }),
    ],
    match: (f) => f.decision === "forbid" || f.code === 403,
    note: "A policy cannot see the outcome: reads by the platform's own components are dropped whatever their outcome.",
  },
  {
    id: "webhook-config-change",
    row: 18,
    title: "Admission webhook configuration changed",
    minLevel: "Metadata",
    fullLevel: "Request",
    needsStages: ["ResponseComplete"],
    requests: [
      req(RANCHER_HUMAN, "create", { group: "admissionregistration.k8s.io", resource: "validatingwebhookconfigurations" }),
      req(RANCHER_WEBHOOK, "patch", { group: "admissionregistration.k8s.io", resource: "mutatingwebhookconfigurations", name: "rancher.cattle.io" }),
      req(UNKNOWN_SA, "delete", { group: "admissionregistration.k8s.io", resource: "validatingwebhookconfigurations", name: "rancher.cattle.io" }),
    ],
    match: (f) =>
      f.apiGroup === "admissionregistration.k8s.io" &&
      (f.resource === "mutatingwebhookconfigurations" || f.resource === "validatingwebhookconfigurations") &&
      WRITE.has(f.verb),
  },
  {
    id: "csr",
    row: 19,
    title: "Certificate signing request created or approved",
    minLevel: "Metadata",
    needsStages: ["ResponseComplete"],
    requests: [
      req(KUBELET, "create", { group: "certificates.k8s.io", resource: "certificatesigningrequests" }),
      req(RANCHER_HUMAN, "create", { group: "certificates.k8s.io", resource: "certificatesigningrequests" }),
      req(RANCHER_HUMAN, "update", { group: "certificates.k8s.io", resource: "certificatesigningrequests", subresource: "approval", name: "csr-9x2lp" }),
    ],
    match: (f) =>
      f.apiGroup === "certificates.k8s.io" &&
      f.resource === "certificatesigningrequests" &&
      (f.subresource === "" ? WRITE.has(f.verb) : f.subresource === "approval" && (f.verb === "update" || f.verb === "patch")),
  },
  {
    id: "configmap-credentials",
    row: 20,
    title: "ConfigMap with credentials created or changed",
    minLevel: "Metadata",
    fullLevel: "Request",
    needsStages: ["ResponseComplete"],
    requests: [
      req(RANCHER_HUMAN, "create", { resource: "configmaps", namespace: "default" }),
      req(RANCHER_HUMAN, "patch", { resource: "configmaps", namespace: "default", name: "app-config" }),
      req(UNKNOWN_SA, "update", { resource: "configmaps", namespace: "ci", name: "runner-config" }),
    ],
    match: (f) => {
      if (f.resource !== "configmaps" || f.apiGroup !== "" || f.subresource !== "" || !MODIFY.has(f.verb)) return false;
      const data = obj(requestObject(f)?.data);
      if (!data) return false;
      for (const [k, v] of Object.entries(data)) {
        const text = `${k}\n${str(v)}`.toLowerCase();
        if (CREDENTIAL_MARKERS.some((m) => text.includes(m))) return true;
      }
      return false;
    },
    note: "Seeing the credential needs the request body (Request), but CIS 3.2.2 says ConfigMaps at Metadata only: the minimum here is who changed which ConfigMap. Events recorded with their body (other policies) are still recognised.",
  },
  {
    id: "events-deleted",
    row: 21,
    title: "Events deleted",
    minLevel: "Metadata",
    needsStages: ["ResponseComplete"],
    requests: [
      req(RANCHER_HUMAN, "delete", { resource: "events", namespace: "default", name: "web.17a3c1d2e4f5a6b7" }),
      req(RANCHER_HUMAN, "deletecollection", { resource: "events", namespace: "default" }),
      req(UNKNOWN_SA, "delete", { group: "events.k8s.io", resource: "events", namespace: "ci", name: "runner.17a3c1d2e4f5a6b7" }),
      req(CATTLE_AGENT, "deletecollection", { resource: "events", namespace: "kube-system" }),
    ],
    match: (f) => f.resource === "events" && (f.apiGroup === "" || f.apiGroup === "events.k8s.io") && (f.verb === "delete" || f.verb === "deletecollection"),
    note: "Many policies drop events entirely (GCE does); keep delete.",
  },
  {
    id: "nodes-proxy",
    row: 22,
    title: "Kubelet API through the API server (nodes/proxy)",
    minLevel: "Metadata",
    needsStages: ["ResponseComplete"],
    requests: [
      req(RANCHER_HUMAN, "get", { resource: "nodes", subresource: "proxy", name: "worker-1" }),
      req(UNKNOWN_SA, "create", { resource: "nodes", subresource: "proxy", name: "worker-1" }),
      req(PROMETHEUS, "get", { resource: "nodes", subresource: "proxy", name: "worker-1" }),
    ],
    match: (f) => f.resource === "nodes" && f.subresource === "proxy",
  },
];

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}

function toDetection(spec: Spec): Detection {
  const { match, ...rest } = spec;
  return deepFreeze({ ...rest, matches: (event: AuditEventLike) => match(fields(event)) });
}

/** Every detection class, in a fixed order (`row` 1, 2, ...). */
export const DETECTIONS: readonly Detection[] = Object.freeze(SPECS.map(toDetection));
for (const who of [RANCHER_HUMAN, LOCAL_ADMIN, UNKNOWN_SA, DIRECT_USER]) deepFreeze(who);

const MATCHERS = SPECS.map((s) => [s.id, s.match] as const);

/** The ids of every detection class a recorded event belongs to (fields are read once). */
export function detectEvents(event: AuditEventLike): DetectionId[] {
  const f = fields(event);
  const out: DetectionId[] = [];
  for (const [id, match] of MATCHERS) if (match(f)) out.push(id);
  return out;
}

const rank = (l: Level): number => LEVELS.indexOf(l);

/** Is `level` at least `min` (None < Metadata < Request < RequestResponse)? */
export function levelAtLeast(level: Level, min: Level): boolean {
  return rank(level) >= rank(min);
}

/** How a policy treats one representative request of a detection class. */
export interface RequestCoverage {
  /** The representative request. */
  request: RequestAttributes;
  /** The policy's decision for it. */
  decision: Decision;
  /** Logged at the class's minimum level or more, with the stages it needs. */
  ok: boolean;
  /** Why not ok: the level is too low, or a needed stage is omitted. */
  problem?: string;
}

/** Whether a policy covers one detection class, request by request. */
export interface DetectionCoverage {
  /** The class's id. */
  id: DetectionId;
  /** The class's title. */
  title: string;
  /** The class's minimum level. */
  minLevel: Level;
  /** Every representative request is logged at minLevel or more, with the needed stages. */
  covered: boolean;
  /** One entry per representative request, in the class's order. */
  requests: RequestCoverage[];
}

/** Options of detectionCoverage. */
export interface CoverageOptions extends VersionOptions {
  /** The classes to check; default: DETECTIONS. */
  detections?: readonly Detection[];
}

function describe(r: RequestAttributes): string {
  return `${r.user ?? "<no user>"} ${r.verb} ${r.resourceRequest ? r.path : `${r.path} (non-resource)`}`;
}

/** For every detection class: does the policy log each representative request at its minimum level, with the needed stages? */
export function detectionCoverage(policy: Policy, options: CoverageOptions = {}): DetectionCoverage[] {
  const compiled = compilePolicy(policy, options);
  return (options.detections ?? DETECTIONS).map((d) => {
    const requests = d.requests.map((request): RequestCoverage => {
      const decision = evaluateCompiled(compiled, request);
      const problems: string[] = [];
      if (!levelAtLeast(decision.level, d.minLevel)) {
        problems.push(
          `${describe(request)} is logged at ${decision.level}${decision.ruleIndex === null ? " (no rule matches)" : ` (rules[${decision.ruleIndex}])`}, below ${d.minLevel}`,
        );
      } else {
        const omitted = (d.needsStages ?? []).filter((s) => decision.omitStages.includes(s));
        if (omitted.length > 0) problems.push(`${describe(request)}: stage ${omitted.join(", ")} omitted (rules[${decision.ruleIndex}])`);
      }
      return problems.length === 0 ? { request, decision, ok: true } : { request, decision, ok: false, problem: problems.join("; ") };
    });
    return { id: d.id, title: d.title, minLevel: d.minLevel, covered: requests.every((r) => r.ok), requests };
  });
}
