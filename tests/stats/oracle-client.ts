/**
 * Runs tests/stats/oracle.py (scipy + Evidently in the venv made by
 * scripts/setup.d/40-oracle.sh) once for a batch of cases.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export type SampleSpec = { kind: "num" | "cat"; file: string };

/** The oracle's Python, or a clear error naming the set-up step. */
export function oraclePython(): string {
  const cache = process.env.DRIFT_LOOP_CACHE ?? join(homedir(), ".cache", "drift-loop");
  const py = join(cache, "oracle-venv", "bin", "python");
  if (!existsSync(py)) {
    throw new Error(`the stats test oracle is not installed (${py} is missing); run "npm run setup" or "bash scripts/setup.d/40-oracle.sh"`);
  }
  return py;
}

export class OracleBatch {
  readonly dir = mkdtempSync(join(tmpdir(), "drift-oracle-"));
  private readonly cases: unknown[] = [];
  private files = 0;

  /** Write a sample: numbers as little-endian float64 (NaN = missing), strings as JSON. */
  sample(values: Float64Array | readonly (string | null)[]): SampleSpec {
    const file = join(this.dir, `s${this.files++}`);
    if (values instanceof Float64Array) {
      writeFileSync(file, Buffer.from(values.buffer, values.byteOffset, values.byteLength));
      return { kind: "num", file };
    }
    writeFileSync(file, JSON.stringify(values));
    return { kind: "cat", file };
  }

  /** Queue a case; returns its index in the results. */
  add(c: Record<string, unknown>): number {
    this.cases.push(c);
    return this.cases.length - 1;
  }

  async run(): Promise<Record<string, unknown>[]> {
    const req = join(this.dir, "request.json");
    writeFileSync(req, JSON.stringify({ cases: this.cases }));
    const { stdout } = await run(oraclePython(), [join(__dirname, "oracle.py"), req], { maxBuffer: 256 * 1024 * 1024 });
    const out = JSON.parse(stdout) as { results: Record<string, unknown>[] };
    if (out.results.length !== this.cases.length) throw new Error(`oracle returned ${out.results.length} results for ${this.cases.length} cases`);
    return out.results;
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Oracle numbers come as numbers or "nan" / "inf" / "-inf". */
export function oracleNumber(v: unknown): number {
  if (typeof v === "number") return v;
  if (v === "nan") return NaN;
  if (v === "inf") return Infinity;
  if (v === "-inf") return -Infinity;
  throw new Error(`not an oracle number: ${JSON.stringify(v)}`);
}
