import fc from 'fast-check';
import { AppError, money, toDecimalString } from '@collections/platform';
import {
  GENERIC_FIELDS,
  GenericFields,
  csvFields,
  jsonFields,
  parseAmount,
  parseCsvHeader,
  parseGenericRecord,
  splitCsvLine,
} from '../src/imports/domain/generic-format';
import { RowError, withValue } from '../src/imports/domain/row-error';

const currencies = ['USD', 'COP', 'MXN', 'JPY', 'CLP', 'KWD', 'BHD', 'EUR'] as const;

function reasonOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    // As the import report shows it: the value the reason quotes in its slot.
    if (err instanceof RowError) return withValue(err.message, err.value ?? '');
    throw err;
  }
}

const payment = (over: GenericFields = {}): GenericFields => ({
  record: 'payment',
  external_ref: 'A-1',
  currency: 'USD',
  reference: 'P-1',
  amount: '10.00',
  date: '2025-03-01',
  ...over,
});

describe(parseAmount.name, () => {
  it('round-trips every amount in minor units through its decimal string, in every currency', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...currencies),
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        (currency, minor) => {
          const decimal = toDecimalString(money(minor, currency));
          expect(parseAmount(decimal, currency, 'amount', 0)).toBe(minor);
        },
      ),
    );
  });

  it('reads fewer decimals than the currency has, and trailing zeros, exactly', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.integer({ min: 0, max: 99 }), (whole, cents) => {
        const sut = parseAmount(`${whole}.${String(cents).padStart(2, '0')}`, 'USD', 'amount', 0);
        expect(BigInt(sut)).toBe(whole * 100n + BigInt(cents));
        expect(parseAmount(`${whole}`, 'USD', 'amount', 0)).toBe(Number(whole * 100n));
      }),
    );
    expect(parseAmount('0.1', 'USD', 'amount', 0) + parseAmount('0.2', 'USD', 'amount', 0)).toBe(30);
  });

  it('refuses floats, exponents, grouping, excess decimals, zero and negatives where not allowed', () => {
    expect(reasonOf(() => parseAmount('1e3', 'USD', 'amount', 1))).toBe('amount: not a decimal amount: "1e3"');
    expect(reasonOf(() => parseAmount('1,000.00', 'USD', 'amount', 1))).toMatch(/not a decimal amount/);
    expect(reasonOf(() => parseAmount('10.5', 'JPY', 'amount', 1))).toBe(
      'amount: JPY allows at most 0 decimal places, got "10.5"',
    );
    expect(reasonOf(() => parseAmount('0.00', 'USD', 'amount', 1))).toBe('amount must be positive, got 0.00');
    expect(reasonOf(() => parseAmount('-1.00', 'USD', 'credit_limit', 0))).toBe(
      'credit_limit must be zero or positive, got -1.00',
    );
    expect(reasonOf(() => parseAmount('99999999999999999', 'USD', 'amount', 1))).toMatch(/out of range/);
  });
});

describe(splitCsvLine.name, () => {
  it('splits what a CSV writer joined, whatever the cells hold except line breaks', () => {
    const cell = fc.string().filter((s) => !/[\r\n]/.test(s));
    fc.assert(
      fc.property(fc.array(cell, { minLength: 1, maxLength: 8 }), (cells) => {
        const line = cells.map((c) => (/[",]/.test(c) || c === '' ? `"${c.replace(/"/g, '""')}"` : c)).join(',');
        expect(splitCsvLine(line)).toEqual(cells);
      }),
    );
  });

  it('names what is malformed', () => {
    expect(reasonOf(() => splitCsvLine('a,"b,c'))).toBe('malformed CSV: a quoted field is not closed on this line');
    expect(reasonOf(() => splitCsvLine('a,"b"c'))).toBe('malformed CSV: text after a closing quote at column 2');
    expect(reasonOf(() => splitCsvLine('a,b"c'))).toBe('malformed CSV: a quote inside an unquoted field at column 2');
  });
});

describe(parseCsvHeader.name, () => {
  it('accepts the documented columns in any order, and refuses a file with unknown or missing ones', () => {
    expect(parseCsvHeader([...GENERIC_FIELDS].reverse().join(','))).toEqual([...GENERIC_FIELDS].reverse());
    expect(() => parseCsvHeader('record,external_ref,amout')).toThrow(AppError);
    expect(() => parseCsvHeader('record,amount')).toThrow('the header has no external_ref column');
  });

  it('reads a line by the header and counts its columns', () => {
    const header = parseCsvHeader('record,external_ref,amount');
    expect(csvFields('payment, A-1 ,', header)).toEqual({ record: 'payment', external_ref: 'A-1' });
    expect(reasonOf(() => csvFields('payment,A-1', header))).toBe('malformed CSV: expected 3 columns, found 2');
  });
});

describe(jsonFields.name, () => {
  it('takes an object of strings; integers only for cycle and reported_status', () => {
    expect(jsonFields('{"record":"statement","cycle":3,"reported_status":null}')).toEqual({
      record: 'statement',
      cycle: '3',
    });
    expect(reasonOf(() => jsonFields('{"record":'))).toBe('invalid JSON');
    expect(reasonOf(() => jsonFields('[1]'))).toBe('invalid record: a line must be a JSON object');
    expect(reasonOf(() => jsonFields('{"amount":10.5}'))).toBe('amount must be a string');
    expect(reasonOf(() => jsonFields('{"amunt":"1"}'))).toBe('unknown field "amunt"');
  });
});

describe(parseGenericRecord.name, () => {
  it('reads an account with its debtor, money in minor units of its currency', () => {
    const sut = parseGenericRecord({
      record: 'account',
      external_ref: 'A-1',
      debtor_id: 'D-1',
      debtor_kind: 'person',
      debtor_name: 'Ana',
      debtor_country: 'CO',
      product: 'credit_card',
      currency: 'COP',
      credit_limit: '5000000.00',
      opening_balance: '1200.5',
      opened_on: '2025-01-10',
    });
    expect(sut).toMatchObject({
      record: 'account',
      creditLimitMinor: 500_000_000,
      openingBalanceMinor: 120_050,
      debtor: { id: 'D-1', timeZone: 'UTC', language: '', country: 'CO' },
    });
  });

  it('keeps a debtor’s language as given and invents none where the row gives none', () => {
    const account = (over: GenericFields) =>
      parseGenericRecord({
        record: 'account',
        external_ref: 'A-1',
        debtor_id: 'D-1',
        debtor_kind: 'person',
        debtor_name: 'Ana',
        debtor_country: 'FR',
        product: 'credit_card',
        currency: 'EUR',
        opened_on: '2025-01-10',
        ...over,
      });
    expect(account({})).toMatchObject({ debtor: { language: '' } });
    expect(account({ debtor_language: 'pt-BR' })).toMatchObject({ debtor: { language: 'pt-BR' } });
    expect(reasonOf(() => account({ debtor_language: 'French' }))).toBe(
      'debtor_language must be a BCP 47 language tag (es, pt-BR)',
    );
  });

  it.each<[string, GenericFields, string]>([
    ['an unknown record type', payment({ record: 'refund' }), 'unknown record type "refund"'],
    ['an unknown currency', payment({ currency: 'XXY' }), 'unknown currency "XXY"'],
    ['a lower-case currency', payment({ currency: 'usd' }), 'unknown currency "usd"'],
    ['a zero payment', payment({ amount: '0' }), 'amount must be positive'],
    ['a negative payment', payment({ amount: '-3.00' }), 'amount must be positive'],
    ['a date that does not exist', payment({ date: '2025-02-29' }), 'date is not a calendar date'],
    ['a date in another format', payment({ date: '01/03/2025' }), 'date is not a calendar date'],
    ['a missing reference', payment({ reference: undefined }), 'reference is required'],
    ['a missing account', payment({ external_ref: undefined }), 'external_ref is required'],
    ['an unknown charge kind', payment({ record: 'charge', kind: 'penalty' }), 'charge kind must be'],
    [
      'a minimum above the amount due',
      {
        record: 'statement',
        external_ref: 'A-1',
        currency: 'USD',
        cycle: '1',
        statement_date: '2025-01-31',
        due_date: '2025-02-25',
        amount_due: '10.00',
        minimum_due: '10.01',
      },
      'minimum_due is more than amount_due',
    ],
    [
      'a due date before the statement',
      {
        record: 'statement',
        external_ref: 'A-1',
        currency: 'USD',
        cycle: '1',
        statement_date: '2025-01-31',
        due_date: '2025-01-25',
        amount_due: '10.00',
      },
      'due_date is before statement_date',
    ],
  ])('rejects %s with a reason', (_, fields, reason) => {
    expect(reasonOf(() => parseGenericRecord(fields))).toContain(reason);
  });
});
