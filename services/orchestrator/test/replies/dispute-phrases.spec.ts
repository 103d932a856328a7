import fc from 'fast-check';
import { voiceCallOutcome } from '../../src/channels/domain';
import { REPLY_LANGUAGES, decideReply, replyLanguage, saysDispute } from '../../src/replies/domain';
import { LOCALES } from '../../src/templates/domain/template.catalogue';

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
  'je ne dois rien',
  'je ne reconnais pas',
  "ce n'est pas ma dette",
  'je conteste',
  'fraude',
  'arnaque',
  "usurpation d'identité",
  'ich schulde nichts',
  'erkenne die Forderung nicht an',
  'nicht meine Schulden',
  'ich widerspreche',
  'Betrug',
  'Identitätsdiebstahl',
  'non devo nulla',
  'non riconosco',
  'non è il mio debito',
  'contesto il debito',
  'truffa',
  "furto d'identità",
  'ik ben niets verschuldigd',
  'ik erken deze schuld niet',
  'niet mijn schulden',
  'ik betwist',
  'oplichting',
  'identiteitsfraude',
  'nic nie jestem winien',
  'nic nie jestem winna',
  'nie uznaję',
  'to nie mój dług',
  'kwestionuję',
  'oszustwo',
  'kradzież tożsamości',
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
      // A claim of payment is read by `saysPaid` (paid-claims.spec.ts): a dispute with its own reason.
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

  describe('French', () => {
    it.each<[string, boolean]>([
      ['Je ne reconnais pas cette dette', true],
      ['JE NE RECONNAIS PAS CETTE DETTE', true],
      ['je ne vous dois rien', true],
      ['je dois rien du tout', true],
      ["Ce n'est pas ma dette", true],
      ['c’est pas mon crédit', true],
      ['je conteste cette somme', true],
      ['je la conteste', true],
      ["c'est une arnaque", true],
      ['escroquerie !', true],
      ["victime d'usurpation d'identité", true],
      ["je n'ai jamais ouvert ce compte", true],
      ["ce n'est pas une arnaque, je paierai lundi", false],
      ['je ne conteste pas, je paie vendredi', false],
      ["ce n'est pas une arnaque, mais je n'ai jamais signé ce contrat", true],
      ['je ne dois pas oublier de payer demain', false],
      ['je vous réponds demain', false],
      ['je paierai 200 euros vendredi', false],
    ])('%j → %s', (text, dispute) => {
      expect(saysDispute(text)).toBe(dispute);
    });
  });

  describe('German', () => {
    it.each<[string, boolean]>([
      ['Ich schulde Ihnen nichts', true],
      ['ich schulde nichts', true],
      ['Ich erkenne die Forderung nicht an', true],
      ['die Forderung erkenne ich nicht an', true],
      ['Das sind nicht meine Schulden', true],
      ['diese Rechnung ist nicht meine', true],
      ['Ich widerspreche der Forderung', true],
      ['ich bestreite die Forderung', true],
      ['Das ist Betrug', true],
      ['Identitätsdiebstahl!', true],
      ['ich habe nie einen Vertrag abgeschlossen', true],
      // Alone, "nicht meine Schuld" may mean "not my debt": when in doubt, a dispute.
      ['Das ist nicht meine Schuld', true],
      // With what the fault is, it is "not my fault": an agent reads it (German intents go to review).
      ['Es ist nicht meine Schuld, dass ich spät zahle, ich zahle nächste Woche', false],
      ['nicht meine Schuld dass die Überweisung fehlt', false],
      ['Das ist kein Betrug, ich zahle am Montag', false],
      ['ich widerspreche nicht, ich zahle am Freitag', false],
      ['kein Betrug, aber das sind nicht meine Schulden', true],
      ['ich zahle 100 Euro am Freitag', false],
      ['Wer sind Sie?', false],
    ])('%j → %s', (text, dispute) => {
      expect(saysDispute(text)).toBe(dispute);
    });
  });

  describe('Italian', () => {
    it.each<[string, boolean]>([
      ['Non devo nulla', true],
      ['non vi devo niente', true],
      ['Non riconosco questo debito', true],
      ['non lo riconosco', true],
      ['Non è il mio debito', true],
      ['questo debito non è mio', true],
      ['contesto il debito', true],
      ["contesto l'importo", true],
      ['è una truffa', true],
      ["furto d'identità", true],
      ['furto di identità', true],
      ['non ho mai aperto questo conto', true],
      ['non è una truffa, pago lunedì', false],
      ['non è una truffa, ma non riconosco questo debito', true],
      ['non devo dimenticare di pagare', false],
      // "Contesto" alone is Spanish for "I answer".
      ['te contesto mañana', false],
      ['pagherò 100 euro venerdì', false],
    ])('%j → %s', (text, dispute) => {
      expect(saysDispute(text)).toBe(dispute);
    });
  });

  describe('Dutch', () => {
    it.each<[string, boolean]>([
      ['Ik ben niets verschuldigd', true],
      ['ik ben u niks verschuldigd', true],
      ['Ik erken deze schuld niet', true],
      ['deze vordering erken ik niet', true],
      ['Dit zijn niet mijn schulden', true],
      ['dit is niet van mij', true],
      ['Ik betwist deze schuld', true],
      ['dit is oplichting', true],
      ['fraude', true],
      ['identiteitsfraude', true],
      ['ik heb nooit een lening afgesloten', true],
      // Alone, "niet mijn schuld" may mean "not my debt": when in doubt, a dispute.
      ['Dit is niet mijn schuld', true],
      ['het is niet mijn schuld dat ik te laat ben, ik betaal vrijdag', false],
      ['het is geen oplichting, ik betaal maandag', false],
      ['ik betwist het niet, ik betaal vrijdag', false],
      ['geen fraude, maar ik erken deze schuld niet', true],
      ['ik erken dat ik niet betaald heb', false],
      ['ik betaal 50 euro op vrijdag', false],
    ])('%j → %s', (text, dispute) => {
      expect(saysDispute(text)).toBe(dispute);
    });
  });

  describe('Polish', () => {
    it.each<[string, boolean]>([
      ['Nic nie jestem winien', true],
      ['nic nie jestem winna', true],
      ['nie jestem Panu nic winien', true],
      ['nie jestem dłużna', true],
      ['Nie uznaję tego długu', true],
      ['nie uznaje tego dlugu', true],
      ['To nie mój dług', true],
      ['ten dług nie jest mój', true],
      ['Kwestionuję to', true],
      ['to oszustwo', true],
      ['kradzież tożsamości', true],
      ['nigdy nie brałam tego kredytu', true],
      ['to nie jest oszustwo, zapłacę w poniedziałek', false],
      ['nie kwestionuję, zapłacę w piątek', false],
      ['to nie oszustwo, ale nie uznaję tego długu', true],
      ['to nie moja wina, zapłacę jutro', false],
      ['zapłacę 100 zł w piątek', false],
    ])('%j → %s', (text, dispute) => {
      expect(saysDispute(text)).toBe(dispute);
    });
  });

  /** Words around the phrase that neither dispute nor deny one. */
  const filler = fc.array(
    fc.constantFrom(
      'hola',
      'señor',
      'gracias',
      'olá',
      'hello',
      'please',
      'bonjour',
      'bitte',
      'grazie',
      'dag',
      'dzień dobry',
      '500',
      '!',
      '?',
      ',',
    ),
    { maxLength: 4 },
  );
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
    ['Je ne reconnais pas cette dette', 'fr'],
    ['Ich erkenne die Forderung nicht an', 'de'],
    ['Non riconosco questo debito', 'it'],
    ['Ik erken deze schuld niet', 'nl'],
    ['To nie mój dług', 'pl'],
  ])('reads %j as a dispute to verify, in its language', (text, language) => {
    expect(decideReply(text, false, ACCOUNT)).toEqual({
      kind: 'dispute',
      language,
      reason: 'the debtor disputes the debt: verify it before any further contact',
    });
  });

  it.each<[string, string]>([
    ['Bonjour, je paierai la semaine prochaine, merci', 'fr'],
    ['Ich zahle nächste Woche, danke', 'de'],
    ['Pagherò la prossima settimana, grazie', 'it'],
    ['Ik betaal volgende week, bedankt', 'nl'],
    ['Zapłacę w przyszłym tygodniu, dziękuję', 'pl'],
  ])('queues %j for an agent (intents to pay are read in es/pt/en only), in its language', (text, language) => {
    expect(decideReply(text, false, ACCOUNT)).toEqual({ kind: 'review', language, reason: 'reply needs review' });
  });

  it('still reads a Spanish, Portuguese or English reply in its language', () => {
    expect(replyLanguage('¿Quién es? no entiendo')).toBe('es');
    expect(replyLanguage('quem é você? não entendi')).toBe('pt');
    expect(replyLanguage('who is this?')).toBe('en');
  });

  it('reads replies in every language we write in', () => {
    expect([...REPLY_LANGUAGES].sort()).toEqual([...LOCALES].sort());
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
    expect(decideReply('ARRÊT', true, ACCOUNT).kind).toBe('opt-out');
    expect(decideReply('STOPP, das ist Betrug', true, ACCOUNT).kind).toBe('dispute');
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
