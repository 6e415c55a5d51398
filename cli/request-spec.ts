/**
 * `--request 'verb=get resource=secrets namespace=team-a user=alice'`: key=value pairs to the
 * request attributes kube-apiserver's policy checker sees.
 */
import type { RequestAttributes } from "../components/audit-policy";
import { CliError } from "./args";

/** Accepted keys and their aliases. */
const KEYS: Record<string, string> = {
  verb: "verb",
  resource: "resource",
  subresource: "subresource",
  group: "group",
  apigroup: "group",
  version: "version",
  apiversion: "version",
  namespace: "namespace",
  ns: "namespace",
  name: "name",
  user: "user",
  username: "user",
  groups: "groups",
  usergroups: "groups",
  path: "path",
  url: "path",
};

export const REQUEST_KEYS_HELP =
  "verb, resource (may be pods/exec), subresource, group (or apiGroup), version, namespace, name, user, groups (comma list), path (a non-resource URL such as /healthz)";

/** Splits on whitespace, keeping 'quoted values' and "quoted values" together. */
function tokens(text: string): string[] {
  const out: string[] = [];
  const re = /(\S+?)=(?:"([^"]*)"|'([^']*)'|(\S*))|(\S+)/g;
  for (const m of text.matchAll(re)) {
    if (m[5] !== undefined) out.push(m[5]);
    else out.push(`${m[1]}=${m[2] ?? m[3] ?? m[4] ?? ""}`);
  }
  return out;
}

export function parseRequestSpec(text: string): RequestAttributes {
  const fields: Record<string, string> = {};
  for (const tok of tokens(text)) {
    const eq = tok.indexOf("=");
    if (eq <= 0) throw new CliError(`--request: "${tok}" is not key=value; keys: ${REQUEST_KEYS_HELP}`);
    const rawKey = tok.slice(0, eq);
    const key = KEYS[rawKey.toLowerCase()];
    if (key === undefined) throw new CliError(`--request: unknown key "${rawKey}"; keys: ${REQUEST_KEYS_HELP}`);
    if (key in fields) throw new CliError(`--request: "${rawKey}" given twice`);
    fields[key] = tok.slice(eq + 1);
  }
  if (!fields.verb) throw new CliError(`--request: verb is required (for example verb=get); keys: ${REQUEST_KEYS_HELP}`);
  let resource = fields.resource ?? "";
  let subresource = fields.subresource ?? "";
  if (resource.includes("/")) {
    if (subresource !== "") throw new CliError(`--request: give the subresource either as resource=${resource} or as subresource=, not both`);
    const slash = resource.indexOf("/");
    subresource = resource.slice(slash + 1);
    resource = resource.slice(0, slash);
  }
  const path = fields.path ?? "";
  if (path !== "" && (resource !== "" || fields.namespace || fields.group || fields.name)) {
    throw new CliError("--request: path= makes it a non-resource request; it cannot also have resource, group, namespace or name");
  }
  if (path === "" && resource === "") {
    throw new CliError("--request: give resource= (a resource request) or path= (a non-resource request such as /healthz)");
  }
  if (subresource !== "" && resource === "") throw new CliError("--request: subresource needs a resource");
  const user = fields.user === undefined || fields.user === "" ? null : fields.user;
  const groups =
    user === null ? null : (fields.groups ?? "").split(",").map((g) => g.trim()).filter((g) => g !== "");
  if (user === null && fields.groups) throw new CliError("--request: groups= needs user= (a request without a user has no groups)");
  return {
    user,
    groups,
    verb: fields.verb,
    resourceRequest: path === "",
    apiGroup: fields.group ?? "",
    apiVersion: fields.version ?? "",
    resource,
    subresource,
    namespace: fields.namespace ?? "",
    name: fields.name ?? "",
    path,
  };
}

/** The request as key=value text again (only the fields that matter), for output. */
export function describeRequest(req: RequestAttributes): string {
  const parts = [`verb=${req.verb}`];
  if (req.resourceRequest) {
    if (req.apiGroup) parts.push(`group=${req.apiGroup}`);
    parts.push(`resource=${req.resource}${req.subresource ? `/${req.subresource}` : ""}`);
    if (req.namespace) parts.push(`namespace=${req.namespace}`);
    if (req.name) parts.push(`name=${req.name}`);
  } else parts.push(`path=${req.path}`);
  parts.push(req.user === null ? "user=(none)" : `user=${req.user}`);
  if (req.groups && req.groups.length > 0) parts.push(`groups=${req.groups.join(",")}`);
  return parts.join(" ");
}
