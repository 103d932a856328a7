import { PaymentIntent, ReplyContext, ReplyLanguage, parsePaymentIntent, replyLanguage } from './payment-intent.parser';

/** What the orchestrator does with a debtor's reply. */
export type ReplyDecision =
  | { kind: 'opt-out' }
  | { kind: 'payment-intent'; intent: PaymentIntent }
  | { kind: 'review'; language: ReplyLanguage; reason: string };

/**
 * An opt-out word stops the channel; an intent to pay on a known account, in that account's
 * currency, goes to the promises service; anything else goes to an agent.
 */
export function decideReply(
  text: string,
  optOut: boolean,
  account: (ReplyContext & { accountId: string }) | undefined,
): ReplyDecision {
  if (optOut) return { kind: 'opt-out' };
  if (!account)
    return { kind: 'review', language: replyLanguage(text), reason: 'reply from an address with no account' };
  const intent = parsePaymentIntent(text, account);
  if (intent?.amount && intent.amount.currency !== account.currency)
    return { kind: 'review', language: intent.language, reason: `intent to pay in ${intent.amount.currency}` };
  if (intent) return { kind: 'payment-intent', intent };
  return { kind: 'review', language: replyLanguage(text), reason: 'reply needs review' };
}
