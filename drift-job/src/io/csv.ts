/**
 * CSV into a `Dataset`. Simple CSV (no quote characters: what pandas, Spark and most
 * exporters write for numeric and code-like data) goes through a byte-level fast path
 * that parses numbers without making strings. A file with a quote character anywhere is
 * read with csv-parse instead (RFC 4180 quoting, embedded commas and newlines).
 *
 * Rules, for both paths, as pandas' `read_csv` with its defaults: the first line is the
 * header, its names kept exactly (spaces too; an empty name becomes "Unnamed: i", a
 * repeated one "a.1", "a.2"); blank lines are skipped; a leading UTF-8 BOM is ignored;
 * values keep their spelling (columns.ts). A row with a different number of fields than
 * the header is an error naming the line. At most MAX_COLUMNS columns, each name at most
 * MAX_COLUMN_NAME_LENGTH characters: wider files are refused before any value is stored.
 */
import { parse } from "csv-parse";
import type { Dataset } from "../types";
import { ColumnBuilder } from "./columns";
import { type ByteSource, DataError, forEachLine } from "./source";

/** Most columns a data file may have (CSV header or NDJSON keys). */
export const MAX_COLUMNS = 10_000;
/** Longest column name, in characters. */
export const MAX_COLUMN_NAME_LENGTH = 1_000;
/** Values the column buffers may reserve up front, all columns together (they grow as rows are read). */
const PREALLOCATED_VALUES = 1 << 24;

const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;

/** Thrown inside the fast path when a quote character shows up. */
class NeedsFullParser extends Error {}

export async function readCsv(source: ByteSource): Promise<Dataset> {
  let forceCat = new Set<string>();
  for (let attempt = 0; attempt < 2; attempt++) {
    let result: { dataset: Dataset; reread: Set<string> };
    try {
      result = readCsvFast(source, forceCat);
    } catch (err) {
      if (!(err instanceof NeedsFullParser)) throw err;
      result = await readCsvQuoted(source, forceCat);
    }
    if (result.reread.size === 0) return result.dataset;
    // A column had numbers first and text later: read it again as text, so its values keep their spelling ("1.50" stays "1.50").
    forceCat = new Set([...forceCat, ...result.reread]);
  }
  throw new DataError(`${source.name}: could not settle column types`);
}

function headerNames(fields: string[], source: ByteSource): string[] {
  if (fields.length === 1 && fields[0] === "") throw new DataError(`${source.name}: the file is empty; expected a header line with column names`);
  checkColumnCount(fields.length, source.name);
  for (const f of fields) checkColumnName(f, source.name);
  // pandas names an empty header cell (e.g. a saved index) "Unnamed: i" and numbers repeats (pandas' _dedup_names).
  const names = fields.map((f, i) => (f === "" ? `Unnamed: ${i}` : f));
  const counts = new Map<string, number>();
  return names.map((name) => {
    let col = name;
    let cur = counts.get(col) ?? 0;
    while (cur > 0) {
      counts.set(col, cur + 1);
      col = `${col}.${cur}`;
      cur = counts.get(col) ?? 0;
    }
    counts.set(col, cur + 1);
    return col;
  });
}

/** A clear error for a file with more than MAX_COLUMNS columns (`atLeast`: counted in the first part of a longer header). */
export function checkColumnCount(n: number, file: string, atLeast = false): void {
  if (n > MAX_COLUMNS) {
    throw new DataError(`${file}: has ${atLeast ? "at least " : ""}${n.toLocaleString("en-US")} columns; at most ${MAX_COLUMNS.toLocaleString("en-US")} are allowed (pick the columns to compare and write them to a narrower file)`);
  }
}

/** Bytes of the header looked at before it is read: a header too wide is refused from them alone. */
const HEADER_PEEK = 8 << 20;

/**
 * Counts the header's fields in the file's first bytes, so a header of millions of names
 * is refused without reading (or decoding) all of it. Skipped when the header has quotes
 * (a quoted name may hold commas); the full parser counts those.
 */
function checkHeaderWidth(source: ByteSource): void {
  const head = source.head(HEADER_PEEK);
  let fields = 1;
  for (let i = 0; i < head.length; i++) {
    const b = head[i];
    if (b === LF) return checkColumnCount(fields, source.name);
    if (b === QUOTE) return;
    if (b === COMMA) fields++;
  }
  checkColumnCount(fields, source.name, head.length >= HEADER_PEEK);
}

/** A clear error for a column name longer than MAX_COLUMN_NAME_LENGTH. */
export function checkColumnName(name: string, file: string): void {
  if (name.length > MAX_COLUMN_NAME_LENGTH) {
    throw new DataError(`${file}: a column name has ${name.length.toLocaleString("en-US")} characters (it starts ${JSON.stringify(name.slice(0, 40))}); at most ${MAX_COLUMN_NAME_LENGTH.toLocaleString("en-US")} are allowed`);
  }
}

function finish(builders: ColumnBuilder[], rows: number): { dataset: Dataset; reread: Set<string> } {
  const columns: Dataset["columns"] = {};
  const reread = new Set<string>();
  for (const b of builders) {
    if (b.needsReread) reread.add(b.name);
    columns[b.name] = b.finish();
  }
  return { dataset: { rows, columns }, reread };
}

function readCsvFast(source: ByteSource, forceCat: Set<string>): { dataset: Dataset; reread: Set<string> } {
  checkHeaderWidth(source);
  let builders: ColumnBuilder[] | undefined;
  let ncol = 0;
  let rows = 0;
  let line = 0; // 1-based number of the last line consumed

  const parseHeader = (data: Buffer, start: number, end: number) => {
    let text = data.toString("utf8", start, end);
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const names = headerNames(text.split(","), source);
    ncol = names.length;
    // Size the column buffers from the average length of the first rows (less copying as
    // they fill), within a budget for all columns together: what is reserved beyond it
    // grows only with the rows actually read. A row has at least one byte per column.
    const sampleEnd = Math.min(data.length, end + (1 << 20));
    let newlines = 0;
    for (let i = end + 1; i < sampleEnd; i++) if (data[i] === LF) newlines++;
    const rowBytes = Math.max(ncol, newlines > 0 ? (sampleEnd - end) / newlines : end - start + 1);
    const estimate = Math.ceil(((source.size ?? data.length) / rowBytes) * 1.02) + 16;
    const capacity = Math.max(16, Math.min(estimate, Math.floor(PREALLOCATED_VALUES / ncol)));
    builders = names.map((n) => new ColumnBuilder(n, capacity, forceCat.has(n)));
  };

  const parseLine = (data: Buffer, start: number, end: number) => {
    line++;
    if (end > start && data[end - 1] === CR) end--;
    if (end === start) return; // blank line
    if (!builders) {
      parseHeader(data, start, end);
      return;
    }
    let col = 0;
    let fs = start;
    for (let i = start; i < end; i++) {
      if (data[i] === COMMA) {
        if (col >= ncol - 1) throw fieldCountError(source, line, ncol, countFields(data, start, end));
        builders[col++].addBytes(data, fs, i);
        fs = i + 1;
      }
    }
    if (col !== ncol - 1) throw fieldCountError(source, line, ncol, col + 1);
    builders[col].addBytes(data, fs, end);
    rows++;
  };

  forEachLine(unquoted(source.chunks()), parseLine);
  if (!builders) throw new DataError(`${source.name}: the file is empty; expected a header line with column names`);
  return finish(builders, rows);
}

/** The chunks, as long as none has a quote (the fast reader does not parse quoted fields). */
function* unquoted(chunks: Iterable<Buffer>): Generator<Buffer> {
  for (const chunk of chunks) {
    if (chunk.indexOf(QUOTE) !== -1) throw new NeedsFullParser();
    yield chunk;
  }
}

function countFields(data: Buffer, start: number, end: number): number {
  let n = 1;
  for (let i = start; i < end; i++) if (data[i] === COMMA) n++;
  return n;
}

function fieldCountError(source: ByteSource, line: number, want: number, got: number): DataError {
  return new DataError(`${source.name}: line ${line} has ${got} fields, the header has ${want}; every row needs one value per column (leave it empty for missing)`);
}

async function readCsvQuoted(source: ByteSource, forceCat: Set<string>): Promise<{ dataset: Dataset; reread: Set<string> }> {
  const parser = source.stream().pipe(
    parse({ bom: true, skip_empty_lines: true, relax_column_count: true, relax_quotes: false, info: true }),
  );
  let builders: ColumnBuilder[] | undefined;
  let rows = 0;
  try {
    for await (const rec of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const { record, info } = rec;
      if (!builders) {
        const names = headerNames(record, source);
        builders = names.map((n) => new ColumnBuilder(n, 16, forceCat.has(n)));
        continue;
      }
      if (record.length !== builders.length) throw fieldCountError(source, info.lines, builders.length, record.length);
      for (let c = 0; c < record.length; c++) builders[c].addText(record[c]);
      rows++;
    }
  } catch (err) {
    if (err instanceof DataError) throw err;
    const e = err as { message?: string; lines?: number };
    throw new DataError(`${source.name}: not valid CSV${e.lines ? ` near line ${e.lines}` : ""}: ${e.message ?? String(err)}`);
  }
  if (!builders) throw new DataError(`${source.name}: the file is empty; expected a header line with column names`);
  return finish(builders, rows);
}
