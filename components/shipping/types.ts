/**
 * The choices and arguments of audit log shipping. Enums rather than string unions, so the component
 * can later be used from other Pulumi languages. The string values are what stack config and the CLI
 * accept.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { Distro } from "../core/distro";
import type { LogFormat } from "../core/settings";

/** What runs on the control-plane nodes and reads the audit log. */
export enum Collector {
  /** A Fluent Bit DaemonSet the component owns (plain Kubernetes resources). The default. */
  FluentBit = "fluent-bit",
  /** Rancher's `rancher-logging` app (logging-operator) with its `kubeAudit` source, plus a ClusterFlow and ClusterOutputs. */
  RancherLogging = "rancher-logging",
}

/** Where the audit events go. */
export enum SinkKind {
  Loki = "loki",
  Elasticsearch = "elasticsearch",
  OpenSearch = "opensearch",
}

/** The Kubernetes distribution that writes the audit log (fixes default paths, node labels, taints). */
export enum ShippingDistro {
  Rke2 = "rke2",
  K3s = "k3s",
  /** Legacy RKE1, configured with `rancher-audit render rke1`. */
  Rke1 = "rke1",
}

/** How the collector checks an `https://` sink's certificate. */
export enum TlsMode {
  /** Verify the certificate chain (against `caCert` when set, else the image's CA bundle). The default. */
  Verify = "verify",
  /** Encrypt but accept any certificate. For lab endpoints with self-signed certificates only. */
  SkipVerify = "skip-verify",
}

/** TLS settings of an `https://` sink. Ignored (and refused when set) for `http://` URLs. */
export interface SinkTlsArgs {
  /** Certificate check. Default `TlsMode.Verify`. */
  mode?: TlsMode;
  /**
   * PEM CA certificate(s) that signed the sink's certificate, when it is not signed by a public CA.
   * Not secret: stored in a Secret next to the credentials so each collector reads one object.
   * Example: `fs.readFileSync("loki-ca.pem", "utf8")`. Default: the collector's own CA bundle.
   */
  caCert?: string;
}

/** One destination of the audit events. */
export interface SinkArgs {
  /**
   * Short name of the sink, unique within the component: a DNS label (lowercase letters, digits,
   * `-`, at most 30 characters). Used in Kubernetes object names. Example: `"loki"`, `"es-prod"`.
   */
  name: string;
  /** The kind of sink. Example: `SinkKind.Loki`. */
  kind: SinkKind;
  /**
   * Base URL of the sink: `http://` or `https://`, host, optional port (default 80/443) and optional
   * path prefix when the sink sits behind a reverse proxy. Loki: the push path
   * `/loki/api/v1/push` is appended. Examples: `"https://loki.example.com"`,
   * `"https://es.example.com:9200"`.
   */
  url: string;
  /** Loki only: tenant sent as `X-Scope-OrgID` (multi-tenant Loki). Default: none (single-tenant). */
  tenant?: string;
  /**
   * Elasticsearch/OpenSearch only: index the events are written to (Elasticsearch index name rules:
   * lowercase, no `\ / * ? " < > | , #` or spaces, not starting with `-`, `_`, `+`). Default
   * `"kube-audit"`. Mutually exclusive with `dataStream`.
   */
  index?: string;
  /**
   * Elasticsearch/OpenSearch only: write to this data stream instead of an index (an index template
   * with `data_stream` enabled must match it). Example: `"logs-kube-audit-default"`. Default: none.
   */
  dataStream?: string;
  /** Basic-auth user name. Passed as a Pulumi secret into a Kubernetes Secret. Default: no authentication. */
  username?: pulumi.Input<string>;
  /** Basic-auth password: a Pulumi secret (`config.requireSecret("lokiPassword")`). Requires `username`. */
  password?: pulumi.Input<string>;
  /** TLS for `https://` URLs. Default: verify against the collector's CA bundle. */
  tls?: SinkTlsArgs;
}

/** The audited cluster when it is not an AuditedCluster of this stack (clusters we do not own). */
export interface ShippedClusterArgs {
  /** Cluster name: the `cluster` label/field on every event. Example: `"prod-eu-1"`. */
  clusterName: string;
  /** Distribution writing the log (fixes the default path, node label and taints). Example: `ShippingDistro.K3s`. */
  distro: ShippingDistro;
  /**
   * Absolute path of the audit log on control-plane nodes, exactly as kube-apiserver writes it
   * (`{distro}` is replaced). Default: RKE2/K3s `/var/lib/rancher/<distro>/server/logs/audit.log`;
   * RKE1 `/var/log/kube-audit/audit-log.json` (RKE1 only mounts `/var/log/kube-audit`).
   */
  logPath?: string;
  /** Audit log format; only `"json"` can be shipped as structured events. Default `"json"`. */
  format?: LogFormat;
  /**
   * Rancher's v1 cluster id (`c-m-xxxxx`). Required by the rancher-logging collector and by the
   * default way of reaching the cluster (`rancher2.ClusterSync`); not needed with Fluent Bit and
   * your own kubernetes provider (resource options `providers`).
   */
  clusterV1Id?: pulumi.Input<string>;
}

/** Settings of the rancher-logging collector. */
export interface RancherLoggingArgs {
  /**
   * Version of the `rancher-logging` chart in Rancher's `rancher-charts` repository; required (pin
   * what your Rancher offers under Apps > Charts). Example: `"104.1.2+up4.8.0"`. The provider
   * installs the matching `rancher-logging-crd` first.
   */
  chartVersion: string;
  /**
   * The logging-operator `loggingRef` that isolates the audit pipeline from other logging: set on
   * the kube-audit Logging, its FluentbitAgent, the ClusterFlow and the ClusterOutputs. Default
   * `"kube-audit"`.
   */
  loggingRef?: string;
}

/** Settings of the Fluent Bit collector. */
export interface FluentBitArgs {
  /**
   * Container image, pinned by digest. Default: the official Fluent Bit image pinned in
   * `FLUENT_BIT_IMAGE`. Example: `"registry.internal/fluent/fluent-bit:3.2.10@sha256:…"` (mirror).
   */
  image?: string;
  /** Namespace the component creates for the collector. Default `"kube-audit-shipping"`. */
  namespace?: string;
  /** CPU request, Kubernetes quantity. Default `"50m"`. */
  cpuRequest?: string;
  /** Memory request and limit, Kubernetes quantity. Default `"128Mi"` (the tail buffer is capped at 32 MB). */
  memoryLimit?: string;
  /**
   * Run with the SELinux type `rke_logreader_t` (RKE2 with `selinux: true`): the log folder is
   * labelled so only that type (and root outside SELinux) may read it. Default `false`.
   */
  seLinux?: boolean;
}

/** The settings of an AuditedCluster that decide what shipping reads. */
export interface AuditedClusterLogSettings {
  /** Whether audit logging is on. */
  readonly enabled: boolean;
  /** Absolute path of the audit log on control-plane nodes. */
  readonly logPath: string;
  /** Audit log format. */
  readonly format: LogFormat;
}

/** The part of an AuditedCluster's plan shipping reads. */
export interface AuditedClusterPlanRef {
  /** The provisioning cluster's name. */
  readonly clusterName: string;
  /** The cluster's distribution. */
  readonly distro: Distro;
  /** The settings that write the log. */
  readonly settings: AuditedClusterLogSettings;
}

/**
 * An audited cluster of this stack as shipping reads it: an `AuditedCluster` is one (TypeScript:
 * pass the component itself; other languages use `source`). Typed by shape so that the shipping
 * target does not import the Rancher target.
 */
export interface AuditedClusterRef {
  /** The cluster's audit plan: its name, distribution and the settings that write the log. */
  readonly plan: AuditedClusterPlanRef;
  /** Rancher's v1 cluster id (`c-m-xxxxx`). */
  readonly clusterV1Id: pulumi.Output<string>;
}

/**
 * Arguments of AuditLogShipping: the cluster whose log is shipped, the collector and the sinks. The
 * downstream cluster is reached with the kubernetes provider of the resource options
 * (`{ providers: [provider] }`), else through Rancher (`rancher2.ClusterSync`).
 */
export interface AuditLogShippingArgs {
  /**
   * The audited cluster of this stack (TypeScript: an `AuditedCluster`). Its name, distribution,
   * log path and format are read from the settings that wrote the log. Exactly one of `cluster`
   * and `source`; in other languages, use `source`.
   */
  cluster?: AuditedClusterRef;
  /** A cluster not declared in this stack. Exactly one of `cluster` and `source`. */
  source?: ShippedClusterArgs;
  /** Collector. Default `Collector.FluentBit` (see docs/shipping.md for why). */
  collector?: Collector;
  /** One or more sinks; every event goes to each. */
  sinks: SinkArgs[];
  /** rancher-logging settings; required with `Collector.RancherLogging`. */
  rancherLogging?: RancherLoggingArgs;
  /** Fluent Bit settings. Default: see FluentBitArgs. */
  fluentBit?: FluentBitArgs;
}
