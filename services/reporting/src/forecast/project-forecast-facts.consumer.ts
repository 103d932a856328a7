import { EventHandlers } from '@collections/messaging';

type Tx = Parameters<NonNullable<EventHandlers['collections.promises.v1.PlanAgreed']>>[1]['tx'];

/**
 * Projections of the promises service's plan and settlement events into the forecast's read model.
 * Whatever the order they arrive in, they converge: an instalment is kept while its promise is
 * (promise_kept_fact: more keeps than withdrawals), else missed once told so, else open (a late
 * payment keeps a missed instalment; a withdrawn keep leaves it missed or open), a plan is completed
 * while it has more completions than reopenings (forecast_plan_completion_fact), else active, and
 * defaulted or cancelled once told so, the open amount of an instalment only down, and a
 * settlement's state only up open → lapsed or withdrawn → paid (the rank of the instalment's
 * statuses, so that whichever of its outcomes arrives first, the same one stands; promises never
 * lapses a withdrawn settlement nor withdraws a lapsed one), and what is paid towards a
 * settlement is the sum of its payments, each kept once by its id, less those reversed (a
 * reversal, whether it comes before or after its payment, marks it for good).
 */
export const projectForecastFacts: EventHandlers = {
  'collections.promises.v1.PlanAgreed': async (event, { tx }) => {
    const p = event.payload;
    await tx.query(
      `INSERT INTO forecast_plan_fact (tenant_id, plan_id, account_id, currency, agreed_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, plan_id) DO UPDATE
         SET account_id = excluded.account_id, currency = excluded.currency, agreed_at = excluded.agreed_at`,
      [event.tenantId, p.planId, p.accountId, p.total?.currency || null, p.agreedAt ?? event.time],
    );
    await tx.query(
      `INSERT INTO forecast_instalment_fact (tenant_id, plan_id, seq, due_date, amount_minor, open_minor)
       SELECT $1, $2, * FROM unnest($3::int[], $4::date[], $5::bigint[], $5::bigint[])
       ON CONFLICT (tenant_id, plan_id, seq) DO UPDATE
         SET due_date = excluded.due_date, amount_minor = excluded.amount_minor,
             open_minor = least(forecast_instalment_fact.open_minor, excluded.amount_minor)`,
      [
        event.tenantId,
        p.planId,
        p.instalments.map((i) => i.seq),
        p.instalments.map((i) => i.dueDate),
        p.instalments.map((i) => i.amount?.amountMinor ?? 0),
      ],
    );
  },

  'collections.promises.v1.InstalmentDueSoon': async (event, { tx }) => {
    const p = event.payload;
    await touchPlan(tx, event.tenantId, p.planId, p.accountId);
    await tx.query(
      `INSERT INTO forecast_instalment_fact (tenant_id, plan_id, seq, due_date, open_minor) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, plan_id, seq) DO UPDATE
         SET due_date = coalesce(forecast_instalment_fact.due_date, excluded.due_date),
             open_minor = least(forecast_instalment_fact.open_minor, excluded.open_minor)`,
      [event.tenantId, p.planId, p.seq, p.dueDate || null, p.amountDue?.amountMinor ?? 0],
    );
  },

  'collections.promises.v1.InstalmentMissed': async (event, { tx }) => {
    const p = event.payload;
    await touchPlan(tx, event.tenantId, p.planId, p.accountId);
    await setInstalmentStatus(tx, event.tenantId, p.planId, p.seq, 'missed', p.dueDate);
  },

  'collections.promises.v1.PlanCompleted': (event, { tx }) => {
    const p = event.payload;
    const at = p.completedAt ?? event.time;
    return countCompletion(tx, event.tenantId, p.planId, p.accountId, 'completed', at.toISOString(), at);
  },
  // A reversal took the completed plan back below its total: its open instalments are expected again
  // (each withdrawn keep reopens its instalment, PromiseKeptWithdrawn).
  'collections.promises.v1.PlanReopened': (event, { tx }) => {
    const p = event.payload;
    const at = p.reopenedAt ?? event.time;
    return countCompletion(tx, event.tenantId, p.planId, p.accountId, 'reopened', p.paymentId || at.toISOString(), at);
  },
  'collections.promises.v1.PlanDefaulted': (event, { tx }) => ended(tx, event.tenantId, event.payload, 'defaulted'),
  // An agent, the debtor or the creditor ended the plan (CancelPlan): none of its instalments is
  // expected any more, as after a default.
  'collections.promises.v1.PlanCancelled': (event, { tx }) => ended(tx, event.tenantId, event.payload, 'cancelled'),

  // The agreement's facts are the same on every delivery; its state is left to the outcomes.
  'collections.promises.v1.SettlementAgreed': async (event, { tx }) => {
    const p = event.payload;
    await tx.query(
      `INSERT INTO forecast_settlement_fact (tenant_id, settlement_id, account_id, currency, amount_minor, due_date, agreed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (tenant_id, settlement_id) DO UPDATE
         SET account_id = excluded.account_id, currency = excluded.currency, amount_minor = excluded.amount_minor,
             due_date = excluded.due_date, agreed_at = excluded.agreed_at`,
      [
        event.tenantId,
        p.settlementId,
        p.accountId,
        p.amount?.currency || null,
        p.amount?.amountMinor ?? 0,
        p.dueDate || null,
        p.agreedAt ?? event.time,
      ],
    );
  },
  'collections.promises.v1.SettlementPaid': (event, { tx }) => {
    const p = event.payload;
    return setSettlementState(tx, event.tenantId, p.settlementId, p.accountId, p.paid?.currency, 'paid');
  },
  // A payment counted towards a settlement (applied > 0) or taken off it again (applied < 0). The
  // event's own `paid` is not kept: with reversals it does not only grow, so no rule on it alone
  // would converge whatever the order; the payments do.
  'collections.promises.v1.SettlementPaymentApplied': async (event, { tx }) => {
    const p = event.payload;
    const applied = p.applied?.amountMinor ?? 0;
    if (!p.paymentId || applied === 0) return;
    await tx.query(
      `INSERT INTO forecast_settlement_fact (tenant_id, settlement_id, account_id, currency) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, settlement_id) DO UPDATE SET currency = coalesce(forecast_settlement_fact.currency, excluded.currency)`,
      [event.tenantId, p.settlementId, p.accountId, p.applied?.currency || null],
    );
    await tx.query(
      `INSERT INTO forecast_settlement_payment_fact AS f (tenant_id, settlement_id, payment_id, amount_minor, reversed)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, settlement_id, payment_id) DO UPDATE
         SET amount_minor = excluded.amount_minor, reversed = f.reversed OR excluded.reversed`,
      [event.tenantId, p.settlementId, p.paymentId, Math.abs(applied), applied < 0],
    );
    await tx.query(
      `UPDATE forecast_settlement_fact s
          SET paid_minor = (SELECT coalesce(sum(f.amount_minor) FILTER (WHERE NOT f.reversed), 0)
                              FROM forecast_settlement_payment_fact f
                             WHERE f.tenant_id = s.tenant_id AND f.settlement_id = s.settlement_id)
        WHERE s.tenant_id = $1 AND s.settlement_id = $2`,
      [event.tenantId, p.settlementId],
    );
  },
  'collections.promises.v1.SettlementLapsed': (event, { tx }) => {
    const p = event.payload;
    return setSettlementState(tx, event.tenantId, p.settlementId, p.accountId, p.amount?.currency, 'lapsed');
  },
  // The ledger settled or closed the account: nothing more is expected of the settlement, and it
  // counts in the settlement kept rate neither as paid nor as lapsed.
  'collections.promises.v1.SettlementWithdrawn': (event, { tx }) => {
    const p = event.payload;
    return setSettlementState(tx, event.tenantId, p.settlementId, p.accountId, p.amount?.currency, 'withdrawn');
  },
};

/**
 * A plan instalment kept, or no longer kept (PromiseKept, PromiseKeptWithdrawn with a plan id): its
 * status is kept while promise_kept_fact holds its promise "<plan_id>/<seq>" (written before, from
 * every keep and withdrawal, whatever their order), else missed once InstalmentMissed told so, else open.
 */
export async function instalmentKept(tx: Tx, tenantId: string, planId: string, accountId: string, seq: number) {
  await touchPlan(tx, tenantId, planId, accountId);
  const kept = `EXISTS (SELECT 1 FROM promise_kept_fact k WHERE k.tenant_id = $1 AND k.promise_id = $2::text || '/' || $3::int)`;
  await tx.query(
    `INSERT INTO forecast_instalment_fact AS f (tenant_id, plan_id, seq, status)
     VALUES ($1, $2, $3, CASE WHEN ${kept} THEN 'kept' ELSE 'open' END)
     ON CONFLICT (tenant_id, plan_id, seq) DO UPDATE
       SET status = CASE WHEN ${kept} THEN 'kept' WHEN f.missed THEN 'missed' ELSE 'open' END`,
    [tenantId, planId, seq],
  );
}

const touchPlan = (tx: Tx, tenantId: string, planId: string, accountId: string) =>
  tx.query(
    `INSERT INTO forecast_plan_fact (tenant_id, plan_id, account_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
    [tenantId, planId, accountId],
  );

const STATUS_RANK = `CASE status WHEN 'kept' THEN 2 WHEN 'missed' THEN 1 ELSE 0 END`;

async function setInstalmentStatus(
  tx: Tx,
  tenantId: string,
  planId: string,
  seq: number,
  status: 'missed',
  dueDate: string | null,
): Promise<void> {
  // Missed is remembered beside a kept status: it stands again should the keep be withdrawn.
  await tx.query(
    `INSERT INTO forecast_instalment_fact AS f (tenant_id, plan_id, seq, due_date, status, missed)
     VALUES ($1, $2, $3, $4, $5, true)
     ON CONFLICT (tenant_id, plan_id, seq) DO UPDATE
       SET status = CASE WHEN (${STATUS_RANK.replace('status', 'excluded.status')}) > (${STATUS_RANK.replace('status', 'f.status')})
                         THEN excluded.status ELSE f.status END,
           due_date = coalesce(f.due_date, excluded.due_date), missed = true`,
    [tenantId, planId, seq, dueDate || null, status],
  );
}

/**
 * A plan's completion or reopening, kept once by its identity (`ref`); the plan is completed while it
 * has more completions than reopenings, else active, unless it defaulted or was cancelled.
 */
async function countCompletion(
  tx: Tx,
  tenantId: string,
  planId: string,
  accountId: string,
  kind: 'completed' | 'reopened',
  ref: string,
  at: Date,
): Promise<void> {
  await tx.query(
    `INSERT INTO forecast_plan_completion_fact (tenant_id, plan_id, kind, ref, at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT DO NOTHING`,
    [tenantId, planId, kind, ref, at],
  );
  await touchPlan(tx, tenantId, planId, accountId);
  await tx.query(
    `UPDATE forecast_plan_fact p
        SET state = CASE WHEN (SELECT count(*) FILTER (WHERE c.kind = 'completed') > count(*) FILTER (WHERE c.kind = 'reopened')
                                 FROM forecast_plan_completion_fact c WHERE c.tenant_id = p.tenant_id AND c.plan_id = p.plan_id)
                         THEN 'completed' ELSE 'active' END
      WHERE p.tenant_id = $1 AND p.plan_id = $2 AND p.state NOT IN ('defaulted', 'cancelled')`,
    [tenantId, planId],
  );
}

/**
 * A defaulted or cancelled plan stays so, whatever else arrives (promises never completes nor
 * reopens one); of the two, the first told stands (promises neither cancels a defaulted plan nor
 * defaults a cancelled one).
 */
async function ended(
  tx: Tx,
  tenantId: string,
  p: { planId: string; accountId: string },
  state: 'defaulted' | 'cancelled',
) {
  await tx.query(
    `INSERT INTO forecast_plan_fact AS f (tenant_id, plan_id, account_id, state) VALUES ($1, $2, $3, $4)
     ON CONFLICT (tenant_id, plan_id) DO UPDATE SET state = excluded.state
      WHERE f.state NOT IN ('defaulted', 'cancelled')`,
    [tenantId, p.planId, p.accountId, state],
  );
}

const SETTLEMENT_RANK = `CASE state WHEN 'paid' THEN 2 WHEN 'lapsed' THEN 1 WHEN 'withdrawn' THEN 1 ELSE 0 END`;

/**
 * A settlement's outcome; it may come before its agreement (the row then waits for the agreement's
 * facts). The outcome's currency counts it in the settlements' kept rate even before.
 */
async function setSettlementState(
  tx: Tx,
  tenantId: string,
  settlementId: string,
  accountId: string,
  currency: string | undefined,
  state: 'paid' | 'lapsed' | 'withdrawn',
): Promise<void> {
  await tx.query(
    `INSERT INTO forecast_settlement_fact AS f (tenant_id, settlement_id, account_id, currency, state) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (tenant_id, settlement_id) DO UPDATE
       SET state = excluded.state, currency = coalesce(f.currency, excluded.currency)
       WHERE (${SETTLEMENT_RANK.replace('state', 'excluded.state')}) > (${SETTLEMENT_RANK.replace('state', 'f.state')})`,
    [tenantId, settlementId, accountId, currency || null, state],
  );
}
