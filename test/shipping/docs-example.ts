import * as pulumi from "@pulumi/pulumi";
import { AuditedCluster, AuditLogShipping, Collector, SinkKind } from "../../components";

const config = new pulumi.Config();

// The audited cluster (see docs/component.md): RKE2, audit log at the default path.
const cluster = new AuditedCluster("prod-eu-1", {
  clusterName: "prod-eu-1",
  kubernetesVersion: "v1.31.5+rke2r1",
});

// Ship its audit log to Loki. The password is a stack secret:
//   pulumi config set --secret lokiPassword '...'
export const shipping = new AuditLogShipping("prod-eu-1-shipping", {
  cluster,
  collector: Collector.FluentBit,
  sinks: [
    {
      name: "loki",
      kind: SinkKind.Loki,
      url: "https://loki.example.com",
      tenant: "platform",
      username: "prod-eu-1",
      password: config.requireSecret("lokiPassword"),
    },
  ],
});

export const auditLogShipped = shipping.logPath;
