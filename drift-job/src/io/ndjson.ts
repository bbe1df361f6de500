/**
 * NDJSON (one JSON object per line) into a `Dataset`: the format of the model API's
 * request logs. Columns are the union of keys; a key absent from a row is a missing
 * value. JSON numbers are numbers, null is missing, strings follow the CSV rules (a
 * string that spells a number counts as one, pandas' NA spellings are missing), booleans
 * are the categories "true"/"false", and nested objects or arrays are their JSON text.
 */
import type { Dataset } from "../types";
import { ColumnBuilder } from "./columns";
import { MAX_COLUMNS, checkColumnCount, checkColumnName } from "./csv";
import { type ByteSource, DataError, forEachLine } from "./source";


/** Streams the source line by line and fills `target` (shared by several files of one window). */
export class NdjsonAccumulator {
  private builders = new Map<string, ColumnBuilder>();
  private order: string[] = [];
  private rows = 0;
  private readonly forceCat: Set<string>;

  constructor(forceCat: Iterable<string> = []) {
    this.forceCat = new Set(forceCat);
  }

  get rowCount(): number {
    return this.rows;
  }

  add(source: ByteSource): void {
    let line = 0;
    const onLine = (data: Buffer, start: number, end: number) => {
      line++;
      const text = data.toString("utf8", start, end).trim();
      if (text === "") return;
      let obj: unknown;
      try {
        obj = JSON.parse(text);
      } catch (err) {
        throw new DataError(`${source.name}: line ${line} is not valid JSON (${(err as Error).message}); expected one JSON object per line`);
      }
      if (obj === null || typeof obj !== "object" || Array.isArray(obj)) {
        throw new DataError(`${source.name}: line ${line} is ${Array.isArray(obj) ? "an array" : JSON.stringify(obj)}; expected one JSON object per line`);
      }
      this.addRow(obj as Record<string, unknown>, `${source.name}: line ${line}`);
    };
    forEachLine(source.chunks(), onLine);
  }

  addRow(obj: Record<string, unknown>, where = "NDJSON"): void {
    for (const key in obj) {
      let b = this.builders.get(key);
      if (!b) {
        if (this.order.length >= MAX_COLUMNS) checkColumnCount(this.order.length + 1, where);
        checkColumnName(key, where);
        b = new ColumnBuilder(key, 16, this.forceCat.has(key));
        b.padTo(this.rows);
        this.builders.set(key, b);
        this.order.push(key);
      }
      const v = obj[key];
      if (v === null || v === undefined) b.pushMissing();
      else if (typeof v === "number") b.addNumber(v);
      else if (typeof v === "string") b.addText(v);
      else if (typeof v === "boolean") b.addText(v ? "true" : "false");
      else b.addText(JSON.stringify(v));
    }
    this.rows++;
    // Keys absent from this row: missing.
    for (const b of this.builders.values()) if (b.length < this.rows) b.pushMissing();
  }

  /** Columns that must be read again as text (they had numbers before a non-number). */
  get reread(): Set<string> {
    const s = new Set<string>();
    for (const b of this.builders.values()) if (b.needsReread) s.add(b.name);
    return s;
  }

  finish(): Dataset {
    const columns: Dataset["columns"] = {};
    for (const k of this.order) columns[k] = this.builders.get(k)!.finish();
    return { rows: this.rows, columns };
  }
}

/** Reads NDJSON sources (e.g. all request-log objects of a window) into one dataset. */
export function readNdjson(sources: ByteSource[]): Dataset {
  let acc = new NdjsonAccumulator();
  for (const s of sources) acc.add(s);
  const reread = acc.reread;
  if (reread.size) {
    acc = new NdjsonAccumulator(reread);
    for (const s of sources) acc.add(s);
  }
  return acc.finish();
}
