/**
 * A `Dataset` in a form that crosses a worker boundary cheaply: numeric columns move
 * their Float64Array buffers (transferred, not copied); categorical columns become a
 * dictionary plus Int32Array codes (-1 = missing), so each distinct string is cloned once.
 */
import type { Column, Dataset } from "../types";

export type PackedColumn = { kind: "num"; values: Float64Array; integer?: boolean } | { kind: "cat"; dict: string[]; codes: Int32Array; bool?: boolean };

export interface PackedDataset {
  rows: number;
  names: string[];
  columns: PackedColumn[];
}

export function pack(d: Dataset): { packed: PackedDataset; transfer: ArrayBuffer[] } {
  const names = Object.keys(d.columns);
  const transfer: ArrayBuffer[] = [];
  const columns = names.map((n): PackedColumn => {
    const c = d.columns[n];
    if (c.kind === "num") {
      transfer.push(c.values.buffer as ArrayBuffer);
      return c;
    }
    const index = new Map<string, number>();
    const dict: string[] = [];
    const codes = new Int32Array(c.values.length);
    for (let i = 0; i < c.values.length; i++) {
      const v = c.values[i];
      if (v === null) {
        codes[i] = -1;
        continue;
      }
      let k = index.get(v);
      if (k === undefined) {
        k = dict.length;
        dict.push(v);
        index.set(v, k);
      }
      codes[i] = k;
    }
    transfer.push(codes.buffer);
    return c.bool ? { kind: "cat", dict, codes, bool: true } : { kind: "cat", dict, codes };
  });
  return { packed: { rows: d.rows, names, columns }, transfer };
}

export function unpack(p: PackedDataset): Dataset {
  const columns: Record<string, Column> = {};
  p.names.forEach((n, i) => {
    const c = p.columns[i];
    if (c.kind === "num") columns[n] = c;
    else {
      const values: (string | null)[] = new Array(c.codes.length);
      for (let r = 0; r < c.codes.length; r++) values[r] = c.codes[r] < 0 ? null : c.dict[c.codes[r]];
      columns[n] = c.bool ? { kind: "cat", values, bool: true } : { kind: "cat", values };
    }
  });
  return { rows: p.rows, columns };
}
