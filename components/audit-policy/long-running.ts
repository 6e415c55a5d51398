/**
 * kube-apiserver's long-running request check (BasicLongRunningRequestCheck in
 * https://github.com/kubernetes/apiserver/blob/master/pkg/server/filters/longrunning.go, as
 * configured by kube-apiserver): these requests get a ResponseStarted event besides
 * RequestReceived and ResponseComplete.
 */

/** Verbs that make a resource request long-running. */
export const LONG_RUNNING_VERBS: ReadonlySet<string> = new Set(["watch", "proxy"]);

/** Subresources that make a resource request long-running (streams: exec, attach, logs, port-forward, proxy). */
export const LONG_RUNNING_SUBRESOURCES: ReadonlySet<string> = new Set(["attach", "exec", "log", "portforward", "proxy"]);

/** Is a resource request with this verb and subresource long-running? Example: `("create", "exec")` is. */
export function isLongRunningRequest(verb: string, subresource: string): boolean {
  return LONG_RUNNING_VERBS.has(verb) || LONG_RUNNING_SUBRESOURCES.has(subresource);
}
