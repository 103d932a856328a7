import fc from 'fast-check';
import { decideReply, saysPaid } from '../../src/replies/domain';

const ACCOUNT = { today: '2026-03-02', currency: 'COP', accountId: 'acc-1' };
const PAID_REASON =
  'the debtor says the debt is paid: look for the payment (bank remittances, the reconciliation review queue) and verify the debt before any further contact';

/** Replies that say the debt, or part of it, is already paid: a dispute of the amount owed. */
const claims: [string, string][] = [
  ['ya pagué', 'es'],
  ['Ya la pagué', 'es'],
  ['YA PAGUE LA DEUDA', 'es'],
  ['ya pagué la deuda', 'es'],
  ['pagué 500 el lunes', 'es'],
  ['le pagué la semana pasada en la oficina', 'es'],
  ['ya hice el pago', 'es'],
  ['te dije que pagué', 'es'],
  ['ya deposité el dinero', 'es'],
  ['ya cancelé esa deuda', 'es'],
  ['esa deuda ya está pagada', 'es'],
  ['no ya pague', 'es'],
  ['mi esposo ya pagó todo', 'es'],
  ['ya se pagó la deuda', 'es'],
  ['¿ya se registró mi pago?', 'es'],
  ['¿recibieron mi pago?', 'es'],
  ['I already paid', 'en'],
  ['I paid this last week', 'en'],
  ["I've already made the payment", 'en'],
  ['it is paid off', 'en'],
  ['Paid already', 'en'],
  ['payment sent', 'en'],
  ['Paid.', 'en'],
  ['this was paid in full', 'en'],
  ['did you get my payment?', 'en'],
  ['já paguei', 'pt'],
  ['Já paguei essa dívida', 'pt'],
  ['fiz o pix ontem', 'pt'],
  ['a dívida já está quitada', 'pt'],
  ['déjà payé', 'fr'],
  ["j'ai déjà payé cette dette", 'fr'],
  ["j'ai fait le virement lundi", 'fr'],
  ["c'est réglé depuis lundi", 'fr'],
  ['ich habe schon bezahlt', 'de'],
  ['Ich habe die Rechnung letzte Woche bezahlt', 'de'],
  ['ist bereits überwiesen', 'de'],
  ['ho già pagato', 'it'],
  ['ho fatto il bonifico ieri', 'it'],
  ['il debito è stato saldato', 'it'],
  ['ik heb al betaald', 'nl'],
  ['ik heb het bedrag gisteren overgemaakt', 'nl'],
  ['już zapłaciłem', 'pl'],
  ['juz zaplacilam', 'pl'],
  ['Już wpłaciłam całość', 'pl'],
];

/** Promises, denials and questions about the balance: no claim that the debt is paid. */
const nonClaims: string[] = [
  'pagaré el viernes',
  'voy a pagar',
  'pago el viernes',
  'te pago 500 el lunes',
  'ya te pago',
  'ya pago mañana',
  'mi esposo ya pago mañana',
  'cuando me pagó el patrón no me alcanzó',
  'pagamos el viernes',
  'no he pagado',
  'todavía no pagué',
  'aún no lo he pagado',
  'cuando pague el sueldo le abono',
  'que pague mi ex',
  'me dijeron que pague en el banco',
  'hasta que me paguen no puedo',
  'ya me pagaron, te pago mañana',
  '¿cuánto debo?',
  '¿cuánto he pagado hasta ahora?',
  '¿puedo pagar en efectivo?',
  'I will pay',
  "I'll pay when I get paid",
  "I haven't paid yet",
  'I have not paid it',
  'I get paid on Friday, I will pay then',
  'how much have I paid so far?',
  'how much do I owe?',
  'vou pagar dia 15',
  'ainda não paguei',
  'não fiz o pagamento',
  'je paierai lundi',
  'je paye vendredi',
  "je n'ai pas encore payé",
  'ich zahle am Freitag',
  'ich habe noch nicht bezahlt',
  'ich zahle, sobald ich bezahlt werde',
  'mein Mann bezahlt am Freitag',
  'pagherò venerdì',
  'non ho ancora pagato',
  'ik betaal vrijdag',
  'ik heb nog niet betaald',
  'zapłacę w piątek',
  'jeszcze nie zapłaciłem',
  'będę płacił od przyszłego miesiąca',
];

describe(saysPaid.name, () => {
  it.each(claims)('reads %j as a claim that the debt is paid', (text) => {
    expect(saysPaid(text)).toBe(true);
  });

  it.each(nonClaims.map((t) => [t]))('does not read %j as one', (text) => {
    expect(saysPaid(text)).toBe(false);
  });
});

describe(decideReply.name, () => {
  it.each(claims)(
    'decides %j as a dispute to verify, with the payment to look for, in its language (%s)',
    (text, language) => {
      expect(decideReply(text, false, ACCOUNT)).toEqual({ kind: 'dispute', language, reason: PAID_REASON });
    },
  );

  it.each(nonClaims.map((t) => [t]))('does not decide %j as a dispute', (text) => {
    expect(decideReply(text, false, ACCOUNT).kind).not.toBe('dispute');
  });

  it('a claim of payment wins over an intent to pay in the same reply', () => {
    expect(decideReply('pagué 500 el lunes', false, ACCOUNT)).toMatchObject({ kind: 'dispute', reason: PAID_REASON });
    expect(decideReply('ya pagué la mitad, el resto lo pago el viernes', false, ACCOUNT)).toMatchObject({
      kind: 'dispute',
      reason: PAID_REASON,
    });
    expect(decideReply('I already paid 200, I will pay the rest on Friday', false, ACCOUNT).kind).toBe('dispute');
    fc.assert(
      fc.property(
        // A one-word reply ("Paid.") is a claim alone, not inside a longer one.
        fc.constantFrom(...claims.map(([t]) => t).filter((t) => t.includes(' '))),
        fc.constantFrom('pago 500 el viernes', 'vou pagar R$ 200 dia 15', 'I will pay 5000 tomorrow'),
        fc.boolean(),
        (claim, intent, optOut) => {
          expect(decideReply(`${intent}, ${claim}`, optOut, ACCOUNT).kind).toBe('dispute');
        },
      ),
    );
  });

  it('a claim of payment beside an opt-out word is a dispute ("STOP, ya pagué")', () => {
    expect(decideReply('STOP, ya pagué', true, ACCOUNT)).toMatchObject({ kind: 'dispute', reason: PAID_REASON });
    expect(decideReply('STOP', true, ACCOUNT).kind).toBe('opt-out');
  });

  it('a claim that also disputes the debt asks the agent to look for the payment', () => {
    expect(decideReply('eso ya lo pagué y no reconozco este cobro', false, ACCOUNT)).toMatchObject({
      kind: 'dispute',
      reason: PAID_REASON,
    });
  });

  it('a claim from an address with no account asks to find the debtor first', () => {
    expect(decideReply('I already paid', false, undefined)).toEqual({
      kind: 'dispute',
      language: 'en',
      reason:
        'a reply from an address with no account says the debt is paid: find the debtor, look for the payment (bank remittances, the reconciliation review queue) and verify the debt before any further contact',
    });
  });
});
