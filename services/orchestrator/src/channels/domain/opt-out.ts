/** Words that, alone in an inbound message, ask us to stop writing on that channel. */
const STOP_WORDS = new Set([
  'STOP',
  'STOPALL',
  'UNSUBSCRIBE',
  'CANCEL',
  'END',
  'QUIT',
  'BAJA',
  'ALTO',
  'CANCELAR',
  'PARAR',
  'SAIR',
  'DESCADASTRAR',
]);

function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
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
  return words.length <= 3 && STOP_WORDS.has(words[0] ?? '');
}
