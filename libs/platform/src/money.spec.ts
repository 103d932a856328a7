import fc from 'fast-check';
import { AppError, ErrorCode } from './errors';
import {
  addMoney,
  compareMoney,
  formatMoney,
  isZeroMoney,
  minorUnitDigits,
  money,
  negateMoney,
  parseDecimalToMinor,
  subtractMoney,
  toDecimalString,
} from './money';

const currencies = ['USD', 'JPY', 'CLP', 'COP', 'KWD', 'EUR', 'MXN', 'PEN'] as const;
const anyCurrency = fc.constantFrom(...currencies);
/** Half the safe range, so sums of two never overflow. */
const halfSafe = Math.floor(Number.MAX_SAFE_INTEGER / 2);
const amount = fc.integer({ min: -halfSafe, max: halfSafe });

function codeOf(fn: () => unknown): ErrorCode | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
  return undefined;
}

describe(money.name, () => {
  it('rejects fractional amounts, which would mean float arithmetic crept in', () => {
    expect(codeOf(() => money(12.5, 'USD'))).toBe(ErrorCode.InvalidArgument);
    expect(codeOf(() => money(Number.MAX_SAFE_INTEGER + 1, 'USD'))).toBe(ErrorCode.InvalidArgument);
    expect(codeOf(() => money(Number.NaN, 'USD'))).toBe(ErrorCode.InvalidArgument);
  });

  it('rejects anything that is not an ISO 4217 code', () => {
    expect(codeOf(() => money(100, 'usd'))).toBe(ErrorCode.InvalidArgument);
    expect(codeOf(() => money(100, 'ABC'))).toBe(ErrorCode.InvalidArgument);
  });
});

describe(minorUnitDigits.name, () => {
  it.each([
    ['USD', 2],
    ['JPY', 0],
    ['CLP', 0],
    ['COP', 2],
    ['KWD', 3],
    ['IQD', 3],
  ])('knows %s has %i minor-unit digits', (currency, digits) => {
    expect(minorUnitDigits(currency)).toBe(digits);
  });
});

describe('money arithmetic', () => {
  it('adds and subtracts amounts in the same currency', () => {
    const sut = addMoney(money(1050, 'USD'), money(-50, 'USD'));

    expect(sut).toEqual(money(1000, 'USD'));
    expect(subtractMoney(sut, money(1000, 'USD'))).toEqual(money(0, 'USD'));
    expect(isZeroMoney(subtractMoney(sut, money(1000, 'USD')))).toBe(true);
    expect(negateMoney(sut)).toEqual(money(-1000, 'USD'));
  });

  it('refuses to mix currencies', () => {
    expect(codeOf(() => addMoney(money(1, 'USD'), money(1, 'COP')))).toBe(ErrorCode.InvalidArgument);
    expect(codeOf(() => compareMoney(money(1, 'USD'), money(1, 'COP')))).toBe(ErrorCode.InvalidArgument);
  });

  it('refuses results beyond the safe integer range instead of losing cents', () => {
    expect(codeOf(() => addMoney(money(Number.MAX_SAFE_INTEGER, 'USD'), money(1, 'USD')))).toBe(
      ErrorCode.InvalidArgument,
    );
  });

  it('orders amounts', () => {
    const sorted = [money(300, 'USD'), money(-5, 'USD'), money(20, 'USD')].sort(compareMoney);

    expect(sorted.map((m) => m.amountMinor)).toEqual([-5, 20, 300]);
  });

  it('undoes an addition with the matching subtraction (property)', () => {
    fc.assert(
      fc.property(anyCurrency, amount, amount, (currency, a, b) => {
        const x = money(a, currency);
        const y = money(b, currency);
        expect(subtractMoney(addMoney(x, y), y)).toEqual(x);
      }),
    );
  });
});

describe(toDecimalString.name, () => {
  it.each([
    [1234, 'USD', '12.34'],
    [-5, 'USD', '-0.05'],
    [7, 'KWD', '0.007'],
    [1500, 'JPY', '1500'],
    [0, 'COP', '0.00'],
  ])('writes %i %s as %s', (amountMinor, currency, expected) => {
    expect(toDecimalString(money(amountMinor, currency))).toBe(expected);
  });
});

describe(parseDecimalToMinor.name, () => {
  it('converts a decimal string to minor units', () => {
    expect(parseDecimalToMinor('12.34', 'USD')).toBe(1234);
    expect(parseDecimalToMinor('12.3', 'USD')).toBe(1230);
    expect(parseDecimalToMinor('-0.5', 'USD')).toBe(-50);
    expect(parseDecimalToMinor('1.234', 'KWD')).toBe(1234);
    expect(parseDecimalToMinor('1500', 'JPY')).toBe(1500);
  });

  it.each([
    ['12.345', 'USD'],
    ['10.5', 'JPY'],
    ['1,234.00', 'USD'],
    ['1e3', 'USD'],
    ['+5', 'USD'],
    [' 5', 'USD'],
    ['.5', 'USD'],
    ['5.', 'USD'],
    ['', 'USD'],
    ['abc', 'USD'],
    ['99999999999999999', 'USD'],
  ])('rejects %j in %s', (decimal, currency) => {
    expect(codeOf(() => parseDecimalToMinor(decimal, currency))).toBe(ErrorCode.InvalidArgument);
  });

  it('reads back exactly what toDecimalString wrote (property)', () => {
    fc.assert(
      fc.property(anyCurrency, fc.maxSafeInteger(), (currency, amountMinor) => {
        const m = money(amountMinor, currency);
        expect(parseDecimalToMinor(toDecimalString(m), currency)).toBe(m.amountMinor);
      }),
    );
  });
});

describe(formatMoney.name, () => {
  it('formats per locale with the currency’s minor-unit digits', () => {
    expect(formatMoney(money(123456, 'USD'), 'en-US')).toBe('$1,234.56');
    expect(formatMoney(money(1500, 'JPY'), 'en-US')).toBe('¥1,500');
    expect(formatMoney(money(1234, 'KWD'), 'en-US')).toMatch(/^KWD\s1\.234$/);
  });

  it('keeps every cent of amounts too large for a float to hold exactly', () => {
    expect(formatMoney(money(Number.MAX_SAFE_INTEGER, 'USD'), 'en-US')).toBe('$90,071,992,547,409.91');
  });

  it('formats negative amounts in the locale’s style', () => {
    expect(formatMoney(money(-123450, 'COP'), 'es-CO')).toMatch(/^-\$\s1\.234,50$/);
  });
});
