/**
 * A deterministic model of the background traffic a Rancher-managed RKE2 cluster sends to
 * kube-apiserver, as audit Event objects: what a policy's volume is measured on (docs/presets.md,
 * the presets' tests, `npm run bench -- evaluate`). Test and benchmark support: not part of the
 * shipped engine.
 *
 * One event per request, as its ResponseComplete line with every body a RequestResponse policy would
 * log (level "RequestResponse"); the volume model (volume.ts) derives what any decision writes,
 * including the extra ResponseStarted line of watches and exec. Events come in time order. Bodies are
 * frozen and shared between events (treat events as read-only). The same options give the same
 * events, byte for byte (seeded PRNG, fixed start time).
 *
 * Rates and where they come from ("estimate" marks a typical value, not a documented constant):
 * - node Lease renewal: every 10 s per node (kubelet nodeLeaseDurationSeconds 40 / 4,
 *   https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/);
 * - kube-apiserver identity Lease: every 10 s per server (`system:apiserver`);
 * - leader election (client-go RetryPeriod 2 s,
 *   https://github.com/kubernetes/client-go/blob/master/tools/leaderelection/leaderelection.go): the
 *   leader updates its Lease every 2 s, each follower
 *   GETs it every 2-4.4 s (2 s × jitter 1.2): kube-controller-manager, kube-scheduler and
 *   rke2-cloud-controller-manager (one candidate per server), the rke2 supervisor (Leases `rke2` and
 *   `rke2-etcd`, one candidate per server), cattle-cluster-agent (2 replicas), fleet-agent (1) and
 *   rke2-ingress-nginx (one per worker);
 * - watches: every informer re-opens its watch every 5-10 min (client-go reflector: 5 min × (1 + rand),
 *   https://github.com/kubernetes/client-go/blob/master/tools/cache/reflector.go);
 *   the informer counts per component are estimates (a few hundred streams for the default cluster);
 * - probes: RKE2's kube-apiserver static pod runs `kubectl get --raw=/livez` (liveness, every 10 s)
 *   and `--raw=/readyz` (readiness, every 5 s) with the client-kube-apiserver certificate, i.e. as
 *   `system:apiserver` (https://github.com/rancher/rke2/tree/master/pkg/podtemplate; periods are estimates);
 * - /metrics: Rancher monitoring's Prometheus scrapes each kube-apiserver every 30 s;
 * - discovery: the garbage collector and resource quota controller re-read /api and /apis every 30 s;
 *   cattle-cluster-agent and kube-state-metrics every 5 min, /openapi/v2 every 15 min (estimates);
 * - nodes/status: every 5 min per node (nodeStatusReportFrequency), a ~1.5 KB patch answered with the
 *   ~10 KB Node; pods/status: about 4 patches an hour per node on a quiet cluster (estimate);
 * - Events: about 10 an hour per node from kubelets and controllers (estimate);
 * - cattle-cluster-agent: GET namespace kube-system every 15 s (health check), two Secret GETs a
 *   minute and a ConfigMap list every 2 min (estimates for "reads Secrets and ConfigMaps often");
 * - fleet-agent: lists the Helm release Secrets (40-100 KB each) of each of its 8 bundles every
 *   5 min (estimate);
 * - TokenRequests: kubelets refresh every projected service-account token at 80 % of its 1 h
 *   lifetime, about every 48 min per pod;
 * - people: two Rancher users (through cattle-impersonation-system service accounts) run a
 *   kubectl session and a UI session of a few dozen requests each per hour (estimate), including an
 *   exec (websocket GET), a Secret read, a Deployment patch, a ConfigMap update and a RoleBinding.
 */
import type { Level } from "../../components/audit-policy";

export interface TrafficOptions {
  /** PRNG seed. Default 1. */
  seed?: number;
  /** Server (etcd + control-plane) nodes. Default 3. */
  servers?: number;
  /** Worker nodes. Default 3. */
  workers?: number;
  /** Hours of traffic. Default 1. */
  hours?: number;
  /** Include Rancher monitoring (Prometheus, kube-state-metrics, the /metrics scrapes). Default true. */
  monitoring?: boolean;
  /** Include the human sessions through Rancher. Default true. */
  humans?: boolean;
  /** Start time (ISO 8601). Default 2026-01-05T09:00:00Z. */
  start?: string;
}

/** An audit.k8s.io/v1 Event as the generator writes it. */
export interface TrafficEvent {
  kind: "Event";
  apiVersion: "audit.k8s.io/v1";
  level: Level;
  auditID: string;
  stage: "ResponseComplete";
  requestURI: string;
  verb: string;
  user: Readonly<UserInfo>;
  impersonatedUser?: Readonly<UserInfo>;
  sourceIPs: readonly string[];
  userAgent: string;
  objectRef?: Readonly<Record<string, string>>;
  responseStatus: { metadata: Record<string, never>; code: number };
  requestObject?: unknown;
  responseObject?: unknown;
  requestReceivedTimestamp: string;
  stageTimestamp: string;
  annotations: Readonly<Record<string, string>>;
}

interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

// ---------------------------------------------------------------------------------------------
// Deterministic randomness
// ---------------------------------------------------------------------------------------------

/** mulberry32: a small, fast, seedable PRNG returning [0, 1). Also used by tests that need seeded randomness. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  between(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  int(lo: number, hi: number): number {
    return Math.floor(this.between(lo, hi + 1));
  }
  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.next() * list.length)];
  }
  hex(n: number): string {
    let s = "";
    for (let i = 0; i < n; i++) s += "0123456789abcdef"[Math.floor(this.next() * 16)];
    return s;
  }
  uuid(): string {
    const h = this.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
  /** Base64-looking text of n characters (a gzipped Helm release, a token). */
  base64(n: number): string {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const parts: string[] = [];
    for (let i = 0; i < n; i++) parts.push(alphabet[Math.floor(this.next() * 64)]);
    return parts.join("");
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Identities
// ---------------------------------------------------------------------------------------------

const K8S_VERSION = "v1.31.5+rke2r1";
const GIT = "kubernetes/6b8a3d2";
const ua = (component: string) => `${component}/${K8S_VERSION} (linux/amd64) ${GIT}`;

interface Actor {
  user: UserInfo;
  userAgent: string;
  sourceIP: string;
  /** The authorization.k8s.io/reason annotation (RBAC or Node authorizer). */
  reason: string;
  impersonated?: UserInfo;
}

interface Cluster {
  servers: string[];
  workers: string[];
  nodes: string[];
  ip: Map<string, string>;
  nodeUid: Map<string, string>;
}

function certUser(username: string, groups: string[], component: string, ip: string, binding: string): Actor {
  return {
    user: { username, groups: [...groups, "system:authenticated"] },
    userAgent: ua(component),
    sourceIP: ip,
    reason: `RBAC: allowed by ClusterRoleBinding "${binding}" of ClusterRole "${binding}" to User "${username}"`,
  };
}

function kubelet(c: Cluster, node: string): Actor {
  return {
    user: { username: `system:node:${node}`, groups: ["system:nodes", "system:authenticated"] },
    userAgent: ua("kubelet"),
    sourceIP: c.ip.get(node)!,
    reason: "",
  };
}

function serviceAccount(rng: Rng, c: Cluster, namespace: string, name: string, node: string, component: string, binding: string): Actor {
  const pod = `${name}-${rng.hex(9)}-${rng.hex(5)}`;
  return {
    user: {
      username: `system:serviceaccount:${namespace}:${name}`,
      uid: rng.uuid(),
      groups: ["system:serviceaccounts", `system:serviceaccounts:${namespace}`, "system:authenticated"],
      extra: {
        "authentication.kubernetes.io/credential-id": [`JTI=${rng.uuid()}`],
        "authentication.kubernetes.io/node-name": [node],
        "authentication.kubernetes.io/node-uid": [c.nodeUid.get(node)!],
        "authentication.kubernetes.io/pod-name": [pod],
        "authentication.kubernetes.io/pod-uid": [rng.uuid()],
      },
    },
    userAgent: component,
    sourceIP: `10.42.${c.nodes.indexOf(node)}.${rng.int(2, 250)}`,
    reason: `RBAC: allowed by ClusterRoleBinding "${binding}" of ClusterRole "${binding}" to ServiceAccount "${name}/${namespace}"`,
  };
}

// ---------------------------------------------------------------------------------------------
// Bodies (frozen, shared)
// ---------------------------------------------------------------------------------------------

const iso = (ms: number) => new Date(ms).toISOString();

function managedFields(manager: string, time: string, fields: Record<string, unknown>, subresource?: string) {
  return [{ manager, operation: "Update", apiVersion: "v1", time, fieldsType: "FieldsV1", fieldsV1: fields, ...(subresource ? { subresource } : {}) }];
}

function leaseBody(rng: Rng, name: string, namespace: string, holder: string, duration: number, t0: string) {
  return deepFreeze({
    kind: "Lease",
    apiVersion: "coordination.k8s.io/v1",
    metadata: {
      name,
      namespace,
      uid: rng.uuid(),
      resourceVersion: String(rng.int(1_000_000, 9_000_000)),
      creationTimestamp: t0,
      managedFields: managedFields(holder.split("_")[0], t0, {
        "f:spec": { "f:acquireTime": {}, "f:holderIdentity": {}, "f:leaseDurationSeconds": {}, "f:leaseTransitions": {}, "f:renewTime": {} },
      }),
    },
    spec: { holderIdentity: holder, leaseDurationSeconds: duration, acquireTime: t0, renewTime: t0, leaseTransitions: 3 },
  });
}

function nodeBody(rng: Rng, node: string, server: boolean, ip: string, t0: string) {
  const images = Array.from({ length: server ? 34 : 28 }, (_, i) => ({
    names: [`docker.io/rancher/image-${i}@sha256:${rng.hex(64)}`, `docker.io/rancher/image-${i}:v${rng.int(1, 9)}.${rng.int(0, 30)}.${rng.int(0, 9)}`],
    sizeBytes: rng.int(5_000_000, 200_000_000),
  }));
  const condition = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    lastHeartbeatTime: t0,
    lastTransitionTime: t0,
    reason,
    message,
  });
  return deepFreeze({
    kind: "Node",
    apiVersion: "v1",
    metadata: {
      name: node,
      uid: rng.uuid(),
      resourceVersion: String(rng.int(1_000_000, 9_000_000)),
      creationTimestamp: t0,
      labels: {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/instance-type": "rke2",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": node,
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": "rke2",
        ...(server
          ? { "node-role.kubernetes.io/control-plane": "true", "node-role.kubernetes.io/etcd": "true", "node-role.kubernetes.io/master": "true" }
          : { "node-role.kubernetes.io/worker": "true" }),
        "rke.cattle.io/machine": rng.uuid(),
        "cattle.io/os": "linux",
      },
      annotations: {
        "alpha.kubernetes.io/provided-node-ip": ip,
        "flannel.alpha.coreos.com/backend-data": `{"VNI":1,"VtepMAC":"${rng.hex(2)}:${rng.hex(2)}:${rng.hex(2)}:${rng.hex(2)}:${rng.hex(2)}:${rng.hex(2)}"}`,
        "flannel.alpha.coreos.com/backend-type": "vxlan",
        "flannel.alpha.coreos.com/kube-subnet-manager": "true",
        "flannel.alpha.coreos.com/public-ip": ip,
        "node.alpha.kubernetes.io/ttl": "0",
        "projectcalico.org/IPv4Address": `${ip}/24`,
        "rke2.io/hostname": node,
        "rke2.io/internal-ip": ip,
        "rke2.io/node-args": JSON.stringify(["server", "--cni", "canal", "--profile", "cis", "--audit-policy-file", "/var/lib/rancher/rke2/etc/config-files/audit-policy-file", "--node-label", "cattle.io/os=linux", "--private-registry", "/etc/rancher/rke2/registries.yaml"]),
        "rke2.io/node-config-hash": rng.base64(52),
        "rke2.io/node-env": "{}",
        "volumes.kubernetes.io/controller-managed-attach-detach": "true",
      },
      managedFields: [
        ...managedFields("rke2", t0, { "f:metadata": { "f:annotations": { "f:rke2.io/hostname": {}, "f:rke2.io/internal-ip": {}, "f:rke2.io/node-args": {}, "f:rke2.io/node-config-hash": {}, "f:rke2.io/node-env": {} }, "f:labels": { "f:rke.cattle.io/machine": {} } } }),
        ...managedFields("flanneld", t0, { "f:metadata": { "f:annotations": { "f:flannel.alpha.coreos.com/backend-data": {}, "f:flannel.alpha.coreos.com/backend-type": {}, "f:flannel.alpha.coreos.com/kube-subnet-manager": {}, "f:flannel.alpha.coreos.com/public-ip": {} } } }),
        ...managedFields("kubelet", t0, { "f:status": { "f:conditions": { 'k:{"type":"DiskPressure"}': { "f:lastHeartbeatTime": {} }, 'k:{"type":"MemoryPressure"}': { "f:lastHeartbeatTime": {} }, 'k:{"type":"PIDPressure"}': { "f:lastHeartbeatTime": {} }, 'k:{"type":"Ready"}': { "f:lastHeartbeatTime": {}, "f:lastTransitionTime": {}, "f:message": {}, "f:reason": {}, "f:status": {} } }, "f:images": {}, "f:nodeInfo": { "f:bootID": {} } } }, "status"),
        ...managedFields("kube-controller-manager", t0, { "f:metadata": { "f:annotations": { "f:node.alpha.kubernetes.io/ttl": {} } }, "f:spec": { "f:podCIDR": {}, "f:podCIDRs": { ".": {}, 'v:"10.42.0.0/24"': {} } } }),
      ],
    },
    spec: {
      podCIDR: `10.42.${rng.int(0, 250)}.0/24`,
      podCIDRs: ["10.42.0.0/24"],
      providerID: `rke2://${node}`,
      ...(server
        ? { taints: [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }, { key: "node-role.kubernetes.io/etcd", effect: "NoExecute" }] }
        : {}),
    },
    status: {
      capacity: { cpu: "4", "ephemeral-storage": "81106868Ki", "hugepages-1Gi": "0", "hugepages-2Mi": "0", memory: "8148352Ki", pods: "110" },
      allocatable: { cpu: "4", "ephemeral-storage": "78900773497", "hugepages-1Gi": "0", "hugepages-2Mi": "0", memory: "8148352Ki", pods: "110" },
      conditions: [
        condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
      ],
      addresses: [
        { type: "InternalIP", address: ip },
        { type: "Hostname", address: node },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: rng.hex(32),
        systemUUID: rng.uuid(),
        bootID: rng.uuid(),
        kernelVersion: "5.14.21-150500.55.65-default",
        osImage: "SUSE Linux Enterprise Server 15 SP5",
        containerRuntimeVersion: "containerd://1.7.23-k3s2",
        kubeletVersion: K8S_VERSION,
        kubeProxyVersion: K8S_VERSION,
        operatingSystem: "linux",
        architecture: "amd64",
      },
      images,
    },
  });
}

function nodeStatusPatch(t0: string) {
  return deepFreeze({
    status: {
      $setElementOrder$conditions: [{ type: "MemoryPressure" }, { type: "DiskPressure" }, { type: "PIDPressure" }, { type: "Ready" }],
      conditions: ["MemoryPressure", "DiskPressure", "PIDPressure", "Ready"].map((type) => ({ lastHeartbeatTime: t0, type })),
    },
  });
}

function podBody(rng: Rng, name: string, namespace: string, node: string, image: string, t0: string, extra: Record<string, unknown> = {}) {
  return deepFreeze({
    kind: "Pod",
    apiVersion: "v1",
    metadata: {
      name,
      generateName: name.replace(/-[a-z0-9]{5}$/, "-"),
      namespace,
      uid: rng.uuid(),
      resourceVersion: String(rng.int(1_000_000, 9_000_000)),
      creationTimestamp: t0,
      labels: { app: name.split("-")[0], "pod-template-hash": rng.hex(10) },
      ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: name.replace(/-[a-z0-9]{5}$/, ""), uid: rng.uuid(), controller: true, blockOwnerDeletion: true }],
      managedFields: managedFields("kube-controller-manager", t0, { "f:metadata": { "f:generateName": {}, "f:labels": { ".": {}, "f:app": {} }, "f:ownerReferences": {} }, "f:spec": { "f:containers": {} } }),
    },
    spec: {
      volumes: [{ name: "kube-api-access", projected: { sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: "token" } }, { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } }], defaultMode: 420 } }],
      containers: [
        {
          name: name.split("-")[0],
          image,
          ports: [{ containerPort: 8080, protocol: "TCP" }],
          resources: { limits: { cpu: "500m", memory: "256Mi" }, requests: { cpu: "100m", memory: "128Mi" } },
          volumeMounts: [{ name: "kube-api-access", readOnly: true, mountPath: "/var/run/secrets/kubernetes.io/serviceaccount" }],
          livenessProbe: { httpGet: { path: "/healthz", port: 8080, scheme: "HTTP" }, periodSeconds: 10 },
          terminationMessagePath: "/dev/termination-log",
          terminationMessagePolicy: "File",
          imagePullPolicy: "IfNotPresent",
          securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ["ALL"] } },
        },
      ],
      restartPolicy: "Always",
      terminationGracePeriodSeconds: 30,
      dnsPolicy: "ClusterFirst",
      serviceAccountName: "default",
      nodeName: node,
      securityContext: { seccompProfile: { type: "RuntimeDefault" } },
      schedulerName: "default-scheduler",
      tolerations: [
        { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
        { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
      ],
      priority: 0,
      enableServiceLinks: true,
      preemptionPolicy: "PreemptLowerPriority",
      ...extra,
    },
    status: {
      phase: "Running",
      conditions: ["Initialized", "Ready", "ContainersReady", "PodScheduled"].map((type) => ({ type, status: "True", lastTransitionTime: t0 })),
      hostIP: "10.0.0.20",
      podIP: `10.42.3.${rng.int(2, 250)}`,
      startTime: t0,
      containerStatuses: [{ name: name.split("-")[0], ready: true, restartCount: 0, image, imageID: `${image}@sha256:${rng.hex(64)}`, containerID: `containerd://${rng.hex(64)}`, started: true, state: { running: { startedAt: t0 } } }],
      qosClass: "Burstable",
    },
  });
}

function deploymentBody(rng: Rng, name: string, namespace: string, image: string, t0: string) {
  const pod = podBody(rng, `${name}-${rng.hex(9)}-${rng.hex(5)}`, namespace, "", image, t0);
  return deepFreeze({
    kind: "Deployment",
    apiVersion: "apps/v1",
    metadata: { name, namespace, uid: rng.uuid(), resourceVersion: String(rng.int(1_000_000, 9_000_000)), generation: 7, creationTimestamp: t0, labels: { app: name } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: pod.spec },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    },
    status: { observedGeneration: 7, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 },
  });
}

function eventBody(rng: Rng, namespace: string, involved: string, reason: string, message: string, t0: string) {
  return deepFreeze({
    kind: "Event",
    apiVersion: "v1",
    metadata: { name: `${involved}.${rng.hex(16)}`, namespace, uid: rng.uuid(), resourceVersion: String(rng.int(1_000_000, 9_000_000)), creationTimestamp: t0 },
    involvedObject: { kind: "Pod", namespace, name: involved, uid: rng.uuid(), apiVersion: "v1", resourceVersion: String(rng.int(1_000_000, 9_000_000)), fieldPath: "spec.containers{main}" },
    reason,
    message,
    source: { component: "kubelet", host: "rke2-worker-0" },
    firstTimestamp: t0,
    lastTimestamp: t0,
    count: 1,
    type: "Normal",
    reportingComponent: "kubelet",
    reportingInstance: "rke2-worker-0",
  });
}

function secretBody(rng: Rng, name: string, namespace: string, dataBytes: number, t0: string, type = "Opaque", labels: Record<string, string> = {}) {
  return deepFreeze({
    kind: "Secret",
    apiVersion: "v1",
    metadata: { name, namespace, uid: rng.uuid(), resourceVersion: String(rng.int(1_000_000, 9_000_000)), creationTimestamp: t0, labels },
    data: { [type === "helm.sh/release.v1" ? "release" : "token"]: rng.base64(dataBytes) },
    type,
  });
}

function configMapList(rng: Rng, namespace: string, count: number, t0: string) {
  return deepFreeze({
    kind: "ConfigMapList",
    apiVersion: "v1",
    metadata: { resourceVersion: String(rng.int(1_000_000, 9_000_000)) },
    items: Array.from({ length: count }, (_, i) => ({
      metadata: { name: `cattle-config-${i}`, namespace, uid: rng.uuid(), resourceVersion: String(rng.int(1_000_000, 9_000_000)), creationTimestamp: t0 },
      data: { "config.json": JSON.stringify({ setting: rng.hex(200) }) },
    })),
  });
}

function namespaceBody(rng: Rng, name: string, t0: string) {
  return deepFreeze({
    kind: "Namespace",
    apiVersion: "v1",
    metadata: {
      name,
      uid: rng.uuid(),
      resourceVersion: String(rng.int(1_000, 9_000)),
      creationTimestamp: t0,
      labels: { "kubernetes.io/metadata.name": name },
      annotations: { "cattle.io/status": JSON.stringify({ Conditions: [{ Type: "ResourceQuotaInit", Status: "True" }] }), "lifecycle.cattle.io/create.namespace-auth": "true" },
      managedFields: managedFields("rancher", t0, { "f:metadata": { "f:annotations": { "f:cattle.io/status": {} } } }),
    },
    spec: { finalizers: ["kubernetes"] },
    status: { phase: "Active" },
  });
}

// ---------------------------------------------------------------------------------------------
// The generator
// ---------------------------------------------------------------------------------------------

interface Target {
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** Non-resource path (then resource is unset). */
  path?: string;
  query?: string;
}

interface Request {
  verb: string;
  target: Target;
  code?: number;
  requestObject?: unknown;
  responseObject?: unknown;
  /** Request duration in ms (watches: how long the watch stayed open). */
  durationMs?: number;
}

/** A periodic source: when it fires next and what it sends. */
interface Source {
  next: number;
  order: number;
  fire(t: number): { actor: Actor; request: Request }[];
  /** Milliseconds to the next firing. */
  interval(): number;
  /** Fires once (a request that follows another one of the same firing). */
  once?: boolean;
}

function uriOf(t: Target): string {
  if (t.path !== undefined) return t.query ? `${t.path}?${t.query}` : t.path;
  const group = t.group ?? "";
  const version = t.version ?? "v1";
  const base = group === "" ? `/api/${version}` : `/apis/${group}/${version}`;
  const segments = [base];
  if (t.namespace) segments.push(`namespaces/${t.namespace}`);
  segments.push(t.resource!);
  if (t.name) segments.push(t.name);
  if (t.subresource) segments.push(t.subresource);
  const path = segments.join("/");
  return t.query ? `${path}?${t.query}` : path;
}

function objectRef(t: Target): Record<string, string> | undefined {
  if (t.path !== undefined) return undefined;
  const ref: Record<string, string> = { resource: t.resource! };
  if (t.namespace) ref.namespace = t.namespace;
  if (t.name) ref.name = t.name;
  if (t.group) ref.apiGroup = t.group;
  ref.apiVersion = t.version ?? "v1";
  if (t.subresource) ref.subresource = t.subresource;
  return deepFreeze(ref);
}

const DEFAULT_CODE: Record<string, number> = { create: 201 };

class MinHeap {
  private readonly items: Source[] = [];
  get size(): number {
    return this.items.length;
  }
  private less(a: Source, b: Source): boolean {
    return a.next < b.next || (a.next === b.next && a.order < b.order);
  }
  push(s: Source): void {
    const items = this.items;
    items.push(s);
    let i = items.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(items[i], items[p])) break;
      [items[i], items[p]] = [items[p], items[i]];
      i = p;
    }
  }
  pop(): Source {
    const items = this.items;
    const top = items[0];
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && this.less(items[l], items[m])) m = l;
        if (r < items.length && this.less(items[r], items[m])) m = r;
        if (m === i) break;
        [items[i], items[m]] = [items[m], items[i]];
        i = m;
      }
    }
    return top;
  }
}

/**
 * One hour (or `hours`) of a Rancher-managed RKE2 cluster's background traffic, as audit Events in
 * time order. A generator: events are built as they are consumed. See the module comment for the
 * rates and their sources.
 */
export function* generateBackgroundTraffic(options: TrafficOptions = {}): Generator<TrafficEvent> {
  const seed = options.seed ?? 1;
  const nServers = options.servers ?? 3;
  const nWorkers = options.workers ?? 3;
  const hours = options.hours ?? 1;
  const monitoring = options.monitoring ?? true;
  const humans = options.humans ?? true;
  const startMs = Date.parse(options.start ?? "2026-01-05T09:00:00Z");
  if (!Number.isInteger(nServers) || nServers < 1) throw new Error(`servers: expected a whole number ≥ 1, got ${nServers}`);
  if (!Number.isInteger(nWorkers) || nWorkers < 0) throw new Error(`workers: expected a whole number ≥ 0, got ${nWorkers}`);
  if (!(hours > 0)) throw new Error(`hours: expected a number > 0, got ${hours}`);
  if (Number.isNaN(startMs)) throw new Error(`start: ${JSON.stringify(options.start)} is not an ISO 8601 time`);
  const endMs = startMs + hours * 3_600_000;

  const rng = new Rng(seed);
  const t0 = iso(startMs - 86_400_000 * 30);
  const servers = Array.from({ length: nServers }, (_, i) => `rke2-server-${i}`);
  const workers = Array.from({ length: nWorkers }, (_, i) => `rke2-worker-${i}`);
  const nodes = [...servers, ...workers];
  const cluster: Cluster = {
    servers,
    workers,
    nodes,
    ip: new Map(nodes.map((n, i) => [n, `10.0.0.${10 + i}`])),
    nodeUid: new Map(nodes.map((n) => [n, rng.uuid()])),
  };
  // Workloads that tolerate nothing run on workers (Rancher taints dedicated control-plane/etcd nodes).
  const workerOr = (i: number) => (workers.length > 0 ? workers[i % workers.length] : servers[i % servers.length]);

  const sources: Source[] = [];
  let order = 0;
  const add = (first: number, interval: () => number, fire: Source["fire"]) => {
    sources.push({ next: startMs + first, order: order++, interval, fire });
  };
  const every = (ms: number, jitter = 0.05) => () => ms * (1 + rng.between(-jitter, jitter));

  // --- Leases: node heartbeats (every 10 s per node) -------------------------------------------
  for (const node of nodes) {
    const actor = kubelet(cluster, node);
    const body = leaseBody(rng, node, "kube-node-lease", node, 40, t0);
    add(rng.between(0, 10_000), every(10_000, 0.02), () => [
      { actor, request: { verb: "update", target: { group: "coordination.k8s.io", resource: "leases", namespace: "kube-node-lease", name: node }, requestObject: body, responseObject: body } },
    ]);
  }

  // --- Leases: kube-apiserver identity (every 10 s per server) ----------------------------------
  for (const server of servers) {
    const actor = certUser("system:apiserver", ["system:masters"], "kube-apiserver", cluster.ip.get(server)!, "cluster-admin");
    const name = `apiserver-${rng.hex(26)}`;
    const body = leaseBody(rng, name, "kube-system", `${name}_${rng.uuid()}`, 3600, t0);
    add(rng.between(0, 10_000), every(10_000, 0.02), () => [
      { actor, request: { verb: "update", target: { group: "coordination.k8s.io", resource: "leases", namespace: "kube-system", name }, requestObject: body, responseObject: body } },
    ]);
  }

  // --- Leader election: leader updates every 2 s, followers GET every 2-4.4 s --------------------
  const election = (lease: string, namespace: string, candidates: Actor[]) => {
    const body = leaseBody(rng, lease, namespace, `${lease}_${rng.uuid()}`, 15, t0);
    const target: Target = { group: "coordination.k8s.io", resource: "leases", namespace, name: lease };
    candidates.forEach((actor, i) => {
      if (i === 0) {
        add(rng.between(0, 2_000), every(2_000, 0.02), () => [{ actor, request: { verb: "update", target, requestObject: body, responseObject: body } }]);
      } else {
        add(rng.between(0, 4_400), () => rng.between(2_000, 4_400), () => [{ actor, request: { verb: "get", target, responseObject: body } }]);
      }
    });
  };
  const perServer = (f: (server: string) => Actor) => servers.map(f);
  election("kube-controller-manager", "kube-system", perServer((s) => certUser("system:kube-controller-manager", [], "kube-controller-manager", cluster.ip.get(s)!, "system:kube-controller-manager")));
  election("kube-scheduler", "kube-system", perServer((s) => certUser("system:kube-scheduler", [], "kube-scheduler", cluster.ip.get(s)!, "system:kube-scheduler")));
  election("cloud-controller-manager", "kube-system", perServer((s) => certUser("rke2-cloud-controller-manager", [], "rke2-cloud-controller-manager", cluster.ip.get(s)!, "rke2-cloud-controller-manager")));
  const supervisors = servers.map((s) => certUser("system:rke2-supervisor", [], "rke2", cluster.ip.get(s)!, "system:rke2-supervisor"));
  election("rke2", "kube-system", supervisors);
  election("rke2-etcd", "kube-system", supervisors);
  const cattleAgents = [0, 1].map((i) => serviceAccount(rng, cluster, "cattle-system", "cattle", workerOr(i), "agent/v0.0.0 (linux/amd64) kubernetes/$Format", "cattle-admin-binding"));
  election("cattle-controllers", "kube-system", cattleAgents);
  const fleetAgent = serviceAccount(rng, cluster, "cattle-fleet-system", "fleet-agent", workerOr(2), "fleetagent/v0.10.4 (linux/amd64) kubernetes/$Format", "fleet-agent-role");
  election("fleet-agent-lock", "cattle-fleet-system", [fleetAgent]);
  const ingress = workers.map((w) => serviceAccount(rng, cluster, "kube-system", "rke2-ingress-nginx", w, "nginx-ingress-controller/v1.10.5 (linux/amd64) ingress-nginx/e0b1a87", "rke2-ingress-nginx"));
  if (ingress.length > 0) election("ingress-nginx-leader", "kube-system", ingress);

  // --- Watches: every informer re-opens its watch every 5-10 minutes -----------------------------
  const rv = () => String(rng.int(10_000_000, 99_999_999));
  const watches = (actor: Actor, targets: Target[]) => {
    for (const t of targets) {
      add(rng.between(0, 600_000), () => rng.between(300_000, 600_000), () => {
        const timeout = rng.int(300, 600);
        const query = `allowWatchBookmarks=true${t.query ? `&${t.query}` : ""}&resourceVersion=${rv()}&timeout=${Math.round(timeout / 60)}m${timeout % 60}s&timeoutSeconds=${timeout}&watch=true`;
        return [{ actor, request: { verb: "watch", target: { ...t, query }, durationMs: timeout * 1000 } }];
      });
    }
  };
  const core = (resource: string, extra: Partial<Target> = {}): Target => ({ resource, ...extra });
  const grp = (group: string, resource: string, extra: Partial<Target> = {}): Target => ({ group, resource, ...extra });
  const kinds = (list: string): Target[] =>
    list.split(" ").map((spec) => {
      const [group, resource] = spec.includes("/") ? spec.split("/") : ["", spec];
      return { group, resource };
    });

  for (const node of nodes) {
    const isServer = servers.includes(node);
    const k = kubelet(cluster, node);
    const nsList = isServer ? ["kube-system"] : ["kube-system", "cattle-system", "cattle-fleet-system"];
    watches(k, [
      core("nodes", { query: `fieldSelector=metadata.name%3D${node}` }),
      core("pods", { query: `fieldSelector=spec.nodeName%3D${node}` }),
      core("services"),
      grp("node.k8s.io", "runtimeclasses"),
      grp("storage.k8s.io", "csidrivers"),
      ...nsList.map((ns) => core("configmaps", { namespace: ns, query: "fieldSelector=metadata.name%3Dkube-root-ca.crt" })),
      ...nsList.map((ns) => core("secrets", { namespace: ns, query: `fieldSelector=metadata.name%3D${ns}-token-${rng.hex(5)}` })),
    ]);
    watches(certUser("system:kube-proxy", [], "kube-proxy", cluster.ip.get(node)!, "system:node-proxier"), [
      grp("discovery.k8s.io", "endpointslices", { query: "labelSelector=%21service.kubernetes.io%2Fheadless%2C%21service.kubernetes.io%2Fservice-proxy-name" }),
      core("services", { query: "labelSelector=%21service.kubernetes.io%2Fheadless%2C%21service.kubernetes.io%2Fservice-proxy-name" }),
      core("nodes", { query: `fieldSelector=metadata.name%3D${node}` }),
    ]);
    watches(
      serviceAccount(rng, cluster, "kube-system", "canal", node, "calico-node/v3.28.2 (linux/amd64) kubernetes/$Format", "calico-node"),
      kinds(
        "nodes pods namespaces serviceaccounts services discovery.k8s.io/endpointslices networking.k8s.io/networkpolicies crd.projectcalico.org/felixconfigurations crd.projectcalico.org/ippools crd.projectcalico.org/ipamblocks crd.projectcalico.org/networkpolicies crd.projectcalico.org/globalnetworkpolicies crd.projectcalico.org/networksets crd.projectcalico.org/globalnetworksets crd.projectcalico.org/hostendpoints crd.projectcalico.org/clusterinformations",
      ),
    );
    watches(certUser("system:rke2-controller", [], "rke2", cluster.ip.get(node)!, "system:rke2-controller"), [core("nodes", { query: `fieldSelector=metadata.name%3D${node}` })]);
  }
  for (const server of servers) {
    const ip = cluster.ip.get(server)!;
    // kube-apiserver's own informers (admission, aggregation, flow control) over its loopback client.
    watches(
      certUser("system:apiserver", ["system:masters"], "kube-apiserver", ip, "cluster-admin"),
      kinds(
        "namespaces serviceaccounts secrets configmaps resourcequotas limitranges services endpoints nodes pods persistentvolumes admissionregistration.k8s.io/validatingwebhookconfigurations admissionregistration.k8s.io/mutatingwebhookconfigurations admissionregistration.k8s.io/validatingadmissionpolicies admissionregistration.k8s.io/validatingadmissionpolicybindings scheduling.k8s.io/priorityclasses storage.k8s.io/storageclasses node.k8s.io/runtimeclasses networking.k8s.io/ingressclasses apiregistration.k8s.io/apiservices apiextensions.k8s.io/customresourcedefinitions flowcontrol.apiserver.k8s.io/flowschemas flowcontrol.apiserver.k8s.io/prioritylevelconfigurations rbac.authorization.k8s.io/roles rbac.authorization.k8s.io/clusterroles",
      ),
    );
    watches(
      certUser("system:kube-scheduler", [], "kube-scheduler", ip, "system:kube-scheduler"),
      kinds("pods nodes namespaces services persistentvolumes persistentvolumeclaims replicationcontrollers apps/replicasets apps/statefulsets policy/poddisruptionbudgets storage.k8s.io/csinodes storage.k8s.io/csidrivers storage.k8s.io/csistoragecapacities storage.k8s.io/storageclasses"),
    );
    watches(supervisors[servers.indexOf(server)], kinds("nodes secrets configmaps endpoints k3s.cattle.io/addons k3s.cattle.io/etcdsnapshotfiles helm.cattle.io/helmcharts helm.cattle.io/helmchartconfigs"));
  }
  {
    // kube-controller-manager (the leader runs the controllers and their shared informers).
    const kcm = certUser("system:kube-controller-manager", [], "kube-controller-manager", cluster.ip.get(servers[0])!, "system:kube-controller-manager");
    watches(
      kcm,
      kinds(
        "pods nodes namespaces services endpoints secrets configmaps serviceaccounts persistentvolumes persistentvolumeclaims replicationcontrollers resourcequotas limitranges podtemplates events apps/deployments apps/replicasets apps/statefulsets apps/daemonsets apps/controllerrevisions batch/jobs batch/cronjobs discovery.k8s.io/endpointslices autoscaling/horizontalpodautoscalers policy/poddisruptionbudgets networking.k8s.io/ingresses networking.k8s.io/networkpolicies networking.k8s.io/ingressclasses rbac.authorization.k8s.io/roles rbac.authorization.k8s.io/rolebindings rbac.authorization.k8s.io/clusterroles rbac.authorization.k8s.io/clusterrolebindings certificates.k8s.io/certificatesigningrequests coordination.k8s.io/leases storage.k8s.io/storageclasses storage.k8s.io/csinodes storage.k8s.io/csidrivers storage.k8s.io/volumeattachments scheduling.k8s.io/priorityclasses admissionregistration.k8s.io/validatingwebhookconfigurations admissionregistration.k8s.io/mutatingwebhookconfigurations apiextensions.k8s.io/customresourcedefinitions node.k8s.io/runtimeclasses",
      ),
    );
    watches(certUser("rke2-cloud-controller-manager", [], "rke2-cloud-controller-manager", cluster.ip.get(servers[0])!, "rke2-cloud-controller-manager"), kinds("nodes services discovery.k8s.io/endpointslices"));
  }
  const platform = (ns: string, name: string, node: string, agent: string, binding: string, list: string) => {
    const actor = serviceAccount(rng, cluster, ns, name, node, agent, binding);
    watches(actor, kinds(list));
    return actor;
  };
  for (let i = 0; i < 2; i++) platform("kube-system", "rke2-coredns-rke2-coredns", workerOr(i), "coredns/v1.11.3 (linux/amd64) kubernetes/$Format", "rke2-coredns-rke2-coredns", "namespaces services discovery.k8s.io/endpointslices");
  platform("kube-system", "rke2-metrics-server", workerOr(1), "metrics-server/v0.7.2 (linux/amd64) kubernetes/$Format", "system:rke2-metrics-server", "nodes pods");
  platform("kube-system", "rke2-snapshot-controller", workerOr(2), "snapshot-controller/v8.1.0 (linux/amd64) kubernetes/$Format", "rke2-snapshot-controller", "persistentvolumeclaims snapshot.storage.k8s.io/volumesnapshots snapshot.storage.k8s.io/volumesnapshotcontents snapshot.storage.k8s.io/volumesnapshotclasses");
  for (const actor of ingress) watches(actor, kinds("services secrets configmaps namespaces discovery.k8s.io/endpointslices networking.k8s.io/ingresses networking.k8s.io/ingressclasses"));
  // cattle-cluster-agent: the leader runs Rancher's downstream controllers (dozens of informers).
  watches(
    cattleAgents[0],
    kinds(
      "namespaces nodes pods services endpoints secrets configmaps serviceaccounts persistentvolumes persistentvolumeclaims resourcequotas limitranges events apps/deployments apps/daemonsets apps/statefulsets apps/replicasets batch/jobs batch/cronjobs networking.k8s.io/ingresses networking.k8s.io/networkpolicies rbac.authorization.k8s.io/roles rbac.authorization.k8s.io/rolebindings rbac.authorization.k8s.io/clusterroles rbac.authorization.k8s.io/clusterrolebindings apiextensions.k8s.io/customresourcedefinitions apiregistration.k8s.io/apiservices storage.k8s.io/storageclasses management.cattle.io/settings management.cattle.io/features catalog.cattle.io/apps catalog.cattle.io/clusterrepos catalog.cattle.io/operations upgrade.cattle.io/plans fleet.cattle.io/bundledeployments helm.cattle.io/helmcharts k3s.cattle.io/addons monitoring.coreos.com/prometheusrules monitoring.coreos.com/servicemonitors",
    ),
  );
  watches(cattleAgents[1], kinds("secrets configmaps namespaces management.cattle.io/settings"));
  watches(fleetAgent, kinds("namespaces secrets configmaps services apps/deployments apps/daemonsets apps/statefulsets batch/jobs fleet.cattle.io/bundledeployments fleet.cattle.io/contents apiextensions.k8s.io/customresourcedefinitions"));
  platform("cattle-system", "rancher-webhook", workerOr(0), "rancher-webhook/v0.6.2 (linux/amd64) kubernetes/$Format", "rancher-webhook", "secrets namespaces rbac.authorization.k8s.io/roles rbac.authorization.k8s.io/rolebindings admissionregistration.k8s.io/validatingwebhookconfigurations admissionregistration.k8s.io/mutatingwebhookconfigurations management.cattle.io/settings");
  platform("cattle-system", "system-upgrade-controller", workerOr(1), "system-upgrade-controller/v0.14.2 (linux/amd64) kubernetes/$Format", "system-upgrade-controller", "nodes secrets batch/jobs upgrade.cattle.io/plans");

  let prometheus: Actor | undefined;
  if (monitoring) {
    prometheus = platform("cattle-monitoring-system", "rancher-monitoring-prometheus", workerOr(2), "Prometheus/2.53.1", "rancher-monitoring-prometheus", "pods services endpoints discovery.k8s.io/endpointslices nodes namespaces");
    platform("cattle-monitoring-system", "rancher-monitoring-operator", workerOr(0), "PrometheusOperator/0.75.2", "rancher-monitoring-operator", "secrets configmaps namespaces services endpoints statefulsets monitoring.coreos.com/prometheuses monitoring.coreos.com/alertmanagers monitoring.coreos.com/servicemonitors monitoring.coreos.com/podmonitors monitoring.coreos.com/prometheusrules monitoring.coreos.com/probes monitoring.coreos.com/alertmanagerconfigs");
    platform(
      "cattle-monitoring-system",
      "rancher-monitoring-kube-state-metrics",
      workerOr(1),
      "kube-state-metrics/v2.13.0 (linux/amd64) kubernetes/$Format",
      "rancher-monitoring-kube-state-metrics",
      "configmaps secrets nodes pods services endpoints namespaces persistentvolumes persistentvolumeclaims resourcequotas limitranges replicationcontrollers apps/deployments apps/daemonsets apps/statefulsets apps/replicasets batch/jobs batch/cronjobs autoscaling/horizontalpodautoscalers policy/poddisruptionbudgets networking.k8s.io/ingresses networking.k8s.io/networkpolicies storage.k8s.io/storageclasses storage.k8s.io/volumeattachments certificates.k8s.io/certificatesigningrequests coordination.k8s.io/leases admissionregistration.k8s.io/mutatingwebhookconfigurations admissionregistration.k8s.io/validatingwebhookconfigurations discovery.k8s.io/endpointslices",
    );
  }

  // --- Probes, /metrics, discovery ---------------------------------------------------------------
  for (let i = 0; i < servers.length; i++) {
    const ip = "127.0.0.1";
    const probe = { ...certUser("system:apiserver", ["system:masters"], "kubectl", ip, "cluster-admin"), userAgent: ua("kubectl") };
    add(rng.between(0, 10_000), every(10_000, 0.02), () => [{ actor: probe, request: { verb: "get", target: { path: "/livez" } } }]);
    add(rng.between(0, 5_000), every(5_000, 0.02), () => [{ actor: probe, request: { verb: "get", target: { path: "/readyz" } } }]);
    if (prometheus) {
      const scraper = prometheus;
      add(rng.between(0, 30_000), every(30_000, 0.01), () => [{ actor: scraper, request: { verb: "get", target: { path: "/metrics" } } }]);
    }
  }
  {
    const kcmSa = (name: string) => serviceAccount(rng, cluster, "kube-system", name, servers[0], `kube-controller-manager/${K8S_VERSION} (linux/amd64) ${GIT}/${name}`, `system:controller:${name}`);
    for (const name of ["generic-garbage-collector", "resourcequota-controller"]) {
      const actor = kcmSa(name);
      add(rng.between(0, 30_000), every(30_000, 0.02), () => [
        { actor, request: { verb: "get", target: { path: "/api" } } },
        { actor, request: { verb: "get", target: { path: "/apis" } } },
      ]);
    }
    add(rng.between(0, 300_000), every(300_000), () => [
      { actor: cattleAgents[0], request: { verb: "get", target: { path: "/api" } } },
      { actor: cattleAgents[0], request: { verb: "get", target: { path: "/apis" } } },
      { actor: cattleAgents[0], request: { verb: "get", target: { path: "/version" } } },
    ]);
    add(rng.between(0, 900_000), every(900_000), () => [{ actor: fleetAgent, request: { verb: "get", target: { path: "/openapi/v2" } } }]);
  }

  // --- Node and pod status, Events ----------------------------------------------------------------
  for (const node of nodes) {
    const actor = kubelet(cluster, node);
    const nodeObj = nodeBody(rng, node, servers.includes(node), cluster.ip.get(node)!, t0);
    const patch = nodeStatusPatch(t0);
    add(rng.between(0, 300_000), every(300_000, 0.02), () => [
      { actor, request: { verb: "patch", target: { resource: "nodes", name: node, subresource: "status" }, requestObject: patch, responseObject: nodeObj } },
    ]);
    const podName = `web-${rng.hex(9)}-${rng.hex(5)}`;
    const podObj = podBody(rng, podName, "default", node, "registry.example.com/web:1.4.2", t0);
    const podPatch = deepFreeze({ metadata: { uid: podObj.metadata.uid }, status: { conditions: [{ type: "Ready", status: "True", lastTransitionTime: t0 }] } });
    add(rng.between(0, 900_000), () => rng.between(600_000, 1_200_000), () => [
      { actor, request: { verb: "patch", target: { resource: "pods", namespace: "default", name: podName, subresource: "status" }, requestObject: podPatch, responseObject: podObj } },
    ]);
    const ev = eventBody(rng, "default", podName, "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503", t0);
    add(rng.between(0, 360_000), () => rng.between(180_000, 540_000), () => [
      { actor, request: { verb: "create", target: { resource: "events", namespace: "default" }, requestObject: ev, responseObject: ev } },
    ]);
  }

  // --- Rancher's agents ---------------------------------------------------------------------------
  {
    const agent = cattleAgents[0];
    const ns = namespaceBody(rng, "kube-system", t0);
    add(rng.between(0, 15_000), every(15_000, 0.02), () => [{ actor: agent, request: { verb: "get", target: { resource: "namespaces", name: "kube-system" }, responseObject: ns } }]);
    const creds = secretBody(rng, `cattle-credentials-${rng.hex(7)}`, "cattle-system", 1_200, t0);
    const tokenSecret = secretBody(rng, "cattle-token", "cattle-system", 1_600, t0, "kubernetes.io/service-account-token");
    add(rng.between(0, 60_000), every(60_000), () => [
      { actor: agent, request: { verb: "get", target: { resource: "secrets", namespace: "cattle-system", name: creds.metadata.name }, responseObject: creds } },
      { actor: agent, request: { verb: "get", target: { resource: "secrets", namespace: "cattle-system", name: "cattle-token" }, responseObject: tokenSecret } },
    ]);
    const cms = configMapList(rng, "cattle-system", 8, t0);
    add(rng.between(0, 120_000), every(120_000), () => [{ actor: agent, request: { verb: "list", target: { resource: "configmaps", namespace: "cattle-system" }, responseObject: cms } }]);

    // fleet-agent: Helm release Secrets of each bundle (two revisions kept, 40-100 KB each).
    for (let b = 0; b < 8; b++) {
      const release = `fleet-bundle-${b}`;
      const list = deepFreeze({
        kind: "SecretList",
        apiVersion: "v1",
        metadata: { resourceVersion: rv() },
        items: [1, 2].map((v) => secretBody(rng, `sh.helm.release.v1.${release}.v${v}`, "cattle-fleet-system", rng.int(40_000, 100_000), t0, "helm.sh/release.v1", { name: release, owner: "helm", status: v === 2 ? "deployed" : "superseded", version: String(v) })),
      });
      add(rng.between(0, 300_000), every(300_000), () => [
        { actor: fleetAgent, request: { verb: "list", target: { resource: "secrets", namespace: "cattle-fleet-system", query: `labelSelector=name%3D${release}%2Cowner%3Dhelm` }, responseObject: list } },
      ]);
    }
  }

  // --- TokenRequests: about every 48 min per pod with a projected token ---------------------------
  {
    const podsPerNode = (node: string) => (servers.includes(node) ? 1 : Math.max(1, Math.round((20 + (monitoring ? 8 : 0)) / Math.max(1, workers.length))));
    for (const node of nodes) {
      const actor = kubelet(cluster, node);
      for (let i = 0; i < podsPerNode(node); i++) {
        const sa = rng.pick(["canal", "rke2-coredns-rke2-coredns", "rke2-ingress-nginx", "cattle", "fleet-agent", "rancher-webhook", "default"]);
        const namespace = sa === "cattle" || sa === "rancher-webhook" ? "cattle-system" : sa === "fleet-agent" ? "cattle-fleet-system" : "kube-system";
        const podName = `${sa}-${rng.hex(5)}`;
        const requestObject = deepFreeze({
          kind: "TokenRequest",
          apiVersion: "authentication.k8s.io/v1",
          metadata: { name: sa, namespace, creationTimestamp: null },
          spec: { audiences: ["https://kubernetes.default.svc.cluster.local", "rke2"], expirationSeconds: 3607, boundObjectRef: { kind: "Pod", apiVersion: "v1", name: podName, uid: rng.uuid() } },
          status: { token: "", expirationTimestamp: null },
        });
        const responseObject = deepFreeze({ ...requestObject, status: { token: `eyJhbGciOiJSUzI1NiIsImtpZCI6I${rng.base64(1_100)}`, expirationTimestamp: t0 } });
        add(rng.between(0, 2_880_000), every(2_880_000, 0.05), () => [
          { actor, request: { verb: "create", target: { resource: "serviceaccounts", namespace, name: sa, subresource: "token" }, requestObject, responseObject } },
        ]);
      }
    }
  }

  // --- People through Rancher ---------------------------------------------------------------------
  if (humans) {
    const person = (userId: string, display: string): Actor => {
      // Rancher mints these service accounts' tokens itself: no pod-bound extras.
      const name = `cattle-impersonation-${userId}`;
      return {
        user: {
          username: `system:serviceaccount:cattle-impersonation-system:${name}`,
          uid: rng.uuid(),
          groups: ["system:serviceaccounts", "system:serviceaccounts:cattle-impersonation-system", "system:authenticated"],
        },
        sourceIP: cattleAgents[0].sourceIP,
        reason: `RBAC: allowed by ClusterRoleBinding "${name}" of ClusterRole "${name}" to ServiceAccount "${name}/cattle-impersonation-system"`,
        userAgent: "",
        impersonated: {
          username: userId,
          groups: ["system:authenticated", "system:cattle:authenticated", `github_org://${rng.int(1_000_000, 9_999_999)}`],
          extra: { principalid: [`github_user://${rng.int(1_000_000, 9_999_999)}`], username: [display] },
        },
      };
    };
    const alice = { ...person("u-b4qkhsnliz", "alice"), userAgent: `kubectl/v1.31.2 (linux/amd64) ${GIT}` };
    const bob = { ...person("u-mo773yttt4", "bob"), userAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0" };
    const web = deploymentBody(rng, "web", "shop", "registry.example.com/web:1.4.2", t0);
    const webPod = podBody(rng, `web-${rng.hex(9)}-${rng.hex(5)}`, "shop", workerOr(0), "registry.example.com/web:1.4.2", t0);
    const dbSecret = secretBody(rng, "db-credentials", "shop", 300, t0);
    const imagePatch = deepFreeze({ spec: { template: { spec: { containers: [{ name: "web", image: "registry.example.com/web:1.4.3" }] } } } });
    const cm = deepFreeze({ kind: "ConfigMap", apiVersion: "v1", metadata: { name: "web-config", namespace: "shop" }, data: { "app.properties": "feature.checkout=true\ncache.ttl=300\n" } });
    const binding = deepFreeze({
      kind: "RoleBinding",
      apiVersion: "rbac.authorization.k8s.io/v1",
      metadata: { name: "shop-viewers", namespace: "shop" },
      subjects: [{ kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "u-7wq2kd8g5c" }],
      roleRef: { kind: "ClusterRole", apiGroup: "rbac.authorization.k8s.io", name: "view" },
    });
    const pods = deepFreeze({ kind: "PodList", apiVersion: "v1", metadata: { resourceVersion: rv() }, items: [webPod, webPod] });
    const kubectlSession: Request[] = [
      { verb: "get", target: { path: "/api" } },
      { verb: "get", target: { path: "/apis" } },
      { verb: "list", target: { resource: "pods", namespace: "shop", query: "limit=500" }, responseObject: pods },
      { verb: "get", target: { resource: "pods", namespace: "shop", name: webPod.metadata.name }, responseObject: webPod },
      { verb: "get", target: { resource: "pods", namespace: "shop", name: webPod.metadata.name, subresource: "log", query: "container=web&tailLines=100" }, durationMs: 400 },
      { verb: "get", target: { resource: "pods", namespace: "shop", name: webPod.metadata.name, subresource: "exec", query: "command=sh&container=web&stdin=true&stdout=true&tty=true" }, code: 101, durationMs: 120_000 },
      { verb: "get", target: { group: "apps", resource: "deployments", namespace: "shop", name: "web" }, responseObject: web },
      { verb: "patch", target: { group: "apps", resource: "deployments", namespace: "shop", name: "web" }, requestObject: imagePatch, responseObject: web },
      { verb: "watch", target: { resource: "pods", namespace: "shop", query: "labelSelector=app%3Dweb&watch=true" }, durationMs: 45_000 },
      { verb: "list", target: { resource: "events", namespace: "shop", query: "limit=500" } },
      { verb: "get", target: { resource: "secrets", namespace: "shop", name: "db-credentials" }, responseObject: dbSecret },
    ];
    const uiSession: Request[] = [
      { verb: "list", target: { resource: "namespaces" } },
      { verb: "list", target: { resource: "pods", namespace: "shop" }, responseObject: pods },
      { verb: "list", target: { group: "apps", resource: "deployments", namespace: "shop" } },
      { verb: "get", target: { resource: "configmaps", namespace: "shop", name: "web-config" }, responseObject: cm },
      { verb: "update", target: { resource: "configmaps", namespace: "shop", name: "web-config" }, requestObject: cm, responseObject: cm },
      { verb: "create", target: { group: "rbac.authorization.k8s.io", resource: "rolebindings", namespace: "shop" }, requestObject: binding, responseObject: binding },
      { verb: "delete", target: { resource: "pods", namespace: "shop", name: webPod.metadata.name } },
      { verb: "list", target: { group: "coordination.k8s.io", resource: "leases", namespace: "kube-system" } },
    ];
    const session = (actor: Actor, requests: Request[], repeat: number) => {
      // `repeat` sessions an hour; a session's requests follow each other within a second or so.
      add(rng.between(0, 3_600_000 / repeat), () => 3_600_000 / repeat, () => requests.map((request) => ({ actor, request })));
    };
    session(alice, kubectlSession, 2);
    session(bob, uiSession, 2);
  }

  // --- Drain the sources in time order ----------------------------------------------------------
  const heap = new MinHeap();
  for (const s of sources) heap.push(s);
  while (heap.size > 0) {
    const s = heap.pop();
    if (s.next >= endMs) continue;
    const t = s.next;
    const fired = s.fire(t);
    if (fired.length > 0) yield build(rng, t, fired[0].actor, fired[0].request);
    // The rest of a firing follows a few hundred milliseconds apart, in time order with everything else.
    let offset = 0;
    for (const follow of fired.slice(1)) {
      offset += rng.int(5, 400);
      heap.push({ next: t + offset, order: order++, once: true, interval: () => 0, fire: () => [follow] });
    }
    if (s.once) continue;
    s.next = t + Math.max(1, s.interval());
    heap.push(s);
  }
}

function timestamp(ms: number, micros: number): string {
  const s = iso(ms);
  return `${s.slice(0, -1)}${String(micros).padStart(3, "0")}Z`;
}

function build(rng: Rng, ms: number, actor: Actor, r: Request): TrafficEvent {
  const t = Math.floor(ms);
  const duration = r.durationMs ?? rng.between(1, r.verb === "list" ? 40 : 8);
  const e: TrafficEvent = {
    kind: "Event",
    apiVersion: "audit.k8s.io/v1",
    level: "RequestResponse",
    auditID: rng.uuid(),
    stage: "ResponseComplete",
    requestURI: uriOf(r.target),
    verb: r.verb,
    user: actor.user,
    sourceIPs: [actor.sourceIP],
    userAgent: actor.userAgent,
    responseStatus: { metadata: {}, code: r.code ?? DEFAULT_CODE[r.verb] ?? 200 },
    requestReceivedTimestamp: timestamp(t, rng.int(0, 999)),
    stageTimestamp: timestamp(t + Math.floor(duration), rng.int(0, 999)),
    annotations: { "authorization.k8s.io/decision": "allow", "authorization.k8s.io/reason": actor.reason },
  };
  if (actor.impersonated) e.impersonatedUser = actor.impersonated;
  const ref = objectRef(r.target);
  if (ref) e.objectRef = ref;
  if (r.requestObject !== undefined) e.requestObject = r.requestObject;
  if (r.responseObject !== undefined) e.responseObject = r.responseObject;
  return e;
}
