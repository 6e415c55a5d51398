/**
 * Running the pack's policies the way the policy server does, without the server: fake
 * ResourceValidationArgs / StackValidationArgs (the @pulumi/policy 1.21 shapes), every resource
 * policy on every resource, every stack policy once, violations collected by policy name.
 */
import type { PolicyResource, ResourceValidationArgs, StackValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { POLICIES } from "../../policy-pack/policies";

export interface TestResource {
  type: string;
  name: string;
  props: Record<string, unknown>;
}

export interface Reported {
  policy: string;
  message: string;
  urn?: string;
}

/** Per-policy config as in a --policy-pack-config file (without enforcementLevel). */
export type PackConfig = Record<string, Record<string, unknown>>;

export function urnOf(r: TestResource): string {
  return `urn:pulumi:test::proj::${r.type}::${r.name}`;
}

class NotApplicable extends Error {}

const OPTS = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  additionalSecretOutputs: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
};

export function resourceArgs(r: TestResource, config: Record<string, unknown> = {}): ResourceValidationArgs {
  const type = r.type;
  return {
    type,
    props: r.props,
    urn: urnOf(r),
    name: r.name,
    opts: OPTS,
    stackTags: new Map(),
    getConfig: <T extends object>() => config as T,
    isType: (c: { __pulumiType?: string }) => c.__pulumiType === type,
    asType: (c: { __pulumiType?: string }) => (c.__pulumiType === type ? r.props : undefined),
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason);
    },
  } as unknown as ResourceValidationArgs;
}

export function stackArgs(resources: readonly TestResource[], config: Record<string, unknown> = {}): StackValidationArgs {
  const policyResources: PolicyResource[] = resources.map((r) => ({
    type: r.type,
    props: r.props,
    urn: urnOf(r),
    name: r.name,
    opts: OPTS,
    dependencies: [],
    propertyDependencies: {},
    isType: (c: { __pulumiType?: string }) => c.__pulumiType === r.type,
    asType: (c: { __pulumiType?: string }) => (c.__pulumiType === r.type ? r.props : undefined),
  })) as unknown as PolicyResource[];
  return {
    resources: policyResources,
    stackTags: new Map(),
    getConfig: <T extends object>() => config as T,
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason);
    },
  } as unknown as StackValidationArgs;
}

/** Every violation every policy of the pack reports on these resources. */
export async function runPack(resources: readonly TestResource[], config: PackConfig = {}): Promise<Reported[]> {
  const out: Reported[] = [];
  for (const p of POLICIES) {
    const report = (message: string, urn?: string) => out.push({ policy: p.name, message, ...(urn ? { urn } : {}) });
    if ("validateResource" in p) {
      const validations = [(p as ResourceValidationPolicy).validateResource!].flat();
      for (const r of resources) {
        for (const v of validations) {
          try {
            await v(resourceArgs(r, config[p.name]), report);
          } catch (e) {
            if (!(e instanceof NotApplicable)) throw e;
          }
        }
      }
    } else {
      await (p as StackValidationPolicy).validateStack(stackArgs(resources, config[p.name]), report);
    }
  }
  return out;
}
