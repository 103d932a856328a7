import { readCsvTable } from './csv-table';
import { MAX_PROBLEMS, ParseProblem, ParseResult, StatementLine, parseAmount } from './statement-line';

export const GATEWAY_CSV_COLUMNS = ['id', 'type', 'amount', 'fee', 'currency', 'reference', 'created'] as const;

/** Gateway transaction types that are money paid in by a debtor; the rest are recorded only. */
const PAYMENT_TYPES = new Set(['charge', 'payment']);
const KNOWN_TYPES = new Set([...PAYMENT_TYPES, 'refund', 'chargeback', 'payout', 'adjustment', 'fee']);
const ISO_INSTANT = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Payment-gateway settlement CSV, in the shape of a balance-transactions export (see
 * docs/reconciliation.md): charges are credits to match; the gross amount is what the debtor
 * paid (the fee is the gateway's price to us, not the debtor's). A chargeback, whose reference
 * is the id of the charge it takes back, is a return of that charge (`returnOf`). Refunds, payouts
 * and the like are recorded and never posted. Any bad line refuses the file, with its line number.
 */
export function parseGatewayCsv(text: string): ParseResult {
  const table = readCsvTable(text, GATEWAY_CSV_COLUMNS);
  if (!table.ok) return table;
  const problems: ParseProblem[] = [];
  const lines: StatementLine[] = [];
  const seenIds = new Map<string, number>();
  for (const row of table.rows) {
    const bad = (reason: string) => problems.push({ line: row.line, reason });
    const id = row.get('id');
    const type = row.get('type').toLowerCase();
    const currency = row.get('currency').toUpperCase();
    const rawAmount = row.get('amount');
    const negative = rawAmount.startsWith('-');
    const amount = parseAmount(negative ? rawAmount.slice(1) : rawAmount, currency);
    const fee = parseAmount(row.get('fee') || '0', currency);
    const created = ISO_INSTANT.exec(row.get('created'));
    if (!id) bad('id is empty');
    else if (seenIds.has(id)) bad(`id ${id} already appeared on line ${seenIds.get(id)}`);
    else if (!KNOWN_TYPES.has(type)) bad(`type "${row.get('type')}" is not one of ${[...KNOWN_TYPES].join(', ')}`);
    else if ('reason' in amount) bad(amount.reason);
    else if ('reason' in fee) bad(`fee: ${fee.reason}`);
    else if (!created || Number.isNaN(Date.parse(row.get('created'))))
      bad(`created "${row.get('created')}" is not an ISO 8601 instant like 2026-03-01T10:15:00Z`);
    else if (PAYMENT_TYPES.has(type) && (negative || amount.minor === 0))
      bad(`a ${type} must have a positive amount, got ${rawAmount}`);
    else {
      const payment = PAYMENT_TYPES.has(type);
      lines.push({
        entryIndex: lines.length + problems.length + 1,
        line: row.line,
        direction: payment ? 'credit' : 'debit',
        amountMinor: amount.minor,
        currency,
        valueDate: created[1],
        reference: row.get('reference'),
        counterpartyAccount: '',
        bankReference: id,
        notPayable: payment ? undefined : `${type}: not money paid in by a debtor`,
        // A chargeback takes a charge back: its reference names the charge (its id).
        ...(type === 'chargeback' && {
          returnOf: { links: [row.get('reference')].filter((r) => r !== ''), reason: 'chargeback' as const },
        }),
      });
    }
    if (id && !seenIds.has(id)) seenIds.set(id, row.line);
    if (problems.length >= MAX_PROBLEMS) break;
  }
  if (problems.length) return { ok: false, problems };
  if (lines.length === 0)
    return { ok: false, problems: [{ line: 1, reason: 'the file has a header but no transactions' }] };
  return { ok: true, lines };
}
