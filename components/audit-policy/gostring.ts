/**
 * Go's formatting of bad values in apimachinery field errors, so our validation messages are
 * byte-identical to kube-apiserver's: `%q` for plain strings, encoding/json for everything else.
 */

/** Go's strconv.Quote (what fmt's %q prints for a string). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\x07") out += "\\a";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (ch === "\v") out += "\\v";
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, "0")}`;
    else if (cp >= 0x80 && cp <= 0x9f) out += `\\u${cp.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return out + '"';
}

/** Go's encoding/json Marshal for strings and string slices (HTML-safe escaping of <, > and &). */
export function goJson(value: string | readonly string[] | null): string {
  const escape = (s: string) =>
    JSON.stringify(s)
      .replace(/</g, "\\u003c")
      .replace(/>/g, "\\u003e")
      .replace(/&/g, "\\u0026")
      .replace(/\u2028/g, "\\u2028")
      .replace(/\u2029/g, "\\u2029");
  if (value === null) return "null";
  if (typeof value === "string") return escape(value);
  return `[${value.map(escape).join(",")}]`;
}
