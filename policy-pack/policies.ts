/**
 * The pack's policies: names, descriptions, default enforcement levels and config, each wrapping
 * one check of checks.ts. Importing this module starts nothing (index.ts constructs the
 * PolicyPack, which starts the policy server), so tests call these validate functions directly.
 *
 * Enforcement per policy is set in the pack config (`pulumi preview --policy-pack ./policy-pack
 * --policy-pack-config config.json`), e.g. `{"audit-log-retention": "mandatory"}` or
 * `{"audit-log-retention": {"enforcementLevel": "mandatory", "maxAge": 90}}`. docs/policy-pack.md.
 */
import type { ResourceValidationPolicy, StackValidationPolicy, ResourceValidationArgs } from "@pulumi/policy";
import { CLUSTER_V2 } from "./cluster";
import {
  checkAuditEnabled,
  checkPolicyFileHash,
  checkPolicyFileNotDynamic,
  checkPolicyNoSensitiveBodies,
  checkPolicyObjectAuthorized,
  checkPolicyObjectHash,
  checkPolicyValid,
  checkRetention,
  type RetentionMinimums,
  type Violation,
} from "./checks";
import { CIS_RETENTION, CIS_RETENTION_SETTINGS } from "./shared";

type ClusterCheck = (props: Record<string, unknown>, name: string, args: ResourceValidationArgs) => string[];

function clusterPolicy(p: Omit<ResourceValidationPolicy, "validateResource">, check: ClusterCheck): ResourceValidationPolicy {
  return {
    ...p,
    validateResource: (args, reportViolation) => {
      if (args.type !== CLUSTER_V2) args.notApplicable(`Policy only applies to resources of type '${CLUSTER_V2}'`);
      for (const message of check(args.props, args.name, args)) reportViolation(message);
    },
  };
}

function stackPolicy(p: Omit<StackValidationPolicy, "validateStack">, check: (resources: Parameters<StackValidationPolicy["validateStack"]>[0]["resources"]) => Violation[]): StackValidationPolicy {
  return {
    ...p,
    validateStack: (args, reportViolation) => {
      for (const v of check(args.resources)) reportViolation(v.message, v.urn);
    },
  };
}

export const auditEnabled = clusterPolicy(
  {
    name: "clusterv2-audit-enabled",
    description:
      "Every Rancher ClusterV2 runs kube-apiserver with audit logging on all control-plane machines: audit-policy-file and audit-log-path set (machineGlobalConfig or a control-plane machineSelectorConfigs entry), the policy file delivered, and on K3s never through the audit-policy-file config key, which Rancher drops.",
    enforcementLevel: "mandatory",
    severity: "high",
  },
  (props, name) => checkAuditEnabled(props, name),
);

export const policyFileNotDynamic = clusterPolicy(
  {
    name: "audit-policy-file-not-dynamic",
    description: "The machineSelectorFiles item delivering the audit policy has dynamic: false, so a policy change restarts kube-apiserver.",
    enforcementLevel: "mandatory",
    severity: "medium",
  },
  (props, name) => checkPolicyFileNotDynamic(props, name),
);

export const policyFileHash = clusterPolicy(
  {
    name: "audit-policy-file-hash",
    description: "The machineSelectorFiles item delivering the audit policy pins its content with hash = base64(SHA-256), the form Rancher's planner compares.",
    enforcementLevel: "mandatory",
    severity: "medium",
  },
  (props, name) => checkPolicyFileHash(props, name),
);

export const logRetention = clusterPolicy(
  {
    name: "audit-log-retention",
    description: "kube-apiserver keeps audit logs at least as long as the CIS Kubernetes Benchmark asks (1.2.17-1.2.19: maxage 30, maxbackup 10, maxsize 100); the minimums are configurable.",
    enforcementLevel: "advisory",
    severity: "medium",
    configSchema: {
      properties: {
        ...Object.fromEntries(
          CIS_RETENTION_SETTINGS.map((s) => [s.key, { type: "integer", minimum: 1, default: s.cisMinimum, description: `Minimum --${s.flag} (${s.unit}).` }]),
        ),
      },
    },
  },
  (props, name, args) => checkRetention(props, name, { ...CIS_RETENTION, ...args.getConfig<Partial<RetentionMinimums>>() }),
);

export const policyObjectAuthorized = stackPolicy(
  {
    name: "audit-policy-object-authorized",
    description: `The Secret or ConfigMap holding a ClusterV2's audit policy, when the stack declares it, is in the cluster's namespace on the management cluster and its rke.cattle.io/object-authorized-for-clusters annotation names the cluster (comma-separated, no spaces).`,
    enforcementLevel: "mandatory",
    severity: "high",
  },
  checkPolicyObjectAuthorized,
);

export const policyObjectHash = stackPolicy(
  {
    name: "audit-policy-object-hash",
    description: "The content of the audit policy object declared in the stack has the SHA-256 the ClusterV2's file item expects.",
    enforcementLevel: "mandatory",
    severity: "high",
  },
  checkPolicyObjectHash,
);

export const policyValid = stackPolicy(
  {
    name: "audit-policy-valid",
    description: "The delivered audit policy (inline or from an object in the stack) is a valid audit.k8s.io/v1 Policy for the cluster's Kubernetes version.",
    enforcementLevel: "mandatory",
    severity: "critical",
  },
  checkPolicyValid,
);

export const policyNoSensitiveBodies = stackPolicy(
  {
    name: "audit-policy-no-sensitive-bodies",
    description: "The delivered audit policy does not log Secret, ConfigMap or token request/response bodies.",
    enforcementLevel: "mandatory",
    severity: "critical",
  },
  checkPolicyNoSensitiveBodies,
);

/** Every policy of the pack, in the order they are reported. */
export const POLICIES = [
  auditEnabled,
  policyFileNotDynamic,
  policyFileHash,
  logRetention,
  policyObjectAuthorized,
  policyObjectHash,
  policyValid,
  policyNoSensitiveBodies,
];
