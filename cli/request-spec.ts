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
  "verb, resource (name or name/subresource, e.g. pods/exec), subresource, group (or apiGroup), version, namespace, name, user, groups (comma list), path (a non-resource URL such as /healthz; a ?query is dropped)";

/** The group kube-apiserver adds to every authenticated user but system:anonymous. */
export const ALL_AUTHENTICATED = "system:authenticated";
/** The group of the anonymous user (system:anonymous). */
export const ALL_UNAUTHENTICATED = "system:unauthenticated";
export const ANONYMOUS = "system:anonymous";

/**
 * The group kube-apiserver's authenticator adds to a user's groups, or null. As
 * k8s.io/apiserver's AuthenticatedGroupAdder: every authenticated user but system:anonymous gets
 * system:authenticated, unless it already has system:authenticated or system:unauthenticated. The
 * anonymous authenticator gives system:anonymous the group system:unauthenticated.
 */
export function implicitGroup(user: string, groups: readonly string[]): string | null {
  if (groups.includes(ALL_AUTHENTICATED) || groups.includes(ALL_UNAUTHENTICATED)) return null;
  return user === ANONYMOUS ? ALL_UNAUTHENTICATED : ALL_AUTHENTICATED;
}

export interface RequestSpecOptions {
  /** Use groups= exactly as given: do not add system:authenticated / system:unauthenticated. */
  exactGroups?: boolean;
}

export interface ParsedRequest {
  request: RequestAttributes;
  /** The group added as kube-apiserver adds it (see implicitGroup), or null. */
  addedGroup: string | null;
}

/** Splits on whitespace, keeping 'quoted values' and "quoted values" together. */
function tokens(text: string): string[] {
  const out: string[] = [];
  const re = /(\S+?)=(?:"([^"]*)"|'([^']*)'|(\S*))|(\S+)/g;
  for (const m of text.matchAll(re)) {
    if (m[5] !== undefined) out.push(m[5]);
    else if (m[4] !== undefined && /^["']/.test(m[4])) {
      throw new CliError(`--request: ${m[1]}=${m[4]}: the quote ${m[4][0]} is not closed; close it (${m[1]}=${m[4][0]}...${m[4][0]}) or remove it`);
    } else out.push(`${m[1]}=${m[2] ?? m[3] ?? m[4] ?? ""}`);
  }
  return out;
}

/** The request attributes of `--request` text (see parseRequest). */
export function parseRequestSpec(text: string, options: RequestSpecOptions = {}): RequestAttributes {
  return parseRequest(text, options).request;
}

/**
 * Parses `--request` text into the attributes kube-apiserver's policy checker would see: a user
 * gets the group kube-apiserver's authenticator adds (implicitGroup) unless options.exactGroups.
 */
export function parseRequest(text: string, options: RequestSpecOptions = {}): ParsedRequest {
  // No prototype: keys such as __proto__ or constructor are unknown keys, not Object's own.
  const fields: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const tok of tokens(text)) {
    const eq = tok.indexOf("=");
    if (eq <= 0) throw new CliError(`--request: "${tok}" is not key=value; keys: ${REQUEST_KEYS_HELP}`);
    const rawKey = tok.slice(0, eq);
    const key = Object.hasOwn(KEYS, rawKey.toLowerCase()) ? KEYS[rawKey.toLowerCase()] : undefined;
    if (key === undefined) throw new CliError(`--request: unknown key "${rawKey}"; keys: ${REQUEST_KEYS_HELP}`);
    if (key in fields) throw new CliError(`--request: "${rawKey}" given twice`);
    fields[key] = tok.slice(eq + 1);
  }
  if (!fields.verb) throw new CliError(`--request: verb is required (for example verb=get); keys: ${REQUEST_KEYS_HELP}`);
  let resource = fields.resource ?? "";
  let subresource = fields.subresource ?? "";
  if (resource.includes("/")) {
    if (subresource !== "") throw new CliError(`--request: give the subresource either as resource=${resource} or as subresource=, not both`);
    const parts = resource.split("/");
    if (parts.length !== 2 || parts[0] === "" || parts[1] === "") {
      throw new CliError(`--request: resource=${resource}: a resource is NAME or NAME/SUBRESOURCE (for example pods or pods/exec)`);
    }
    [resource, subresource] = parts;
  } else if (subresource.includes("/")) {
    throw new CliError(`--request: subresource=${subresource}: a subresource is one name (for example exec)`);
  }
  // The policy checker matches the path without its query string (as requestFromEvent does with requestURI).
  const rawPath = fields.path ?? "";
  const q = rawPath.indexOf("?");
  const path = q >= 0 ? rawPath.slice(0, q) : rawPath;
  if (rawPath !== "" && path === "") throw new CliError(`--request: path=${rawPath}: give the URL path, for example path=/healthz`);
  // A request's path always begins with "/" (it is the request URI's path), so "healthz" would match nothing.
  if (path !== "" && !path.startsWith("/")) throw new CliError(`--request: path=${rawPath}: a URL path begins with "/"; write path=/${rawPath}`);
  if (path !== "" && (resource !== "" || fields.namespace || fields.group || fields.name)) {
    throw new CliError("--request: path= makes it a non-resource request; it cannot also have resource, group, namespace or name");
  }
  if (path === "" && resource === "") {
    throw new CliError("--request: give resource= (a resource request) or path= (a non-resource request such as /healthz)");
  }
  if (subresource !== "" && resource === "") throw new CliError("--request: subresource needs a resource");
  const user = fields.user === undefined || fields.user === "" ? null : fields.user;
  if (user === null && fields.groups) throw new CliError("--request: groups= needs user= (a request without a user has no groups)");
  const groups = user === null ? null : (fields.groups ?? "").split(",").map((g) => g.trim()).filter((g) => g !== "");
  const addedGroup = user === null || groups === null || options.exactGroups ? null : implicitGroup(user, groups);
  if (addedGroup !== null) groups!.push(addedGroup);
  const request: RequestAttributes = {
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
  return { request, addedGroup };
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
  if (req.groups !== null) parts.push(`groups=${req.groups.length > 0 ? req.groups.join(",") : "(none)"}`);
  return parts.join(" ");
}
