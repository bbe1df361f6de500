/**
 * Deterministic synthetic tables for the drift-job benchmark and tests: 16 numeric and 4
 * categorical columns by default, written as CSV. `drift` shifts a known subset of
 * columns in the "current" side, so the expected drift decisions are known.
 * Not product code (not in the image).
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { mulberry32 } from "../../lib/random";

/** mulberry32 (lib/random.ts). */
export const rng = mulberry32;

export function normal(r: () => number): () => number {
  return () => {
    let u = 0;
    while (u === 0) u = r();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
  };
}

export interface SynthOptions {
  rows: number;
  seed: number;
  /** Shift the drifting columns (num_0..num_5 and cat_0). */
  drift: boolean;
  numeric?: number;
  categorical?: number;
  /** Share of missing values in num_1 (0 = none). */
  missingShare?: number;
}

const CATS = [
  ["salaried", "self_employed", "contractor", "unemployed"],
  ["rent", "own", "mortgage"],
  ["car", "home", "education", "business", "medical"],
  ["north", "south", "east", "west", "central", "islands"],
];

export function columnNames(o: Pick<SynthOptions, "numeric" | "categorical">): string[] {
  const nn = o.numeric ?? 16;
  const nc = o.categorical ?? 4;
  return [...Array.from({ length: nn }, (_, i) => `num_${i}`), ...Array.from({ length: nc }, (_, i) => `cat_${i}`)];
}

/** Writes a CSV file; returns the number of bytes written. */
export function writeSynthCsv(path: string, o: SynthOptions): number {
  const nn = o.numeric ?? 16;
  const nc = o.categorical ?? 4;
  const r = rng(o.seed);
  const z = normal(r);
  const fd = openSync(path, "w");
  let bytes = 0;
  const put = (s: string) => {
    bytes += writeSync(fd, s);
  };
  try {
    put(columnNames(o).join(",") + "\n");
    let buf = "";
    for (let i = 0; i < o.rows; i++) {
      const f: string[] = [];
      for (let c = 0; c < nn; c++) {
        const shift = o.drift && c < 6 ? 0.25 * (c + 1) : 0;
        const v = z() + shift;
        if (c === 1 && o.missingShare && r() < o.missingShare) f.push("");
        else if (c % 4 === 0) f.push(String(Math.round(50 + 10 * v))); // integers (ages, counts)
        else if (c % 4 === 3) f.push(String(1000 * Math.exp(v / 4))); // full precision, as pandas writes floats
        else f.push((v * 100).toFixed(3)); // money-like
      }
      for (let c = 0; c < nc; c++) {
        const cats = CATS[c % CATS.length];
        let u = r();
        if (o.drift && c === 0) u = u * u; // favour the first categories
        f.push(cats[Math.min(cats.length - 1, Math.floor(u * cats.length))]);
      }
      buf += f.join(",") + "\n";
      if (buf.length > 1 << 20) {
        put(buf);
        buf = "";
      }
    }
    put(buf);
  } finally {
    closeSync(fd);
  }
  return bytes;
}
