import { orchestrator, orchestratorAgents, scoring } from '@collections/contracts';
import { EventHandlers } from '@collections/messaging';
import { ruleIdOf } from './domain/kpis';
import { ROLLUP_KINDS, withKpiRollup } from './kpi-rollup';

const day = (d: Date) => d.toISOString().slice(0, 10);

/**
 * Projections into the KPI read model. The inbox already drops a redelivered event (same
 * event id); on top of that every fact is keyed by its source identity (a republished event
 * changes nothing) and per-account state moves only to a strictly newer fact (a late event
 * never overwrites what a newer one said).
 */
export const projectKpiFacts: EventHandlers = {
  'collections.ledger.v1.AccountOpened': async (event, { tx }) => {
    const p = event.payload;
    // The opening places the account in its group: all of its contribution moves.
    await withKpiRollup(tx, event.tenantId, [p.accountId], ROLLUP_KINDS, () =>
      tx.query(
        `INSERT INTO account_fact (tenant_id, account_id, opened_on, currency) VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id, account_id) DO UPDATE SET opened_on = excluded.opened_on, currency = excluded.currency`,
        [event.tenantId, p.accountId, p.openedOn || day(event.time), p.currency || null],
      ),
    );
    await tx.query(
      `INSERT INTO account_debtor_fact (tenant_id, account_id, debtor_id)
       SELECT $1, $2, unnest($3::text[]) ON CONFLICT DO NOTHING`,
      [event.tenantId, p.accountId, p.debtors.map((d) => d.debtorId)],
    );
  },

  'collections.ledger.v1.ConsentChanged': async (event, { tx }) => {
    const p = event.payload;
    // The ledger names channels "sms", "call", …; contacts name them CHANNEL_SMS, … (one word in the read model).
    await tx.query(
      `INSERT INTO consent_fact (tenant_id, debtor_id, channel, event_time, granted) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT DO NOTHING`,
      [event.tenantId, p.debtorId, `CHANNEL_${p.channel.toUpperCase()}`, event.time, p.granted],
    );
  },

  'collections.ledger.v1.BalanceChanged': async (event, { tx }) => {
    const b = event.payload.balance;
    if (!b) return;
    await withKpiRollup(tx, event.tenantId, [b.accountId], ['placed', 'receivable'], () =>
      tx.query(
        `INSERT INTO balance_fact (tenant_id, account_id, caused_by_entry_id, as_of_date, event_time, total_minor, currency)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
        [
          event.tenantId,
          b.accountId,
          event.payload.causedByEntryId || `event:${event.id}`,
          b.asOfDate || day(event.time),
          event.time,
          b.total?.amountMinor ?? 0,
          b.total?.currency || 'XXX',
        ],
      ),
    );
  },

  'collections.ledger.v1.DelinquencyChanged': async (event, { tx }) => {
    const p = event.payload;
    // One aging fact per account and day; of two for the same day the later event wins.
    await withKpiRollup(tx, event.tenantId, [p.accountId], ['aging_pair', 'aging_bucket'], () =>
      tx.query(
        `INSERT INTO delinquency_fact (tenant_id, account_id, as_of_date, event_time, days_past_due, aging_bucket)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (tenant_id, account_id, as_of_date) DO UPDATE
           SET event_time = excluded.event_time, days_past_due = excluded.days_past_due, aging_bucket = excluded.aging_bucket
           WHERE excluded.event_time > delinquency_fact.event_time`,
        [event.tenantId, p.accountId, p.asOfDate || day(event.time), event.time, p.daysPastDue, p.bucket],
      ),
    );
  },

  'collections.ledger.v1.PaymentReversed': async (event, { tx }) => {
    const p = event.payload;
    // A reversal nets the payment it reverses, on whichever account that payment was posted to.
    const paid = (await tx.query(`SELECT account_id FROM payment_fact WHERE tenant_id = $1 AND payment_id = $2`, [
      event.tenantId,
      p.paymentId,
    ])) as { account_id: string }[];
    await withKpiRollup(
      tx,
      event.tenantId,
      [p.accountId, ...paid.map((r) => r.account_id)],
      ['cohort', 'collected'],
      () =>
        tx.query(
          `INSERT INTO payment_reversal_fact (tenant_id, payment_id, entry_id, account_id, amount_minor, reversed_at)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
          [event.tenantId, p.paymentId, p.entryId, p.accountId, p.amount?.amountMinor ?? 0, event.time],
        ),
    );
  },

  'collections.ledger.v1.StatementIssued': async (event, { tx }) => {
    const p = event.payload;
    await withKpiRollup(tx, event.tenantId, [p.accountId], ['billed'], () =>
      tx.query(
        `INSERT INTO statement_fact (tenant_id, account_id, cycle, statement_date, amount_due_minor, currency)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
        [
          event.tenantId,
          p.accountId,
          p.cycle,
          p.statementDate || day(event.time),
          p.amountDue?.amountMinor ?? 0,
          p.amountDue?.currency || 'XXX',
        ],
      ),
    );
  },

  'collections.ledger.v1.AccountChargedOff': (event, { tx }) =>
    setStatus(tx, event.tenantId, event.payload.accountId, 'charged_off', event.payload.effectiveDate, event.time),
  'collections.ledger.v1.AccountSettled': (event, { tx }) =>
    setStatus(tx, event.tenantId, event.payload.accountId, 'settled', event.payload.effectiveDate, event.time),
  'collections.ledger.v1.AccountClosed': (event, { tx }) =>
    setStatus(tx, event.tenantId, event.payload.accountId, 'closed', event.payload.closedOn, event.time),

  'collections.scoring.v1.AccountScored': async (event, { tx }) => {
    const p = event.payload;
    const at = p.scoredAt ?? event.time;
    await setSegment(tx, event.tenantId, p.accountId, p.segment, p.modelVersion, at, p.probabilityToPay);
    // The arm an account entered the experiment in is its arm (scoring keeps it stable anyway).
    if (p.modelArm) {
      await tx.query(
        `INSERT INTO experiment_arm_fact (tenant_id, experiment, account_id, arm, assigned_at)
         VALUES ($1, 'scoring_model', $2, $3, $4)
         ON CONFLICT (tenant_id, experiment, account_id) DO UPDATE SET arm = excluded.arm, assigned_at = excluded.assigned_at
           WHERE excluded.assigned_at < experiment_arm_fact.assigned_at`,
        [event.tenantId, p.accountId, p.modelArm, at],
      );
    }
  },
  'collections.scoring.v1.SegmentChanged': async (event, { tx }) => {
    const p = event.payload;
    const at = p.changedAt ?? event.time;
    await setSegment(tx, event.tenantId, p.accountId, p.segment, p.modelVersion, at, p.probabilityToPay);
  },

  'collections.orchestrator.v1.ContactDecision': async (event, { tx }) => {
    const p = event.payload;
    await withKpiRollup(tx, event.tenantId, [p.accountId], ['decision', 'denied'], () =>
      tx.query(
        `INSERT INTO contact_fact (tenant_id, decision_id, account_id, channel, allowed, decided_at, denial_rules)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
        [
          event.tenantId,
          p.decisionId || event.id,
          p.accountId,
          orchestrator.channelToJSON(p.channel),
          p.allowed,
          p.decidedAt ?? event.time,
          // Reasons read `<rule id>: <message>`; only the rule ids of a refusal are kept (a message may name the debtor's rules, never PII, but it is not a key).
          p.allowed ? [] : [...new Set((p.reasons.length ? p.reasons : ['unspecified']).map(ruleIdOf))],
        ],
      ),
    );
  },

  'collections.orchestrator.v1.ContactSent': async (event, { tx }) => {
    const p = event.payload;
    await withKpiRollup(tx, event.tenantId, [p.accountId], ['sent'], () =>
      tx.query(
        `INSERT INTO contact_sent_fact (tenant_id, schedule_id, account_id, channel, sent_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
        [
          event.tenantId,
          p.scheduleId || event.id,
          p.accountId,
          orchestrator.channelToJSON(p.channel),
          p.sentAt ?? event.time,
        ],
      ),
    );
    // The strategy arm the account was contacted in (ContactSent.strategy_id / arm_id), an experiment
    // `strategy:<id>` like the scoring model's: the first arm it was contacted in is its arm.
    if (p.strategyId && p.armId) {
      await tx.query(
        `INSERT INTO experiment_arm_fact (tenant_id, experiment, account_id, arm, assigned_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id, experiment, account_id) DO UPDATE SET arm = excluded.arm, assigned_at = excluded.assigned_at
           WHERE (excluded.assigned_at, excluded.arm) < (experiment_arm_fact.assigned_at, experiment_arm_fact.arm)`,
        [event.tenantId, `strategy:${p.strategyId}`, p.accountId, p.armId, p.sentAt ?? event.time],
      );
    }
  },

  // An opt-out taken by the orchestrator (a STOP reply, an agent) is a withdrawn consent for the channel;
  // the ledger's own ConsentChanged for the same opt-out is the same fact (the opt-out rate asks whether one exists).
  'collections.orchestrator.v1.OptOutRecorded': async (event, { tx }) => {
    const p = event.payload;
    await tx.query(
      `INSERT INTO consent_fact (tenant_id, debtor_id, channel, event_time, granted) VALUES ($1, $2, $3, $4, false)
       ON CONFLICT DO NOTHING`,
      [event.tenantId, p.debtorId, orchestrator.channelToJSON(p.channel), p.recordedAt ?? event.time],
    );
  },

  'collections.orchestrator.v1.CallOutcomeRecorded': async (event, { tx }) => {
    const p = event.payload;
    await withKpiRollup(tx, event.tenantId, [p.accountId], ['call_outcome'], () =>
      tx.query(
        `INSERT INTO call_outcome_fact (tenant_id, outcome_id, account_id, outcome, recorded_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
        [
          event.tenantId,
          p.outcomeId || event.id,
          p.accountId,
          orchestratorAgents.callOutcomeToJSON(p.outcome),
          p.recordedAt ?? event.time,
        ],
      ),
    );
  },
};

type Tx = Parameters<NonNullable<EventHandlers['collections.ledger.v1.AccountOpened']>>[1]['tx'];

async function setSegment(
  tx: Tx,
  tenantId: string,
  accountId: string,
  segment: scoring.Segment,
  modelVersion: string,
  at: Date,
  probabilityToPay: number,
): Promise<void> {
  // The segment and model version are the account's group: all of its contribution moves.
  await withKpiRollup(tx, tenantId, [accountId], ROLLUP_KINDS, () =>
    tx.query(
      `INSERT INTO account_fact (tenant_id, account_id, segment, model_version, scored_at, probability_to_pay)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (tenant_id, account_id) DO UPDATE
       SET segment = excluded.segment, model_version = excluded.model_version, scored_at = excluded.scored_at,
           probability_to_pay = excluded.probability_to_pay
       WHERE account_fact.scored_at IS NULL OR excluded.scored_at > account_fact.scored_at`,
      [tenantId, accountId, scoring.segmentToJSON(segment), modelVersion || null, at, probabilityToPay],
    ),
  );
}

async function setStatus(
  tx: Tx,
  tenantId: string,
  accountId: string,
  status: string,
  on: string,
  at: Date,
): Promise<void> {
  await tx.query(
    `INSERT INTO account_fact (tenant_id, account_id, status, status_on, status_event_time) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (tenant_id, account_id) DO UPDATE
       SET status = excluded.status, status_on = excluded.status_on, status_event_time = excluded.status_event_time
       WHERE account_fact.status_event_time IS NULL OR excluded.status_event_time > account_fact.status_event_time`,
    [tenantId, accountId, status, on || day(at), at],
  );
}
