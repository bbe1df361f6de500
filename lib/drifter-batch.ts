/**
 * Reading a drifter batch to the end, and knowing it is all there. The drifter streams a
 * batch and announces its row count in the X-Drift-Rows header before the first byte. A
 * drifter killed mid-stream leaves a body that only the HTTP framing shows to be cut
 * short; a proxy that re-frames it, or a client that reads until the connection closes,
 * sees a smaller batch. So every client of ours reads through here: the body must hold
 * exactly the announced rows, each line complete, or the read fails, saying what arrived.
 */
import { DRIFT_ROWS_HEADER } from "./contract";
import { parseDecimalInteger } from "./numbers";

/** A drifter batch that is not complete (or cannot be shown to be). */
export class IncompleteBatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IncompleteBatchError";
  }
}

/** Line formats: CSV (a header line, then one line per row) and NDJSON (one line per row). */
export type LineFormat = "csv" | "ndjson";

const NEWLINE = 0x0a;

/**
 * The body of a successful drifter answer (`GET /api/v1/data`) in a line format, as text,
 * after checking that it holds the rows X-Drift-Rows announced, every line ended.
 * `source` names the batch in errors (e.g. the drifter's URL).
 */
export async function readDrifterBatch(res: Response, format: LineFormat, source: string): Promise<string> {
  const header = res.headers.get(DRIFT_ROWS_HEADER);
  const announced = header === null ? undefined : parseDecimalInteger(header);
  if (announced === undefined || announced < 0) {
    await res.body?.cancel().catch(() => undefined);
    throw new IncompleteBatchError(`${source}: the answer has ${header === null ? "no" : `an invalid (${JSON.stringify(header.slice(0, 40))})`} X-Drift-Rows header, so it cannot be checked to be complete; is this a drifter?`);
  }
  const headerLines = format === "csv" ? 1 : 0;
  const rowsIn = (lines: number) => Math.max(0, lines - headerLines);
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  let lines = 0;
  let last = NEWLINE;
  if (res.body) {
    const reader = res.body.getReader();
    for (;;) {
      let step: Awaited<ReturnType<typeof reader.read>>;
      try {
        step = await reader.read();
      } catch (err) {
        const cause = (err as Error & { cause?: Error }).cause?.message;
        throw new IncompleteBatchError(
          `${source}: the batch broke off after ${bytes} bytes, ${rowsIn(lines)} of the ${announced} rows announced in X-Drift-Rows (${(err as Error).message}${cause ? `: ${cause}` : ""}); the drifter may have stopped mid-stream`,
        );
      }
      if (step.done) break;
      const chunk = step.value;
      chunks.push(chunk);
      bytes += chunk.length;
      for (let i = chunk.indexOf(NEWLINE); i >= 0; i = chunk.indexOf(NEWLINE, i + 1)) lines++;
      if (chunk.length) last = chunk[chunk.length - 1]!;
    }
  }
  const partial = last !== NEWLINE;
  if (lines !== announced + headerLines || partial) {
    throw new IncompleteBatchError(
      `${source}: the batch holds ${rowsIn(lines)} complete rows${partial ? " and a partial line" : ""} where X-Drift-Rows announced ${announced}; it is incomplete${rowsIn(lines) > announced ? " or not a drifter batch" : " (the drifter may have stopped mid-stream)"}`,
    );
  }
  return Buffer.concat(chunks, bytes).toString("utf8");
}
