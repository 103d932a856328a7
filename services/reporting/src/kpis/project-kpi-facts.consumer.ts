import { EventType, ledger, orchestrator, orchestratorAgents, promises, scoring } from '@collections/contracts';
import { ConsumedEvent, EventHandler, EventHandlers, HandlerContext } from '@collections/messaging';
import { isCalendarDate } from '@collections/platform';
import { instalmentKept, projectForecastFacts } from '../forecast/project-forecast-facts.consumer';
import { databaseTimeZones } from './database-time-zones';
import { ruleIdOf } from './domain/kpis';
import { BatchWrite, ROLLUP_KINDS, RollupKind, writeWithKpiRollup } from './kpi-rollup';

const day = (d: Date) => d.toISOString().slice(0, 10);
const iso = (d: Date) => d.toISOString();

type Of<T extends EventType> = ConsumedEvent<T>;

/** The status an account reopened to (`AccountReopened.status`), as `account_fact.status` names it. */
const REOPENED_STATUS: Readonly<Record<number, string>> = {
  [ledger.AccountStatus.ACCOUNT_STATUS_CURRENT]: 'current',
  [ledger.AccountStatus.ACCOUNT_STATUS_DELINQUENT]: 'delinquent',
  [ledger.AccountStatus.ACCOUNT_STATUS_CHARGED_OFF]: 'charged_off',
};

/** The kinds of the KPI rollup a fact of each type can change (opening and score move the account's group: all). */
const KINDS: { [T in EventType]?: readonly RollupKind[] } = {
  'collections.ledger.v1.AccountOpened': ROLLUP_KINDS,
  'collections.scoring.v1.AccountScored': ROLLUP_KINDS,
  'collections.scoring.v1.SegmentChanged': ROLLUP_KINDS,
  'collections.ledger.v1.BalanceChanged': ['placed', 'receivable'],
  'collections.ledger.v1.DelinquencyChanged': ['aging_pair', 'aging_bucket'],
  'collections.ledger.v1.PaymentPosted': ['cohort', 'collected', 'post_charge_off'],
  'collections.ledger.v1.PaymentReversed': ['cohort', 'collected', 'post_charge_off'],
  'collections.ledger.v1.AccountChargedOff': ['charged_off', 'post_charge_off'],
  'collections.ledger.v1.StatementIssued': ['billed'],
  'collections.orchestrator.v1.ContactDecision': ['decision', 'denied'],
  'collections.orchestrator.v1.ContactSent': ['sent'],
  'collections.orchestrator.v1.CallOutcomeRecorded': ['call_outcome'],
  'collections.promises.v1.PromiseKept': ['kept', 'broken'],
  'collections.promises.v1.PromiseKeptWithdrawn': ['kept', 'broken'],
  'collections.promises.v1.PromiseBroken': ['broken'],
  'collections.promises.v1.OfferApprovalExpired': ['offer_expired', 'offer_held'],
  'collections.promises.v1.OfferApprovalRequested': ['offer_held'],
  'collections.promises.v1.OfferApprovalDecided': ['offer_held', 'offer_decided'],
};

/** The account whose contribution a fact changes, if any ('' when the event names none). */
function accountOf(e: ConsumedEvent): string {
  if (e.type === 'collections.ledger.v1.BalanceChanged') {
    return (e as Of<'collections.ledger.v1.BalanceChanged'>).payload.balance?.accountId ?? '';
  }
  return (e.payload as { accountId?: string }).accountId ?? '';
}

/**
 * Projections into the KPI read model, a partition's batch at a time. The inbox already drops a
 * redelivered event (same event id); on top of that every fact is keyed by its source identity (a
 * republished event changes nothing) and per-account state moves only to a strictly newer fact (a
 * late event never overwrites what a newer one said). Because of these rules the facts a batch
 * leaves do not depend on the order of its events, so each table is written by one multi-row
 * write per batch, all in one statement: rows of one key within the batch are first reduced to the
 * one the rule keeps (in SQL, `DISTINCT ON` ordered by the rule and then by the position in the
 * batch, which is what applying them one by one would keep), and the KPI rollup is moved once for
 * the whole batch (`writeWithKpiRollup`). The forecast's plan events keep their per-event
 * projections, applied afterwards in the batch's order.
 */
export async function projectReadModel(events: ConsumedEvent[], ctx: HandlerContext): Promise<void> {
  const ofType = new Map<EventType, ConsumedEvent[]>();
  for (const e of events) {
    const list = ofType.get(e.type);
    if (list) list.push(e);
    else ofType.set(e.type, [e]);
  }
  const by = <T extends EventType>(type: T) => (ofType.get(type) ?? []) as Of<T>[];
  const kinds = new Set<RollupKind>();
  const tenants: string[] = [];
  const accounts: string[] = [];
  const touched = new Set<string>();
  for (const e of events) {
    const k = KINDS[e.type];
    const account = k ? accountOf(e) : '';
    if (!k || !account) continue;
    for (const kind of k) kinds.add(kind);
    const key = `${e.tenantId}\u0000${account}`;
    if (touched.has(key)) continue;
    touched.add(key);
    tenants.push(e.tenantId);
    accounts.push(account);
  }
  // A reversal nets the payment it reverses, on whichever account that payment was posted to;
  // a kept promise is no longer a broken one, on whichever account it was broken (and a withdrawn
  // one may be broken again).
  const reversals = by('collections.ledger.v1.PaymentReversed');
  const kept = [...by('collections.promises.v1.PromiseKept'), ...by('collections.promises.v1.PromiseKeptWithdrawn')];
  const zones = new Map<ConsumedEvent, string | null>();
  for (const e of by('collections.ledger.v1.AccountOpened'))
    zones.set(e, await databaseTimeZones.usable(ctx.tx, e.payload.timeZone));
  await writeWithKpiRollup(
    ctx.tx,
    {
      tenants,
      accounts,
      reversed: { tenants: reversals.map((e) => e.tenantId), paymentIds: reversals.map((e) => e.payload.paymentId) },
      kept: { tenants: kept.map((e) => e.tenantId), promiseIds: kept.map((e) => e.payload.promiseId) },
      kinds,
    },
    factWrites(events, by, (e) => zones.get(e) ?? null),
  );
  // The forecast's plan events and a kept (or no longer kept) plan instalment, one by one in the
  // batch's order; an instalment's kept status follows promise_kept_fact, written above.
  for (const e of events) {
    if (e.type === 'collections.promises.v1.PromiseKept' || e.type === 'collections.promises.v1.PromiseKeptWithdrawn') {
      const p = (e as Of<'collections.promises.v1.PromiseKept' | 'collections.promises.v1.PromiseKeptWithdrawn'>)
        .payload;
      if (p.planId) await instalmentKept(ctx.tx, e.tenantId, p.planId, p.accountId, p.instalmentSeq);
      continue;
    }
    const forecast = projectForecastFacts[e.type] as EventHandler<EventType> | undefined;
    if (forecast) await forecast(e, ctx);
  }
}

/** Whether a score, a status, … of the incoming row (`excluded`) replaces the stored one (`f`). */
const NEWER_SCORE = 'excluded.scored_at IS NOT NULL AND (f.scored_at IS NULL OR excluded.scored_at > f.scored_at)';
const NEWER_STATUS =
  'excluded.status_event_time IS NOT NULL AND (f.status_event_time IS NULL OR excluded.status_event_time > f.status_event_time)';
const OPENING = 'excluded.opened_on IS NOT NULL';
/** The ledger keeps an account's first charge-off: of two charge-offs the earlier event stands. */
const EARLIER_CHARGE_OFF =
  'excluded.charged_off_at IS NOT NULL AND (f.charged_off_at IS NULL OR excluded.charged_off_at < f.charged_off_at)';

/**
 * `zoneOf`: an account's time zone as AccountOpened names it, canonical; null (read as UTC) when it
 * names none, no zone, or one PostgreSQL does not know (`databaseTimeZones`).
 */
function factWrites(
  events: ConsumedEvent[],
  by: <T extends EventType>(type: T) => Of<T>[],
  zoneOf: (e: Of<'collections.ledger.v1.AccountOpened'>) => string | null,
): BatchWrite[] {
  const writes: BatchWrite[] = [];
  const write = (types: string[], rows: unknown[][], sql: (u: string) => string) => writes.push({ types, rows, sql });

  // Accounts, one row per account: the opening (opening day, currency, time zone: the same facts on
  // every delivery, the last one stands), the score (segment, model version, probability: only from a
  // strictly newer score) and the status (only from a newer event), each kept or not on its own.
  const rows: unknown[][] = [];
  for (const e of by('collections.ledger.v1.AccountOpened')) {
    const p = e.payload;
    rows.push([
      e.tenantId,
      p.accountId,
      'open',
      p.openedOn || day(e.time),
      p.currency || null,
      null,
      null,
      null,
      null,
      zoneOf(e),
      null,
    ]);
  }
  for (const e of events) {
    if (e.type !== 'collections.scoring.v1.AccountScored' && e.type !== 'collections.scoring.v1.SegmentChanged')
      continue;
    const p = e.payload as Of<'collections.scoring.v1.AccountScored'>['payload'] &
      Of<'collections.scoring.v1.SegmentChanged'>['payload'];
    const at = (e.type === 'collections.scoring.v1.AccountScored' ? p.scoredAt : p.changedAt) ?? e.time;
    rows.push([
      e.tenantId,
      p.accountId,
      'score',
      null,
      p.modelVersion || null,
      scoring.segmentToJSON(p.segment),
      p.probabilityToPay,
      iso(at),
      null,
      null,
      null,
    ]);
  }
  /** The status a lifecycle event moved the account to, from its day (the event's own without one). */
  const statusRow = (e: Of<EventType>, accountId: string, on: string, status: string) =>
    rows.push([e.tenantId, accountId, 'status', on || day(e.time), null, null, null, iso(e.time), status, null, null]);
  for (const e of events) {
    const at = e.time;
    if (e.type === 'collections.ledger.v1.AccountChargedOff' || e.type === 'collections.ledger.v1.AccountSettled') {
      const p = (e as Of<'collections.ledger.v1.AccountChargedOff'>).payload;
      statusRow(
        e,
        p.accountId,
        p.effectiveDate,
        e.type === 'collections.ledger.v1.AccountSettled' ? 'settled' : 'charged_off',
      );
      // The charge-off itself, apart from the status a settlement or closing moves on: its day (the
      // account's calendar day; without one, the event's day in the account's zone, worked out when
      // read) and, charged off with the balance kept owed, that balance.
      if (e.type === 'collections.ledger.v1.AccountChargedOff') {
        const kept = p.balanceKept && p.balanceAfter ? p.balanceAfter : undefined;
        rows.push([
          e.tenantId,
          p.accountId,
          'charge_off',
          isCalendarDate(p.effectiveDate) ? p.effectiveDate : null,
          kept?.currency || null,
          null,
          null,
          iso(at),
          null,
          null,
          kept ? kept.amountMinor : null,
        ]);
      }
    } else if (e.type === 'collections.ledger.v1.AccountReopened') {
      // A reversed payment left the settled or closed account owing: the status it returned to.
      const p = (e as Of<'collections.ledger.v1.AccountReopened'>).payload;
      statusRow(e, p.accountId, p.effectiveDate, REOPENED_STATUS[p.status] ?? 'delinquent');
    } else if (e.type === 'collections.ledger.v1.AccountClosed') {
      const p = (e as Of<'collections.ledger.v1.AccountClosed'>).payload;
      statusRow(e, p.accountId, p.closedOn, 'closed');
    }
  }
  // r(t, a, what, d: opened/status/charge-off day, x: currency/model/balance kept's currency, s: segment, p: probability,
  //   at: scored/status/charge-off time, st: status, z: time zone, k: balance kept)
  const pick = (what: string, order: string) =>
    `(SELECT DISTINCT ON (t, a) * FROM r WHERE what = '${what}' ORDER BY t, a, ${order})`;
  write(
    ['text', 'text', 'text', 'date', 'text', 'text', 'float8', 'timestamptz', 'text', 'text', 'bigint'],
    rows,
    (
      u,
    ) => `INSERT INTO account_fact AS f (tenant_id, account_id, opened_on, currency, time_zone, segment, model_version,
              scored_at, probability_to_pay, status, status_on, status_event_time, charged_off_on, charged_off_at,
              balance_kept_minor, balance_kept_currency)
       WITH r AS (SELECT * FROM ${u} WITH ORDINALITY AS r(t, a, what, d, x, s, p, at, st, z, k, i))
       SELECT t, a, o.d, o.x, o.z, s.s, s.x, s.at, s.p, x.st, x.d, x.at, c.d, c.at, c.k, c.x
         FROM ${pick('open', 'i DESC')} AS o
         FULL JOIN ${pick('score', 'at DESC, i')} AS s USING (t, a)
         FULL JOIN ${pick('status', 'at DESC, i')} AS x USING (t, a)
         FULL JOIN ${pick('charge_off', 'at, i')} AS c USING (t, a)
       ON CONFLICT (tenant_id, account_id) DO UPDATE SET
         opened_on = CASE WHEN ${OPENING} THEN excluded.opened_on ELSE f.opened_on END,
         currency = CASE WHEN ${OPENING} THEN excluded.currency ELSE f.currency END,
         time_zone = CASE WHEN ${OPENING} THEN excluded.time_zone ELSE f.time_zone END,
         segment = CASE WHEN ${NEWER_SCORE} THEN excluded.segment ELSE f.segment END,
         model_version = CASE WHEN ${NEWER_SCORE} THEN excluded.model_version ELSE f.model_version END,
         probability_to_pay = CASE WHEN ${NEWER_SCORE} THEN excluded.probability_to_pay ELSE f.probability_to_pay END,
         scored_at = CASE WHEN ${NEWER_SCORE} THEN excluded.scored_at ELSE f.scored_at END,
         status = CASE WHEN ${NEWER_STATUS} THEN excluded.status ELSE f.status END,
         status_on = CASE WHEN ${NEWER_STATUS} THEN excluded.status_on ELSE f.status_on END,
         status_event_time = CASE WHEN ${NEWER_STATUS} THEN excluded.status_event_time ELSE f.status_event_time END,
         charged_off_on = CASE WHEN ${EARLIER_CHARGE_OFF} THEN excluded.charged_off_on ELSE f.charged_off_on END,
         charged_off_at = CASE WHEN ${EARLIER_CHARGE_OFF} THEN excluded.charged_off_at ELSE f.charged_off_at END,
         balance_kept_minor = CASE WHEN ${EARLIER_CHARGE_OFF} THEN excluded.balance_kept_minor ELSE f.balance_kept_minor END,
         balance_kept_currency =
           CASE WHEN ${EARLIER_CHARGE_OFF} THEN excluded.balance_kept_currency ELSE f.balance_kept_currency END
       WHERE ${OPENING} OR ${NEWER_SCORE} OR ${NEWER_STATUS} OR ${EARLIER_CHARGE_OFF}`,
  );

  // The arm an account entered the scoring experiment in is its arm: the earliest score's.
  write(
    ['text', 'text', 'text', 'timestamptz'],
    by('collections.scoring.v1.AccountScored')
      .filter((e) => e.payload.modelArm)
      .map((e) => [e.tenantId, e.payload.accountId, e.payload.modelArm, iso(e.payload.scoredAt ?? e.time)]),
    (u) => `INSERT INTO experiment_arm_fact (tenant_id, experiment, account_id, arm, assigned_at)
       SELECT DISTINCT ON (t, a) t, 'scoring_model', a, arm, at FROM ${u} WITH ORDINALITY AS r(t, a, arm, at, i)
        ORDER BY t, a, at, i
       ON CONFLICT (tenant_id, experiment, account_id) DO UPDATE SET arm = excluded.arm, assigned_at = excluded.assigned_at
         WHERE excluded.assigned_at < experiment_arm_fact.assigned_at`,
  );
  // The strategy arm the account was contacted in (ContactSent.strategy_id / arm_id), an experiment
  // `strategy:<id>` like the scoring model's: the first arm it was contacted in is its arm.
  const sent = by('collections.orchestrator.v1.ContactSent');
  write(
    ['text', 'text', 'text', 'text', 'timestamptz'],
    sent
      .filter((e) => e.payload.strategyId && e.payload.armId)
      .map((e) => {
        const p = e.payload;
        return [e.tenantId, `strategy:${p.strategyId}`, p.accountId, p.armId, iso(p.sentAt ?? e.time)];
      }),
    (u) => `INSERT INTO experiment_arm_fact (tenant_id, experiment, account_id, arm, assigned_at)
       SELECT DISTINCT ON (t, x, a) t, x, a, arm, at FROM ${u} WITH ORDINALITY AS r(t, x, a, arm, at, i)
        ORDER BY t, x, a, at, arm, i
       ON CONFLICT (tenant_id, experiment, account_id) DO UPDATE SET arm = excluded.arm, assigned_at = excluded.assigned_at
         WHERE (excluded.assigned_at, excluded.arm) < (experiment_arm_fact.assigned_at, experiment_arm_fact.arm)`,
  );
  write(
    ['text', 'text', 'text'],
    by('collections.ledger.v1.AccountOpened').flatMap((e) =>
      e.payload.debtors.map((d) => [e.tenantId, e.payload.accountId, d.debtorId]),
    ),
    (u) =>
      `INSERT INTO account_debtor_fact (tenant_id, account_id, debtor_id) SELECT * FROM ${u} ON CONFLICT DO NOTHING`,
  );

  // Balances, statements, payments and reversals: facts keyed by their source (the first one stands).
  write(
    ['text', 'text', 'text', 'date', 'timestamptz', 'bigint', 'text'],
    by('collections.ledger.v1.BalanceChanged')
      .filter((e) => e.payload.balance)
      .map((e) => {
        const b = e.payload.balance!;
        return [
          e.tenantId,
          b.accountId,
          e.payload.causedByEntryId || `event:${e.id}`,
          b.asOfDate || day(e.time),
          iso(e.time),
          b.total?.amountMinor ?? 0,
          b.total?.currency || 'XXX',
        ];
      }),
    (
      u,
    ) => `INSERT INTO balance_fact (tenant_id, account_id, caused_by_entry_id, as_of_date, event_time, total_minor, currency)
       SELECT * FROM ${u} ON CONFLICT DO NOTHING`,
  );
  write(
    ['text', 'text', 'int', 'date', 'bigint', 'text'],
    by('collections.ledger.v1.StatementIssued').map((e) => {
      const p = e.payload;
      return [
        e.tenantId,
        p.accountId,
        p.cycle,
        p.statementDate || day(e.time),
        p.amountDue?.amountMinor ?? 0,
        p.amountDue?.currency || 'XXX',
      ];
    }),
    (u) => `INSERT INTO statement_fact (tenant_id, account_id, cycle, statement_date, amount_due_minor, currency)
       SELECT * FROM ${u} ON CONFLICT DO NOTHING`,
  );
  // A payment counts on the day it was made: effective_date (a day of the account's calendar), kept
  // as `effective_on`; from a ledger older than that field, or with a date that is none, the day of
  // its posting in the account's time zone (UTC while no opening with a zone was projected). The
  // zone is the one this batch's last opening of the account names, else the one projected (this
  // statement's writes do not see each other's). The first delivery stands: a republished payment
  // counts once, on the same day. An opening re-dates the account's payments dated by their
  // posting, so a payment projected before its account's opening (PaymentPosted comes on another
  // topic) ends on the day it would have had in the other order, and the KPI rollup follows (the
  // opening moves all of the account's contribution: KINDS). The zone is canonicalised as the ledger
  // does (`canonicalTimeZone`) and PostgreSQL reads it (`AT TIME ZONE`), as the ledger's own queries do;
  // a zone PostgreSQL does not know is read as UTC (`databaseTimeZones`), never left to fail the batch.
  const openingZones = new Map<string, { tenantId: string; accountId: string; zone: string | null }>();
  for (const e of by('collections.ledger.v1.AccountOpened')) {
    const key = `${e.tenantId}\u0000${e.payload.accountId}`;
    openingZones.set(key, { tenantId: e.tenantId, accountId: e.payload.accountId, zone: zoneOf(e) });
  }
  write(
    ['text', 'text', 'text', 'bigint', 'text', 'timestamptz', 'date', 'bool', 'text'],
    by('collections.ledger.v1.PaymentPosted').map((e) => {
      const p = e.payload;
      const postedAt = p.postedAt ?? e.time;
      const opening = openingZones.get(`${e.tenantId}\u0000${p.accountId}`);
      return [
        e.tenantId,
        p.paymentId,
        p.accountId,
        p.amount?.amountMinor ?? 0,
        p.amount?.currency ?? 'XXX',
        iso(postedAt),
        isCalendarDate(p.effectiveDate) ? p.effectiveDate : null,
        opening !== undefined,
        opening?.zone ?? null,
      ];
    }),
    (
      u,
    ) => `INSERT INTO payment_fact (tenant_id, payment_id, account_id, amount_minor, currency, posted_at, effective_on,
              paid_on)
       SELECT t, id, a, amount, cur, at, eff, coalesce(eff, (at AT TIME ZONE coalesce(
                CASE WHEN opened THEN zone
                     ELSE (SELECT f.time_zone FROM account_fact f WHERE f.tenant_id = t AND f.account_id = a) END,
                'UTC'))::date)
         FROM ${u} AS r(t, id, a, amount, cur, at, eff, opened, zone)
       ON CONFLICT DO NOTHING`,
  );
  write(
    ['text', 'text', 'text'],
    [...openingZones.values()].map((o) => [o.tenantId, o.accountId, o.zone]),
    (u) => `UPDATE payment_fact p SET paid_on = (p.posted_at AT TIME ZONE coalesce(o.zone, 'UTC'))::date
         FROM ${u} AS o(t, a, zone)
        WHERE p.tenant_id = o.t AND p.account_id = o.a AND p.effective_on IS NULL
          AND p.paid_on <> (p.posted_at AT TIME ZONE coalesce(o.zone, 'UTC'))::date`,
  );
  write(
    ['text', 'text', 'text', 'text', 'bigint', 'timestamptz'],
    by('collections.ledger.v1.PaymentReversed').map((e) => {
      const p = e.payload;
      return [e.tenantId, p.paymentId, p.entryId, p.accountId, p.amount?.amountMinor ?? 0, iso(e.time)];
    }),
    (u) => `INSERT INTO payment_reversal_fact (tenant_id, payment_id, entry_id, account_id, amount_minor, reversed_at)
       SELECT * FROM ${u} ON CONFLICT DO NOTHING`,
  );

  // Aging: one fact per account and day; of two for the same day the later event wins.
  write(
    ['text', 'text', 'date', 'timestamptz', 'int', 'text'],
    by('collections.ledger.v1.DelinquencyChanged').map((e) => {
      const p = e.payload;
      return [e.tenantId, p.accountId, p.asOfDate || day(e.time), iso(e.time), p.daysPastDue, p.bucket];
    }),
    (u) => `INSERT INTO delinquency_fact (tenant_id, account_id, as_of_date, event_time, days_past_due, aging_bucket)
       SELECT DISTINCT ON (t, a, d) t, a, d, at, dpd, b FROM ${u} WITH ORDINALITY AS r(t, a, d, at, dpd, b, i)
        ORDER BY t, a, d, at DESC, i
       ON CONFLICT (tenant_id, account_id, as_of_date) DO UPDATE
         SET event_time = excluded.event_time, days_past_due = excluded.days_past_due, aging_bucket = excluded.aging_bucket
         WHERE excluded.event_time > delinquency_fact.event_time`,
  );

  // Contacts: decisions, sends and call outcomes are facts keyed by their source.
  write(
    ['text', 'text', 'text', 'text', 'boolean', 'timestamptz', 'text'],
    by('collections.orchestrator.v1.ContactDecision').map((e) => {
      const p = e.payload;
      return [
        e.tenantId,
        p.decisionId || e.id,
        p.accountId,
        orchestrator.channelToJSON(p.channel),
        p.allowed,
        iso(p.decidedAt ?? e.time),
        // Reasons read `<rule id>: <message>`; only the rule ids of a refusal are kept (a message may name the debtor's rules, never PII, but it is not a key).
        JSON.stringify(p.allowed ? [] : [...new Set((p.reasons.length ? p.reasons : ['unspecified']).map(ruleIdOf))]),
      ];
    }),
    (u) => `INSERT INTO contact_fact (tenant_id, decision_id, account_id, channel, allowed, decided_at, denial_rules)
       SELECT t, d, a, c, ok, at, ARRAY(SELECT jsonb_array_elements_text(rules::jsonb))
         FROM ${u} AS r(t, d, a, c, ok, at, rules)
       ON CONFLICT DO NOTHING`,
  );
  write(
    ['text', 'text', 'text', 'text', 'timestamptz'],
    sent.map((e) => {
      const p = e.payload;
      return [
        e.tenantId,
        p.scheduleId || e.id,
        p.accountId,
        orchestrator.channelToJSON(p.channel),
        iso(p.sentAt ?? e.time),
      ];
    }),
    (u) => `INSERT INTO contact_sent_fact (tenant_id, schedule_id, account_id, channel, sent_at)
       SELECT * FROM ${u} ON CONFLICT DO NOTHING`,
  );
  write(
    ['text', 'text', 'text', 'text', 'timestamptz'],
    by('collections.orchestrator.v1.CallOutcomeRecorded').map((e) => {
      const p = e.payload;
      return [
        e.tenantId,
        p.outcomeId || e.id,
        p.accountId,
        orchestratorAgents.callOutcomeToJSON(p.outcome),
        iso(p.recordedAt ?? e.time),
      ];
    }),
    (u) => `INSERT INTO call_outcome_fact (tenant_id, outcome_id, account_id, outcome, recorded_at)
       SELECT * FROM ${u} ON CONFLICT DO NOTHING`,
  );

  // Consent: the ledger names channels "sms", "call", …; contacts name them CHANNEL_SMS, … (one word in
  // the read model). An opt-out taken by the orchestrator (a STOP reply, an agent) is a withdrawn consent
  // for the channel; the ledger's own ConsentChanged for the same opt-out is the same fact (the opt-out
  // rate asks whether one exists).
  write(
    ['text', 'text', 'text', 'timestamptz', 'boolean'],
    events.flatMap((e): unknown[][] => {
      if (e.type === 'collections.ledger.v1.ConsentChanged') {
        const p = (e as Of<'collections.ledger.v1.ConsentChanged'>).payload;
        return [[e.tenantId, p.debtorId, `CHANNEL_${p.channel.toUpperCase()}`, iso(e.time), p.granted]];
      }
      if (e.type === 'collections.orchestrator.v1.OptOutRecorded') {
        const p = (e as Of<'collections.orchestrator.v1.OptOutRecorded'>).payload;
        return [[e.tenantId, p.debtorId, orchestrator.channelToJSON(p.channel), iso(p.recordedAt ?? e.time), false]];
      }
      return [];
    }),
    (u) => `INSERT INTO consent_fact (tenant_id, debtor_id, channel, event_time, granted)
       SELECT * FROM ${u} ON CONFLICT DO NOTHING`,
  );

  // Promises: kept and broken ones are facts; a promise also kept (paid late) counts as kept only.
  // A keep (by its time) and a withdrawal of one (by the reversed payment) are each kept once; a
  // promise is kept while it has more keeps than withdrawals, whatever order they came in.
  const keeping: unknown[][] = [];
  for (const e of by('collections.promises.v1.PromiseKept')) {
    const p = e.payload;
    const at = iso(p.keptAt ?? e.time);
    keeping.push([e.tenantId, p.promiseId, 'kept', at, p.accountId, at, p.amount?.amountMinor ?? null]);
  }
  for (const e of by('collections.promises.v1.PromiseKeptWithdrawn')) {
    const p = e.payload;
    const at = iso(p.withdrawnAt ?? e.time);
    keeping.push([e.tenantId, p.promiseId, 'withdrawn', p.paymentId || `event:${e.id}`, p.accountId, at, null]);
  }
  const KEEPING = ['text', 'text', 'text', 'text', 'text', 'timestamptz', 'bigint'];
  const COLUMNS = 'tenant_id, promise_id, kind, ref, account_id, at, amount_minor';
  // Where each promise the batch names stands: the facts stored and the batch's, each once.
  const standing = (u: string) => `SELECT tenant_id, promise_id,
        count(*) FILTER (WHERE kind = 'kept') > count(*) FILTER (WHERE kind = 'withdrawn') AS kept,
        (array_agg(account_id ORDER BY at DESC) FILTER (WHERE kind = 'kept'))[1] AS account_id,
        max(at) FILTER (WHERE kind = 'kept') AS kept_at,
        (array_agg(amount_minor ORDER BY at DESC) FILTER (WHERE kind = 'kept'))[1] AS amount_minor
      FROM (SELECT DISTINCT ON (tenant_id, promise_id, kind, ref) * FROM (
              SELECT ${COLUMNS}, 0 AS src FROM promise_keeping_fact
               WHERE (tenant_id, promise_id) IN (SELECT b.tenant_id, b.promise_id FROM ${u} AS b(${COLUMNS}))
              UNION ALL SELECT *, 1 FROM ${u} AS b(${COLUMNS})
            ) e ORDER BY tenant_id, promise_id, kind, ref, src) facts
     GROUP BY tenant_id, promise_id`;
  write(
    KEEPING,
    keeping,
    (u) => `INSERT INTO promise_keeping_fact (${COLUMNS}) SELECT * FROM ${u} ON CONFLICT DO NOTHING`,
  );
  write(
    KEEPING,
    keeping,
    (u) => `INSERT INTO promise_kept_fact AS f (tenant_id, promise_id, account_id, kept_at, amount_minor)
       SELECT tenant_id, promise_id, account_id, kept_at, amount_minor FROM (${standing(u)}) s WHERE s.kept
       ON CONFLICT (tenant_id, promise_id) DO UPDATE
         SET account_id = excluded.account_id, kept_at = excluded.kept_at, amount_minor = excluded.amount_minor
         WHERE (f.account_id, f.kept_at, f.amount_minor) IS DISTINCT FROM
               (excluded.account_id, excluded.kept_at, excluded.amount_minor)`,
  );
  write(
    KEEPING,
    keeping,
    (u) => `DELETE FROM promise_kept_fact f USING (${standing(u)}) s
       WHERE f.tenant_id = s.tenant_id AND f.promise_id = s.promise_id AND NOT s.kept`,
  );
  write(
    ['text', 'text', 'text', 'timestamptz'],
    by('collections.promises.v1.PromiseBroken').map((e) => {
      const p = e.payload;
      return [e.tenantId, p.promiseId, p.accountId, iso(p.brokenAt ?? e.time)];
    }),
    (u) => `INSERT INTO promise_broken_fact (tenant_id, promise_id, account_id, broken_at)
       SELECT * FROM ${u} ON CONFLICT DO NOTHING`,
  );
  // Offers held for a supervisor that expired undecided: one fact per approval.
  write(
    ['text', 'text', 'text', 'text', 'timestamptz'],
    by('collections.promises.v1.OfferApprovalExpired').map((e) => {
      const p = e.payload;
      return [e.tenantId, p.approvalId, p.accountId, p.kind, iso(p.expiresAt ?? e.time)];
    }),
    (u) => `INSERT INTO offer_expiry_fact (tenant_id, approval_id, account_id, kind, expired_at)
       SELECT * FROM ${u} ON CONFLICT DO NOTHING`,
  );
  // Offers held for a supervisor, one fact per approval: held (each of the three events says when),
  // then decided. A decision is final: the first one stored stands, whatever order the events came
  // in; of the batch's rows of one approval, a decided one is kept (it says all the others say).
  const approvals: unknown[][] = [];
  for (const e of [
    ...by('collections.promises.v1.OfferApprovalRequested'),
    ...by('collections.promises.v1.OfferApprovalExpired'),
  ]) {
    const p = e.payload;
    approvals.push([e.tenantId, p.approvalId, p.accountId, p.kind, iso(p.requestedAt ?? e.time), null, null]);
  }
  for (const e of by('collections.promises.v1.OfferApprovalDecided')) {
    const p = e.payload;
    const decision = p.decision === promises.ApprovalDecision.APPROVAL_DECISION_APPROVE ? 'approved' : 'rejected';
    const decidedAt = iso(p.decidedAt ?? e.time);
    approvals.push([e.tenantId, p.approvalId, p.accountId, p.kind, iso(p.requestedAt ?? e.time), decidedAt, decision]);
  }
  write(
    ['text', 'text', 'text', 'text', 'timestamptz', 'timestamptz', 'text'],
    approvals,
    (u) => `INSERT INTO offer_approval_fact AS f
         (tenant_id, approval_id, account_id, kind, requested_at, decided_at, decision)
       SELECT DISTINCT ON (b.tenant_id, b.approval_id) b.*
         FROM ${u} AS b(tenant_id, approval_id, account_id, kind, requested_at, decided_at, decision)
        ORDER BY b.tenant_id, b.approval_id, b.decided_at NULLS LAST
       ON CONFLICT (tenant_id, approval_id) DO UPDATE SET decided_at = excluded.decided_at, decision = excluded.decision
         WHERE f.decided_at IS NULL AND excluded.decided_at IS NOT NULL`,
  );
  return writes;
}

/** The types the read model projects. */
const PROJECTED: EventType[] = [
  ...(Object.keys(KINDS) as EventType[]),
  'collections.ledger.v1.ConsentChanged',
  'collections.orchestrator.v1.OptOutRecorded',
  'collections.ledger.v1.AccountSettled',
  'collections.ledger.v1.AccountClosed',
  'collections.ledger.v1.AccountReopened',
  ...(Object.keys(projectForecastFacts) as EventType[]),
];

/**
 * The same projection an event at a time (a batch of one), for a consumer without the
 * whole-batch handler.
 */
export const projectKpiFacts: EventHandlers = Object.fromEntries(
  PROJECTED.map((type) => [type, (event: ConsumedEvent, ctx: HandlerContext) => projectReadModel([event], ctx)]),
);
