import { readCsvTable } from './csv-table';
import { MAX_PROBLEMS, ParseProblem, ParseResult, StatementLine, isCalendarDate, parseAmount } from './statement-line';

/** Required columns; value_date, counterparty_account and bank_reference are optional. */
export const BANK_CSV_COLUMNS = ['booking_date', 'amount', 'currency', 'reference'] as const;

/**
 * Bank statement CSV (format in docs/reconciliation.md): one transaction a line, a signed
 * decimal amount (negative = debit), ISO dates. Every bad line is reported with its line
 * number; a file with any bad line is refused whole so that a corrected file can be imported
 * without posting its good lines twice.
 */
export function parseBankCsv(text: string): ParseResult {
  const table = readCsvTable(text, BANK_CSV_COLUMNS);
  if (!table.ok) return table;
  const problems: ParseProblem[] = [];
  const lines: StatementLine[] = [];
  for (const row of table.rows) {
    const bad = (reason: string) => problems.push({ line: row.line, reason });
    const currency = row.get('currency');
    const rawAmount = row.get('amount');
    const negative = rawAmount.startsWith('-');
    const amount = parseAmount(negative ? rawAmount.slice(1) : rawAmount, currency);
    const bookingDate = row.get('booking_date');
    const valueDate = row.get('value_date') || bookingDate;
    if (!isCalendarDate(bookingDate)) bad(`booking_date "${bookingDate}" is not a date YYYY-MM-DD`);
    else if (!isCalendarDate(valueDate)) bad(`value_date "${valueDate}" is not a date YYYY-MM-DD`);
    else if ('reason' in amount) bad(amount.reason);
    else if (amount.minor === 0) bad('amount is zero');
    else {
      lines.push({
        entryIndex: lines.length + problems.length + 1,
        line: row.line,
        direction: negative ? 'debit' : 'credit',
        amountMinor: amount.minor,
        currency,
        valueDate,
        reference: row.get('reference'),
        counterpartyAccount: row.get('counterparty_account'),
        bankReference: row.get('bank_reference'),
        notPayable: negative ? 'debit: money left the account' : undefined,
      });
    }
    if (problems.length >= MAX_PROBLEMS) break;
  }
  if (problems.length) return { ok: false, problems };
  if (lines.length === 0)
    return { ok: false, problems: [{ line: 1, reason: 'the file has a header but no transactions' }] };
  return { ok: true, lines };
}
