/**
 * The public detection rules (Falco k8saudit, Sigma's Kubernetes audit rules; vendored in
 * test/fixtures/detection-rules with origin and licence), mapped in test/support/detection-rules.ts to
 * the requests they read and the level and stage they need: the `recommended` preset must log them
 * all, except the deliberate trade-offs listed there (and in docs/alerts.md).
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import { parse as parseYaml } from "yaml";

import { presets } from "../../components/audit-policy";
import { FALCO, falcoRuleNames, gaps, rank, RULES_DIR, SIGMA, sigmaFiles } from "../support/detection-rules";

describe("public detection rules fed by the recommended preset", () => {
  it("every vendored Falco rule and Sigma rule is mapped (a new rule must be looked at)", () => {
    assert.deepEqual(falcoRuleNames().sort(), Object.keys(FALCO).sort());
    assert.deepEqual(sigmaFiles(), Object.keys(SIGMA).sort());
    for (const f of sigmaFiles()) {
      const doc = parseYaml(fs.readFileSync(path.join(RULES_DIR, "sigma", f), "utf8")) as { logsource: { product: string; service: string } };
      assert.deepEqual([doc.logsource.product, doc.logsource.service], ["kubernetes", "audit"], f);
    }
  });

  for (const [source, table] of [["Falco", FALCO], ["Sigma", SIGMA]] as const) {
    it(`recommended logs what every ${source} rule reads, except the documented trade-offs`, () => {
      const tradeOffs: string[] = [];
      for (const [rule, req] of Object.entries(table)) {
        if ("tradeOff" in req) {
          tradeOffs.push(rule);
          continue;
        }
        assert.ok(req.requests.length > 0, rule);
        assert.deepEqual(gaps(presets.recommended.policy, req), [], `${source} rule ${rule}`);
      }
      assert.deepEqual(tradeOffs, source === "Falco" ? ["Create/Modify Configmap With Private Credentials", "All K8s Audit Events"] : []);
    });
  }

  it("the metadata preset starves exactly the rules that read bodies (the check can fail)", () => {
    const starved = Object.entries({ ...FALCO, ...SIGMA })
      .filter(([, req]) => !("tradeOff" in req) && gaps(presets.metadata.policy, req).length > 0)
      .map(([rule]) => rule);
    const bodyRules = Object.entries({ ...FALCO, ...SIGMA }).filter(([, req]) => !("tradeOff" in req) && rank(req.level) >= rank("Request")).map(([rule]) => rule);
    assert.deepEqual(starved.sort(), bodyRules.sort());
    assert.ok(starved.includes("Ingress Object without TLS Certificate Created"));
  });
});

