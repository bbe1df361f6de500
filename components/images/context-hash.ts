/**
 * A content hash of what goes into an image build, so a build gets a unique tag that changes
 * exactly when its inputs change (Minikube keeps images in its daemon: a reused tag would
 * not roll the pods; a registry push would overwrite a tag in use).
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

const SKIP = new Set(["node_modules", "dist", ".git", ".pulumi-state", "coverage"]);

function walk(root: string, rel: string, out: string[], exclude: string[]): void {
  const norm = rel.split(path.sep).join("/").replace(/\/+$/, "");
  if (exclude.some((e) => norm === e || norm.startsWith(`${e}/`))) return;
  const abs = path.join(root, rel);
  if (!fs.existsSync(abs)) return;
  const st = fs.statSync(abs);
  if (st.isFile()) {
    out.push(norm);
    return;
  }
  for (const entry of fs.readdirSync(abs).sort()) {
    if (SKIP.has(entry)) continue;
    walk(root, path.join(rel, entry), out, exclude);
  }
}

/**
 * sha256 over the relative paths and contents of `entries` (files or folders) under `root`,
 * leaving out the `exclude` paths (relative, with /).
 */
export function contextHash(root: string, entries: string[], extra = "", exclude: string[] = []): string {
  const files: string[] = [];
  for (const e of entries) walk(root, e, files, exclude);
  const h = createHash("sha256");
  h.update(extra);
  for (const f of [...new Set(files)].sort()) {
    h.update(`\0${f}\0`);
    h.update(fs.readFileSync(path.join(root, f)));
  }
  return h.digest("hex");
}

/**
 * The context paths a Dockerfile copies in (`COPY`/`ADD` sources, not `--from=` stages):
 * what the image is made of, so its hash covers exactly that, plus the Dockerfile itself.
 */
export function dockerfileInputs(dockerfileText: string): string[] {
  const out: string[] = [];
  const text = dockerfileText.replace(/\\\r?\n/g, " ");
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const m = /^(COPY|ADD)\s+(.*)$/i.exec(line);
    if (!m) continue;
    let args: string[];
    const rest = m[2]!.trim();
    const flags = rest.match(/^(--\S+\s+)*/)?.[0] ?? "";
    if (/--from=/.test(flags)) continue;
    const body = rest.slice(flags.length).trim();
    if (body.startsWith("[")) {
      try {
        args = JSON.parse(body) as string[];
      } catch {
        continue;
      }
    } else args = body.split(/\s+/);
    for (const src of args.slice(0, -1)) out.push(src.replace(/^\.\//, "").replace(/\/+$/, "") || ".");
  }
  return out;
}
