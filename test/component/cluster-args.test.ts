/**
 * AuditedClusterV2Args is written out (Pulumi's analyzer cannot read `Omit<...>`), so it must stay
 * equal to `Omit<rancher2.ClusterV2Args, fixed>` of the @pulumi/rancher2 we depend on: the
 * assignments below stop `tsc --noEmit` (CI) when a field is missing, extra or differently typed.
 */
import * as assert from "node:assert/strict";
import type * as rancher2 from "@pulumi/rancher2";

import type { AuditedClusterV2Args } from "../../components/rancher";

type PassedThrough = Omit<rancher2.ClusterV2Args, "name" | "fleetNamespace" | "kubernetesVersion">;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? ([keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false) : false) : false;

describe("AuditedClusterV2Args", () => {
  it("is rancher2.ClusterV2Args without name, fleetNamespace and kubernetesVersion (checked by tsc)", () => {
    const same: Same<AuditedClusterV2Args, PassedThrough> = true;
    const keysOfOurs: Record<keyof AuditedClusterV2Args, true> = {
      agentEnvVars: true,
      annotations: true,
      cloudCredentialSecretName: true,
      clusterAgentDeploymentCustomizations: true,
      defaultClusterRoleForProjectMembers: true,
      defaultPodSecurityAdmissionConfigurationTemplateName: true,
      enableNetworkPolicy: true,
      fleetAgentDeploymentCustomizations: true,
      labels: true,
      localAuthEndpoint: true,
      rkeConfig: true,
    } satisfies Record<keyof PassedThrough, true>;
    assert.equal(same, true);
    assert.equal(Object.keys(keysOfOurs).length, 11);
  });
});
