/**
 * The policy objects a stack declares on the Rancher management cluster, read from the stack's
 * resources as a stack policy sees them: Kubernetes Secrets and ConfigMaps, and rancher2's
 * SecretV2/ConfigMapV2. What Rancher's planner reads from them (rancher/rancher
 * pkg/capr/planner/config.go `renderFiles`): the object named in the file source, always in the
 * cluster's own namespace; `Data[key]` (a ConfigMap's `binaryData` is ignored); the
 * `rke.cattle.io/object-authorized-for-clusters` annotation split on "," without trimming.
 */
import type { PolicyResource } from "@pulumi/policy";
import { ifKnown } from "./cluster";

export const K8S_SECRET = "kubernetes:core/v1:Secret";
export const K8S_CONFIGMAP = "kubernetes:core/v1:ConfigMap";
export const RANCHER_SECRET = "rancher2:index/secretV2:SecretV2";
export const RANCHER_CONFIGMAP = "rancher2:index/configMapV2:ConfigMapV2";

type Json = Record<string, unknown>;

export interface PolicyObject {
  resource: PolicyResource;
  kind: "secret" | "configmap";
  name: string;
  /** undefined when the object does not say (the provider then picks one, usually "default"). */
  namespace: string | undefined;
  annotations: Record<string, unknown>;
  /** For rancher2 objects: the cluster the object is created in ("local" is the management cluster). */
  clusterId?: string;
  /** The content of a key as Rancher reads it; undefined when the key is absent. */
  content(key: string): string | undefined;
}

function obj(v: unknown): Json {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {};
}

function kubernetesObject(r: PolicyResource, kind: "secret" | "configmap"): PolicyObject | undefined {
  const meta = obj(r.props.metadata);
  const name = meta.name;
  if (typeof name !== "string") return undefined;
  return {
    resource: r,
    kind,
    name,
    namespace: typeof meta.namespace === "string" ? meta.namespace : undefined,
    annotations: obj(meta.annotations),
    content(key) {
      // A Secret's stringData is merged over data by the API server; data is base64.
      if (kind === "secret") {
        const plain = obj(r.props.stringData)[key];
        if (typeof plain === "string") return plain;
        const encoded = obj(r.props.data)[key];
        return typeof encoded === "string" ? Buffer.from(encoded, "base64").toString("utf8") : undefined;
      }
      const data = obj(r.props.data)[key];
      return typeof data === "string" ? data : undefined;
    },
  };
}

function rancherObject(r: PolicyResource, kind: "secret" | "configmap"): PolicyObject | undefined {
  const name = r.props.name;
  if (typeof name !== "string") return undefined;
  return {
    resource: r,
    kind,
    name,
    // rancher2_secret_v2 / rancher2_config_map_v2: namespace defaults to "default".
    namespace: typeof r.props.namespace === "string" ? r.props.namespace : "default",
    annotations: obj(r.props.annotations),
    clusterId: typeof r.props.clusterId === "string" ? r.props.clusterId : undefined,
    content(key) {
      const v = obj(r.props.data)[key]; // plain strings in the rancher2 provider
      return typeof v === "string" ? v : undefined;
    },
  };
}

/**
 * Every Secret and ConfigMap of the stack whose name is known. An object whose name is unknown
 * during preview cannot be matched to a file source and is left out.
 */
export function policyObjects(resources: readonly PolicyResource[]): PolicyObject[] {
  const out: PolicyObject[] = [];
  for (const r of resources) {
    const read = (): PolicyObject | undefined => {
      switch (r.type) {
        case K8S_SECRET:
          return kubernetesObject(r, "secret");
        case K8S_CONFIGMAP:
          return kubernetesObject(r, "configmap");
        case RANCHER_SECRET:
          return rancherObject(r, "secret");
        case RANCHER_CONFIGMAP:
          return rancherObject(r, "configmap");
        default:
          return undefined;
      }
    };
    const o = ifKnown(read);
    if (o) out.push(o);
  }
  return out;
}

/** The cluster names the annotation authorizes, split exactly as Rancher splits them. */
export function authorizedClusters(value: unknown): string[] {
  return typeof value === "string" ? value.split(",") : [];
}
