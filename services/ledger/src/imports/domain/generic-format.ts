import { ledger } from '@collections/contracts';
import { AppError, canonicalTimeZone, isCurrencyCode, parseDecimalToMinor } from '@collections/platform';
import { isLanguageTag } from '../../ledger/domain/language';
import { RowError, quoting } from './row-error';

/**
 * The generic portfolio format (docs/import-format.md): one record per line, in CSV with a
 * header naming these columns (any order, any subset containing `record` and `external_ref`)
 * or in NDJSON with the same names as keys. Money is an exact decimal string in the
 * currency's major units ("1234.50" USD, "1200" JPY); `external_ref` always names the account.
 */
export const GENERIC_FIELDS = [
  'record',
  'external_ref',
  'debtor_id',
  'debtor_kind',
  'debtor_name',
  'debtor_time_zone',
  'debtor_language',
  'debtor_country',
  'product',
  'currency',
  'credit_limit',
  'opening_balance',
  'opened_on',
  'cycle',
  'statement_date',
  'due_date',
  'amount_due',
  'minimum_due',
  'reported_status',
  'reference',
  'kind',
  'amount',
  'date',
] as const;

export type GenericField = (typeof GENERIC_FIELDS)[number];

export const PRODUCTS: Readonly<Record<string, ledger.Product>> = {
  credit_card: ledger.Product.PRODUCT_CREDIT_CARD,
  personal_loan: ledger.Product.PRODUCT_PERSONAL_LOAN,
  invoice: ledger.Product.PRODUCT_INVOICE,
  bnpl: ledger.Product.PRODUCT_BNPL,
  utility: ledger.Product.PRODUCT_UTILITY,
};

export interface GenericDebtor {
  id: string;
  kind: 'person' | 'company';
  /** PII: stored on the debtor, never logged. */
  name: string;
  timeZone: string;
  language: string;
  country: string;
}

export interface GenericAccount {
  record: 'account';
  externalRef: string;
  debtor: GenericDebtor;
  product: ledger.Product;
  currency: string;
  creditLimitMinor: number;
  /** What the debtor owes on the open date (a charge on that date); 0 = nothing. */
  openingBalanceMinor: number;
  openedOn: string;
}

export interface GenericStatement {
  record: 'statement';
  externalRef: string;
  currency: string;
  cycle: number;
  statementDate: string;
  dueDate: string;
  amountDueMinor: number;
  minimumDueMinor: number;
  reportedStatus: number | null;
}

export interface GenericPayment {
  record: 'payment';
  externalRef: string;
  /** The payment's own reference: posting it twice is refused. */
  reference: string;
  currency: string;
  amountMinor: number;
  date: string;
}

export interface GenericCharge {
  record: 'charge';
  externalRef: string;
  reference: string;
  kind: 'charge' | 'interest' | 'fee';
  currency: string;
  amountMinor: number;
  date: string;
}

export type GenericRecord = GenericAccount | GenericStatement | GenericPayment | GenericCharge;

export type GenericFields = Partial<Record<GenericField, string>>;

const MAX_TEXT = 200;

/**
 * Splits one CSV line (RFC 4180 quoting, comma separator). A record never spans lines: a quote
 * left open at the end of the line is a malformed line.
 */
export function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let cell = '';
      i += 1;
      for (;;) {
        const close = line.indexOf('"', i);
        if (close < 0) throw new RowError('malformed CSV: a quoted field is not closed on this line');
        cell += line.slice(i, close);
        if (line[close + 1] === '"') {
          cell += '"';
          i = close + 2;
          continue;
        }
        i = close + 1;
        break;
      }
      if (i < line.length && line[i] !== ',')
        throw new RowError(`malformed CSV: text after a closing quote at column ${cells.length + 1}`);
      cells.push(cell);
    } else {
      const comma = line.indexOf(',', i);
      const cell = comma < 0 ? line.slice(i) : line.slice(i, comma);
      if (cell.includes('"'))
        throw new RowError(`malformed CSV: a quote inside an unquoted field at column ${cells.length + 1}`);
      cells.push(cell);
      i = comma < 0 ? line.length : comma;
    }
    if (i >= line.length) return cells;
    i += 1; // the comma
    if (i === line.length) {
      cells.push('');
      return cells;
    }
  }
}

/** Reads the CSV header: the column names in file order. Throws AppError (the file is refused). */
export function parseCsvHeader(line: string): GenericField[] {
  let names: string[];
  try {
    names = splitCsvLine(line.replace(/^\uFEFF/, '')).map((n) => n.trim().toLowerCase());
  } catch (err) {
    throw AppError.invalid(`the header line is not valid CSV: ${(err as Error).message}`);
  }
  const known = new Set<string>(GENERIC_FIELDS);
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length) throw AppError.invalid(`unknown columns in the header: ${unknown.join(', ')}`);
  const twice = names.filter((n, i) => names.indexOf(n) !== i);
  if (twice.length) throw AppError.invalid(`columns named twice in the header: ${twice.join(', ')}`);
  for (const required of ['record', 'external_ref'])
    if (!names.includes(required)) throw AppError.invalid(`the header has no ${required} column`);
  return names as GenericField[];
}

export function csvFields(line: string, header: readonly GenericField[]): GenericFields {
  const cells = splitCsvLine(line);
  if (cells.length !== header.length)
    throw new RowError(`malformed CSV: expected ${header.length} columns, found ${cells.length}`);
  const fields: GenericFields = {};
  header.forEach((name, i) => {
    const v = cells[i].trim();
    if (v !== '') fields[name] = v;
  });
  return fields;
}

/** One NDJSON line: an object whose keys are the generic field names; money must be a string. */
export function jsonFields(line: string): GenericFields {
  let value: unknown;
  try {
    value = JSON.parse(line.replace(/^\uFEFF/, ''));
  } catch {
    throw new RowError('invalid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new RowError('invalid record: a line must be a JSON object');
  const known = new Set<string>(GENERIC_FIELDS);
  const fields: GenericFields = {};
  for (const [key, v] of Object.entries(value)) {
    if (!known.has(key)) throw quoting('unknown field "{value}"', key);
    if (v === null || v === '') continue;
    if (typeof v === 'number' && (key === 'cycle' || key === 'reported_status') && Number.isInteger(v))
      fields[key as GenericField] = String(v);
    else if (typeof v === 'string') fields[key as GenericField] = v.trim();
    else
      throw new RowError(
        `${key} must be a string${key === 'cycle' || key === 'reported_status' ? ' or an integer' : ''}`,
      );
  }
  return fields;
}

function text(f: GenericFields, name: GenericField): string {
  const v = f[name];
  if (v === undefined || v === '') throw new RowError(`${name} is required`);
  if (v.length > MAX_TEXT) throw new RowError(`${name} is longer than ${MAX_TEXT} characters`);
  return v;
}

/** A calendar date YYYY-MM-DD that exists (2025-02-30 does not). */
export function calendarDate(f: GenericFields, name: GenericField): string {
  const v = text(f, name);
  const valid = /^\d{4}-\d{2}-\d{2}$/.test(v) && new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) === v;
  if (!valid) throw quoting(`${name} is not a calendar date YYYY-MM-DD: "{value}"`, v);
  return v;
}

export function currencyOf(f: GenericFields): string {
  const v = text(f, 'currency');
  if (!/^[A-Z]{3}$/.test(v) || !isCurrencyCode(v)) throw quoting('unknown currency "{value}"', v);
  return v;
}

/**
 * An exact decimal in major units to integer minor units, without floating point: "12.34" USD
 * is 1234. `min` 0 allows zero, 1 requires a positive amount, `signed` allows any sign.
 */
export function parseAmount(value: string, currency: string, field: string, min: 0 | 1 | 'signed'): number {
  let minor: number;
  try {
    minor = parseDecimalToMinor(value, currency);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    // The platform's message quotes the amount (JSON): the reason keeps its words, the value its slot.
    const quoted = JSON.stringify(value);
    throw err.message.includes(quoted)
      ? quoting(`${field}: ${err.message.replace(quoted, '"{value}"')}`, value)
      : quoting(`${field} is not an amount in ${currency}: "{value}"`, value);
  }
  if (min !== 'signed' && minor < min)
    throw quoting(`${field} must be ${min === 0 ? 'zero or positive' : 'positive'}, got {value}`, value);
  return minor;
}

function amount(f: GenericFields, name: GenericField, currency: string, min: 0 | 1 | 'signed'): number {
  return parseAmount(text(f, name), currency, name, min);
}

function integer(f: GenericFields, name: GenericField, min: number, max: number): number {
  const v = text(f, name);
  const n = /^-?\d{1,9}$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < min || n > max)
    throw quoting(`${name} must be an integer from ${min} to ${max}: "{value}"`, v);
  return n;
}

/** The debtor's IANA time zone in its canonical spelling (`america/bogota` is stored as `America/Bogota`). */
function timeZone(f: GenericFields): string {
  const v = f.debtor_time_zone ?? 'UTC';
  const canonical = canonicalTimeZone(v);
  if (!canonical) throw quoting('debtor_time_zone "{value}" is not an IANA time zone', v);
  return canonical;
}

function parseAccount(f: GenericFields, externalRef: string): GenericAccount {
  const kind = text(f, 'debtor_kind');
  if (kind !== 'person' && kind !== 'company') throw new RowError('debtor_kind must be "person" or "company"');
  const country = text(f, 'debtor_country');
  if (!/^[A-Z]{2}$/.test(country)) throw new RowError('debtor_country must be an ISO 3166 alpha-2 code (CO, MX)');
  // Not given: '' (unknown), not guessed; the orchestrator writes in the country's language then.
  const language = f.debtor_language ?? '';
  if (language !== '' && !isLanguageTag(language))
    throw new RowError('debtor_language must be a BCP 47 language tag (es, pt-BR)');
  const productName = text(f, 'product');
  const product = PRODUCTS[productName];
  if (product === undefined)
    throw quoting(`unknown product "{value}" (one of ${Object.keys(PRODUCTS).join(', ')})`, productName);
  const currency = currencyOf(f);
  return {
    record: 'account',
    externalRef,
    debtor: { id: text(f, 'debtor_id'), kind, name: text(f, 'debtor_name'), timeZone: timeZone(f), language, country },
    product,
    currency,
    creditLimitMinor: f.credit_limit === undefined ? 0 : amount(f, 'credit_limit', currency, 0),
    openingBalanceMinor: f.opening_balance === undefined ? 0 : amount(f, 'opening_balance', currency, 0),
    // Its bounds (1900-01-01 to tomorrow in the debtor's time zone) are checked on import, by the clock.
    openedOn: calendarDate(f, 'opened_on'),
  };
}

function parseStatement(f: GenericFields, externalRef: string): GenericStatement {
  const currency = currencyOf(f);
  const statementDate = calendarDate(f, 'statement_date');
  const dueDate = calendarDate(f, 'due_date');
  if (dueDate < statementDate) throw new RowError('due_date is before statement_date');
  // As through the API: a credit statement (a negative amount due, a credit balance) asks for
  // nothing, so its minimum due is zero; otherwise the minimum due is at most the amount due.
  const amountDueMinor = amount(f, 'amount_due', currency, 'signed');
  const asked = Math.max(amountDueMinor, 0);
  const minimumDueMinor = f.minimum_due === undefined ? asked : amount(f, 'minimum_due', currency, 0);
  if (minimumDueMinor > asked)
    throw new RowError(
      amountDueMinor > 0
        ? 'minimum_due is more than amount_due'
        : 'minimum_due must be zero when amount_due is zero or negative (a credit balance)',
    );
  return {
    record: 'statement',
    externalRef,
    currency,
    cycle: integer(f, 'cycle', 1, 100_000),
    statementDate,
    dueDate,
    amountDueMinor,
    minimumDueMinor,
    reportedStatus: f.reported_status === undefined ? null : integer(f, 'reported_status', -2, 9),
  };
}

/** Validates one record's fields; throws RowError with the first problem found. */
export function parseGenericRecord(f: GenericFields): GenericRecord {
  const record = f.record;
  if (record === undefined) throw new RowError('record is required (account, statement, payment or charge)');
  if (!['account', 'statement', 'payment', 'charge'].includes(record))
    throw quoting('unknown record type "{value}" (account, statement, payment or charge)', record);
  const externalRef = text(f, 'external_ref');
  if (record === 'account') return parseAccount(f, externalRef);
  if (record === 'statement') return parseStatement(f, externalRef);
  const currency = currencyOf(f);
  const reference = text(f, 'reference');
  const amountMinor = amount(f, 'amount', currency, 1);
  const date = calendarDate(f, 'date');
  if (record === 'payment') return { record, externalRef, reference, currency, amountMinor, date };
  const kind = f.kind ?? 'charge';
  if (kind !== 'charge' && kind !== 'interest' && kind !== 'fee')
    throw quoting('charge kind must be charge, interest or fee: "{value}"', kind);
  return { record: 'charge', externalRef, reference, kind, currency, amountMinor, date };
}
