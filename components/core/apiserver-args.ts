/**
 * kube-apiserver flags as RKE2/K3s take them in `kube-apiserver-arg` ("name=value", no leading
 * dashes), and the merge rules the component applies:
 *
 * - the user's flags keep their order; flags the user repeats on purpose are left alone;
 * - a flag the component sets (the audit flags, the PSACT admission config file) that the user also
 *   sets is deduplicated when the values agree and refused when they differ, naming both values;
 * - the component's flags follow in a fixed order.
 */
import { fail, type DetailPart } from "./errors";
import type { AuditSettings } from "./settings";
import { FLAG_SETTINGS, type SettingKey } from "./settings-table";

/** The audit flags the component sets, in the order it writes them (the settings table's flag rows). */
export const AUDIT_FLAGS: readonly AuditFlag[] = FLAG_SETTINGS.map((s) => s.flag);

/** A kube-apiserver audit flag the component sets, e.g. `"audit-log-maxbackup"`. */
export type AuditFlag = (typeof FLAG_SETTINGS)[number]["flag"];

/** The setting that sets each flag, for error messages. */
export const FLAG_SETTING: Readonly<Record<AuditFlag, SettingKey>> = Object.fromEntries(FLAG_SETTINGS.map((s) => [s.flag, s.key])) as Record<AuditFlag, SettingKey>;

/** A kube-apiserver argument split into name and value. */
export interface ParsedArg {
  /** The flag name without leading dashes. */
  name: string;
  /** The value after the first "="; undefined for a bare flag. */
  value: string | undefined;
  /** The entry as written. */
  raw: string;
}

/** Splits "name=value" (leading "--" tolerated, as RKE2 adds its own). */
export function parseArg(raw: string): ParsedArg {
  const trimmed = raw.trim().replace(/^-+/, "");
  const eq = trimmed.indexOf("=");
  if (eq < 0) return { name: trimmed, value: undefined, raw };
  return { name: trimmed.slice(0, eq), value: trimmed.slice(eq + 1), raw };
}

/** The audit flags for the given settings, in AUDIT_FLAGS order. `withPolicyFile: false` leaves out `audit-policy-file` (inline delivery: RKE2 sets it from its own config key). */
export function auditFlags(settings: AuditSettings, withPolicyFile: boolean): string[] {
  return FLAG_SETTINGS.filter((s) => withPolicyFile || s.flag !== "audit-policy-file").map((s) => `${s.flag}=${String(settings[s.key])}`);
}

/** A flag the component sets, and the fix to tell users whose own value for it differs. */
export interface ManagedFlag {
  /** "name=value" as the component writes it. */
  arg: string;
  /** What to tell the user when their own value for this flag differs. */
  fix: string | readonly DetailPart[];
}

/**
 * Removes from `userArgs` every entry for a flag in `managed`: silently when the value is the same
 * (the managed entry is written again in its fixed place), with an error naming `path` when not.
 */
export function withoutManaged(userArgs: readonly string[], managed: readonly ManagedFlag[], path: string): string[] {
  const byName = new Map(managed.map((m) => [parseArg(m.arg).name, m]));
  const out: string[] = [];
  userArgs.forEach((raw, i) => {
    const arg = parseArg(raw);
    const mine = byName.get(arg.name);
    if (!mine) {
      out.push(raw);
      return;
    }
    const want = parseArg(mine.arg).value;
    if (arg.value !== want) {
      fail(`${path}[${i}]`, [`"${raw}" conflicts with "${mine.arg}" that the component sets; `, ...(typeof mine.fix === "string" ? [mine.fix] : mine.fix)]);
    }
  });
  return out;
}

/** Flags whose name starts with `audit-` in a list (used to refuse audit flags where they would be silently replaced). */
export function auditLikeFlags(args: readonly string[]): string[] {
  return args.filter((a) => parseArg(a).name.startsWith("audit-"));
}
