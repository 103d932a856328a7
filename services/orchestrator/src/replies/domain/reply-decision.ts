import { saysDispute } from './dispute';
import { saysPaid } from './paid-claim';
import { PaymentIntent, ReplyContext, ReplyLanguage, parsePaymentIntent, replyLanguage } from './payment-intent.parser';

/** What the orchestrator does with a debtor's reply. */
export type ReplyDecision =
  | { kind: 'opt-out' }
  | { kind: 'dispute'; language: ReplyLanguage; reason: string }
  | { kind: 'payment-intent'; intent: PaymentIntent }
  | { kind: 'review'; language: ReplyLanguage; reason: string };

/** The review reason of a disputed debt (never the reply's words: they may hold PII). */
export const DISPUTE_REVIEW_REASON = 'the debtor disputes the debt: verify it before any further contact';
/** The review reason of a dispute from an address that matches no account. */
export const UNKNOWN_DISPUTE_REVIEW_REASON =
  'dispute from an address with no account: find the debtor and verify the debt before any further contact';
/**
 * The review reason of a reply that says the debt (or part of it) is already paid: a dispute of
 * the amount owed (FDCPA §1692g(b)), whose verification starts with finding the payment.
 */
export const PAID_CLAIM_REVIEW_REASON =
  'the debtor says the debt is paid: look for the payment (bank remittances, the reconciliation review queue) and verify the debt before any further contact';
/** The review reason of a claim of payment from an address that matches no account. */
export const UNKNOWN_PAID_CLAIM_REVIEW_REASON =
  'a reply from an address with no account says the debt is paid: find the debtor, look for the payment (bank remittances, the reconciliation review queue) and verify the debt before any further contact';

/**
 * A dispute of the debt stops contact until it is verified, and wins over an opt-out word (recorded
 * all the same by the webhook, but it stops one channel) and an intent to pay in the same reply
 * ("no es mi deuda, pago 500 si me la muestran" is a dispute). A claim that the debt is already paid
 * ("ya pagué", "I already paid", `saysPaid`) disputes the amount owed: a dispute too, whose review
 * asks the agent to look for the payment first — it is also what a reply that says both is
 * ("ya lo pagué y no reconozco este cobro"), and it wins over an intent to pay ("pagué 500 el
 * lunes, el resto lo pago el viernes"). An intent to pay on a known account,
 * in that account's currency, goes to the promises service; anything else goes to an agent.
 */
export function decideReply(
  text: string,
  optOut: boolean,
  account: (ReplyContext & { accountId: string }) | undefined,
): ReplyDecision {
  // A dispute first — a claim of payment is one —, even beside an opt-out word ("STOP, fraud"): the
  // opt-out is recorded all the same (the webhook records it on `optOut`), but it stops one channel
  // where a dispute stops all.
  if (saysPaid(text))
    return {
      kind: 'dispute',
      language: replyLanguage(text),
      reason: account ? PAID_CLAIM_REVIEW_REASON : UNKNOWN_PAID_CLAIM_REVIEW_REASON,
    };
  if (saysDispute(text))
    return {
      kind: 'dispute',
      language: replyLanguage(text),
      reason: account ? DISPUTE_REVIEW_REASON : UNKNOWN_DISPUTE_REVIEW_REASON,
    };
  if (optOut) return { kind: 'opt-out' };
  if (!account)
    return { kind: 'review', language: replyLanguage(text), reason: 'reply from an address with no account' };
  const intent = parsePaymentIntent(text, account);
  if (intent?.amount && intent.amount.currency !== account.currency)
    return { kind: 'review', language: intent.language, reason: `intent to pay in ${intent.amount.currency}` };
  if (intent) return { kind: 'payment-intent', intent };
  return { kind: 'review', language: replyLanguage(text), reason: 'reply needs review' };
}
