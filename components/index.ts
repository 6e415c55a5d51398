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
// Standalone RKE2 servers (Rke2ServerAudit, render rke2) and legacy RKE1 clusters (render rke1): docs/rke2-standalone.md, docs/rke1.md.
export * from "./rke2";
export * from "./rke1";
// Shipping the audit log to Loki, Elasticsearch or OpenSearch (AuditLogShipping): docs/shipping.md.
export * from "./shipping";
