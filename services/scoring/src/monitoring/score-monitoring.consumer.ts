import { EntityManager } from 'typeorm';
import { EventHandler, EventHandlers } from '@collections/messaging';
import { EventType } from '@collections/contracts';
import { isCalendarDate, localDate } from '@collections/platform';
import { monthTimeZone, paymentDay } from '../scores/domain/account-history';

/** The zone the account's days are counted in: as the feature store's months (UTC while unknown). */
async function accountZone(tx: EntityManager, tenantId: string, accountId: string): Promise<string> {
  const rows = (await tx.query(`SELECT time_zone FROM account_profile WHERE tenant_id = $1 AND account_id = $2`, [
    tenantId,
    accountId,
  ])) as { time_zone: string | null }[];
  return monthTimeZone(rows[0]?.time_zone);
}

/**
 * Records what matured-outcome monitoring needs from the ledger events the feature store already
 * consumes. Runs after the feature store's handler for the same event, in its transaction, so the
 * score it reads is the one the event just produced.
 *
 * The outcome window is counted in days of the account's calendar (see `maturedObservations`):
 * each observation keeps its statement's day (`observed_on`, the event time's day in the account's
 * zone) and each payment the day it was made (`paid_on`, `paymentDay`: its effective date, else its
 * posting day in the zone). A zone first learnt (or changed) by AccountOpened, which may come after
 * payments on their own topic, re-dates the account's observations and its payments without an
 * effective date.
 */
export function scoreMonitoringHandlers(): EventHandlers {
  return {
    // runs after the feature store has stored the account's time zone
    'collections.ledger.v1.AccountOpened': async (event, { tx }) => {
      const accountId = event.payload.accountId;
      const zone = await accountZone(tx, event.tenantId, accountId);
      const observations = (await tx.query(
        `SELECT cycle, observed_at FROM score_observation WHERE tenant_id = $1 AND account_id = $2`,
        [event.tenantId, accountId],
      )) as { cycle: number; observed_at: Date }[];
      await tx.query(
        `UPDATE score_observation o SET observed_on = x.day
         FROM unnest($3::int[], $4::date[]) AS x(cycle, day)
         WHERE o.tenant_id = $1 AND o.account_id = $2 AND o.cycle = x.cycle AND o.observed_on <> x.day`,
        [
          event.tenantId,
          accountId,
          observations.map((o) => o.cycle),
          observations.map((o) => localDate(o.observed_at, zone)),
        ],
      );
      const payments = (await tx.query(
        `SELECT payment_id, posted_at FROM observed_payment
         WHERE tenant_id = $1 AND account_id = $2 AND effective_date IS NULL`,
        [event.tenantId, accountId],
      )) as { payment_id: string; posted_at: Date }[];
      await tx.query(
        `UPDATE observed_payment p SET paid_on = x.day
         FROM unnest($3::text[], $4::date[]) AS x(payment_id, day)
         WHERE p.tenant_id = $1 AND p.account_id = $2 AND p.payment_id = x.payment_id AND p.paid_on <> x.day`,
        [
          event.tenantId,
          accountId,
          payments.map((p) => p.payment_id),
          payments.map((p) => paymentDay({ postedAt: p.posted_at }, zone)),
        ],
      );
    },
    'collections.ledger.v1.StatementIssued': async (event, { tx }) => {
      const s = event.payload;
      // a statement without a minimum asks for the whole amount due
      const minimumDue = s.minimumDue?.amountMinor ?? s.amountDue?.amountMinor ?? 0;
      const observedOn = localDate(event.time, await accountZone(tx, event.tenantId, s.accountId));
      await tx.query(
        `INSERT INTO score_observation (tenant_id, account_id, cycle, observed_at, observed_on, probability_to_pay, model_version, minimum_due_minor)
         SELECT tenant_id, account_id, $3, $4, $5, probability_to_pay, model_version, $6
         FROM account_score WHERE tenant_id = $1 AND account_id = $2
         ON CONFLICT DO NOTHING`,
        [event.tenantId, s.accountId, s.cycle, event.time, observedOn, minimumDue],
      );
    },
    'collections.ledger.v1.PaymentPosted': async (event, { tx }) => {
      const p = event.payload;
      const postedAt = p.postedAt ?? event.time;
      // as the feature store keeps it (account_payment): a date that is not a calendar date is none
      const effectiveDate = isCalendarDate(p.effectiveDate) ? p.effectiveDate : null;
      const paidOn = paymentDay({ postedAt, effectiveDate }, await accountZone(tx, event.tenantId, p.accountId));
      await tx.query(
        `INSERT INTO observed_payment (tenant_id, payment_id, account_id, posted_at, effective_date, paid_on, amount_minor)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
        [
          event.tenantId,
          p.paymentId || event.id,
          p.accountId,
          postedAt,
          effectiveDate,
          paidOn,
          p.amount?.amountMinor ?? 0,
        ],
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
