import { EventHandler, EventHandlers } from '@collections/messaging';
import { EventType } from '@collections/contracts';

/**
 * Records what matured-outcome monitoring needs from the ledger events the feature store already
 * consumes. Runs after the feature store's handler for the same event, in its transaction, so the
 * score it reads is the one the event just produced.
 */
export function scoreMonitoringHandlers(): EventHandlers {
  return {
    'collections.ledger.v1.StatementIssued': async (event, { tx }) => {
      const s = event.payload;
      // a statement without a minimum asks for the whole amount due
      const minimumDue = s.minimumDue?.amountMinor ?? s.amountDue?.amountMinor ?? 0;
      await tx.query(
        `INSERT INTO score_observation (tenant_id, account_id, cycle, observed_at, probability_to_pay, model_version, minimum_due_minor)
         SELECT tenant_id, account_id, $3, $4, probability_to_pay, model_version, $5
         FROM account_score WHERE tenant_id = $1 AND account_id = $2
         ON CONFLICT DO NOTHING`,
        [event.tenantId, s.accountId, s.cycle, event.time, minimumDue],
      );
    },
    'collections.ledger.v1.PaymentPosted': async (event, { tx }) => {
      const p = event.payload;
      await tx.query(
        `INSERT INTO observed_payment (tenant_id, payment_id, account_id, posted_at, amount_minor)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
        [event.tenantId, p.paymentId || event.id, p.accountId, p.postedAt ?? event.time, p.amount?.amountMinor ?? 0],
      );
    },
    // a bounced or charged-back payment was never a payment: it no longer counts towards any outcome
    'collections.ledger.v1.PaymentReversed': async (event, { tx }) => {
      const r = event.payload;
      await tx.query(
        `UPDATE observed_payment SET amount_minor = greatest(amount_minor - $3, 0)
         WHERE tenant_id = $1 AND payment_id = $2`,
        [event.tenantId, r.paymentId, r.amount?.amountMinor ?? 0],
      );
    },
  };
}

/** Handlers that run `first` then `then` for each event type either handles, in the same transaction. */
export function inSequence(first: EventHandlers, then: EventHandlers): EventHandlers {
  const combined: Record<string, EventHandler<EventType>> = {};
  const types = new Set([...Object.keys(first), ...Object.keys(then)]) as Set<EventType>;
  for (const type of types) {
    const a = first[type] as EventHandler<EventType> | undefined;
    const b = then[type] as EventHandler<EventType> | undefined;
    combined[type] = async (event, ctx) => {
      if (a) await a(event, ctx);
      if (b) await b(event, ctx);
    };
  }
  return combined as EventHandlers;
}
