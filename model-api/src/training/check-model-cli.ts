/**
 * `node dist/model-api/src/training/check-model-cli.js <model.json> [image tag]`: used by the image
 * build. Fails when the model file is invalid, or when the image tag names a registry
 * version (`model-v7`) that is not the version inside the file - so an image can never be
 * tagged with one model and carry another.
 */
import { readFileSync } from "node:fs";
import { MODEL_BUILD_FILE } from "../../../lib/contract";
import { UsageError, runMain } from "../../../lib/cli";
import { parseModelFile } from "../model";

function main(): number {
  const [path, tag = ""] = process.argv.slice(2);
  if (!path) throw new UsageError("usage: check-model-cli <model.json> [image tag]");
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let version: string;
  try {
    version = parseModelFile(text).version;
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
  const m = tag.match(/^model-v(\d+)$/);
  if (m && m[1] !== version) {
    throw new Error(`the image tag ${tag} names model version ${m[1]} but ${path} holds version ${version}; run npm run retrain (it writes ${MODEL_BUILD_FILE}) or npm run retrain -- --redeploy-champion`);
  }
  process.stdout.write(`model file ok: version ${version}${tag ? `, image tag ${tag}` : ""}\n`);
  return 0;
}

runMain("check-model", main);
