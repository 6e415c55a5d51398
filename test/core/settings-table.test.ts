/**
 * The settings table is the one source of the audit settings: Pulumi.yaml's `config:` block, the
 * configuration table of docs/configuration.md, the kube-apiserver flags, the stack parser and the
 * options of `rancher-audit render` must agree with it.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { spec as renderSpec } from "../../cli/commands/render";
import { RENDER_FLAGS } from "../../cli/render/input";
import { AUDIT_FLAGS, auditFlags } from "../../components/core/apiserver-args";
import { auditLogLocation, CIS_RETENTION, resolveAuditSettings } from "../../components/core/settings";
import { AUDIT_SETTINGS, FLAG_SETTINGS, settingsFor } from "../../components/core/settings-table";
import { CONFIG_KEYS } from "../../program";

const ROOT = path.join(__dirname, "..", "..");

describe("core: the settings table", () => {
  it("Pulumi.yaml declares exactly the table's keys, with their type, default and doc line", () => {
    const project = parseYaml(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as { config: Record<string, { type: string; default: unknown; description: string }> };
    assert.deepEqual(Object.keys(project.config), AUDIT_SETTINGS.map((s) => s.key));
    for (const s of AUDIT_SETTINGS) {
      assert.deepEqual(project.config[s.key], { type: s.type, default: s.default, description: s.doc }, s.key);
    }
  });

  it("docs/configuration.md lists exactly the table's keys (and clusters, shipping), with their type and default", () => {
    const text = fs.readFileSync(path.join(ROOT, "docs", "configuration.md"), "utf8");
    const doc = text.slice(text.indexOf("## Settings"), text.indexOf("### `clusters`"));
    const rows = [...doc.matchAll(/^\| `([A-Za-z]+)` \| ([^|]+) \| ([^|]+) \|/gm)].map((m) => ({ key: m[1], type: m[2].trim(), default: m[3].trim() }));
    assert.deepEqual(rows.map((r) => r.key), [...AUDIT_SETTINGS.map((s) => s.key), "clusters", "shipping", "alerts"]);
    for (const s of AUDIT_SETTINGS) {
      const row = rows.find((r) => r.key === s.key)!;
      assert.equal(row.type, s.type, s.key);
      assert.equal(row.default, s.default === "" ? '`""`' : `\`${String(s.default)}\``, s.key);
    }
  });

  it("the stack parser knows every key of the table and nothing else but clusters", () => {
    assert.deepEqual(Object.keys(CONFIG_KEYS), [...AUDIT_SETTINGS.map((s) => s.key), "clusters", "shipping", "alerts"]);
  });

  it("the flags come from the table, in its order, with the resolved values", () => {
    assert.deepEqual(AUDIT_FLAGS, FLAG_SETTINGS.map((s) => s.flag));
    const settings = resolveAuditSettings({ maxBackup: 12, format: "legacy" }, "rke2");
    assert.deepEqual(auditFlags(settings, true), [
      "audit-policy-file=/etc/rancher/rke2/audit-policy.yaml",
      "audit-log-path=/var/lib/rancher/rke2/server/logs/audit.log",
      "audit-log-maxage=30",
      "audit-log-maxbackup=12",
      "audit-log-maxsize=100",
      "audit-log-format=legacy",
    ]);
    assert.deepEqual(CIS_RETENTION, { maxAge: 30, maxBackup: 10, maxSize: 100 });
  });

  it("render offers an option for every setting of the RKE2 and RKE1 targets that has one, and names it after the table", () => {
    const withOption = AUDIT_SETTINGS.filter((s) => "cliOption" in s);
    for (const s of withOption) {
      if (!("cliOption" in s)) continue;
      assert.ok(renderSpec.options[s.cliOption], `render has --${s.cliOption}`);
      assert.equal(RENDER_FLAGS[s.key], `--${s.cliOption}`);
    }
    for (const s of [...settingsFor("rke2"), ...settingsFor("rke1")]) {
      assert.ok(s.cliOption !== undefined, `${s.key} applies to a standalone target, so render must offer it`);
    }
  });

  it("auditLogLocation gives each distribution's log path and format from the resolved settings", () => {
    assert.deepEqual(auditLogLocation(resolveAuditSettings({}, "k3s"), "k3s"), { distribution: "k3s", logPath: "/var/lib/rancher/k3s/server/logs/audit.log", format: "json" });
    assert.deepEqual(auditLogLocation({ logPath: "/var/lib/rancher/{distro}/a.log", format: "legacy" }, "rke2"), { distribution: "rke2", logPath: "/var/lib/rancher/rke2/a.log", format: "legacy" });
    assert.deepEqual(auditLogLocation({ logPath: "/var/log/kube-audit/audit-log.json", format: "json" }, "rke1"), { distribution: "rke1", logPath: "/var/log/kube-audit/audit-log.json", format: "json" });
  });
});
