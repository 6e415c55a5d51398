/**
 * rancher-audit: kube-apiserver audit logging for Rancher-managed RKE2/K3s clusters.
 *
 * - The policy engine (parse, validate, evaluate, render, presets, analysis): pure, no Pulumi.
 * - The Pulumi components AuditedCluster and AuditPolicySource, and the pure builder
 *   auditRkeConfig for ClusterV2s you declare yourself.
 *
 * See docs/component.md.
 */
export * from "./audit-policy";
export * from "./rancher";
