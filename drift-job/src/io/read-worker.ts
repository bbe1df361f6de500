/** Worker thread body of `readFilesInParallel`: reads one file, sends it back packed. */
import { parentPort, workerData } from "node:worker_threads";
import { readDatasetFile } from "./read";
import { pack } from "./transfer";

readDatasetFile(workerData as string).then(
  (d) => {
    const { packed, transfer } = pack(d);
    parentPort!.postMessage({ ok: true, packed }, transfer);
  },
  (err: Error) => parentPort!.postMessage({ ok: false, name: err.name, message: err.message }),
);
