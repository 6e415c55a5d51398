/**
 * Ready-made audit policies. Each preset is a valid audit.k8s.io/v1 Policy, documented rule by rule
 * (docs/presets.md, generated from the `what`/`why` notes below), and omits only the
 * RequestReceived stage (policy-level `omitStages: ["RequestReceived"]`), so every logged request is
 * written once (twice for long-running requests such as watch and exec, whose ResponseStarted
 * event Falco's exec rule needs).
 *
 * - `metadata`: every request at Metadata (RKE1's default policy; the Rancher docs' example).
 * - `basic`: the commonly published "basic" policy, with a Metadata catch-all added.
 * - `detailed`: the commonly published "detailed" policy, minus its Secret/ConfigMap bodies.
 * - `cis`: exactly what CIS Kubernetes Benchmark 3.2.2 asks for.
 * - `recommended`: low noise and complete for detection on Rancher-managed RKE2/K3s clusters.
 *
 * Sources: the detection classes and their minimum levels (detections.ts), the model of where the
 * volume comes from on a Rancher-managed RKE2 cluster and which identities make it
 * (test/support/traffic.ts, with its sources), the GCE/GKE and OpenShift policies
 * (test/fixtures/policies) and kube-bench's CIS 3.2.2 text
 * (https://github.com/aquasecurity/kube-bench/tree/main/cfg), and the public Falco and Sigma rules
 * (test/fixtures/detection-rules).
 */
import type { Policy, PolicyRule } from "./types";

/** A preset rule and the reason it is there: the source of the comments in docs/presets.md. */
export interface PresetRule {
  /** The audit policy rule. */
  rule: PolicyRule;
  /** What the rule logs (or drops), in a few words. */
  what: string;
  /** Why it is there. */
  why: string;
}

/** A ready-made audit policy with its documentation. */
export interface Preset {
  /** Its name, e.g. `recommended`. */
  name: PresetName;
  /** A one-line title. */
  title: string;
  /** What it logs and drops, in a paragraph. */
  description: string;
  /** The audit.k8s.io/v1 Policy (frozen). */
  policy: Policy;
  /** One note per rule of `policy.rules`, in the same order. */
  notes: readonly { what: string; why: string }[];
}

/** The preset names, from the least to the most selective; `recommended` is the default of the components and the CLI. */
export const PRESET_NAMES = ["metadata", "basic", "detailed", "cis", "recommended"] as const;
/** A preset name: `metadata`, `basic`, `detailed`, `cis` or `recommended`. */
export type PresetName = (typeof PRESET_NAMES)[number];

/** Is `x` a preset name? Example: `isPresetName("cis")` is true, `isPresetName("CIS")` false. */
export function isPresetName(x: unknown): x is PresetName {
  return typeof x === "string" && (PRESET_NAMES as readonly string[]).includes(x);
}

// ---------------------------------------------------------------------------------------------
// Identities (Rancher forwards its users' requests through cattle-impersonation service accounts:
// https://github.com/rancher/rancher/blob/main/pkg/impersonation/impersonation.go; the client certificates
// `rke2 certificate check` lists on an RKE2 server: system:admin, system:apiserver,
// system:kube-controller-manager, system:kube-scheduler, system:kube-proxy, system:rke2-supervisor,
// system:rke2-controller, rke2-cloud-controller-manager, system:node:<node>; K3s names them k3s-*).
// ---------------------------------------------------------------------------------------------

/**
 * People using kubectl or the UI through Rancher arrive as a service account in this namespace
 * (`cattle-impersonation-<user-id>`) that impersonates them. kube-apiserver evaluates the policy
 * against that service account, before impersonation.
 */
export const RANCHER_IMPERSONATION_GROUP = "system:serviceaccounts:cattle-impersonation-system";

/** The node-local admin kubeconfig of RKE2 and K3s (/etc/rancher/rke2/rke2.yaml): break-glass humans. */
export const LOCAL_ADMIN_USER = "system:admin";

/** Control-plane and node components that authenticate with client certificates (no service account). */
export const SYSTEM_COMPONENT_USERS: readonly string[] = [
  "system:apiserver",
  "system:kube-controller-manager",
  "system:kube-scheduler",
  "system:kube-proxy",
  "rke2-cloud-controller-manager",
  "k3s-cloud-controller-manager",
  "system:rke2-supervisor",
  "system:k3s-supervisor",
  "system:rke2-controller",
  "system:k3s-controller",
];

/**
 * Kubelets and the service accounts of the platform's own namespaces: kube-system (controllers with
 * --use-service-account-credentials, CNI, CoreDNS, metrics-server, ingress-nginx), Rancher's agents
 * (cattle-system: cattle-cluster-agent, rancher-webhook, system-upgrade-controller), Fleet
 * (cattle-fleet-system: fleet-agent) and Rancher's monitoring/logging charts. Never
 * cattle-impersonation-system: those are people.
 */
export const SYSTEM_COMPONENT_GROUPS: readonly string[] = [
  "system:nodes",
  "system:serviceaccounts:kube-system",
  "system:serviceaccounts:cattle-system",
  "system:serviceaccounts:cattle-fleet-system",
  "system:serviceaccounts:cattle-monitoring-system",
  "system:serviceaccounts:cattle-logging-system",
  "system:serviceaccounts:calico-system",
  "system:serviceaccounts:tigera-operator",
];

const WRITE_VERBS = ["create", "update", "patch", "delete", "deletecollection"];
const MODIFY_VERBS = ["create", "update", "patch"];
const READ_VERBS = ["get", "list", "watch"];
const RBAC_GROUP = "rbac.authorization.k8s.io";

// ---------------------------------------------------------------------------------------------
// metadata
// ---------------------------------------------------------------------------------------------

const METADATA_RULES: PresetRule[] = [
  // Every request, resource or not, at Metadata: who did what to which object, no bodies.
  {
    rule: { level: "Metadata" },
    what: "every request at Metadata (who, verb, object, response code; no bodies)",
    why: "RKE1's default policy and the Rancher docs' example: complete and never leaks a body, but keeps all background noise",
  },
];

// ---------------------------------------------------------------------------------------------
// basic
// ---------------------------------------------------------------------------------------------

const BASIC_RULES: PresetRule[] = [
  // The published rule: pod and service requests at Metadata.
  {
    rule: { level: "Metadata", resources: [{ group: "", resources: ["pods", "services"] }] },
    what: "core pods and services at Metadata",
    why: "the commonly published basic policy's first rule, unchanged",
  },
  // The published rule's intent (record exactly what changed in RBAC), for changes only.
  {
    rule: {
      level: "RequestResponse",
      verbs: WRITE_VERBS,
      resources: [{ group: RBAC_GROUP, resources: ["roles", "rolebindings", "clusterroles", "clusterrolebindings"] }],
    },
    what: "RBAC roles and bindings (namespaced and cluster-wide) changes with request and response bodies",
    why: "the published rule logs roles/rolebindings at RequestResponse; we keep that for changes, add the cluster-scoped kinds (the same risk) and leave reads to the catch-all (list responses are large and say nothing new)",
  },
  // The published policy stops here, so everything else is silently dropped; we log it at Metadata.
  {
    rule: { level: "Metadata" },
    what: "everything else at Metadata",
    why: "the published policy has no catch-all, so Secrets access, exec and every other kind go unlogged; Metadata keeps them without bodies",
  },
];

// ---------------------------------------------------------------------------------------------
// detailed
// ---------------------------------------------------------------------------------------------

const DETAILED_RULES: PresetRule[] = [
  // The published rule: the kube-system default service account is dropped.
  {
    rule: { level: "None", users: ["system:serviceaccount:kube-system:default"] },
    what: "nothing for system:serviceaccount:kube-system:default",
    why: "the published policy's noise exclusion, unchanged",
  },
  // Before anything that could log a body: Secret and ConfigMap contents are never logged.
  {
    rule: { level: "Metadata", resources: [{ group: "", resources: ["secrets", "configmaps"] }] },
    what: "Secrets and ConfigMaps at Metadata only",
    why: "the published version logs their contents (credentials, tokens) at RequestResponse; CIS 3.2.2 says Metadata only; placed first so no later rule can log their bodies",
  },
  // The published rule: TokenReviews carry bearer tokens in spec.token.
  {
    rule: { level: "Metadata", resources: [{ group: "authentication.k8s.io", resources: ["tokenreviews"] }] },
    what: "TokenReviews at Metadata",
    why: "a TokenReview's request body is a bearer token",
  },
  // The published rule: full bodies for the workload and RBAC kinds.
  {
    rule: {
      level: "RequestResponse",
      resources: [
        { group: "", resources: ["pods", "services"] },
        { group: "apps", resources: ["deployments", "statefulsets", "daemonsets"] },
        { group: RBAC_GROUP, resources: ["roles", "rolebindings"] },
      ],
    },
    what: "core pods and services, apps deployments/statefulsets/daemonsets, RBAC roles/rolebindings with request and response bodies (every verb)",
    why: "the published policy's full-detail rule: complete change history of workloads and RBAC (large: list responses are logged too)",
  },
  // Everything else at Metadata.
  {
    rule: { level: "Metadata" },
    what: "everything else at Metadata",
    why: "keeps exec, Secrets access and every other kind without bodies",
  },
];

// ---------------------------------------------------------------------------------------------
// cis (CIS Kubernetes Benchmark 3.2.2 as kube-bench words it from cis-1.23 on)
// ---------------------------------------------------------------------------------------------

const CIS_RULES: PresetRule[] = [
  // "Care should be taken to only log Metadata for requests to Secrets, ConfigMaps, and TokenReviews".
  {
    rule: {
      level: "Metadata",
      resources: [
        { group: "", resources: ["secrets", "configmaps"] },
        { group: "authentication.k8s.io", resources: ["tokenreviews"] },
      ],
    },
    what: "Secrets, ConfigMaps and TokenReviews at Metadata only",
    why: "CIS 3.2.2: access to Secrets must be logged, and only at Metadata, to avoid logging sensitive data",
  },
  // "Use of pods/exec, pods/portforward, pods/proxy and services/proxy" (every verb: exec is a GET over websockets since kubectl 1.30).
  {
    rule: {
      level: "Metadata",
      resources: [{ group: "", resources: ["pods/exec", "pods/attach", "pods/portforward", "pods/proxy", "services/proxy"] }],
    },
    what: "pods/exec, pods/attach, pods/portforward, pods/proxy and services/proxy at Metadata, every verb",
    why: "CIS 3.2.2 lists their use; exec and attach are POST (SPDY) or GET (websockets, kubectl ≥ 1.30), so no verb filter",
  },
  // "Modification of Pod and Deployment objects".
  {
    rule: {
      level: "RequestResponse",
      verbs: WRITE_VERBS,
      resources: [
        { group: "", resources: ["pods"] },
        { group: "apps", resources: ["deployments"] },
      ],
    },
    what: "Pod and Deployment changes with request and response bodies",
    why: "CIS 3.2.2: modification of Pod and Deployment objects; the bodies say what changed",
  },
  // "For most requests, minimally logging at the Metadata level is recommended".
  {
    rule: { level: "Metadata" },
    what: "everything else at Metadata",
    why: "CIS 3.2.2: for most requests, minimally logging at the Metadata level is recommended",
  },
];

// ---------------------------------------------------------------------------------------------
// recommended
//
// Order matters (the first matching rule decides):
//   1. sensitive kinds at Metadata, before anything that could log their bodies;
//   2. detection rules that need bodies or must never be dropped (exec, RBAC, pods, workloads, ...);
//   3. the people: Rancher-impersonated users, the local admin, anonymous requests, at Metadata;
//   4. None rules for background noise, each limited to read verbs or to named system identities
//      (never to people: they have all matched in 3 already);
//   5. Metadata for everything else (unknown identities, failed authentication, CRDs, ...).
// ---------------------------------------------------------------------------------------------

const RECOMMENDED_RULES: PresetRule[] = [
  // 1. Bodies that must never be logged: Secret data, TokenRequest responses (fresh tokens),
  //    TokenReview requests (bearer tokens). Every access is kept at Metadata, for every identity.
  {
    rule: {
      level: "Metadata",
      resources: [
        { group: "", resources: ["secrets", "serviceaccounts/token"] },
        { group: "authentication.k8s.io", resources: ["tokenreviews"] },
      ],
    },
    what: "Secrets (every verb), TokenRequests (serviceaccounts/token) and TokenReviews at Metadata, for every identity",
    why: "detections 4 (secret read) and 14 (TokenRequest) need them; their bodies are credentials (CIS 3.2.2), so never above Metadata; first, so no later rule can log their bodies or drop them",
  },
  // 1. ConfigMap changes at Metadata: detection 20 without the bodies; reads fall through.
  {
    rule: { level: "Metadata", verbs: WRITE_VERBS, resources: [{ group: "", resources: ["configmaps"] }] },
    what: "ConfigMap changes at Metadata (who changed which ConfigMap)",
    why: "detection 20 (ConfigMap with credentials) without logging the credentials (CIS 3.2.2: ConfigMaps at Metadata only); system reads of ConfigMaps are dropped below and no rule logs ConfigMap bodies",
  },
  // 2. Interactive access to pods and nodes, every verb (exec/attach are GET over websockets since kubectl 1.30).
  {
    rule: {
      level: "Request",
      resources: [
        {
          group: "",
          resources: [
            "pods/exec",
            "pods/attach",
            "pods/portforward",
            "pods/proxy",
            "pods/ephemeralcontainers",
            "services/proxy",
            "nodes/proxy",
          ],
        },
      ],
    },
    what: "exec, attach, port-forward, ephemeral containers (kubectl debug) and the pods/services/nodes proxies at Request, every verb and identity",
    why: "detections 1, 2, 3 and 22; Request costs nothing extra for connect requests (no body) but makes Elastic's `level == Request` exec rule fire and shows the image of an ephemeral container; ResponseStarted is kept (Falco's exec rule)",
  },
  // 2. RBAC changes with both bodies.
  {
    rule: {
      level: "RequestResponse",
      verbs: WRITE_VERBS,
      resources: [{ group: RBAC_GROUP, resources: ["roles", "clusterroles", "rolebindings", "clusterrolebindings"] }],
    },
    what: "RBAC role and binding changes with request and response bodies, every identity",
    why: "detections 5-8: a binding's roleRef/subjects are in the request; a patched role's resulting rules only in the response (Elastic's rules require RequestResponse)",
  },
  // 2. Pod changes with the request body (the pod spec).
  {
    rule: { level: "Request", verbs: MODIFY_VERBS, resources: [{ group: "", resources: ["pods"] }] },
    what: "pod create/update/patch with the request body, every identity",
    why: "detections 9-12 (privileged, hostPath, host namespaces, capabilities) read the pod spec; pods from Deployments are created by controller service accounts, so no identity filter",
  },
  // 2. Workload changes with the request body, to attribute the pods above to a person.
  {
    rule: {
      level: "Request",
      verbs: MODIFY_VERBS,
      resources: [
        { group: "apps", resources: ["deployments", "daemonsets", "statefulsets", "replicasets"] },
        { group: "batch", resources: ["jobs", "cronjobs"] },
        { group: "extensions", resources: ["deployments", "daemonsets", "replicasets"] },
      ],
    },
    what: "Deployment, DaemonSet, StatefulSet, ReplicaSet, Job and CronJob create/update/patch with the request body (also in the deprecated extensions group)",
    why: "detection 9's note: the pod is created by a controller, the workload by the person; its pod template shows the same privileges. Clusters before 1.16 still serve workloads in extensions/v1beta1, and detection rules match objectRef.resource whatever the group",
  },
  // 2. Ingress changes with the request body (spec.tls).
  {
    rule: {
      level: "Request",
      verbs: MODIFY_VERBS,
      resources: [
        { group: "networking.k8s.io", resources: ["ingresses"] },
        { group: "extensions", resources: ["ingresses"] },
      ],
    },
    what: "Ingress create/update/patch with the request body (networking.k8s.io and the deprecated extensions group)",
    why: "Falco's \"Ingress Object without TLS Certificate Created\" reads requestObject.spec.tls; Ingress bodies hold no credentials (TLS keys stay in Secrets)",
  },
  // 2. Service changes with the request body (spec.type).
  {
    rule: { level: "Request", verbs: MODIFY_VERBS, resources: [{ group: "", resources: ["services"] }] },
    what: "Service create/update/patch with the request body",
    why: "detection 13 (NodePort/LoadBalancer exposure) reads spec.type",
  },
  // 2. Admission webhook and admission policy changes with the request body.
  {
    rule: {
      level: "Request",
      verbs: WRITE_VERBS,
      resources: [
        {
          group: "admissionregistration.k8s.io",
          resources: [
            "mutatingwebhookconfigurations",
            "validatingwebhookconfigurations",
            "validatingadmissionpolicies",
            "validatingadmissionpolicybindings",
          ],
        },
      ],
    },
    what: "admission webhook and admission policy changes with the request body",
    why: "detection 18: a new or changed webhook can read or rewrite every object; the body shows where it sends them",
  },
  // 2. Certificate signing requests and their approval.
  {
    rule: {
      level: "Metadata",
      verbs: WRITE_VERBS,
      resources: [
        { group: "certificates.k8s.io", resources: ["certificatesigningrequests", "certificatesigningrequests/approval"] },
      ],
    },
    what: "CSR creation, approval and deletion at Metadata",
    why: "detection 19: a client certificate is a long-lived credential",
  },
  // 2. Event deletion (anti-forensics), before the None rule for system Events.
  {
    rule: {
      level: "Metadata",
      verbs: ["delete", "deletecollection"],
      resources: [
        { group: "", resources: ["events"] },
        { group: "events.k8s.io", resources: ["events"] },
      ],
    },
    what: "Event deletion at Metadata, every identity",
    why: "detection 21 (events deleted to hide tracks); the None rule for Events below keeps delete out on purpose",
  },
  // 3. People through Rancher: everything they do, before any None rule.
  {
    rule: { level: "Metadata", userGroups: [RANCHER_IMPERSONATION_GROUP] },
    what: "everything else done through Rancher (cattle-impersonation-system service accounts) at Metadata",
    why: "detection 15: people using kubectl or the UI through Rancher arrive as these service accounts impersonating them; every request they make is kept, including reads and discovery",
  },
  // 3. People with the node-local admin kubeconfig.
  {
    rule: { level: "Metadata", users: [LOCAL_ADMIN_USER] },
    what: "everything else done with the local admin kubeconfig (system:admin) at Metadata",
    why: "break-glass access from a server node (/etc/rancher/rke2/rke2.yaml) is always a person and often the one that matters",
  },
  // 3. Anonymous requests (RKE2 disables anonymous auth; if it is enabled, each one matters).
  {
    rule: { level: "Metadata", users: ["system:anonymous"], resources: [{ group: "", resources: ["configmaps"] }] },
    what: "anonymous ConfigMap requests at Metadata",
    why: "the next rule logs anonymous requests with their bodies; ConfigMap bodies stay out (CIS 3.2.2)",
  },
  {
    rule: { level: "Request", users: ["system:anonymous"] },
    what: "everything else done anonymously, with the request body",
    why: "detection 16 (anonymous request allowed): if anonymous access is ever open, what was sent matters (Falco's anonymous namespace creation is recorded at Request); placed before the None rule for health and discovery URLs; Secrets and tokens are kept at Metadata by the first rule",
  },
  // 4. Health, metrics, version, OpenAPI and discovery URLs read by authenticated clients.
  {
    rule: {
      level: "None",
      userGroups: ["system:authenticated"],
      verbs: ["get", "head"],
      nonResourceURLs: [
        "/healthz",
        "/healthz/*",
        "/livez",
        "/livez/*",
        "/readyz",
        "/readyz/*",
        "/metrics",
        "/metrics/*",
        "/version",
        "/openapi/*",
        "/api",
        "/api/*",
        "/apis",
        "/apis/*",
      ],
    },
    what: "drop reads of /healthz, /livez, /readyz, /metrics, /version, /openapi/* and the /api, /apis discovery documents by authenticated clients",
    why: "RKE2 probes /livez and /readyz every few seconds, monitoring scrapes /metrics, controllers re-read discovery every 30 s; no detection uses them. Failed authentication (no user) still falls through to Metadata",
  },
  // 4. Lease heartbeats and leader election by system components (the largest share of requests).
  {
    rule: { level: "None", users: [...SYSTEM_COMPONENT_USERS], resources: [{ group: "coordination.k8s.io", resources: ["leases"] }] },
    what: "drop Lease reads and writes by control-plane components (controller-manager, scheduler, cloud controller, rke2 supervisor, apiserver identity)",
    why: "leader election renews every 2 s and followers poll; the biggest source of events on a quiet cluster",
  },
  {
    rule: {
      level: "None",
      userGroups: ["system:nodes", "system:serviceaccounts"],
      resources: [{ group: "coordination.k8s.io", resources: ["leases"] }],
    },
    what: "drop Lease reads and writes by kubelets and service accounts",
    why: "node heartbeats every 10 s per node and every operator's leader election (cattle-cluster-agent, fleet-agent, ingress-nginx, ...)",
  },
  // 4. Events written and read by system components (delete is kept above).
  {
    rule: {
      level: "None",
      users: [...SYSTEM_COMPONENT_USERS],
      verbs: ["create", "update", "patch", ...READ_VERBS],
      resources: [
        { group: "", resources: ["events"] },
        { group: "events.k8s.io", resources: ["events"] },
      ],
    },
    what: "drop Event writes and reads by control-plane components",
    why: "Events are the cluster's own log, already stored by the API; delete stays logged (detection 21)",
  },
  {
    rule: {
      level: "None",
      userGroups: ["system:nodes", "system:serviceaccounts"],
      verbs: ["create", "update", "patch", ...READ_VERBS],
      resources: [
        { group: "", resources: ["events"] },
        { group: "events.k8s.io", resources: ["events"] },
      ],
    },
    what: "drop Event writes and reads by kubelets and service accounts",
    why: "the same, for kubelets and controllers running with service-account credentials",
  },
  // 4. Node and pod status reported by kubelets and controllers.
  {
    rule: {
      level: "None",
      users: [...SYSTEM_COMPONENT_USERS],
      verbs: ["update", "patch"],
      resources: [{ group: "", resources: ["nodes", "nodes/status", "pods/status"] }],
    },
    what: "drop node and pod status writes by control-plane components",
    why: "the cloud controller and node lifecycle controller patch node status every few minutes (a Node is ~10 KB)",
  },
  {
    rule: {
      level: "None",
      userGroups: [...SYSTEM_COMPONENT_GROUPS],
      verbs: ["update", "patch"],
      resources: [
        { group: "", resources: ["nodes", "nodes/status", "pods/status"] },
        { group: "apps", resources: ["deployments/status", "daemonsets/status", "statefulsets/status", "replicasets/status"] },
        { group: "batch", resources: ["jobs/status", "cronjobs/status"] },
      ],
    },
    what: "drop node, pod and workload status writes by kubelets and system service accounts",
    why: "kubelets patch node status every 5 minutes and pod status on every readiness change; controllers write workload status",
  },
  // 4. Reads (get/list/watch) by control-plane components.
  {
    rule: { level: "None", users: [...SYSTEM_COMPONENT_USERS], verbs: READ_VERBS },
    what: "drop every read (get, list, watch) by control-plane components and kube-proxy",
    why: "informers re-open their watches every 5-10 minutes (each watch is written twice) and controllers poll; Secret reads are kept by the first rule",
  },
  // 4. Reads by kubelets and the platform's service accounts, Rancher's agents included.
  {
    rule: { level: "None", userGroups: [...SYSTEM_COMPONENT_GROUPS], verbs: READ_VERBS },
    what: "drop every read by kubelets and by service accounts in kube-system, cattle-system (cattle-cluster-agent), cattle-fleet-system (fleet-agent) and Rancher's monitoring/logging namespaces",
    why: "their informers, health checks (cattle-cluster-agent GETs kube-system every 15 s) and polls are the rest of the background noise; their Secret reads, TokenRequests and every write are kept",
  },
  // 5. Everything else.
  {
    rule: { level: "Metadata" },
    what: "everything else at Metadata",
    why: "writes by system components, anything by unknown identities (a stolen token, an ACE user), failed authentication, custom resources: who did what, without bodies",
  },
];

// ---------------------------------------------------------------------------------------------

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}

function build(name: PresetName, title: string, description: string, rules: PresetRule[]): Preset {
  return deepFreeze({
    name,
    title,
    description,
    policy: {
      apiVersion: "audit.k8s.io/v1" as const,
      kind: "Policy" as const,
      omitStages: ["RequestReceived" as const],
      ...(name === "recommended" ? { omitManagedFields: true } : {}),
      rules: rules.map((r) => r.rule),
    },
    notes: rules.map(({ what, why }) => ({ what, why })),
  });
}

/** The presets, frozen. Use getPreset for a copy you may change. */
export const presets: Readonly<Record<PresetName, Preset>> = deepFreeze({
  metadata: build(
    "metadata",
    "Metadata for everything",
    "Every request at Metadata: who did what to which object, never a body. RKE1's default policy and the Rancher docs' example. Complete but noisy: it keeps every lease renewal, watch and probe.",
    METADATA_RULES,
  ),
  basic: build(
    "basic",
    "Basic",
    "The commonly published basic policy (pods and services at Metadata, RBAC roles and bindings at RequestResponse) with RBAC bodies only for changes and a Metadata catch-all instead of silently dropping everything else.",
    BASIC_RULES,
  ),
  detailed: build(
    "detailed",
    "Detailed",
    "The commonly published detailed policy: full request and response bodies for pods, services, Deployments, StatefulSets, DaemonSets, Roles and RoleBindings; TokenReviews at Metadata; nothing for kube-system's default service account; but Secrets and ConfigMaps at Metadata only (the published version logs their contents).",
    DETAILED_RULES,
  ),
  cis: build(
    "cis",
    "CIS Kubernetes Benchmark 3.2.2",
    "What CIS 3.2.2 asks for: Secrets, ConfigMaps and TokenReviews at Metadata only; Pod and Deployment changes with bodies; every use of pods/exec, pods/attach, pods/portforward, pods/proxy and services/proxy; Metadata for everything else.",
    CIS_RULES,
  ),
  recommended: build(
    "recommended",
    "Recommended for Rancher-managed RKE2/K3s",
    "Low noise and complete for detection: every detection class (what Falco, Sigma and Elastic rules look for) at its minimum level or better, so that every alert we ship can fire, no Secret, ConfigMap, TokenReview or TokenRequest bodies, every request by people (including Rancher's cattle-impersonation service accounts) at Metadata or better, and the background traffic of a Rancher-managed cluster (leases, events, status, system reads and watches, probes, metrics, discovery) dropped.",
    RECOMMENDED_RULES,
  ),
});

/** A fresh deep copy of a preset's policy (safe to change). Unknown names throw, listing the valid ones. */
export function getPreset(name: string): Policy {
  if (!isPresetName(name)) {
    throw new Error(`unknown audit policy preset ${JSON.stringify(name)}; the presets are: ${PRESET_NAMES.join(", ")}`);
  }
  return structuredClone(presets[name].policy) as Policy;
}
