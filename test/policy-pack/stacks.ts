/**
 * The resources our own stacks register, as a policy sees them: the program run under mocks
 * exactly as `rancher-audit plan` does it, secret wrappers removed (the policy server unwraps
 * secrets). The one place the tests reach the plan code.
 */
import * as path from "node:path";
import { planStackOffline } from "../../cli/commands/plan";
import { unwrap } from "../support/pulumi";
import type { TestResource } from "./support";

export const REPO = path.resolve(__dirname, "..", "..");
export const STACKS = ["dev", "staging", "prod"] as const;

export async function stackResources(stack: string): Promise<TestResource[]> {
  const { plan } = await planStackOffline(REPO, stack);
  return plan.resources.filter((r) => r.custom).map((r) => ({ type: r.type, name: r.name, props: unwrap(r.inputs) as Record<string, unknown> }));
}
