/**
 * The stack config of log shipping, once: `rancher-audit:shipping` (collector, sinks by name and
 * the collector's settings) and the per-cluster opt-out `clusters[i].shipping: false`. The field
 * table is the one source: the parser's known keys and types, the secret rule, and the shipping
 * table of docs/configuration.md (test/program/shipping-config.test.ts checks the docs against it).
 *
 * Credentials are Pulumi secrets set on a path of the structured key
 * (`pulumi config set --secret --path 'rancher-audit:shipping.sinks.loki.password' ...`), so they
 * sit next to their sink and are encrypted in the stack file. They are read into SecretConfigValue,
 * which prints as "[secret]" everywhere, and handed to the component as `pulumi.secret`.
 */
import { inspect } from "node:util";
import { suggest } from "../components/audit-policy";
import { show } from "../components/core/errors";
import { Collector, SinkKind, TlsMode } from "../components/shipping";
import { ConfigError, PROJECT } from "./errors";

/** The type of a shipping field as written in the stack file. */
export type ShippingFieldType = "string" | "boolean" | "map" | "object";

/** One field of `rancher-audit:shipping`; `<name>` stands for a sink's name. */
export interface ShippingFieldSpec {
  /** Path below `rancher-audit:shipping`, e.g. `sinks.<name>.url`. */
  readonly path: string;
  readonly type: ShippingFieldType;
  /** Default, as docs/configuration.md shows it; undefined: required or none. */
  readonly default?: string | boolean;
  readonly required?: boolean;
  /** The allowed values (string fields with a fixed set). */
  readonly choices?: readonly string[];
  /** "required": must be a `secure:` value; "allowed": may be one. */
  readonly secret?: "required" | "allowed";
  /** One line for docs/configuration.md. */
  readonly doc: string;
}

/** Every field of `rancher-audit:shipping`, in the order docs/configuration.md lists them. */
export const SHIPPING_FIELDS: readonly ShippingFieldSpec[] = [
  { path: "collector", type: "string", default: Collector.FluentBit, choices: Object.values(Collector), doc: "What reads the log on the control-plane nodes: `fluent-bit` (a DaemonSet the program owns) or `rancher-logging` (Rancher's logging app)." },
  { path: "sinks", type: "map", required: true, doc: "The sinks, by name (a DNS label of at most 30 characters, used in object names). Every event goes to each." },
  { path: "sinks.<name>.kind", type: "string", required: true, choices: Object.values(SinkKind), doc: "`loki`, `elasticsearch` or `opensearch`." },
  { path: "sinks.<name>.url", type: "string", required: true, doc: "Base URL, e.g. `https://loki.example.com` or `https://es.example.com:9200`; no credentials in it." },
  { path: "sinks.<name>.tenant", type: "string", doc: "Loki only: the tenant (`X-Scope-OrgID`)." },
  { path: "sinks.<name>.index", type: "string", default: "kube-audit", doc: "Elasticsearch/OpenSearch only: the index." },
  { path: "sinks.<name>.dataStream", type: "string", doc: "Elasticsearch/OpenSearch only: a data stream instead of an index." },
  { path: "sinks.<name>.username", type: "string", secret: "allowed", doc: "Basic-auth user name; plain or `--secret`." },
  { path: "sinks.<name>.password", type: "string", secret: "required", doc: "Basic-auth password: only as a secret, `pulumi config set --secret --path 'rancher-audit:shipping.sinks.<name>.password'`." },
  { path: "sinks.<name>.tls", type: "object", doc: "TLS of an `https://` sink." },
  { path: "sinks.<name>.tls.mode", type: "string", default: TlsMode.Verify, choices: Object.values(TlsMode), doc: "`verify` (chain and host name) or `skip-verify` (lab endpoints only)." },
  { path: "sinks.<name>.tls.caCert", type: "string", doc: "PEM CA certificate of the sink, when not signed by a public CA." },
  { path: "rancherLogging", type: "object", doc: "Settings of the `rancher-logging` collector (required with it)." },
  { path: "rancherLogging.chartVersion", type: "string", doc: "The `rancher-logging` chart version your Rancher offers, e.g. `104.1.2+up4.8.0`." },
  { path: "rancherLogging.loggingRef", type: "string", default: "kube-audit", doc: "The logging-operator `loggingRef` of the audit pipeline." },
  { path: "fluentBit", type: "object", doc: "Settings of the `fluent-bit` collector." },
  { path: "fluentBit.image", type: "string", default: "the pinned official image", doc: "Image pinned by digest (a mirror)." },
  { path: "fluentBit.namespace", type: "string", default: "kube-audit-shipping", doc: "Namespace of the collector." },
  { path: "fluentBit.cpuRequest", type: "string", default: "50m", doc: "CPU request." },
  { path: "fluentBit.memoryLimit", type: "string", default: "128Mi", doc: "Memory request and limit." },
  { path: "fluentBit.seLinux", type: "boolean", default: false, doc: "Run as `rke_logreader_t` (RKE2 with SELinux)." },
];

/**
 * A credential from a `secure:` stack value. `value` is the decrypted text when Pulumi runs the
 * program, undefined offline (`plan` cannot decrypt: present but unknown). Never printed: it shows
 * as "[secret]" in JSON, strings and `util.inspect`.
 */
export class SecretConfigValue {
  constructor(
    /** The config path, e.g. `shipping.sinks.loki.password`. */
    readonly key: string,
    readonly value: string | undefined,
  ) {}
  toJSON(): string {
    return "[secret]";
  }
  toString(): string {
    return "[secret]";
  }
  [inspect.custom](): string {
    return "[secret]";
  }
}

/** Offline stand-in of a secret the plan cannot decrypt: it names the key, never a value. */
export function offlineSecretText(key: string): string {
  return `(secret ${PROJECT}:${key}: set in the stack, not decrypted offline)`;
}

/** A sink of the stack config: the component's SinkArgs with credentials as SecretConfigValue. */
export interface ShippingSinkConfig {
  name: string;
  kind: string;
  url: string;
  tenant?: string;
  index?: string;
  dataStream?: string;
  username?: string | SecretConfigValue;
  password?: SecretConfigValue;
  tls?: { mode?: string; caCert?: string };
}

/** `rancher-audit:shipping`, parsed: shapes and types checked; values are checked per cluster by the planner. */
export interface ShippingConfig {
  collector: string;
  /** Sorted by name (deterministic order in the collector's configuration). */
  sinks: ShippingSinkConfig[];
  rancherLogging?: { chartVersion?: string; loggingRef?: string };
  fluentBit?: { image?: string; namespace?: string; cpuRequest?: string; memoryLimit?: string; seLinux?: boolean };
}

const KEY = "shipping";
const SINK = "<name>";

/** The table's fields directly below `parent` (`""`, `sinks.<name>`, `fluentBit`, ...). */
function childrenOf(parent: string): ShippingFieldSpec[] {
  const prefix = parent === "" ? "" : `${parent}.`;
  return SHIPPING_FIELDS.filter((f) => f.path.startsWith(prefix) && f.path !== parent && !f.path.slice(prefix.length).includes("."));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** A `secure:` value as the stack file holds it (offline: not decrypted). */
function isSecure(v: unknown): v is { secure: string } {
  return isObject(v) && Object.keys(v).length === 1 && typeof v.secure === "string";
}

function setSecretHint(key: string): string {
  return `pulumi config set --secret --path '${PROJECT}:${key}' <value>`;
}

/** Reads one object level against the table: unknown keys, types, secrets, required fields. */
function readLevel(value: Record<string, unknown>, tablePath: string, keyPath: string, secretKey: boolean): Record<string, unknown> {
  const fields = childrenOf(tablePath);
  const names = fields.map((f) => f.path.split(".").pop() as string);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue; // as if absent (what JSON, and so Pulumi, does)
    const at = `${keyPath}.${k}`;
    const i = names.indexOf(k);
    if (i < 0) {
      const best = suggest(k, names);
      throw new ConfigError(at, `is not a shipping setting; ${best ? `did you mean "${best}"? ` : ""}known: ${names.join(", ")}`);
    }
    const f = fields[i];
    if (isSecure(v)) {
      if (!f.secret) throw new ConfigError(at, `is not a credential, so it must be plain (Pulumi cannot show a secret in previews); set it without --secret`);
      out[k] = new SecretConfigValue(at, undefined);
      continue;
    }
    if (f.secret === "required") {
      // The value is not echoed: it is a credential in clear.
      if (!secretKey) throw new ConfigError(at, `is in clear in the stack config; a password must be a Pulumi secret: ${setSecretHint(at)}`);
      if (typeof v !== "string" || v === "") throw new ConfigError(at, `must be a non-empty secret string; set it with: ${setSecretHint(at)}`);
      out[k] = new SecretConfigValue(at, v);
      continue;
    }
    if (f.secret === "allowed" && secretKey && typeof v === "string" && v !== "") {
      // Pulumi decrypted the key: this may have been a secret too, so it stays one.
      out[k] = new SecretConfigValue(at, v);
      continue;
    }
    if (f.type === "string" && (typeof v !== "string" || v.trim() === "")) {
      throw new ConfigError(at, `must be a non-empty string${f.choices ? ` (one of ${f.choices.map((c) => `"${c}"`).join(", ")})` : ""}; got ${show(v)}`);
    }
    if (f.type === "string" && f.choices && !f.choices.includes(v as string)) {
      throw new ConfigError(at, `must be one of ${f.choices.map((c) => `"${c}"`).join(", ")}; got ${show(v)}`);
    }
    if (f.type === "boolean") {
      if (v !== true && v !== false && v !== "true" && v !== "false") throw new ConfigError(at, `must be true or false; got ${show(v)}`);
      out[k] = v === true || v === "true";
      continue;
    }
    if (f.type === "object") {
      if (!isObject(v)) throw new ConfigError(at, `must be a map of ${childrenOf(f.path).map((c) => c.path.split(".").pop()).join(", ")}; got ${show(v)}`);
      out[k] = readLevel(v, f.path, at, secretKey);
      continue;
    }
    out[k] = v;
  }
  for (const f of fields) {
    const k = f.path.split(".").pop() as string;
    if (f.required && f.type !== "map" && value[k] === undefined) {
      throw new ConfigError(`${keyPath}.${k}`, `is required: ${f.doc}`);
    }
  }
  return out;
}

const EXAMPLE = "e.g. { collector: fluent-bit, sinks: { loki: { kind: loki, url: https://loki.example.com } } }";

/**
 * Parses `rancher-audit:shipping` (an object, or its JSON as Pulumi passes it). `secretKey`: Pulumi
 * marks the key secret (some value below it is `secure:`), so plain-looking credentials are the
 * decrypted secrets. Returns undefined when shipping is not configured.
 */
export function readShipping(raw: unknown, secretKey: boolean): ShippingConfig | undefined {
  if (raw === undefined || raw === null) return undefined;
  let value = raw;
  if (isSecure(value)) {
    throw new ConfigError(KEY, `is encrypted as a whole; keep the settings plain and encrypt only the credentials: ${setSecretHint(`${KEY}.sinks.<name>.password`)}`);
  }
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      throw new ConfigError(KEY, `must be a map, ${EXAMPLE}; got text that is not one`);
    }
  }
  if (!isObject(value)) throw new ConfigError(KEY, `must be a map, ${EXAMPLE}; got ${show(value)}`);
  const top = readLevel(value, "", KEY, secretKey);
  const sinks = value.sinks;
  if (!isObject(sinks) || Object.keys(sinks).length === 0) {
    throw new ConfigError(`${KEY}.sinks`, `must map at least one sink name to its settings, ${EXAMPLE}; got ${show(sinks)}`);
  }
  const parsedSinks = Object.keys(sinks)
    .sort()
    .map((name) => {
      const at = `${KEY}.sinks.${name}`;
      const s = sinks[name];
      if (!isObject(s)) throw new ConfigError(at, `must be a map { kind, url, ... }, e.g. { kind: loki, url: https://loki.example.com }; got ${show(s)}`);
      return { name, ...readLevel(s, `sinks.${SINK}`, at, secretKey) } as unknown as ShippingSinkConfig;
    });
  const out: ShippingConfig = { collector: (top.collector as string | undefined) ?? Collector.FluentBit, sinks: parsedSinks };
  if (top.rancherLogging !== undefined) out.rancherLogging = top.rancherLogging as ShippingConfig["rancherLogging"];
  if (top.fluentBit !== undefined) out.fluentBit = top.fluentBit as ShippingConfig["fluentBit"];
  return out;
}

/**
 * The config key of a shipping planner error (argument paths of planShipping): `sinks[1].url` →
 * `shipping.sinks.<name>.url`, `collector` → `shipping.collector`; the cluster's own settings
 * (`cluster.format`, `cluster.logPath`) → the audit setting that writes the log.
 */
export function shippingConfigKey(argPath: string, shipping: ShippingConfig, clusterIndex: number): string {
  const sink = /^sinks\[(\d+)\](.*)$/.exec(argPath);
  if (sink) {
    const s = shipping.sinks[Number(sink[1])];
    // The sink's name is its key in the map.
    return s ? `${KEY}.sinks.${s.name}${sink[2] === ".name" ? "" : sink[2]}` : `${KEY}.sinks`;
  }
  if (argPath === "cluster.format") return "format";
  if (argPath === "cluster.logPath") return "logPath";
  if (argPath.startsWith("cluster") || argPath.startsWith("source")) return `clusters[${clusterIndex}]`;
  return argPath ? `${KEY}.${argPath}` : KEY;
}

/** The shipped clusters: every cluster of the stack unless opted out, in stack order. */
export function shippedClusters<C extends { name: string; shipping?: boolean }>(clusters: readonly C[], shipping: ShippingConfig | undefined): C[] {
  return shipping ? clusters.filter((c) => c.shipping !== false) : [];
}

/**
 * The component's arguments other than `cluster`, with each SecretConfigValue credential turned
 * into what `credential` makes of it (the planner only needs presence; the program a Pulumi secret).
 */
export function shippingArgsFrom<T>(shipping: ShippingConfig, credential: (secret: SecretConfigValue) => T) {
  const cred = (v: string | SecretConfigValue | undefined) => (v instanceof SecretConfigValue ? credential(v) : v);
  return {
    collector: shipping.collector as Collector,
    sinks: shipping.sinks.map(({ username, password, tls, ...plain }) => ({
      ...plain,
      kind: plain.kind as SinkKind,
      ...(tls !== undefined ? { tls: tls as { mode?: TlsMode; caCert?: string } } : {}),
      ...(username !== undefined ? { username: cred(username) } : {}),
      ...(password !== undefined ? { password: cred(password) } : {}),
    })),
    ...(shipping.rancherLogging !== undefined ? { rancherLogging: shipping.rancherLogging as { chartVersion: string; loggingRef?: string } } : {}),
    ...(shipping.fluentBit !== undefined ? { fluentBit: shipping.fluentBit } : {}),
  };
}
