import { EntityManager } from 'typeorm';
import { arrayOf, textArraysOf } from '@collections/platform';
import { UnallocatedPayment } from '../promises/applied-payments.repository';
import { Payment } from './domain/allocation';
import { Announcement, announcementKey } from './domain/announcements';
import { NewPlan } from './domain/plan';
import { Instalment, addDays } from './domain/schedule';

/** Day 0 of the due dates a schedule read brings (days since it: an integer, cheap to build and to parse). */
const EPOCH = '1970-01-01';

export interface PlanRow {
  tenant_id: string;
  id: string;
  account_id: string;
  currency: string;
  total_minor: string;
  down_payment_minor: string;
  instalments: number;
  frequency: number;
  channel: number;
  taken_by: number;
  agent_id: string;
  state: number;
  /** How many times the plan completed (a reversal can reopen a completed plan, a payment complete it again). */
  completions: number;
  created_at: Date;
  /** Set when the plan was cancelled (CancelPlan), with who cancelled it, why and under which idempotency key. */
  cancelled_at: Date | null;
  cancelled_by: string | null;
  cancel_reason: string | null;
  cancel_idempotency_key: string | null;
}

/** What allocating payments to a plan and announcing about it needs of the plan itself. */
export type PlanFacts = Pick<
  PlanRow,
  'tenant_id' | 'id' | 'account_id' | 'currency' | 'total_minor' | 'state' | 'completions'
>;

/** A plan locked for a batch of payments, with its revision (null until a payment first changes it). */
export type LockedPlan = PlanFacts & { revision: string | null };

export interface InstalmentRow {
  seq: number;
  due_date: string;
  amount_minor: string;
  paid_minor: string;
}

const PLAN = `tenant_id, id, account_id, currency, total_minor, down_payment_minor, instalments, frequency, channel,
  taken_by, agent_id, state, completions, created_at, cancelled_at, cancelled_by, cancel_reason, cancel_idempotency_key`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Queries of payment plans; decisions live in the domain and the use cases. */
export class PlansRepository {
  /**
   * Inserts the plan and its schedule, or finds the plan already created with this idempotency
   * key; `created` says which.
   */
  async create(
    tx: EntityManager,
    tenantId: string,
    p: NewPlan,
    state: number,
    createdAt: Date,
  ): Promise<{ row: PlanRow; created: boolean }> {
    const inserted = (await tx.query(
      `INSERT INTO payment_plan (tenant_id, account_id, currency, total_minor, down_payment_minor, instalments,
         frequency, first_date, channel, taken_by, agent_id, state, idempotency_key, created_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)
       ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING id`,
      [
        tenantId,
        p.accountId,
        p.currency,
        p.totalMinor,
        p.downPaymentMinor,
        p.instalments,
        p.frequency,
        p.firstDate,
        p.channel,
        p.takenBy,
        p.agentId,
        state,
        p.idempotencyKey,
        createdAt,
      ],
    )) as { id: string }[];
    if (inserted.length === 1) {
      await tx.query(
        `INSERT INTO plan_instalment (tenant_id, plan_id, seq, due_date, amount_minor)
         SELECT $1, $2, * FROM unnest($3::int[], $4::date[], $5::bigint[])`,
        [
          tenantId,
          inserted[0].id,
          p.schedule.map((i) => i.seq),
          p.schedule.map((i) => i.dueDate),
          p.schedule.map((i) => i.amountMinor),
        ],
      );
    }
    const [row] = (await tx.query(`SELECT ${PLAN} FROM payment_plan WHERE tenant_id = $1 AND idempotency_key = $2`, [
      tenantId,
      p.idempotencyKey,
    ])) as PlanRow[];
    return { row, created: inserted.length === 1 };
  }

  /** The plan an idempotency key created, if any. */
  async findByKey(m: EntityManager, tenantId: string, idempotencyKey: string): Promise<PlanRow | undefined> {
    const [row] = (await m.query(`SELECT ${PLAN} FROM payment_plan WHERE tenant_id = $1 AND idempotency_key = $2`, [
      tenantId,
      idempotencyKey,
    ])) as PlanRow[];
    return row;
  }

  async find(m: EntityManager, tenantId: string, id: string, lock = false): Promise<PlanRow | undefined> {
    if (!UUID.test(id)) return undefined;
    const [row] = (await m.query(
      `SELECT ${PLAN} FROM payment_plan WHERE tenant_id = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`,
      [tenantId, id],
    )) as PlanRow[];
    return row;
  }

  async listByAccount(m: EntityManager, tenantId: string, accountId: string): Promise<PlanRow[]> {
    return (await m.query(
      `SELECT ${PLAN} FROM payment_plan WHERE tenant_id = $1 AND account_id = $2 ORDER BY created_at DESC, id`,
      [tenantId, accountId],
    )) as PlanRow[];
  }

  /** The account's oldest plan in this state and currency, locked for the transaction. */
  async lockOldestInState(
    tx: EntityManager,
    tenantId: string,
    accountId: string,
    currency: string,
    state: number,
  ): Promise<PlanRow | undefined> {
    const [row] = (await tx.query(
      `SELECT ${PLAN} FROM payment_plan WHERE tenant_id = $1 AND account_id = $2 AND currency = $3 AND state = $4
       ORDER BY created_at, id LIMIT 1 FOR UPDATE`,
      [tenantId, accountId, currency, state],
    )) as PlanRow[];
    return row;
  }

  /**
   * The account's plans in this state, whatever their currency, locked for the transaction in the
   * order a payment batch locks them: by currency (the batch's key order), then oldest first (the
   * plan a payment counts towards first). Locked by id instead, an account ending could hold a
   * newer plan and wait for the older one a batch held while the batch waited for the newer one.
   */
  async lockInStateOfAccount(
    tx: EntityManager,
    tenantId: string,
    accountId: string,
    state: number,
  ): Promise<PlanRow[]> {
    return (await tx.query(
      `SELECT ${PLAN} FROM payment_plan WHERE tenant_id = $1 AND account_id = $2 AND state = $3
       ORDER BY currency, created_at, id FOR UPDATE`,
      [tenantId, accountId, state],
    )) as PlanRow[];
  }

  async planOfPayment(tx: EntityManager, tenantId: string, paymentId: string): Promise<string | undefined> {
    const [row] = (await tx.query(`SELECT plan_id FROM plan_payment WHERE tenant_id = $1 AND payment_id = $2`, [
      tenantId,
      paymentId,
    ])) as { plan_id: string }[];
    return row?.plan_id;
  }

  async instalments(m: EntityManager, tenantId: string, planIds: string[]): Promise<Map<string, InstalmentRow[]>> {
    const rows = (await m.query(
      `SELECT plan_id, seq, to_char(due_date, 'YYYY-MM-DD') AS due_date, amount_minor, paid_minor
         FROM plan_instalment WHERE tenant_id = $1 AND plan_id = ANY($2::uuid[]) ORDER BY plan_id, seq`,
      [tenantId, planIds],
    )) as (InstalmentRow & { plan_id: string })[];
    const byPlan = new Map<string, InstalmentRow[]>(planIds.map((id) => [id, []]));
    for (const r of rows) byPlan.get(r.plan_id)?.push(r);
    return byPlan;
  }

  /** What each plan received beyond its schedule (live payments less what its instalments were paid). */
  async credits(m: EntityManager, tenantId: string, planIds: string[]): Promise<Map<string, number>> {
    const rows = (await m.query(
      `SELECT p.plan_id, sum(p.amount_minor) - coalesce((SELECT sum(i.paid_minor) FROM plan_instalment i
                WHERE i.tenant_id = $1 AND i.plan_id = p.plan_id), 0) AS credit
         FROM plan_payment p WHERE p.tenant_id = $1 AND p.plan_id = ANY($2::uuid[]) AND NOT p.reversed
        GROUP BY p.plan_id`,
      [tenantId, planIds],
    )) as { plan_id: string; credit: string }[];
    return new Map(rows.map((r) => [r.plan_id, Number(r.credit)]));
  }

  /** Records a payment for the plan; false when this payment was already recorded. */
  async addPayment(
    tx: EntityManager,
    tenantId: string,
    planId: string,
    payment: { paymentId: string; amountMinor: number; paidOn: string },
  ): Promise<boolean> {
    const rows = (await tx.query(
      `INSERT INTO plan_payment (tenant_id, plan_id, payment_id, amount_minor, paid_on) VALUES ($1,$2,$3,$4,$5)
       ON CONFLICT DO NOTHING RETURNING payment_id`,
      [tenantId, planId, payment.paymentId, payment.amountMinor, payment.paidOn],
    )) as unknown[];
    return rows.length === 1;
  }

  /** Flags the payment reversed; false when it was already (or was never a plan's). */
  async reversePayment(tx: EntityManager, tenantId: string, paymentId: string): Promise<boolean> {
    const rows = (await tx.query(
      `UPDATE plan_payment SET reversed = true WHERE tenant_id = $1 AND payment_id = $2 AND NOT reversed
       RETURNING payment_id`,
      [tenantId, paymentId],
    )) as unknown[];
    return rowCount(rows) === 1;
  }

  async livePayments(tx: EntityManager, tenantId: string, planId: string): Promise<Payment[]> {
    const rows = (await tx.query(
      `SELECT payment_id, amount_minor, to_char(paid_on, 'YYYY-MM-DD') AS paid_on FROM plan_payment
        WHERE tenant_id = $1 AND plan_id = $2 AND NOT reversed ORDER BY received_seq`,
      [tenantId, planId],
    )) as { payment_id: string; amount_minor: string; paid_on: string }[];
    return rows.map((r) => ({ paymentId: r.payment_id, amountMinor: Number(r.amount_minor), date: r.paid_on }));
  }

  /**
   * Stores each instalment's paid amount (where the live payments went is a function of them and
   * the schedule, not stored) under a new revision: what a batch consumer remembers of this plan
   * is no longer current.
   */
  async replacePaid(
    tx: EntityManager,
    tenantId: string,
    planId: string,
    paidBySeq: Map<number, number>,
  ): Promise<void> {
    await tx.query(
      `WITH revised AS (UPDATE payment_plan SET revision = gen_random_uuid() WHERE tenant_id = $1 AND id = $2)
       UPDATE plan_instalment i SET paid_minor = p.paid FROM unnest($3::int[], $4::bigint[]) AS p(seq, paid)
        WHERE i.tenant_id = $1 AND i.plan_id = $2 AND i.seq = p.seq`,
      [tenantId, planId, [...paidBySeq.keys()], [...paidBySeq.values()]],
    );
  }

  /** What the plan announced, as `announcementKey`s. */
  async announced(tx: EntityManager, tenantId: string, planId: string): Promise<Set<string>> {
    const rows = (await tx.query(`SELECT announced FROM payment_plan WHERE tenant_id = $1 AND id = $2`, [
      tenantId,
      planId,
    ])) as { announced: string[] }[];
    return new Set(rows[0]?.announced ?? []);
  }

  /** Adds and withdraws announcements: the plan's set, kept in its row. */
  async recordAnnouncements(
    tx: EntityManager,
    tenantId: string,
    planId: string,
    announce: Announcement[],
    withdraw: Announcement[],
  ): Promise<void> {
    if (announce.length + withdraw.length === 0) return;
    await tx.query(
      `UPDATE payment_plan SET announced = array(
         SELECT DISTINCT k FROM unnest(announced || $3::text[]) AS k WHERE k <> ALL ($4::text[]) ORDER BY k)
        WHERE tenant_id = $1 AND id = $2`,
      [tenantId, planId, announce.map(announcementKey), withdraw.map(announcementKey)],
    );
  }

  /** Stores the plan's state and how many times it completed. */
  async setState(
    tx: EntityManager,
    tenantId: string,
    planId: string,
    state: number,
    completions: number,
  ): Promise<void> {
    await tx.query(`UPDATE payment_plan SET state = $3, completions = $4 WHERE tenant_id = $1 AND id = $2`, [
      tenantId,
      planId,
      state,
      completions,
    ]);
  }

  /**
   * The plans' live payments (in posting order) and what they announced, and the schedules of
   * `withSchedule` (those the caller does not know yet), in one statement: read after the plans
   * were locked, so it sees their latest state. Schedules and payments come as arrays per plan
   * (seqs or payment ids, amounts, dates as days since 1970-01-01), not a JSON array per row: a
   * payment to a plan not in the cache reads its whole schedule and every payment before it, and
   * building one JSON array per row made the schedule read five times slower (2,000 plans of 24
   * instalments: 206 ms against 43).
   */
  async paymentState(
    tx: EntityManager,
    tenantId: string,
    planIds: string[],
    withSchedule: string[],
  ): Promise<{
    schedules: Map<string, Instalment[]>;
    payments: Map<string, Payment[]>;
    announced: Map<string, Set<string>>;
  }> {
    const [row] = (await tx.query(
      `SELECT
         (SELECT coalesce(json_agg(json_build_array(plan_id, seqs, days, amounts)), '[]')
            FROM (SELECT plan_id, array_agg(seq ORDER BY seq) AS seqs,
                         array_agg(due_date - DATE '${EPOCH}' ORDER BY seq) AS days,
                         array_agg(amount_minor ORDER BY seq) AS amounts
                    FROM plan_instalment WHERE tenant_id = $1 AND plan_id = ANY($3::uuid[]) GROUP BY plan_id) s)
           AS instalments,
         (SELECT coalesce(json_agg(json_build_array(plan_id, ids, amounts, days)), '[]')
            FROM (SELECT plan_id, array_agg(payment_id ORDER BY received_seq) AS ids,
                         array_agg(amount_minor ORDER BY received_seq) AS amounts,
                         array_agg(paid_on - DATE '${EPOCH}' ORDER BY received_seq) AS days
                    FROM plan_payment WHERE tenant_id = $1 AND plan_id = ANY($2::uuid[]) AND NOT reversed
                   GROUP BY plan_id) p)
           AS payments,
         (SELECT coalesce(json_agg(json_build_array(id, announced)), '[]')
            FROM payment_plan WHERE tenant_id = $1 AND id = ANY($2::uuid[])) AS announced`,
      [tenantId, planIds, withSchedule],
    )) as {
      instalments: [string, number[], number[], number[]][];
      payments: [string, string[], number[], number[]][];
      announced: [string, string[]][];
    }[];
    const schedules = new Map<string, Instalment[]>(withSchedule.map((id) => [id, []]));
    for (const [planId, seqs, days, amounts] of row.instalments) {
      const schedule = schedules.get(planId);
      for (let i = 0; schedule && i < seqs.length; i++) {
        schedule.push({ seq: seqs[i], dueDate: addDays(EPOCH, days[i]), amountMinor: amounts[i] });
      }
    }
    const payments = new Map<string, Payment[]>(planIds.map((id) => [id, []]));
    for (const [planId, ids, amounts, days] of row.payments) {
      const list = payments.get(planId);
      for (let i = 0; list && i < ids.length; i++) {
        list.push({ paymentId: ids[i], amountMinor: amounts[i], date: addDays(EPOCH, days[i]) });
      }
    }
    const announced = new Map<string, Set<string>>(planIds.map((id) => [id, new Set<string>()]));
    for (const [planId, keys] of row.announced) announced.set(planId, new Set(keys));
    return { schedules, payments, announced };
  }

  /**
   * Stores what a batch of payments did to its plans, set-based: the payments (in posting
   * order), the instalments whose paid amount changed, and each changed plan's state, what it has
   * announced and its new revision; and the batch's payments that counted towards nothing
   * (`unallocated_payment`). Fails (rolling the batch back) when a plan payment was already
   * recorded: the caller checked that under the plans' locks.
   */
  async applyPayments(
    tx: EntityManager,
    tenantId: string,
    w: {
      payments: { planId: string; paymentId: string; amountMinor: number; paidOn: string }[];
      paid: { planId: string; seq: number; paidMinor: number }[];
      /** Every plan the batch changed, with its state, completions and announcements (`announcementKey`s) after it. */
      states: { planId: string; state: number; completions: number; announced: Iterable<string> }[];
      /** Payments of accounts that had nothing to count them towards. */
      unallocated: UnallocatedPayment[];
      /** The plans' new revision. */
      revision: string;
    },
    /** One more statement to run with these (the outbox insert), its parameters numbered from the one given. */
    also?: (firstParam: number) => { sql: string; params: unknown[] },
  ): Promise<void> {
    const params: unknown[] = [
      tenantId,
      arrayOf(w.payments, (p) => p.planId),
      arrayOf(w.payments, (p) => p.paymentId),
      arrayOf(w.payments, (p) => p.amountMinor),
      arrayOf(w.payments, (p) => p.paidOn),
      arrayOf(w.paid, (p) => p.planId),
      arrayOf(w.paid, (p) => p.seq),
      arrayOf(w.paid, (p) => p.paidMinor),
      arrayOf(w.states, (s) => s.planId),
      arrayOf(w.states, (s) => s.state),
      textArraysOf(w.states, (s) => s.announced),
      w.revision,
      arrayOf(w.unallocated, (p) => p.paymentId),
      arrayOf(w.unallocated, (p) => p.accountId),
      arrayOf(w.unallocated, (p) => p.amountMinor),
      arrayOf(w.unallocated, (p) => p.currency),
      arrayOf(w.unallocated, (p) => p.paidOn),
      arrayOf(w.states, (s) => s.completions),
    ];
    const extra = also?.(params.length + 1);
    // One statement of data-modifying CTEs: each table written once, whatever the batch's size.
    const [row] = (await tx.query(
      `WITH payments AS (
         INSERT INTO plan_payment (tenant_id, plan_id, payment_id, amount_minor, paid_on)
         SELECT $1, plan_id, payment_id, amount_minor, paid_on
           FROM unnest($2::uuid[], $3::text[], $4::bigint[], $5::date[]) WITH ORDINALITY
                AS t(plan_id, payment_id, amount_minor, paid_on, n)
          ORDER BY n
         ON CONFLICT DO NOTHING RETURNING 1),
       paid AS (
         UPDATE plan_instalment i SET paid_minor = p.paid
           FROM unnest($6::uuid[], $7::int[], $8::bigint[]) AS p(plan_id, seq, paid)
          WHERE i.tenant_id = $1 AND i.plan_id = p.plan_id AND i.seq = p.seq RETURNING 1),
       states AS (
         UPDATE payment_plan p SET state = s.state, completions = s.completions, announced = s.announced::text[],
                revision = $12::uuid
           FROM unnest($9::uuid[], $10::int[], $11::text[], $18::int[]) AS s(id, state, announced, completions)
          WHERE p.tenant_id = $1 AND p.id = s.id RETURNING 1),
       unallocated AS (
         INSERT INTO unallocated_payment (tenant_id, payment_id, account_id, amount_minor, currency, paid_on)
         SELECT $1, * FROM unnest($13::text[], $14::text[], $15::bigint[], $16::text[], $17::date[])
         ON CONFLICT DO NOTHING RETURNING 1)
       ${extra ? `, also AS (${extra.sql})` : ''}
       SELECT (SELECT count(*)::int FROM payments) AS payments`,
      [...params, ...(extra?.params ?? [])],
    )) as { payments: number }[];
    if (row.payments !== w.payments.length) {
      throw new Error(`${w.payments.length - row.payments} of a batch's plan payments were already recorded`);
    }
  }

  /**
   * Cancels the plan if it is `activeState` (PLAN_STATE_ACTIVE), under a new revision (what a batch
   * consumer remembers of it is no longer current); undefined when it is not.
   */
  async cancel(
    tx: EntityManager,
    tenantId: string,
    planId: string,
    activeState: number,
    c: { state: number; cancelledAt: Date; cancelledBy: string; reason: string; idempotencyKey: string },
  ): Promise<PlanRow | undefined> {
    const result = (await tx.query(
      `UPDATE payment_plan SET state = $4, cancelled_at = $5, cancelled_by = $6, cancel_reason = $7,
              cancel_idempotency_key = $8, revision = gen_random_uuid()
        WHERE tenant_id = $1 AND id = $2 AND state = $3
       RETURNING ${PLAN}`,
      [tenantId, planId, activeState, c.state, c.cancelledAt, c.cancelledBy, c.reason, c.idempotencyKey],
    )) as unknown[];
    return (Array.isArray(result[0]) ? result[0] : result)[0] as PlanRow | undefined;
  }

  /** Plans the daily run looks at (all but the defaulted and cancelled ones), after a cursor, in key order. */
  async plansToReview(
    m: EntityManager,
    scope: { tenantId?: string; exceptStates: number[] },
    after: { tenantId: string; id: string },
    limit: number,
  ): Promise<{ tenant_id: string; id: string }[]> {
    return (await m.query(
      `SELECT tenant_id, id::text AS id FROM payment_plan
        WHERE state <> ALL ($1::int[]) AND ($2::text IS NULL OR tenant_id = $2) AND (tenant_id, id::text) > ($3, $4)
        ORDER BY tenant_id, id::text LIMIT $5`,
      [scope.exceptStates, scope.tenantId ?? null, after.tenantId, after.id, limit],
    )) as { tenant_id: string; id: string }[];
  }
}

export function scheduleOf(rows: InstalmentRow[]): Instalment[] {
  return rows.map((r) => ({ seq: r.seq, dueDate: r.due_date, amountMinor: Number(r.amount_minor) }));
}

/** TypeORM answers an UPDATE ... RETURNING on PostgreSQL with [rows, count]. */
function rowCount(result: unknown[]): number {
  return Array.isArray(result[0]) ? (result[0] as unknown[]).length : result.length;
}
