import { createHash } from 'node:crypto';
import { AccountHistory, EducationLevel, HISTORY_MONTHS, MonthlyStatement } from './features';
import { ScoringModelErrorCode, ScoringModelException } from './scoring-model.exception';

/**
 * The UCI "default of credit card clients" file (Yeh & Lien 2009) as account histories. X2 (sex),
 * X4 (marital status) and X5 (age) are protected: they are not in `UciColumn`, so no code here can
 * ask for them, and the CSV reader never converts them.
 */
export const UCI_PROTECTED_COLUMNS = ['X2', 'X4', 'X5'] as const;

const STATUS_COLUMNS = ['X6', 'X7', 'X8', 'X9', 'X10', 'X11'] as const;
const BILL_COLUMNS = ['X12', 'X13', 'X14', 'X15', 'X16', 'X17'] as const;
const PAID_COLUMNS = ['X18', 'X19', 'X20', 'X21', 'X22', 'X23'] as const;

/** The only UCI columns the scoring models may read. */
export const UCI_FEATURE_COLUMNS = ['X1', 'X3', ...STATUS_COLUMNS, ...BILL_COLUMNS, ...PAID_COLUMNS] as const;

export type UciColumn = (typeof UCI_FEATURE_COLUMNS)[number];

export const UCI_LABEL_COLUMN = 'Y';
export const UCI_ID_COLUMN = 'ID';

/** A UCI client as the scoring models see it: an account history and whether it defaulted. */
export interface LabelledAccount {
  readonly id: string;
  readonly history: AccountHistory;
  /** 1 when the client defaulted on the next payment. */
  readonly defaulted: 0 | 1;
}

const EDUCATION_BY_CODE: Readonly<Record<number, EducationLevel | undefined>> = {
  1: 'graduate_school',
  2: 'university',
  3: 'high_school',
  4: 'other',
  // 0, 5 and 6 are undocumented in the source: treated as unknown, so imputed and flagged.
};

/**
 * Maps one UCI row to an account history. `read` returns a column's value; it can only be asked for
 * the columns in `UCI_FEATURE_COLUMNS`. Month k of the history is Sep 2005 minus k months; X18 (the
 * payment made in Sep) pays the Aug statement (X13), matching `MonthlyStatement.paid`.
 */
export function uciRowToHistory(read: (column: UciColumn) => number): AccountHistory {
  const statements: MonthlyStatement[] = [];
  for (let k = 0; k < HISTORY_MONTHS; k++) {
    statements.push({ bill: read(BILL_COLUMNS[k]), paid: read(PAID_COLUMNS[k]), status: read(STATUS_COLUMNS[k]) });
  }
  const education = EDUCATION_BY_CODE[read('X3')];
  const history: AccountHistory = { creditLimit: read('X1'), statements };
  return education === undefined ? history : { ...history, education };
}

function invalidCsv(message: string, field?: string): ScoringModelException {
  return new ScoringModelException(ScoringModelErrorCode.InvalidDataset, message, field);
}

/**
 * Parses a UCI-format CSV (header `ID,X1..X23,Y`, in any column order). Only the feature columns,
 * ID and Y are converted; protected columns are skipped unread. Throws on a missing column, a
 * non-numeric cell or a label other than 0/1.
 */
export function parseUciCsv(text: string, source = 'csv'): LabelledAccount[] {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((name) => name.trim().replace(/^"|"$/g, ''));
  const indexOf = (name: string): number => {
    const index = header.indexOf(name);
    if (index < 0) throw invalidCsv(`${source}: column ${name} is missing from the header`, name);
    return index;
  };
  const columnIndex = new Map<UciColumn, number>(UCI_FEATURE_COLUMNS.map((c) => [c, indexOf(c)]));
  const labelIndex = indexOf(UCI_LABEL_COLUMN);
  const idIndex = header.indexOf(UCI_ID_COLUMN);

  const accounts: LabelledAccount[] = [];
  for (let line = 1; line < lines.length; line++) {
    const text = lines[line];
    if (text.trim() === '') continue;
    const cells = text.split(',');
    const numberAt = (index: number, column: string): number => {
      const cell = cells[index];
      const value = cell === undefined || cell.trim() === '' ? NaN : Number(cell);
      if (!Number.isFinite(value)) {
        throw invalidCsv(`${source} line ${line + 1}: column ${column} is not a number (${String(cell)})`, column);
      }
      return value;
    };
    const history = uciRowToHistory((column) => numberAt(columnIndex.get(column) as number, column));
    const label = numberAt(labelIndex, UCI_LABEL_COLUMN);
    if (label !== 0 && label !== 1) {
      throw invalidCsv(
        `${source} line ${line + 1}: ${UCI_LABEL_COLUMN} must be 0 or 1, got ${label}`,
        UCI_LABEL_COLUMN,
      );
    }
    const id = idIndex >= 0 ? (cells[idIndex] ?? '').trim() : String(line);
    accounts.push({ id, history, defaulted: label });
  }
  return accounts;
}

/**
 * sha256 of the training rows exactly as the model saw them (id, history, label; nothing else), in
 * their order, so an artifact names the data it was trained on.
 */
export function fingerprintAccounts(accounts: readonly LabelledAccount[]): string {
  const hash = createHash('sha256');
  for (const account of accounts) {
    const { history } = account;
    const months = history.statements.map((s) => `${s.bill}/${s.paid}/${s.status}`).join(';');
    hash.update(`${account.id},${history.creditLimit},${history.education ?? ''},${months},${account.defaulted}\n`);
  }
  return `sha256:${hash.digest('hex')}`;
}
