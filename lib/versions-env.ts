/**
 * scripts/versions.env, the one place the server versions are pinned (MinIO, MLflow and its
 * drivers, Postgres): read by the set-up scripts (bash `.`), the local test services
 * (scripts/services) and the image builds (components/images). Plain `KEY=value` lines,
 * comments and blank lines; anything else is an error, so what bash reads and what this
 * reads cannot differ.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The pins file of the repository at `repoRoot`. */
export function versionsFile(repoRoot: string): string {
  return join(repoRoot, "scripts", "versions.env");
}

/** Parses `KEY=value` lines (comments and blank lines ignored); rejects anything else, naming the line. */
export function parseVersionsEnv(text: string, file = "versions.env"): Record<string, string> {
  const out: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith("#")) return;
    const m = /^([A-Z][A-Z0-9_]*)=([^\s"'$`]*)$/.exec(line);
    if (!m) throw new Error(`${file}:${i + 1}: expected KEY=value without spaces or quotes, got "${line}"`);
    out[m[1]!] = m[2]!;
  });
  return out;
}

/** Reads `file` and returns a getter of its pins that throws, naming the file, for a pin it lacks. */
export function readVersionsEnv(file: string): (key: string) => string {
  const pins = parseVersionsEnv(readFileSync(file, "utf8"), file);
  return (key) => {
    const v = pins[key];
    if (!v) throw new Error(`${file} does not pin ${key} (KEY=value); it is the one place the server versions are set`);
    return v;
  };
}
