/** Small text-formatting helpers shared by the commands. */

export function num(n: number): string {
  return n.toLocaleString("en-US");
}

export function pct(part: number, whole: number): string {
  if (whole === 0) return "0%";
  const p = (part / whole) * 100;
  if (p > 0 && p < 0.1) return "<0.1%";
  if (p < 100 && p > 99.9) return ">99.9%";
  return `${p < 10 && p > 0 ? p.toFixed(1) : p.toFixed(0)}%`;
}

/** Decimal units, as disk and log sizes are usually given. */
export function bytes(n: number): string {
  const sign = n < 0 ? "-" : "";
  let v = Math.abs(n);
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${sign}${i === 0 ? v.toFixed(0) : v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}

export function signedBytes(n: number): string {
  return n > 0 ? `+${bytes(n)}` : bytes(n);
}

/** Visible length, ignoring ANSI colour codes. */
export function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\u001b\[[0-9;]*m/g, "").length;
}

/**
 * Left-aligns the first column and right-aligns the others (numbers), two spaces apart.
 * `align` overrides per column: "l" or "r".
 */
export function table(rows: string[][], align?: ("l" | "r")[]): string {
  const cols = Math.max(...rows.map((r) => r.length));
  const widths = Array.from({ length: cols }, (_, c) => Math.max(0, ...rows.map((r) => visibleLength(r[c] ?? ""))));
  return rows
    .map((r) =>
      r
        .map((cell, c) => {
          const pad = " ".repeat(widths[c] - visibleLength(cell));
          const a = align?.[c] ?? (c === 0 ? "l" : "r");
          return a === "l" ? (c === r.length - 1 ? cell : cell + pad) : pad + cell;
        })
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
