/**
 * The plan of one Rancher-provisioned cluster: its distribution, resolved audit settings, the
 * delivered policy (own object, inline text, or a shared AuditPolicySource) and the restart scope.
 * Everything that does not depend on the user's rkeConfig. Pure.
 */
import { parsePolicy, PolicyError, type Finding } from "../audit-policy";
import { CONTROL_PLANE_ROLE_LABEL, distroOf, type Distro } from "../core/distro";
import { fail, mention, msg, show } from "../core/errors";
import { findingWarning, hasPolicySpec, pickPolicySpec, policyDigest, resolvePolicy, type PolicySpec } from "../core/policy";
import { resolveAuditSettings, type AuditSettings, type AuditSettingsInput, type SourceKind } from "../core/settings";
import { checkClusterName, checkNamespace, policyObjectSpec, type PolicyObjectSpec } from "./policy-object";

/** A policy object shared by several clusters (what AuditPolicySource exposes). */
export interface PolicySourceRef {
  /** Kind of the object: `"secret"` or `"configmap"`. */
  kind: SourceKind;
  /** The object's name (`<baseName>-<hash>`). */
  name: string;
  /** The object's namespace: the cluster's `fleetNamespace`. */
  namespace: string;
  /** The policy text the object holds, byte for byte. */
  text: string;
  /** SHA-256 of `text`, lowercase hex. */
  sha256: string;
  /** SHA-256 of `text`, base64: the `hash` Rancher checks the delivered file against. */
  sha256Base64: string;
  /** Provisioning cluster names the object is authorized for; must include this cluster. */
  authorizedClusters: string[];
}

/** The plain `audit` argument: settings, policy, or a shared policy source. */
export interface AuditInput extends AuditSettingsInput, PolicySpec {
  policySource?: PolicySourceRef;
}

/** Input of planAudit: one cluster's name, version, namespace and `audit` argument. */
export interface AuditPlanInput {
  clusterName: string;
  kubernetesVersion: string;
  /** Default "fleet-default". */
  fleetNamespace?: string;
  audit?: AuditInput;
  /** `defaultPodSecurityAdmissionConfigurationTemplateName` of the cluster, when set. */
  podSecurityAdmissionConfigurationTemplateName?: string;
  /** Base of the own policy object's name; default `<clusterName>-audit-policy`. */
  policyObjectBaseName?: string;
}

/** Which machines a change of the component's output restarts, for people reading a preview. */
export interface RestartScope {
  /** Machine roles whose rke2-server/k3s service a change of this component's output restarts. */
  roles: string[];
  /** The CAPI Machine label selector that picks them. */
  selector: string;
  /** One paragraph for people reading a preview. */
  summary: string;
}

/** Everything about one cluster that does not depend on the user's rkeConfig: settings, policy, policy object, warnings, restart scope. */
export interface AuditPlan {
  clusterName: string;
  kubernetesVersion: string;
  distro: Distro;
  fleetNamespace: string;
  settings: AuditSettings;
  /** Whether a Pod Security Admission template is set (the webhook then adds its own entries). */
  psact: boolean;
  /** The delivered policy (undefined when audit is disabled). */
  policy?: { yaml: string; sha256: string; sha256Base64: string; findings: Finding[] };
  /** The object the component must create (own object, selector-files delivery only). */
  policyObject?: PolicyObjectSpec;
  /** The object the file entry points at (own or shared). */
  policyRef?: { kind: SourceKind; name: string };
  warnings: string[];
  restartScope: RestartScope;
}

/** The namespace of provisioning clusters (and their policy objects) on the management cluster unless you say otherwise. */
export const DEFAULT_FLEET_NAMESPACE = "fleet-default";

/** `machineLabelSelector` value of the component's own entries, as "key=value" for people. */
export const CONTROL_PLANE_SELECTOR_TEXT = `${CONTROL_PLANE_ROLE_LABEL}=true`;

function restartScopeFor(settings: AuditSettings): RestartScope {
  if (!settings.enabled) {
    return {
      roles: [],
      selector: CONTROL_PLANE_SELECTOR_TEXT,
      summary:
        "audit disabled: the component adds no audit configuration. Switching it off restarts control-plane machines once to drop the flags; Rancher does not delete files it already delivered.",
    };
  }
  return {
    roles: ["control-plane"],
    selector: CONTROL_PLANE_SELECTOR_TEXT,
    summary: `a policy or audit setting change restarts ${settings.distro === "rke2" ? "rke2-server" : "k3s (the server service)"} on control-plane machines only (${CONTROL_PLANE_SELECTOR_TEXT}), one at a time by default (controlPlaneConcurrency); etcd-only and worker machines get no new plan and are not restarted or drained.`,
  };
}

/** Validates everything that does not depend on the user's rkeConfig and resolves the policy. */
export function planAudit(input: AuditPlanInput): AuditPlan {
  if (input === null || typeof input !== "object") fail("", `the arguments must be an object; got ${show(input)}`);
  const clusterName = checkClusterName(input.clusterName, "clusterName");
  const distro = distroOf(input.kubernetesVersion, "kubernetesVersion");
  const fleetNamespace = checkNamespace(input.fleetNamespace ?? DEFAULT_FLEET_NAMESPACE, "fleetNamespace");
  const settings = resolveAuditSettings(input.audit, distro, "audit");
  const template = input.podSecurityAdmissionConfigurationTemplateName;
  if (template !== undefined && typeof template !== "string") {
    fail(
      "cluster.defaultPodSecurityAdmissionConfigurationTemplateName",
      `must be a plain string (the component must know when it is constructed whether Rancher's webhook adds its Pod Security Admission entries); got ${show(template)}`,
    );
  }
  const psact = typeof template === "string" && template !== "";
  const warnings = [...settings.warnings];
  const plan: AuditPlan = {
    clusterName,
    kubernetesVersion: input.kubernetesVersion,
    distro,
    fleetNamespace,
    settings,
    psact,
    warnings,
    restartScope: restartScopeFor(settings),
  };
  if (!settings.enabled) return plan;

  const audit = (input.audit ?? {}) as AuditInput;
  const spec = pickPolicySpec(audit as unknown as Record<string, unknown>);
  const shared = audit.policySource;
  if (shared !== undefined) {
    if (hasPolicySpec(spec)) {
      fail("audit.policySource", "comes with its own policy; remove audit.preset/policy/prependRules/appendRules/omitStages/omitManagedFields, or drop policySource");
    }
    if (settings.delivery === "inline") {
      fail("audit.delivery", 'a shared policySource is delivered with machineSelectorFiles; use delivery "selector-files" (the default), or drop policySource to deliver the policy inline');
    }
    if (!shared || typeof shared.name !== "string" || typeof shared.text !== "string" || !Array.isArray(shared.authorizedClusters)) {
      fail("audit.policySource", `must be an AuditPolicySource (or its \`ref\`); got ${show(shared)}`);
    }
    if (audit.source !== undefined && audit.source !== shared.kind) {
      fail("audit.source", msg`is "${audit.source}" but the shared policySource "${shared.name}" is a ${shared.kind}; remove ${mention("source")}`);
    }
    if (shared.namespace !== fleetNamespace) {
      fail(
        "audit.policySource",
        `"${shared.name}" lives in namespace "${shared.namespace}" but the cluster in "${fleetNamespace}"; Rancher reads policy objects only from the cluster's own namespace, so create the AuditPolicySource with fleetNamespace "${fleetNamespace}"`,
      );
    }
    if (!shared.authorizedClusters.includes(clusterName)) {
      fail(
        "audit.policySource",
        `"${shared.name}" is not authorized for cluster "${clusterName}" (authorized: ${shared.authorizedClusters.join(",")}); add "${clusterName}" to the AuditPolicySource's authorizedClusters, or Rancher refuses to render the cluster's plan`,
      );
    }
    try {
      parsePolicy(shared.text, { kubernetesVersion: input.kubernetesVersion, source: shared.name });
    } catch (e) {
      if (e instanceof PolicyError) {
        fail("audit.policySource", `the shared policy is not valid for Kubernetes ${input.kubernetesVersion}:\n${e.message}`);
      }
      throw e;
    }
    const digest = policyDigest(shared.text);
    if (digest.sha256Base64 !== shared.sha256Base64) fail("audit.policySource", "its hash does not match its text; pass the AuditPolicySource itself");
    plan.settings = { ...settings, source: shared.kind };
    plan.policy = { yaml: shared.text, ...digest, findings: [] };
    plan.policyRef = { kind: shared.kind, name: shared.name };
    return plan;
  }

  const resolved = resolvePolicy(spec, {
    kubernetesVersion: input.kubernetesVersion,
    allowUnsafePolicy: settings.allowUnsafePolicy,
    path: "audit",
  });
  plan.policy = { yaml: resolved.yaml, sha256: resolved.sha256, sha256Base64: resolved.sha256Base64, findings: resolved.findings };
  warnings.push(...resolved.findings.map(findingWarning));
  if (settings.delivery === "selector-files") {
    plan.policyObject = policyObjectSpec({
      kind: settings.source,
      baseName: input.policyObjectBaseName ?? `${clusterName}-audit-policy`,
      namespace: fleetNamespace,
      text: resolved.yaml,
      sha256: resolved.sha256,
      sha256Base64: resolved.sha256Base64,
      authorizedClusters: [clusterName],
      paths: { baseName: "policyObjectBaseName", namespace: "fleetNamespace", authorizedClusters: "clusterName" },
    });
    plan.policyRef = { kind: settings.source, name: plan.policyObject.name };
  }
  return plan;
}
