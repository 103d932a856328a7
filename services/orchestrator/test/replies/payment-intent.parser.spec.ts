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
    expect(parsePaymentIntent('pago el 31', { today: '2026-04-05', currency: 'COP' })?.date).toBe('2026-04-30');
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
