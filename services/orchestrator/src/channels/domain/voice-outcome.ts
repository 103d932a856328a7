import { CallOutcomeName } from '../../agents/domain';
import {
  PaymentIntent,
  ReplyContext,
  normalizeReply,
  parsePaymentIntent,
  saysDispute,
  saysPaid,
} from '../../replies/domain';

/** What the voice bot's call came to, as a call outcome code (and a promise's amount/date). */
export interface VoiceCallOutcome {
  outcome: CallOutcomeName;
  intent?: PaymentIntent;
}

/** Provider call statuses after which nobody spoke with the debtor. */
const UNANSWERED = new Set(['busy', 'no-answer', 'failed', 'canceled']);
/** Provider statuses that end a call. */
export const FINAL_CALL_STATUSES = new Set(['completed', ...UNANSWERED]);

const WRONG_PARTY =
  /\b(numero equivocado|equivocado de numero|no soy (yo|el|ella)|no vive aqui|no conozco a|numero errado|nao sou (eu|ele|ela)|nao mora aqui|nao conheco|wrong number|wrong person|not me|doesn't live here|does not live here|don't know (him|her|them))\b/;
const REFUSAL =
  /\b(no (voy a|pienso|quiero) pagar|no (le |te )?pago|nao (vou|quero) pagar|nao pago|won't pay|will not pay|not going to pay|refuse to pay|not paying)\b/;

/**
 * Reads a voice-bot call: an unanswered call or an answering machine is `no_answer`; what the
 * debtor said decides the rest (wrong party, dispute — the phrases a reply disputes with,
 * `saysDispute`, or says the debt is already paid with, `saysPaid` —, refusal, a promise with its amount/date);
 * a call answered by a person who said none of these is a right-party contact.
 */
export function voiceCallOutcome(
  call: { callStatus: string; answeredBy?: string; speech?: string },
  ctx: ReplyContext,
): VoiceCallOutcome | undefined {
  if (call.speech !== undefined && call.speech.trim() !== '') {
    const said = normalizeReply(call.speech);
    if (WRONG_PARTY.test(said)) return { outcome: 'wrong_party' };
    if (saysPaid(call.speech) || saysDispute(call.speech)) return { outcome: 'dispute' };
    if (REFUSAL.test(said)) return { outcome: 'refusal' };
    const intent = parsePaymentIntent(call.speech, ctx);
    if (intent) return { outcome: 'promise', intent };
    return { outcome: 'right_party_contact' };
  }
  if (UNANSWERED.has(call.callStatus)) return { outcome: 'no_answer' };
  if (call.callStatus !== 'completed') return undefined; // not over yet
  if (call.answeredBy && (call.answeredBy.startsWith('machine') || call.answeredBy === 'fax'))
    return { outcome: 'no_answer' };
  return { outcome: 'right_party_contact' };
}
