/**
 * Resource strings of audit policy rules (`pods`, `pods/log`, `pods/*`, `*`, and "any resource
 * with subresource status") and the built-in resources of each API group: what the analysis needs to tell a
 * resource that no request has from one it does not know.
 */
import { groupLabel, q } from "./requests";

/**
 * Built-in resources per API group as of Kubernetes 1.36 (plus the historical extensions/v1beta1
 * and policy/v1beta1 ones, so old policies are not flagged). `pods` and `nodes` under
 * metrics.k8s.io come from metrics-server, which every distribution ships.
 */
export const BUILTIN_RESOURCES: Readonly<Record<string, readonly string[]>> = {
  "": [
    "bindings",
    "componentstatuses",
    "configmaps",
    "endpoints",
    "events",
    "limitranges",
    "namespaces",
    "nodes",
    "persistentvolumeclaims",
    "persistentvolumes",
    "pods",
    "podtemplates",
    "replicationcontrollers",
    "resourcequotas",
    "secrets",
    "serviceaccounts",
    "services",
  ],
  "admissionregistration.k8s.io": [
    "mutatingadmissionpolicies",
    "mutatingadmissionpolicybindings",
    "mutatingwebhookconfigurations",
    "validatingadmissionpolicies",
    "validatingadmissionpolicybindings",
    "validatingwebhookconfigurations",
  ],
  "apiextensions.k8s.io": ["customresourcedefinitions"],
  "apiregistration.k8s.io": ["apiservices"],
  apps: ["controllerrevisions", "daemonsets", "deployments", "replicasets", "statefulsets"],
  "authentication.k8s.io": ["selfsubjectreviews", "tokenreviews"],
  "authorization.k8s.io": ["localsubjectaccessreviews", "selfsubjectaccessreviews", "selfsubjectrulesreviews", "subjectaccessreviews"],
  autoscaling: ["horizontalpodautoscalers"],
  batch: ["cronjobs", "jobs"],
  "certificates.k8s.io": ["certificatesigningrequests", "clustertrustbundles", "podcertificaterequests"],
  "coordination.k8s.io": ["leasecandidates", "leases"],
  "discovery.k8s.io": ["endpointslices"],
  "events.k8s.io": ["events"],
  extensions: ["daemonsets", "deployments", "ingresses", "networkpolicies", "podsecuritypolicies", "replicasets", "replicationcontrollers"],
  "flowcontrol.apiserver.k8s.io": ["flowschemas", "prioritylevelconfigurations"],
  "metrics.k8s.io": ["nodes", "pods"],
  "networking.k8s.io": ["ingressclasses", "ingresses", "ipaddresses", "networkpolicies", "servicecidrs"],
  "node.k8s.io": ["runtimeclasses"],
  policy: ["poddisruptionbudgets", "podsecuritypolicies"],
  "rbac.authorization.k8s.io": ["clusterrolebindings", "clusterroles", "rolebindings", "roles"],
  "resource.k8s.io": ["deviceclasses", "devicetaintrules", "resourceclaims", "resourceclaimtemplates", "resourceslices"],
  "scheduling.k8s.io": ["priorityclasses"],
  "storage.k8s.io": ["csidrivers", "csinodes", "csistoragecapacities", "storageclasses", "volumeattachments", "volumeattributesclasses"],
};


/** A resource string of a rule, parsed as kube-apiserver matches it. */
export type ResourceSpec =
  | { kind: "all" }
  | { kind: "exact"; resource: string; subresource: string }
  | { kind: "subresourcesOf"; resource: string }
  | { kind: "anyResource"; subresource: string }
  | { kind: "never"; why: string };

/** How kube-apiserver matches a rule's resource string; `never` with why when no request can match it. */
export function parseResourceSpec(res: string): ResourceSpec {
  if (res === "*") return { kind: "all" };
  const parts = res.split("/");
  if (res === "") return { kind: "never", why: `an empty resource never matches: a resource request always names a resource; remove it` };
  if (parts.length > 2) {
    return {
      kind: "never",
      why: `${q(res)} has more than one "/": a request has one resource and at most one subresource ("pods/log"), so this never matches; write ${q(parts.slice(0, 2).join("/"))}`,
    };
  }
  if (parts.some((p) => p === "")) {
    return { kind: "never", why: `${q(res)} has an empty resource or subresource part and never matches; write "pods" or "pods/log"` };
  }
  if (parts.length === 2 && parts[0] === "*" && parts[1] === "*") {
    return {
      kind: "never",
      why: `"*/*" is not "everything": kube-apiserver reads it as "any resource with the subresource literally named *", which matches nothing in practice; use "*" for every resource and subresource of the group (or "pods/*", "*/status")`,
    };
  }
  if (parts.some((p) => p !== "*" && p.includes("*"))) {
    return {
      kind: "never",
      why: `${q(res)}: "*" is a wildcard only as the whole string, as "<resource>/*" or as "*/<subresource>"; elsewhere it is a literal character, so this never matches`,
    };
  }
  if (/[A-Z]/.test(res)) {
    return {
      kind: "never",
      why: `${q(res)} has uppercase letters: resources are lowercase plurals in request URLs, so this never matches; write ${q(res.toLowerCase())}`,
    };
  }
  if (parts.length === 1) return { kind: "exact", resource: res, subresource: "" };
  if (parts[0] === "*") return { kind: "anyResource", subresource: parts[1] };
  if (parts[1] === "*") return { kind: "subresourcesOf", resource: parts[0] };
  return { kind: "exact", resource: parts[0], subresource: parts[1] };
}

/** Built-in groups that hold a resource, extensions last. */
export function groupsHolding(resource: string): string[] {
  const out = Object.keys(BUILTIN_RESOURCES).filter((g) => BUILTIN_RESOURCES[g].includes(resource));
  return [...out.filter((g) => g !== "extensions"), ...out.filter((g) => g === "extensions")];
}

/** Why a resource name cannot be in a built-in group, or undefined. */
export function wrongGroup(group: string, resource: string): string | undefined {
  const known = BUILTIN_RESOURCES[group];
  if (known === undefined || resource === "*" || known.includes(resource)) return undefined;
  for (const plural of [`${resource}s`, `${resource}es`, resource.replace(/y$/, "ies")]) {
    if (plural !== resource && known.includes(plural)) {
      return `${q(resource)} is not a resource of ${groupLabel(group)}: resources are plural, write ${q(plural)}`;
    }
  }
  const holders = groupsHolding(resource);
  if (holders.length > 0) {
    const where = holders.map((g) => (g === "" ? '"" (core)' : q(g))).join(" or ");
    return `${q(resource)} is not in ${groupLabel(group)} but in group ${where}, so this entry never matches it; move it to a resources entry with group: ${q(holders[0])}`;
  }
  if (group === "") {
    return `${q(resource)} is not a resource of the core group ("") (its resources are fixed: ${BUILTIN_RESOURCES[""].join(", ")}), so this never matches; put it under the group that serves it`;
  }
  return undefined;
}
