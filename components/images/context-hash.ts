/**
 * A content hash of what goes into an image build, so a build gets a unique tag that changes
 * exactly when its inputs change (Minikube keeps images in its daemon: a reused tag would
 * not roll the pods; a registry push would overwrite a tag in use).
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

const SKIP = new Set(["node_modules", "dist", ".git", ".pulumi-state", "coverage"]);

function walk(root: string, rel: string, out: string[]): void {
  const abs = path.join(root, rel);
  if (!fs.existsSync(abs)) return;
  const st = fs.statSync(abs);
  if (st.isFile()) {
    out.push(rel);
    return;
  }
  for (const entry of fs.readdirSync(abs).sort()) {
    if (SKIP.has(entry)) continue;
    walk(root, path.join(rel, entry), out);
  }
}

/** sha256 over the relative paths and contents of `entries` (files or folders) under `root`. */
export function contextHash(root: string, entries: string[], extra = ""): string {
  const files: string[] = [];
  for (const e of entries) walk(root, e, files);
  const h = createHash("sha256");
  h.update(extra);
  for (const f of files.sort()) {
    h.update(`\0${f.split(path.sep).join("/")}\0`);
    h.update(fs.readFileSync(path.join(root, f)));
  }
  return h.digest("hex");
}
