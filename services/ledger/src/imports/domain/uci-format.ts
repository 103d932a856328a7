import { addCalendarDays } from '@collections/platform';
import { EntryKind } from '../../ledger/domain/journal';
import { RowError, quoting } from './row-error';

export { RowError } from './row-error';

/**
 * The UCI "default of credit card clients" format (../shared/datasets/uci-credit-default):
 * ID, X1 limit, X2 sex, X3 education, X4 marital status, X5 age, X6..X11 repayment status
 * Sep..Apr 2005, X12..X17 bills Sep..Apr, X18..X23 payments Sep..Apr, Y.
 * The ledger keeps what collections needs: limit, six statements, payments and the reported
 * status per cycle. Sex, marital status and age are protected and never imported.
 */
export const UCI_HEADER = ['ID', ...Array.from({ length: 23 }, (_, i) => `X${i + 1}`), 'Y'];

export interface UciAccount {
  clientId: string;
  limit: number;
  /** Oldest first: cycle 1 = April 2005 ... cycle 6 = September 2005. */
  statuses: number[];
  bills: number[];
  payments: number[];
}

/** Parses one data line; throws RowError with the reason a person can act on. */
export function parseUciLine(line: string): UciAccount {
  const cells = line.split(',');
  if (cells.length !== UCI_HEADER.length)
    throw new RowError(`expected ${UCI_HEADER.length} columns, found ${cells.length}`);
  const values = cells.map((c, i) => {
    const v = c.trim();
    // Spreadsheet exports write some limits as 2.00E+05: accepted when the value is a whole number.
    const n = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(v) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n)) throw quoting(`column ${UCI_HEADER[i]} is not an integer: "{value}"`, v);
    return n;
  });
  const [id, limit] = values;
  if (id <= 0) throw new RowError('ID must be a positive integer');
  if (limit <= 0) throw new RowError('X1 (credit limit) must be positive');
  const statuses = values.slice(6, 12).reverse();
  if (statuses.some((s) => s < -2 || s > 9)) throw new RowError('repayment status (X6..X11) must be between -2 and 9');
  const payments = values.slice(18, 24).reverse();
  if (payments.some((p) => p < 0)) throw new RowError('payments (X18..X23) cannot be negative');
  return { clientId: String(id), limit, statuses, bills: values.slice(12, 18).reverse(), payments };
}

export interface PlannedEntry {
  key: string;
  kind: EntryKind;
  /** Signed change of the receivable principal. */
  principalDelta: number;
  amount: number;
  effectiveDate: string;
}

export interface PlannedStatement {
  cycle: number;
  statementDate: string;
  dueDate: string;
  amountDue: number;
  minimumDue: number;
  reportedStatus: number;
}

/** Month-end statement dates of the six cycles, and the 15th of each month for payments. */
const CYCLE_MONTHS = ['2005-04', '2005-05', '2005-06', '2005-07', '2005-08', '2005-09'];
const MONTH_END = ['2005-04-30', '2005-05-31', '2005-06-30', '2005-07-31', '2005-08-31', '2005-09-30'];
const DUE_DAYS_AFTER_STATEMENT = 25;
/** The file gives no minimum payment: 10% of the bill, as many issuers require. */
export const UCI_MINIMUM_DUE_SHARE = 0.1;

/**
 * Rebuilds an account's journal from its six statements and payments (amounts × scale into
 * minor units): the payment of month k settles part of bill k-1, and the charges of month k
 * bring the balance to bill k at the statement date. The opening balance is the first
 * payment, so the balance at every statement date equals the bill on file.
 */
export function planUciAccount(
  a: UciAccount,
  scale: number,
): { statements: PlannedStatement[]; entries: PlannedEntry[] } {
  const entries: PlannedEntry[] = [];
  const bills = a.bills.map((b) => b * scale);
  const payments = a.payments.map((p) => p * scale);
  let previousBill = payments[0];
  if (previousBill > 0) {
    entries.push({
      key: 'open',
      kind: EntryKind.Charge,
      principalDelta: previousBill,
      amount: previousBill,
      effectiveDate: '2005-03-31',
    });
  }
  const statements: PlannedStatement[] = [];
  for (let k = 0; k < 6; k++) {
    if (payments[k] > 0) {
      entries.push({
        key: `pay:${k + 1}`,
        kind: EntryKind.Payment,
        principalDelta: -payments[k],
        amount: payments[k],
        effectiveDate: `${CYCLE_MONTHS[k]}-15`,
      });
    }
    const charges = bills[k] - previousBill + payments[k];
    if (charges > 0)
      entries.push({
        key: `charge:${k + 1}`,
        kind: EntryKind.Charge,
        principalDelta: charges,
        amount: charges,
        effectiveDate: MONTH_END[k],
      });
    if (charges < 0)
      entries.push({
        key: `credit:${k + 1}`,
        kind: EntryKind.Adjustment,
        principalDelta: charges,
        amount: charges,
        effectiveDate: MONTH_END[k],
      });
    previousBill = bills[k];
    statements.push({
      cycle: k + 1,
      statementDate: MONTH_END[k],
      dueDate: addCalendarDays(MONTH_END[k], DUE_DAYS_AFTER_STATEMENT),
      amountDue: bills[k],
      minimumDue: Math.max(0, Math.min(bills[k], Math.round(bills[k] * UCI_MINIMUM_DUE_SHARE))),
      reportedStatus: a.statuses[k],
    });
  }
  return { statements, entries };
}
