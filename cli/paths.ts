/** Locating the package (for --version) and the Pulumi project (for plan and render --stack). */
import * as fs from "node:fs";
import * as path from "node:path";

function upwards(start: string, test: (dir: string) => boolean): string | undefined {
  let dir = path.resolve(start);
  for (;;) {
    if (test(dir)) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The package's version, from cli/ in the repo or dist/cli/ when compiled. */
export function packageVersion(): string {
  const dir = upwards(__dirname, (d) => fs.existsSync(path.join(d, "package.json")));
  if (!dir) return "unknown";
  return (JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { version?: string }).version ?? "unknown";
}

/**
 * A path as the user wrote it, with the absolute path it was resolved to (against the current
 * directory) when they differ: `audit.log (/home/me/audit.log)`, for messages about that file.
 */
export function shownPath(spec: string, resolved: string): string {
  return spec === resolved ? resolved : `${spec} (${resolved})`;
}

/** The nearest directory (from `start` up) holding Pulumi.yaml, else `start` itself. */
export function findProjectDir(start: string): string {
  return upwards(start, (d) => fs.existsSync(path.join(d, "Pulumi.yaml"))) ?? path.resolve(start);
}
