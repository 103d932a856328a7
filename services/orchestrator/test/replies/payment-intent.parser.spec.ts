import fc from 'fast-check';
import { minorUnitDigits } from '@collections/platform';
import { findAmount, normalizeReply, parsePaymentIntent, replyLanguage } from '../../src/replies/domain';

// Monday 2 March 2026, the debtor's local day.
const TODAY = '2026-03-02';

type Case = [string, string, ReturnType<typeof parsePaymentIntent>];
const money = (amountMinor: number, currency: string) => ({ amountMinor, currency });

describe(parsePaymentIntent.name, () => {
  describe('Spanish (COP / MXN)', () => {
    it.each<Case>([
      ['pago 500 el viernes', 'COP', { language: 'es', amount: money(50_000, 'COP'), date: '2026-03-06' }],
      [
        'Te pago $1.500.000 el 15 de marzo',
        'COP',
        { language: 'es', amount: money(150_000_000, 'COP'), date: '2026-03-15' },
      ],
      ['Voy a pagar mañana', 'COP', { language: 'es', date: '2026-03-03' }],
      [
        'puedo pagar 200 mil pesos a fin de mes',
        'COP',
        { language: 'es', amount: money(20_000_000, 'COP'), date: '2026-03-31' },
      ],
      ['Pagaré el día 1', 'MXN', { language: 'es', date: '2026-04-01' }],
      ['le pago el viernes en la mañana', 'MXN', { language: 'es', date: '2026-03-06' }],
      ['abono 300 a las 5 pm', 'MXN', { language: 'es', amount: money(30_000, 'MXN') }],
      ['pago en 3 días', 'MXN', { language: 'es', date: '2026-03-05' }],
      ['deposito 1.234,56 hoy', 'MXN', { language: 'es', amount: money(123_456, 'MXN'), date: TODAY }],
      ['el lunes le pago 80 dólares', 'MXN', { language: 'es', amount: money(8_000, 'USD'), date: '2026-03-09' }],
      ['Pago 45.000 el 20/03', 'CLP', { language: 'es', amount: money(45_000, 'CLP'), date: '2026-03-20' }],
      ['no puedo pagar 500 el viernes', 'COP', undefined],
      ['¿Cuánto debo?', 'COP', undefined],
      ['ya pagué', 'COP', undefined],
    ])('%j (%s)', (text, currency, expected) => {
      expect(parsePaymentIntent(text, { today: TODAY, currency })).toEqual(expected);
    });
  });

  describe('Portuguese (BRL)', () => {
    it.each<Case>([
      ['vou pagar R$ 200 dia 15', 'BRL', { language: 'pt', amount: money(20_000, 'BRL'), date: '2026-03-15' }],
      ['Pago amanhã', 'BRL', { language: 'pt', date: '2026-03-03' }],
      [
        'posso pagar 1.500,00 reais na sexta-feira',
        'BRL',
        { language: 'pt', amount: money(150_000, 'BRL'), date: '2026-03-06' },
      ],
      [
        'consigo pagar 2 mil no dia 10/04',
        'BRL',
        { language: 'pt', amount: money(200_000, 'BRL'), date: '2026-04-10' },
      ],
      ['depois de amanhã eu pago 50', 'BRL', { language: 'pt', amount: money(5_000, 'BRL'), date: '2026-03-04' }],
      ['vou pagar no fim do mês', 'BRL', { language: 'pt', date: '2026-03-31' }],
      ['Pagarei dia 31 de março', 'BRL', { language: 'pt', date: '2026-03-31' }],
      ['não vou pagar nada', 'BRL', undefined],
      ['quem é você?', 'BRL', undefined],
    ])('%j (%s)', (text, currency, expected) => {
      expect(parsePaymentIntent(text, { today: TODAY, currency })).toEqual(expected);
    });
  });

  describe('English (USD)', () => {
    it.each<Case>([
      ['I will pay $50 on Friday', 'USD', { language: 'en', amount: money(5_000, 'USD'), date: '2026-03-06' }],
      ["I'll pay 1,250.75 on March 20th", 'USD', { language: 'en', amount: money(125_075, 'USD'), date: '2026-03-20' }],
      ['I can pay $100 tomorrow', 'USD', { language: 'en', amount: money(10_000, 'USD'), date: '2026-03-03' }],
      ['I will pay on the 10th', 'USD', { language: 'en', date: '2026-03-10' }],
      ["I'll pay 40 bucks on 3/15", 'USD', { language: 'en', amount: money(4_000, 'USD'), date: '2026-03-15' }],
      ["I'll pay you $200 next monday", 'USD', { language: 'en', amount: money(20_000, 'USD'), date: '2026-03-09' }],
      ['I will pay 50 dollars at 5pm', 'USD', { language: 'en', amount: money(5_000, 'USD') }],
      ['I will pay $75 on February 10', 'USD', { language: 'en', amount: money(7_500, 'USD'), date: '2027-02-10' }],
      ["I can't pay this month", 'USD', undefined],
      ['I will pay', 'USD', undefined],
      ['Who is this?', 'USD', undefined],
    ])('%j (%s)', (text, currency, expected) => {
      expect(parsePaymentIntent(text, { today: TODAY, currency })).toEqual(expected);
    });
  });

  it('reads dates from the debtor\'s day: "mañana" on the last day of the year is New Year\'s Day', () => {
    expect(parsePaymentIntent('pago mañana', { today: '2026-12-31', currency: 'COP' })?.date).toBe('2027-01-01');
  });
});

/** The calendar date `days` after `ymd`, by the platform's own Date (the oracle, not the parser's calendar). */
function plusDays(ymd: string, days: number): string {
  const [y, m, d] = ymd.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

const ordinal = (n: number) =>
  `${n}${n % 10 === 1 && n !== 11 ? 'st' : n % 10 === 2 && n !== 12 ? 'nd' : n % 10 === 3 && n !== 13 ? 'rd' : 'th'}`;

describe('a day of the month ("el 30", "dia 30", "on the 30th")', () => {
  const dateOf = (text: string, today: string) => parsePaymentIntent(text, { today, currency: 'COP' })?.date;

  it.each([
    // The month has no such day: the next month that has it, never today or the month's last day.
    ['pago el 30', '2027-02-28', '2027-03-30'],
    ['pago el 30', '2027-01-31', '2027-03-30'],
    ['pago el 31', '2026-04-01', '2026-05-31'],
    ['pago el 31', '2026-04-05', '2026-05-31'],
    ['pago el 29', '2027-02-10', '2027-03-29'],
    ['pago el 29', '2028-02-10', '2028-02-29'],
    ['vou pagar dia 31', '2026-06-15', '2026-07-31'],
    ['I will pay on the 31st', '2026-09-30', '2026-10-31'],
    ['I will pay on the 30th', '2026-12-31', '2027-01-30'],
    // The day itself, and a day already past this month.
    ['pago el 28', '2027-02-28', '2027-02-28'],
    ['pago el 15', '2026-12-20', '2027-01-15'],
  ])('%j on %s is %s', (text, today, expected) => {
    expect(dateOf(text, today)).toBe(expected);
  });

  it('is the first date on or after today with that day of the month, in any language, any day of any year', () => {
    const phrasings = [
      (n: number) => `pago el ${n}`,
      (n: number) => `vou pagar dia ${n}`,
      (n: number) => `I will pay on the ${ordinal(n)}`,
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 200 * 366 }).map((days) => plusDays('1950-01-01', days)),
        fc.integer({ min: 1, max: 31 }),
        fc.constantFrom(...phrasings),
        (today, n, phrase) => {
          const date = dateOf(phrase(n), today);
          expect(date).toBeDefined();
          expect(date! >= today).toBe(true);
          expect(Number(date!.slice(8))).toBe(n);
          for (let d = today; d < date!; d = plusDays(d, 1)) expect(Number(d.slice(8))).not.toBe(n);
        },
      ),
    );
  });
});

describe('a date that does not exist (or has passed) is refused, not rolled over or read as something else', () => {
  it.each([
    ['pago 500 el 30 de febrero', '2027-02-10'],
    ['pagaré el 31 de abril', '2027-02-10'],
    ['pago el 30/02', '2027-02-10'],
    ['pago 45.000 el 31/06', '2027-02-10'],
    ['vou pagar R$ 200 dia 30/02/2028', '2027-02-10'],
    ['I will pay $50 on February 30', '2027-02-10'],
    ["I'll pay 40 bucks on 2/30", '2027-02-10'],
    ['I will pay on the 31st of April', '2027-02-10'],
    // 29 February of a common year; the coming February (this year's) has none.
    ['pago el 29 de febrero', '2027-01-10'],
    ['pago el 29/02/2027', '2027-01-10'],
    // A date with its year that has passed is not some day this month.
    ['pago el 15/03/2026', '2027-01-10'],
  ])('%j on %s', (text, today) => {
    expect(parsePaymentIntent(text, { today, currency: 'COP' })).toBeUndefined();
  });

  it('reads 29 February when the coming February has one', () => {
    expect(parsePaymentIntent('pago el 29 de febrero', { today: '2027-03-05', currency: 'COP' })?.date).toBe(
      '2028-02-29',
    );
    expect(parsePaymentIntent('pago el 29/02', { today: '2028-01-10', currency: 'COP' })?.date).toBe('2028-02-29');
  });
});

describe(replyLanguage.name, () => {
  it.each([
    ['¿Por qué me escriben? No entiendo', 'es'],
    ['Não reconheço essa dívida, obrigado', 'pt'],
    ['Please stop texting me, I am not the debtor', 'en'],
  ])('%j is %s', (text, language) => {
    expect(replyLanguage(text)).toBe(language);
  });
});

describe(findAmount.name, () => {
  const currencies = ['USD', 'BRL', 'MXN', 'COP', 'CLP', 'PEN'];
  const locales = ['en-US', 'es-MX', 'pt-BR', 'es-CO', 'es-CL', 'es-PE'];

  it("reads back any amount as the debtor's locale writes it with its currency", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 ** 13 }),
        fc.constantFrom(...currencies),
        fc.constantFrom(...locales),
        (amountMinor, currency, locale) => {
          const digits = minorUnitDigits(currency);
          const text = new Intl.NumberFormat(locale, {
            style: 'currency',
            currency,
            minimumFractionDigits: digits,
            maximumFractionDigits: digits,
          }).format(amountMinor / 10 ** digits);
          expect(findAmount(normalizeReply(`pago ${text} el viernes`), currency)).toEqual({ amountMinor, currency });
        },
      ),
    );
  });

  it('reads whole amounts grouped either way, with or without separators', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 ** 11 }),
        fc.constantFrom('.', ',', ''),
        fc.constantFrom('COP', 'BRL', 'USD', 'CLP'),
        (units, separator, currency) => {
          const grouped = String(units).replace(/\B(?=(\d{3})+(?!\d))/g, separator);
          const expected = units * 10 ** minorUnitDigits(currency);
          expect(findAmount(normalizeReply(`vou pagar ${grouped} amanhã`), currency)).toEqual({
            amountMinor: expected,
            currency,
          });
        },
      ),
    );
  });

  it('never answers a non-positive or fractional number of minor units', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.constantFrom('USD', 'CLP', 'BRL'), (text, currency) => {
        const amount = findAmount(normalizeReply(text), currency);
        if (amount) {
          expect(Number.isSafeInteger(amount.amountMinor)).toBe(true);
          expect(amount.amountMinor).toBeGreaterThan(0);
        }
      }),
    );
  });
});
