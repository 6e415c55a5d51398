import * as assert from "node:assert/strict";
import { sensitiveBodyLogged, type Decision, type Level, type RequestAttributes, type Stage } from "../../components/audit-policy";

const req = (verb: string, resource: string, extra: Partial<RequestAttributes> = {}): RequestAttributes => ({
  user: "alice",
  groups: ["system:authenticated"],
  verb,
  resourceRequest: true,
  apiGroup: "",
  resource,
  subresource: "",
  namespace: "team-a",
  name: "",
  path: "",
  ...extra,
});
const at = (level: Level, omitStages: Stage[] = []): Decision => ({ level, omitStages, omitManagedFields: false, ruleIndex: 0 });

describe("sensitiveBodyLogged: the one rule for secret material in logged bodies", () => {
  it("Secrets and ConfigMaps: request bodies of writes from Request, every object response at RequestResponse", () => {
    assert.equal(sensitiveBodyLogged(req("create", "secrets"), at("Request")), "secrets");
    assert.equal(sensitiveBodyLogged(req("get", "secrets"), at("Request")), undefined);
    assert.equal(sensitiveBodyLogged(req("get", "configmaps"), at("RequestResponse")), "configmaps");
    assert.equal(sensitiveBodyLogged(req("watch", "configmaps"), at("RequestResponse")), undefined);
    assert.equal(sensitiveBodyLogged(req("list", "secrets"), at("Metadata")), undefined);
  });

  it("TokenReviews on create from Request; TokenRequest responses only at RequestResponse", () => {
    const review = req("create", "tokenreviews", { apiGroup: "authentication.k8s.io", namespace: "" });
    assert.equal(sensitiveBodyLogged(review, at("Request")), "tokenreviews");
    const token = req("create", "serviceaccounts", { subresource: "token" });
    assert.equal(sensitiveBodyLogged(token, at("Request")), undefined);
    assert.equal(sensitiveBodyLogged(token, at("RequestResponse")), "tokenrequests");
    assert.equal(sensitiveBodyLogged(req("create", "serviceaccounts"), at("RequestResponse")), undefined);
  });

  it("nothing when ResponseComplete is omitted, when no rule matched, or without user info", () => {
    assert.equal(sensitiveBodyLogged(req("create", "secrets"), at("RequestResponse", ["ResponseComplete"])), undefined);
    assert.equal(sensitiveBodyLogged(req("create", "secrets"), { ...at("RequestResponse"), ruleIndex: null }), undefined);
    assert.equal(sensitiveBodyLogged(req("create", "secrets", { user: null, groups: null }), at("RequestResponse")), undefined);
  });
});
