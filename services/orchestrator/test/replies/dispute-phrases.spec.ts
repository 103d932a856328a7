import fc from 'fast-check';
import { voiceCallOutcome } from '../../src/channels/domain';
import { decideReply, saysDispute } from '../../src/replies/domain';

const CTX = { today: '2026-03-02', currency: 'COP' };
const ACCOUNT = { ...CTX, accountId: 'acc-1' };

// One phrase of each kind the list knows, as a debtor might type it.
const phrases = [
  'no reconozco esta deuda',
  'esa deuda no es mía',
  'no es mi deuda',
  'no le debo nada',
  'fraude',
  'estafa',
  'não reconheço essa dívida',
  'não é minha dívida',
  'não devo',
  'contesto essa cobrança',
  'golpe',
  "I don't owe this",
  'this is not my debt',
  'not mine',
  'I dispute this',
  "don't recognise",
  'fraud',
  'scam',
  'never opened',
];

describe(saysDispute.name, () => {
  describe('Spanish', () => {
    it.each<[string, boolean]>([
      ['No reconozco esta deuda', true],
      ['NO RECONOZCO ESTA DEUDA', true],
      ['no reconozco este cobro', true],
      ['eso ya lo pagué y no reconozco este cobro', true],
      ['no es mi deuda', true],
      ['Esa deuda no es mía', true],
      ['esa deuda no es mia', true],
      ['Yo no le debo nada a ustedes', true],
      ['desconozco esa obligación', true],
      ['disputo el saldo', true],
      ['Esto es un fraude', true],
      ['es una estafa', true],
      ['nunca saqué ese crédito', true],
      ['fue suplantación de identidad', true],
      ['no es fraude, voy a pagar el lunes', false],
      ['no la disputo, pago el viernes', false],
      ['no es fraude, pero nunca abrí esa cuenta', true],
      ['pago 500 el viernes', false],
      ['¿Cuánto debo?', false],
      ['te contesto mañana', false],
      ['no puedo pagar este mes', false],
      ['ya pagué', false],
      ['nunca tuve ese préstamo', true],
      ['nunca tuve dinero para pagar, pago el 30', false],
    ])('%j → %s', (text, dispute) => {
      expect(saysDispute(text)).toBe(dispute);
    });
  });

  describe('Portuguese', () => {
    it.each<[string, boolean]>([
      ['Não reconheço essa dívida', true],
      ['nao reconheco essa divida', true],
      ['Não é minha dívida', true],
      ['essa dívida não é minha', true],
      ['Não devo nada', true],
      ['desconheço esse débito', true],
      ['quero contestar essa cobrança', true],
      ['isso é golpe', true],
      ['nunca contratei esse empréstimo', true],
      ['não é golpe, vou pagar dia 15', false],
      ['vou pagar R$ 200 dia 15', false],
      ['não consigo pagar agora', false],
      ['nunca tive essa dívida', true],
      ['nunca tive condições de pagar, pago dia 10', false],
    ])('%j → %s', (text, dispute) => {
      expect(saysDispute(text)).toBe(dispute);
    });
  });

  describe('English', () => {
    it.each<[string, boolean]>([
      ['I dispute this debt, it is not mine', true],
      ["I don't owe this", true],
      ['I don’t owe this', true],
      ['i dont owe you anything', true],
      ['This is not my debt', true],
      ['this account is not mine', true],
      ["I don't recognize this charge", true],
      ['FRAUD', true],
      ['this is a scam', true],
      ['identity theft, I never opened this account', true],
      ["it's not a scam, I will pay on Friday", false],
      ["I don't dispute it, I'll pay $50 on Friday", false],
      ['I will pay 50 dollars on Friday', false],
      ["I can't pay until next month", false],
      ['I never had this loan', true],
      ['I never had the money, I will pay on the 30th', false],
    ])('%j → %s', (text, dispute) => {
      expect(saysDispute(text)).toBe(dispute);
    });
  });

  /** Words around the phrase that neither dispute nor deny one. */
  const filler = fc.array(fc.constantFrom('hola', 'señor', 'gracias', 'olá', 'hello', 'please', '500', '!', '?', ','), {
    maxLength: 4,
  });
  const marks = ['\u0301', '\u0300', '\u0302', '\u0303', '\u0308', '\u0327'];
  /** The phrase in any case and accent form, its spaces as any run of spaces, and its apostrophe in any form. */
  const written = (phrase: string) =>
    fc
      .tuple(
        fc.array(fc.tuple(fc.boolean(), fc.option(fc.constantFrom(...marks), { nil: undefined })), {
          minLength: phrase.length,
          maxLength: phrase.length,
        }),
        fc.constantFrom(' ', '  ', '\u00a0', '\n'),
        fc.constantFrom("'", '’', '`'),
        fc.constantFrom<'NFC' | 'NFD'>('NFC', 'NFD'),
      )
      .map(([chars, space, apostrophe, form]) =>
        [...phrase.normalize('NFD').replace(/[\u0300-\u036f]/g, '')]
          .map((c, i) => {
            if (c === ' ') return space;
            if (c === "'") return apostrophe;
            const [upper, mark] = chars[i] ?? [false, undefined];
            return (upper ? c.toUpperCase() : c) + (/[a-z]/i.test(c) && mark ? mark : '');
          })
          .join('')
          .normalize(form),
      );

  it('reads any text that contains a dispute phrase, in any case or accents, as a dispute', () => {
    fc.assert(
      fc.property(fc.constantFrom(...phrases).chain(written), filler, filler, (phrase, before, after) => {
        expect(saysDispute([...before, phrase, ...after].join(' '))).toBe(true);
      }),
    );
  });

  it('is the list the voice bot reads a call with', () => {
    fc.assert(
      fc.property(fc.constantFrom(...phrases).chain(written), (phrase) => {
        expect(voiceCallOutcome({ callStatus: 'in-progress', speech: `hmm ${phrase}` }, CTX)).toEqual({
          outcome: 'dispute',
        });
      }),
    );
  });
});

describe(decideReply.name, () => {
  it.each<[string, string]>([
    ['No reconozco esta deuda', 'es'],
    ['não é minha dívida', 'pt'],
    ['I dispute this debt, it is not mine', 'en'],
  ])('reads %j as a dispute to verify, in its language', (text, language) => {
    expect(decideReply(text, false, ACCOUNT)).toEqual({
      kind: 'dispute',
      language,
      reason: 'the debtor disputes the debt: verify it before any further contact',
    });
  });

  it('a dispute that names an amount and a date is a dispute, not an intent to pay', () => {
    expect(decideReply('no es mi deuda, pago 500 el viernes si me la demuestran', false, ACCOUNT).kind).toBe('dispute');
  });

  it('a denied dispute word leaves the intent to pay', () => {
    expect(decideReply('no es fraude, pago 500 el lunes', false, ACCOUNT)).toEqual({
      kind: 'payment-intent',
      intent: { language: 'es', amount: { amountMinor: 50_000, currency: 'COP' }, date: '2026-03-09' },
    });
  });

  it('a dispute from an address with no account is a dispute with nothing to hold', () => {
    expect(decideReply('this is not my debt', false, undefined)).toEqual({
      kind: 'dispute',
      language: 'en',
      reason: 'dispute from an address with no account: find the debtor and verify the debt before any further contact',
    });
  });

  it('an opt-out word alone is an opt-out; beside a dispute ("STOP fraude") it is a dispute', () => {
    expect(decideReply('STOP', true, ACCOUNT).kind).toBe('opt-out');
    expect(decideReply('BAJA por favor', true, ACCOUNT).kind).toBe('opt-out');
    expect(decideReply('STOP fraude', true, ACCOUNT).kind).toBe('dispute');
  });

  it('a dispute wins over an opt-out word and over any intent to pay in the same reply', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...phrases),
        fc.constantFrom('pago 500 el viernes', 'vou pagar R$ 200 dia 15', 'I will pay 5000 tomorrow', ''),
        fc.boolean(),
        (phrase, intent, optOut) => {
          const kind = decideReply(`${intent} ${phrase} ${intent}`, optOut, ACCOUNT).kind;
          expect(kind).toBe('dispute');
        },
      ),
    );
  });
});
