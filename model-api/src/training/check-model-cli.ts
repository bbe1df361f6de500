/**
 * `node dist/model-api/src/training/check-model-cli.js <model.json> [image tag]`: used by the image
 * build. Fails when the model file is invalid, or when the image tag names a registry
 * version (`model-v7`) that is not the version inside the file - so an image can never be
 * tagged with one model and carry another.
 */
import { readFileSync } from "node:fs";
import { parseModelFile } from "../model";

function main(): number {
  const [path, tag = ""] = process.argv.slice(2);
  if (!path) {
    process.stderr.write("usage: check-model-cli <model.json> [image tag]\n");
    return 2;
  }
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    process.stderr.write(`error: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
    return 1;
  }
  let version: string;
  try {
    version = parseModelFile(text).version;
  } catch (err) {
    process.stderr.write(`error: ${path}: ${(err as Error).message}\n`);
    return 1;
  }
  const m = tag.match(/^model-v(\d+)$/);
  if (m && m[1] !== version) {
    process.stderr.write(`error: the image tag ${tag} names model version ${m[1]} but ${path} holds version ${version}; run npm run retrain (it writes model-api/model/model.json) or npm run retrain -- --redeploy-champion\n`);
    return 1;
  }
  process.stdout.write(`model file ok: version ${version}${tag ? `, image tag ${tag}` : ""}\n`);
  return 0;
}

process.exit(main());
