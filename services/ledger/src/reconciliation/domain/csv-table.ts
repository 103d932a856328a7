import { parse } from 'csv-parse/sync';
import { ParseProblem } from './statement-line';

export interface CsvRow {
  line: number;
  get(column: string): string;
}

/**
 * Reads a CSV with a header row: every required column must be present (any order, names
 * case-insensitive). Rows come back with their line number in the file; blank lines are skipped.
 */
export function readCsvTable(
  text: string,
  required: readonly string[],
): { ok: true; rows: CsvRow[] } | { ok: false; problems: ParseProblem[] } {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text.replace(/^\uFEFF/, ''), {
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (err) {
    const e = err as { message: string; lines?: number };
    return { ok: false, problems: [{ line: e.lines, reason: `not a readable CSV: ${e.message}` }] };
  }
  if (records.length === 0)
    return { ok: false, problems: [{ line: 1, reason: 'the file is empty: a header row is required' }] };
  const header = records[0].record.map((h) => h.toLowerCase());
  const missing = required.filter((c) => !header.includes(c));
  if (missing.length) {
    return {
      ok: false,
      problems: [{ line: records[0].info.lines, reason: `header lacks required columns: ${missing.join(', ')}` }],
    };
  }
  const rows = records.slice(1).map(({ record, info }) => ({
    line: info.lines,
    get: (column: string) => {
      const i = header.indexOf(column);
      return i < 0 ? '' : (record[i] ?? '');
    },
  }));
  return { ok: true, rows };
}
