/** Reading and writing model files on disk (atomic writes, so a crash never leaves half a model). */
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { ModelFile } from "../model";

export async function writeModelFile(path: string, model: ModelFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify(model, null, 2) + "\n");
  await rename(tmp, path);
}
