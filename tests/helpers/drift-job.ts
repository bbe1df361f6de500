/**
 * What the drift job's integration tests share: the job run as a process with its log lines
 * parsed, traffic logged the way the model API logs it, the reference written as CSV, and the
 * objects with fixed keys (reference, trigger state, ...) that a test replaces kept aside and
 * put back, since the servers are shared by every test file.
 */
import type { Client } from "minio";
import { BUCKETS, ENV, KEYS } from "../../lib/contract";
import { getText, objectExists, putText } from "../../lib/s3";
import { FEATURE_NAMES, labelOf, type Row } from "../../lib/schema";
import { requestLogKey, serializeRecords, type RequestLogRecord } from "../../lib/request-log";
import { runScript } from "./script";

export const HOUR = 3_600_000;

/** The objects a drift run reads or writes under fixed keys: the reference, its metadata, the retrain trigger's state. */
export const RUN_KEYS = [
  [BUCKETS.datasets, KEYS.reference],
  [BUCKETS.datasets, KEYS.referenceMeta],
  [BUCKETS.reports, KEYS.retrainState],
] as const;

/** The GitHub stand-in's repository and token (tests/helpers/github-receiver.ts startGithubReceiver's options). */
export const GITHUB_STAND_IN = { token: "ghs_test_token", repository: "acme/drift-loop" } as const;

/** The env of a run that checks the hour ending at `windowEnd` and, with `githubUrl`, sends retrain requests to the stand-in there. */
export function runEnv(base: Record<string, string>, windowEnd: Date, githubUrl?: string): Record<string, string> {
  return {
    ...base,
    [ENV.driftWindowEnd]: windowEnd.toISOString(),
    [ENV.driftWindowMinutes]: "60",
    ...(githubUrl ? { [ENV.githubToken]: GITHUB_STAND_IN.token, [ENV.githubRepository]: GITHUB_STAND_IN.repository, [ENV.githubApiUrl]: githubUrl } : {}),
  };
}

/** The reports/ folder of a window end (storage.ts reportFolder's shape). */
export const folderOf = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z").replace(/:/g, "-");

/** The drift CronJob (drift-job/src/main.ts) run once as a process with `env`; `logs` are its JSON log lines. */
export async function runDriftJob(env: Record<string, string>): Promise<{ code: number; logs: Record<string, any>[]; out: string; stderr: string }> {
  const r = await runScript("drift-job/src/main.ts", [], env);
  const logs = r.stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, any>);
  return { code: r.code, logs, out: r.stdout, stderr: r.stderr };
}

export function csvOf(rows: Row[], columns: readonly string[]): string {
  return columns.join(",") + "\n" + rows.map((r) => columns.map((c) => (r[c] === null || r[c] === undefined ? "" : String(r[c]))).join(",")).join("\n") + "\n";
}

/** Logs `rows` as production traffic in the hour before `windowEnd`, the way the model API does, in `objects` flushes. */
export async function logTraffic(s3: Client, rows: Row[], windowEnd: Date, opts: { modelVersion?: string; objects?: 1 | 2 } = {}): Promise<void> {
  const start = windowEnd.getTime() - HOUR + 60_000;
  const records: RequestLogRecord[] = rows.map((r, i) => {
    const features: Row = {};
    for (const f of FEATURE_NAMES) features[f] = r[f] ?? null;
    const y = labelOf(features);
    return { request_id: `req-${i >> 4}`, row: i & 15, ts: new Date(start + i * 10).toISOString(), model_version: opts.modelVersion ?? "3", features, prediction: y, probability: y ? 0.8 : 0.2 };
  });
  const cut = opts.objects === 2 ? records.length >> 1 : records.length;
  const parts = [records.slice(0, cut), records.slice(cut)].filter((p) => p.length > 0);
  for (const [seq, part] of parts.entries()) {
    await putText(s3, BUCKETS.requests, requestLogKey("model-api-0", Date.parse(part[0]!.ts), seq + 1), serializeRecords(part), "application/x-ndjson");
  }
}

/** Objects with fixed keys a test replaces: `save()` in `before`, `restore()` in `after` (an object that was not there is removed). */
export function sharedObjects(keys: readonly (readonly [bucket: string, key: string])[]): { save(s3: Client): Promise<void>; restore(s3: Client): Promise<void> } {
  const saved = new Map<string, string | undefined>();
  return {
    async save(s3) {
      for (const [bucket, key] of keys) saved.set(`${bucket}/${key}`, (await objectExists(s3, bucket, key)) ? await getText(s3, bucket, key) : undefined);
    },
    async restore(s3) {
      for (const [bucket, key] of keys) {
        if (!saved.has(`${bucket}/${key}`)) continue;
        const text = saved.get(`${bucket}/${key}`);
        if (text === undefined) await s3.removeObject(bucket, key);
        else await putText(s3, bucket, key, text);
      }
    },
  };
}
