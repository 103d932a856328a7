/** Words that, alone in an inbound message, ask us to stop writing on that channel. */
const STOP_WORDS = new Set([
  'STOP',
  'STOPALL',
  'UNSUBSCRIBE',
  'CANCEL',
  'END',
  'QUIT',
  // The FCC's TCPA revocation words (2024 order, in force since 11 April 2025): stop, quit, end,
  // revoke, opt out, cancel or unsubscribe, alone, revoke consent to texts.
  'REVOKE',
  'OPTOUT',
  'BAJA',
  'ALTO',
  'CANCELAR',
  'PARAR',
  'SAIR',
  'DESCADASTRAR',
  // French, German, Italian, Dutch, Polish (we write in them: the template catalogue's EU locales).
  // No EU law or provider fixes these words (GDPR art. 21: any clear objection counts; STOP is the
  // word French SMS carry), so each language's plain "stop" and "unsubscribe".
  'ARRET',
  'ARRETER',
  'ARRETEZ',
  'DESABONNER',
  'DESINSCRIRE',
  'STOPP',
  'ABMELDEN',
  'ABBESTELLEN',
  'BASTA',
  'ANNULLA',
  'DISISCRIVI',
  'DISISCRIVIMI',
  'STOPPEN',
  'AFMELDEN',
  'UITSCHRIJVEN',
  'WYPISZ',
  'REZYGNUJE',
  'REZYGNACJA',
]);

/**
 * Opt-outs of more than one word, leading a short reply ("nie pisać", "nie piszcie więcej"): their
 * first word alone ("nie", Polish "no") is not one.
 */
const STOP_PHRASES: readonly string[][] = [
  ['OPT', 'OUT'],
  ['NIE', 'PISAC'],
  ['NIE', 'PISZ'],
  ['NIE', 'PISZCIE'],
  ['NIE', 'KONTAKTOWAC'],
  ['NICHT', 'MEHR', 'SCHREIBEN'],
  ['NON', 'SCRIVETEMI'],
];

function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .replace(/Ł/g, 'L') // the one Polish letter that keeps its stroke through NFD
    .replace(/[^A-Z0-9 ]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** True when the message is an opt-out keyword (any case, accents, punctuation around it). */
export function isOptOut(text: string): boolean {
  const folded = fold(text);
  if (STOP_WORDS.has(folded)) return true;
  const words = folded.split(' ');
  // "Stop please", "BAJA por favor": the keyword leads a short reply.
  if (words.length <= 3 && STOP_WORDS.has(words[0] ?? '')) return true;
  return STOP_PHRASES.some((p) => words.length <= p.length + 2 && p.every((w, i) => words[i] === w));
}
