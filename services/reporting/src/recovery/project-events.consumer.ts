import { EventHandlers } from '@collections/messaging';
import { withKpiRollup } from '../kpis/kpi-rollup';
import { instalmentKept } from '../forecast/project-forecast-facts.consumer';

/** Projections into the read model; replays and duplicates change nothing (keyed upserts). */
export const projectEvents: EventHandlers = {
  'collections.ledger.v1.PaymentPosted': async (event, { tx }) => {
    const p = event.payload;
    await withKpiRollup(tx, event.tenantId, [p.accountId], ['cohort', 'collected'], () =>
      tx.query(
        `INSERT INTO payment_fact (tenant_id, payment_id, account_id, amount_minor, currency, posted_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
        [
          event.tenantId,
          p.paymentId,
          p.accountId,
          p.amount?.amountMinor ?? 0,
          p.amount?.currency ?? 'XXX',
          p.postedAt ?? event.time,
        ],
      ),
    );
  },
  'collections.promises.v1.PromiseKept': async (event, { tx }) => {
    const p = event.payload;
    // A kept promise is no longer a broken one, on whichever account it was broken.
    const broken = (await tx.query(
      `SELECT account_id FROM promise_broken_fact WHERE tenant_id = $1 AND promise_id = $2`,
      [event.tenantId, p.promiseId],
    )) as { account_id: string }[];
    await withKpiRollup(tx, event.tenantId, [p.accountId, ...broken.map((r) => r.account_id)], ['kept', 'broken'], () =>
      tx.query(
        `INSERT INTO promise_kept_fact (tenant_id, promise_id, account_id, kept_at, amount_minor)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
        [event.tenantId, p.promiseId, p.accountId, p.keptAt ?? event.time, p.amount?.amountMinor ?? null],
      ),
    );
    if (p.planId) await instalmentKept(tx, event.tenantId, p.planId, p.accountId, p.instalmentSeq);
  },
  'collections.promises.v1.PromiseBroken': async (event, { tx }) => {
    const p = event.payload;
    await withKpiRollup(tx, event.tenantId, [p.accountId], ['broken'], () =>
      tx.query(
        `INSERT INTO promise_broken_fact (tenant_id, promise_id, account_id, broken_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING`,
        [event.tenantId, p.promiseId, p.accountId, p.brokenAt ?? event.time],
      ),
    );
  },
};
