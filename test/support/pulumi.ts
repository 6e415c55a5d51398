/**
 * Helpers for tests that run components under `pulumi.runtime.setMocks`. Deliberately separate
 * from the product's own helpers (cli/plan/collect.ts), so tests that compare against the product
 * check it independently.
 */
import type * as pulumi from "@pulumi/pulumi";

/** The key Pulumi marks a secret value with on the wire (and in mock inputs). */
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";

type Json = Record<string, unknown>;

/** True when the value is a Pulumi secret wrapper. */
export function isSecret(v: unknown): boolean {
  return !!v && typeof v === "object" && SECRET_SIG in (v as Json);
}

/** The value with every Pulumi secret wrapper removed. */
export function unwrap(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(unwrap);
  if (v && typeof v === "object") {
    if (SECRET_SIG in (v as Json)) return unwrap((v as Json).value);
    return Object.fromEntries(Object.entries(v as Json).map(([k, x]) => [k, unwrap(x)]));
  }
  return v;
}

/** The value of an Output (mocks run in update mode, so every value is known). */
export function promiseOf<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise<T>((resolve) => o.apply(resolve));
}

/**
 * Mocks for programs that reach a downstream cluster: every registration is pushed to `created`,
 * a ClusterV2 gets `clusterV1Id`, a ClusterSync a kubeconfig, and an invoke fails the test.
 */
export function downstreamMocks(created: pulumi.runtime.MockResourceArgs[], clusterV1Id: string): pulumi.runtime.Mocks {
  return {
    newResource(args) {
      created.push(args);
      const state: Record<string, unknown> = { ...args.inputs };
      if (args.type === "rancher2:index/clusterV2:ClusterV2") state.clusterV1Id = clusterV1Id;
      if (args.type === "rancher2:index/clusterSync:ClusterSync") state.kubeConfig = "apiVersion: v1\nkind: Config\n";
      return { id: `${args.name}-id`, state };
    },
    call(args) {
      throw new Error(`unmocked invoke ${args.token}`);
    },
  };
}
