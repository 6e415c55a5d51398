import { AuditAlerts, AuditedCluster, AuditLogShipping, SinkKind } from "../../components";

// The audited cluster and its log shipped to Loki (docs/component.md, docs/shipping.md).
const cluster = new AuditedCluster("prod-eu-1", {
  clusterName: "prod-eu-1",
  kubernetesVersion: "v1.31.5+rke2r1",
  audit: { preset: "recommended" },
});
const shipping = new AuditLogShipping("prod-eu-1-shipping", {
  cluster,
  sinks: [{ name: "loki", kind: SinkKind.Loki, url: "https://loki.example.com" }],
});

// The alerts on that stream, deployed to the same cluster through the shipping's provider, after
// checking that the cluster's policy lets each one fire (strict: preview fails if one cannot).
export const alerts = new AuditAlerts(
  "prod-eu-1-alerts",
  {
    clusterName: cluster.plan.clusterName,
    policyYaml: cluster.plan.policy?.yaml ?? "",
    kubernetesVersion: cluster.plan.kubernetesVersion,
    strict: true,
    ruleLabels: { "alloy-rules": "kube-audit" },
  },
  // The shipping reaches the cluster through Rancher and exposes that provider.
  { providers: { kubernetes: shipping.kubernetesProvider! } },
);

export const alertsThatCannotFire = alerts.cannotFire;
