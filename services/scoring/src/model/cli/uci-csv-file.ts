import { readFileSync } from 'node:fs';
import { LabelledAccount, parseUciCsv } from '../domain/uci';

/** Reads a UCI-format CSV file; protected columns are skipped unread by the parser. */
export function readUciCsvFile(path: string): LabelledAccount[] {
  return parseUciCsv(readFileSync(path, 'utf8'), path);
}
