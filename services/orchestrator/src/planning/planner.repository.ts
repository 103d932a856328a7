import { DataSource, EntityManager } from 'typeorm';
import { isBankruptcyChapter, ledger } from '@collections/contracts';
import { isCalendarDate } from '@collections/platform';
import {
  BankruptcyChapter,
  CHANNELS,
  Channel,
  CreditorOnRecord,
  Hold,
  InconvenientWindow,
  JURISDICTIONS,
  Jurisdiction,
  PastContact,
  ValidationNoticeOnRecord,
} from '../policy/domain';
import { creditorOnRecordOf, creditorOnRecordSql } from '../creditors/creditor-profile.repository';
import { StrategyDocument, StrategyProgress, addDays } from '../strategies/domain';
import { DebtorContactFacts } from './domain/contact-plan';
import { REACHED_OUTCOMES } from '../agents/domain/call-outcome';
import { TenantRulePacks } from '../policy/tenant-rule-packs';
import { RETURNED_PAYMENT_STEP } from './domain/notices';

type Db = DataSource | EntityManager;

/** Code-unit order, as PostgreSQL's "C" collation sorts (the same on PGlite and a server). */
const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** An account an event marked for planning (simulated clock). */
export interface PlanningMark {
  readonly tenantId: string;
  readonly accountId: string;
  readonly causedBy: string;
  /** Record a decision even when no strategy takes the account (a score asked for an answer). */
  readonly answer: boolean;
}

export interface PlannerAccountRow {
  tenant_id: string;
  account_id: string;
  reference: string;
  product: string;
  currency: string;
  time_zone: string;
  segment: string;
  balance_minor: string;
  balance_known: boolean;
  /** The balance is the ledger's own (BalanceChanged, PaymentPosted), not scoring's copy: see `accountScored`. */
  balance_from_ledger: boolean;
  due_date: string | null;
  days_past_due: number;
  /**
   * The ledger's oldest unpaid due date (`YYYY-MM-DD`; null: not told, or current), from which
   * strategies count days past due; `delinquency_as_of` is the ledger's as-of date it came from.
   */
  oldest_unpaid_due_date: string | null;
  delinquency_as_of: string | null;
  /** AccountScored.priority (expected recovery, discounted by age); null until scored. */
  score_priority: number | null;
  promise_active: boolean;
  strategy_id: string | null;
  strategy_version: number | null;
  arm_id: string | null;
  entered_on: string | null;
  steps_done: string[];
  steps_failed: string[];
  escalated: boolean;
  referred_to_legal: boolean;
  /**
   * When a forbearance measure first came on record for the account (a plan or settlement agreed,
   * a negotiation an agent completed); null: none. A pack with `enforcement.forbearanceFirst`
   * refers the account for legal action only once it is set (migration 1763900017000).
   */
  forbearance_on_record_at: Date | null;
  /** A reversed payment's notice waits for the contact live on the account to end (`returned_payment`). */
  returned_notice_waiting: boolean;
}

export interface DebtorRow extends DebtorContactFacts {
  readonly language: string;
}

export interface ScheduleRow {
  tenant_id: string;
  id: string;
  account_id: string;
  debtor_id: string;
  decision_id: string;
  strategy_id: string;
  strategy_version: number;
  arm_id: string;
  step_id: string;
  channel: Channel;
  template: string;
  fallback: boolean;
  due_at: Date;
  status: 'pending' | 'sending' | 'sent' | 'failed' | 'invalid' | 'cancelled';
  attempts: number;
  /** Why the row was cancelled (`stop:payment`, ...), when it was; in rows read whole (`SELECT *`). */
  cancel_reason?: string | null;
  /** The failure's code (`no-address`, ...), when it failed; in rows read whole. */
  outcome_code?: string | null;
}

export interface ActiveStrategy {
  readonly key: string;
  readonly version: number;
  readonly document: StrategyDocument;
}

const HOLD_NAMES: Partial<Record<ledger.HoldKind, Hold>> = {
  [ledger.HoldKind.HOLD_KIND_DISPUTE]: 'dispute',
  [ledger.HoldKind.HOLD_KIND_BANKRUPTCY]: 'bankruptcy',
  [ledger.HoldKind.HOLD_KIND_DECEASED]: 'deceased',
  [ledger.HoldKind.HOLD_KIND_ATTORNEY]: 'attorney',
  [ledger.HoldKind.HOLD_KIND_CEASE_COMMUNICATION]: 'cease_communication',
  [ledger.HoldKind.HOLD_KIND_LITIGATION]: 'litigation',
};

const isChannel = (c: string): c is Channel => (CHANNELS as readonly string[]).includes(c);

/** The primary debtor's facts as read (holds as ledger codes, channels as words). */
export interface DebtorFactsRow {
  debtor_id: string;
  time_zone: string;
  country: string;
  region: string;
  consented_channels: string[];
  language: string;
  holds: number[];
  /**
   * `coPartyHoldsSql`: the active holds of the account's other parties, each kind (a bankruptcy:
   * each chapter, null where none is on record) once, as ledger codes; absent: none.
   */
  co_party_holds?: CoPartyHoldRow[] | null;
  opted_out: string[];
  /** `creditorOnRecordSql`: the tenant's creditor profile for the debtor's country, as the law reads it. */
  creditor: CreditorOnRecord | null;
  /** `validationNoticeSql`: the account's validation notice where the tenant is a debt collector. */
  validation_notice?: { sentAt: string | null } | null;
  /** The times the debtor said are inconvenient (as the ledger validated them); absent: none. */
  inconvenient_times?: InconvenientWindow[] | null;
  /** Channels on which the debtor has only workplace contact points whose employer forbids contact. */
  workplace_forbidden_channels?: string[] | null;
}

/**
 * The account's validation notice (SQL expressions over the tenant, the debtor's country and the
 * account) as JSON `{ sentAt }`, where the tenant collects the debt for its creditor: its creditor
 * profile for that country (else its default) names a collector. NULL where it does not, or has no
 * profile at all: the tenant is then a creditor collecting its own debts, to which Regulation F's
 * validation notice does not apply.
 */
export const validationNoticeSql = (tenant: string, country: string, account: string) =>
  `(SELECT CASE WHEN c.collector_legal_name IS NOT NULL THEN json_build_object('sentAt',
            (SELECT pa.validation_notice_sent_at FROM planner_account pa
              WHERE pa.tenant_id = ${tenant} AND pa.account_id = ${account})) END
      FROM creditor_profile c WHERE c.tenant_id = ${tenant} AND c.country IN (btrim(${country}), '')
     ORDER BY c.country DESC LIMIT 1)`;

/**
 * The active holds of the parties to `account` other than `debtor` (co-obligors, guarantors), as
 * a JSON array (`CoPartyHoldRow`: the ledger's kind and a bankruptcy's chapter, each pair once) over
 * SQL expressions: every read of the contact law's facts for an account takes them here
 * (`debtorOf`, the daily run's chunk), and the pack decides which of them stop contact about the
 * account (`coPartyHolds`; a US bankruptcy only under chapter 12 or 13, or of no chapter on
 * record). By index: the account's parties, each one's active holds.
 */
export const coPartyHoldsSql = (tenant: string, account: string, debtor: string) =>
  `(SELECT coalesce(jsonb_agg(DISTINCT jsonb_build_object('kind', h.kind, 'chapter', h.bankruptcy_chapter)), '[]')
      FROM account_party o
      JOIN debtor_hold_state h ON h.tenant_id = o.tenant_id AND h.debtor_id = o.debtor_id AND h.active
     WHERE o.tenant_id = ${tenant} AND o.account_id = ${account} AND o.debtor_id <> ${debtor})`;

/** One active hold of another party to the account, as `coPartyHoldsSql` reads it. */
export interface CoPartyHoldRow {
  kind: number;
  /** A bankruptcy's chapter (`ledger.BankruptcyChapter`); null where none is on record. */
  chapter: number | null;
}

const holdsOf = (codes: readonly number[] | null | undefined): Hold[] =>
  (codes ?? []).map((h) => HOLD_NAMES[h as ledger.HoldKind]).filter((h): h is Hold => h !== undefined);

/** The chapters of the co-parties' bankruptcies, null for one whose chapter is not on record (or unknown here). */
const bankruptcyChaptersOf = (rows: readonly CoPartyHoldRow[] | null | undefined): (BankruptcyChapter | null)[] =>
  (rows ?? [])
    .filter((r) => r.kind === ledger.HoldKind.HOLD_KIND_BANKRUPTCY)
    .map((r) => (isBankruptcyChapter(r.chapter) ? r.chapter : null));

const validationNoticeOf = (json: { sentAt: string | null } | null | undefined): ValidationNoticeOnRecord | null =>
  json ? { sentAt: json.sentAt ? new Date(json.sentAt) : null } : null;

/** The contact law's view of the debtor's facts. */
export function debtorRowOf(p: DebtorFactsRow): DebtorRow {
  const country = p.country.trim();
  return {
    debtorId: p.debtor_id,
    timeZone: p.time_zone,
    jurisdiction: (JURISDICTIONS as readonly string[]).includes(country) ? (country as Jurisdiction) : null,
    region: p.region,
    // None on record is no channel authorised, not every channel: a pack that requires consent refuses.
    consent: p.consented_channels.filter(isChannel),
    optedOut: p.opted_out.filter(isChannel),
    holds: holdsOf(p.holds),
    coPartyHolds: holdsOf(p.co_party_holds?.map((h) => h.kind)),
    coPartyBankruptcyChapters: bankruptcyChaptersOf(p.co_party_holds),
    creditor: creditorOnRecordOf(p.creditor),
    validationNotice: validationNoticeOf(p.validation_notice),
    inconvenient: p.inconvenient_times ?? [],
    workplaceForbidden: (p.workplace_forbidden_channels ?? []).filter(isChannel),
    language: p.language,
  };
}

/** A past contact as `contactHistorySql` reads it, for the contact law's frequency rules. */
export function pastContactOf(r: { channel: string; account_id: string; at: Date; outcome: string }): PastContact[] {
  const outcome = r.outcome === 'conversation' || r.outcome === 'delivered' ? r.outcome : 'attempted';
  return isChannel(r.channel) ? [{ channel: r.channel, at: r.at, outcome, debtId: r.account_id }] : [];
}

/** `o.outcome` (an `agent_call_outcome` row's) is one in which the debtor was reached. */
const REACHED = `o.outcome IN (${REACHED_OUTCOMES.map((o) => `'${o}'`).join(', ')})`;

/**
 * The debtor's contacts on every account, as rows (channel, account_id, at, outcome), in SQL over
 * `tenant` and `debtor` (SQL expressions: parameters, or a lateral join's columns):
 * - what was sent (and delivered), or is being sent, from `contact_schedule` (but `except`, a row
 *   being sent that asks the law again). A voice-bot call or a field visit whose outcome was
 *   recorded (`agent_call_outcome`, found by its cause: `call:<provider call id>`, or
 *   `agent-task:<task id>` for the visit's task) is a `conversation` when the debtor was reached
 *   (`REACHED_OUTCOMES`), a visit dated when it was made;
 * - every call an agent recorded an outcome of (`agent_call_outcome`, source `agent`, channel
 *   `call`): a `conversation` when the debtor was reached, else `attempted`.
 * Each part is read by index (the schedule's debtor rows, the outcome's cause, the debtor's calls).
 */
export function contactHistorySql(tenant: string, debtor: string, except = 'NULL'): string {
  return `SELECT s.channel, s.account_id, COALESCE(o.recorded_at, s.sent_at, s.updated_at) AS at,
                 CASE WHEN ${REACHED} THEN 'conversation' WHEN s.delivered_at IS NOT NULL THEN 'delivered' ELSE 'attempted' END
                   AS outcome
            FROM contact_schedule s
            LEFT JOIN agent_call_outcome o ON o.tenant_id = s.tenant_id AND s.channel IN ('call', 'visit')
                 AND o.caused_by = CASE s.channel WHEN 'call' THEN 'call:' ELSE 'agent-task:' END || s.provider_message_id
           WHERE s.tenant_id = ${tenant} AND s.debtor_id = ${debtor} AND s.status IN ('sent', 'sending')
             AND s.id IS DISTINCT FROM ${except}
          UNION ALL
          SELECT 'call', o.account_id, o.recorded_at, CASE WHEN ${REACHED} THEN 'conversation' ELSE 'attempted' END
            FROM agent_call_outcome o
           WHERE o.tenant_id = ${tenant} AND o.debtor_id = ${debtor} AND o.source = 'agent' AND o.channel = 'call'`;
}

/** The planner's and dispatcher's queries; what the rows mean is the domain's business. */
export class PlannerRepository {
  /** `packs`: each tenant's effective rule packs, shared by every use of this repository. */
  constructor(readonly packs = new TenantRulePacks()) {}

  /** The account, locked for this transaction: one planner at a time per account. */
  async lockAccount(tx: EntityManager, tenantId: string, accountId: string): Promise<PlannerAccountRow | undefined> {
    const [row] = (await tx.query(`SELECT * FROM planner_account WHERE tenant_id = $1 AND account_id = $2 FOR UPDATE`, [
      tenantId,
      accountId,
    ])) as PlannerAccountRow[];
    return row;
  }

  /** Creates the account's row if it is new; the read-model handlers then update it. */
  async ensureAccount(tx: EntityManager, tenantId: string, accountId: string): Promise<void> {
    await tx.query(`INSERT INTO planner_account (tenant_id, account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [
      tenantId,
      accountId,
    ]);
  }

  /**
   * Records that a commitment (`promise:<id>`, `plan:<id>`) begins (`open`) or ends, and sets the
   * account's promise_active to whether any is left: a promise kept beside a running plan leaves
   * the cadence paused. Both are idempotent: a commitment opened twice is one row.
   */
  async commitment(
    tx: EntityManager,
    tenantId: string,
    accountId: string,
    commitmentId: string,
    open: boolean,
  ): Promise<void> {
    await this.ensureAccount(tx, tenantId, accountId);
    await tx.query(
      open
        ? `INSERT INTO planner_commitment (tenant_id, account_id, commitment_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`
        : `DELETE FROM planner_commitment WHERE tenant_id = $1 AND account_id = $2 AND commitment_id = $3`,
      [tenantId, accountId, commitmentId],
    );
    await tx.query(
      `UPDATE planner_account SET promise_active =
         EXISTS (SELECT 1 FROM planner_commitment c WHERE c.tenant_id = $1 AND c.account_id = $2)
       WHERE tenant_id = $1 AND account_id = $2`,
      [tenantId, accountId],
    );
  }

  /**
   * A forbearance measure is on record for the account (a plan or settlement agreed for it): the
   * first one's time stays. Idempotent.
   */
  async forbearanceOnRecord(tx: EntityManager, tenantId: string, accountId: string, at: Date): Promise<void> {
    await this.ensureAccount(tx, tenantId, accountId);
    await tx.query(
      `UPDATE planner_account SET forbearance_on_record_at = COALESCE(forbearance_on_record_at, $3)
        WHERE tenant_id = $1 AND account_id = $2`,
      [tenantId, accountId, at],
    );
  }

  async updateAccount(
    tx: EntityManager,
    tenantId: string,
    accountId: string,
    set: Partial<Record<keyof PlannerAccountRow, unknown>>,
  ): Promise<void> {
    await this.ensureAccount(tx, tenantId, accountId);
    const keys = Object.keys(set);
    if (keys.length === 0) return;
    await tx.query(
      `UPDATE planner_account SET ${keys.map((k, i) => `${k} = $${i + 3}`).join(', ')} WHERE tenant_id = $1 AND account_id = $2`,
      [tenantId, accountId, ...keys.map((k) => set[k as keyof PlannerAccountRow])],
    );
  }

  /**
   * What an AccountScored tells: the segment, days past due and priority, and scoring's copy of the
   * balance only while the ledger has not told one. The ledger's and scoring's topics arrive in no
   * order between them, and a score computed before a payment carries the balance the payment cleared.
   */
  async accountScored(
    tx: EntityManager,
    tenantId: string,
    accountId: string,
    s: { segment: string; daysPastDue: number; priority: number; balanceMinor?: number },
  ): Promise<void> {
    await this.ensureAccount(tx, tenantId, accountId);
    await tx.query(
      `UPDATE planner_account SET segment = $3, days_past_due = $4, score_priority = $5,
         balance_minor = CASE WHEN $6::bigint IS NULL OR balance_from_ledger THEN balance_minor ELSE $6::bigint END,
         balance_known = balance_known OR $6::bigint IS NOT NULL
       WHERE tenant_id = $1 AND account_id = $2`,
      [tenantId, accountId, s.segment, s.daysPastDue, s.priority, s.balanceMinor ?? null],
    );
  }

  /** An instalment about to fall due (promises' InstalmentDueSoon); a later notice of the same one updates what is still open. */
  async recordInstalment(
    tx: EntityManager,
    tenantId: string,
    i: {
      planId: string;
      seq: number;
      accountId: string;
      dueDate: string;
      amount?: { amountMinor: number; currency: string };
    },
  ): Promise<void> {
    if (!i.amount?.currency) return;
    await tx.query(
      `INSERT INTO reminder_instalment (tenant_id, plan_id, seq, account_id, due_date, amount_minor, currency)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (tenant_id, plan_id, seq) DO UPDATE SET due_date = EXCLUDED.due_date, amount_minor = EXCLUDED.amount_minor,
         currency = EXCLUDED.currency`,
      [tenantId, i.planId, i.seq, i.accountId, i.dueDate, i.amount.amountMinor, i.amount.currency],
    );
  }

  /** The instalment a reminder's step (`instalment:{planId}:{seq}`) is about, if promises told it. */
  async instalmentOfStep(
    db: DataSource | EntityManager,
    tenantId: string,
    accountId: string,
    stepId: string,
  ): Promise<{ amountMinor: number; currency: string; dueDate: string } | undefined> {
    const m = /^instalment:(.+):(\d+)$/.exec(stepId);
    if (!m) return undefined;
    const rows = (await db.query(
      `SELECT amount_minor, currency, to_char(due_date, 'YYYY-MM-DD') AS due_date FROM reminder_instalment
        WHERE tenant_id = $1 AND plan_id = $2 AND seq = $3 AND account_id = $4`,
      [tenantId, m[1], Number(m[2]), accountId],
    )) as { amount_minor: string; currency: string; due_date: string }[];
    const r = rows[0];
    return r && { amountMinor: Number(r.amount_minor), currency: r.currency.trim(), dueDate: r.due_date };
  }

  /**
   * A payment the ledger reversed, kept for its notice: false when it was recorded already (a
   * redelivered PaymentReversed), which books no second notice.
   */
  async recordReturnedPayment(
    tx: EntityManager,
    tenantId: string,
    r: { accountId: string; paymentId: string; amountMinor: number; currency: string; reason: string; at: Date },
  ): Promise<boolean> {
    const rows = (await tx.query(
      `INSERT INTO returned_payment (tenant_id, account_id, payment_id, amount_minor, currency, reason, reversed_at, notice)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'not-booked')
       ON CONFLICT (tenant_id, account_id, payment_id) DO NOTHING
       RETURNING payment_id`,
      [tenantId, r.accountId, r.paymentId, r.amountMinor, r.currency, r.reason, r.at],
    )) as unknown[];
    return rows.length > 0;
  }

  /** What became of a reversed payment's notice; the account's flag follows whether any still waits. */
  async returnedNotice(
    tx: EntityManager,
    tenantId: string,
    accountId: string,
    paymentId: string,
    notice: 'booked' | 'waiting' | 'not-booked',
  ): Promise<void> {
    await tx.query(
      `UPDATE returned_payment SET notice = $4 WHERE tenant_id = $1 AND account_id = $2 AND payment_id = $3`,
      [tenantId, accountId, paymentId, notice],
    );
    await tx.query(
      `UPDATE planner_account SET returned_notice_waiting = EXISTS (
         SELECT 1 FROM returned_payment WHERE tenant_id = $1 AND account_id = $2 AND notice = 'waiting')
        WHERE tenant_id = $1 AND account_id = $2`,
      [tenantId, accountId],
    );
  }

  /** The account's reversed payments whose notice waits, oldest first. */
  async waitingReturnedPayments(
    tx: EntityManager,
    tenantId: string,
    accountId: string,
  ): Promise<{ paymentId: string; reversedAt: Date }[]> {
    const rows = (await tx.query(
      `SELECT payment_id, reversed_at FROM returned_payment
        WHERE tenant_id = $1 AND account_id = $2 AND notice = 'waiting' ORDER BY reversed_at, payment_id`,
      [tenantId, accountId],
    )) as { payment_id: string; reversed_at: Date }[];
    return rows.map((r) => ({ paymentId: r.payment_id, reversedAt: r.reversed_at }));
  }

  /** The reversed payment a notice's step (`payment-returned:{paymentId}`) is about. */
  async returnedPaymentOfStep(
    db: DataSource | EntityManager,
    tenantId: string,
    accountId: string,
    stepId: string,
  ): Promise<{ amountMinor: number; currency: string; reversedAt: Date } | undefined> {
    if (!stepId.startsWith(RETURNED_PAYMENT_STEP)) return undefined;
    const rows = (await db.query(
      `SELECT amount_minor, currency, reversed_at FROM returned_payment
        WHERE tenant_id = $1 AND account_id = $2 AND payment_id = $3`,
      [tenantId, accountId, stepId.slice(RETURNED_PAYMENT_STEP.length)],
    )) as { amount_minor: string; currency: string; reversed_at: Date }[];
    const r = rows[0];
    return r && { amountMinor: Number(r.amount_minor), currency: r.currency.trim(), reversedAt: r.reversed_at };
  }

  /**
   * What the ledger tells of the account's delinquency as of its date `asOfDate` (DelinquencyChanged,
   * BalanceChanged): the oldest unpaid due date is `asOfDate` minus `daysPastDue`, or none when the
   * account is current. The ledger's topics and redeliveries arrive in any order: a fact as of an
   * earlier date than the one kept is ignored; one as of the same date is the later consumed.
   * Called after `updateAccount` with the same event's figures, which made sure the row exists.
   */
  async ledgerDelinquency(
    tx: EntityManager,
    tenantId: string,
    accountId: string,
    asOfDate: string,
    daysPastDue: number,
  ): Promise<void> {
    if (!isCalendarDate(asOfDate)) return; // not a date to keep
    await tx.query(
      `UPDATE planner_account SET oldest_unpaid_due_date = $4, delinquency_as_of = $3
        WHERE tenant_id = $1 AND account_id = $2 AND (delinquency_as_of IS NULL OR delinquency_as_of <= $3)`,
      [tenantId, accountId, asOfDate, daysPastDue > 0 ? addDays(asOfDate, -daysPastDue) : null],
    );
  }

  /**
   * The latest cycle's due date; its amount due stands for the balance until the ledger tells one.
   * Its statement date and amount due are kept too: a validation notice's itemization date and
   * amount then (US Regulation F §1006.34(b)(3)).
   */
  async statementIssued(
    tx: EntityManager,
    tenantId: string,
    accountId: string,
    dueDate: string,
    amountDueMinor: number,
    statementDate = '',
  ): Promise<void> {
    await this.ensureAccount(tx, tenantId, accountId);
    await tx.query(
      `UPDATE planner_account SET due_date = $3,
         balance_minor = CASE WHEN balance_known THEN balance_minor ELSE $4 END,
         statement_date = $5, statement_amount_due_minor = CASE WHEN $5::date IS NULL THEN NULL ELSE $4 END
       WHERE tenant_id = $1 AND account_id = $2 AND (due_date IS NULL OR due_date <= $3)`,
      [tenantId, accountId, dueDate, amountDueMinor, isCalendarDate(statementDate) ? statementDate : null],
    );
  }

  async saveProgress(
    tx: EntityManager,
    tenantId: string,
    accountId: string,
    strategy: { id: string; version: number } | null,
    progress: StrategyProgress | null,
    at: Date,
  ): Promise<void> {
    await tx.query(
      `UPDATE planner_account SET strategy_id = $3, strategy_version = $4, arm_id = $5, entered_on = $6, steps_done = $7,
         steps_failed = $8, escalated = $9, referred_to_legal = $10, planned_at = $11
       WHERE tenant_id = $1 AND account_id = $2`,
      [
        tenantId,
        accountId,
        strategy?.id ?? null,
        strategy?.version ?? null,
        progress?.armId ?? null,
        progress?.enteredOn ?? null,
        progress?.stepsDone ?? [],
        progress?.stepsFailed ?? [],
        progress?.escalated ?? false,
        progress?.referredToLegal ?? false,
        at,
      ],
    );
  }

  /**
   * The primary debtor's facts for the contact law, with the account's other parties' holds
   * (`coPartyHoldsSql`), or undefined while the ledger has not told us.
   */
  async debtorOf(db: Db, tenantId: string, accountId: string): Promise<DebtorRow | undefined> {
    const [p] = (await db.query(
      `SELECT p.debtor_id, p.time_zone, p.country, p.region, p.consented_channels, p.language,
              p.inconvenient_times, p.workplace_forbidden_channels,
              ARRAY(SELECT h.kind FROM debtor_hold_state h WHERE h.tenant_id = p.tenant_id AND h.debtor_id = p.debtor_id AND h.active) AS holds,
              ${coPartyHoldsSql('p.tenant_id', 'a.account_id', 'p.debtor_id')} AS co_party_holds,
              ARRAY(SELECT o.channel FROM debtor_channel_opt_out o WHERE o.tenant_id = p.tenant_id AND o.debtor_id = p.debtor_id) AS opted_out,
              ${creditorOnRecordSql('p.tenant_id', 'p.country')} AS creditor,
              ${validationNoticeSql('p.tenant_id', 'p.country', 'a.account_id')} AS validation_notice
         FROM account_party a JOIN debtor_profile p ON p.tenant_id = a.tenant_id AND p.debtor_id = a.debtor_id
        WHERE a.tenant_id = $1 AND a.account_id = $2 ORDER BY a.role LIMIT 1`,
      [tenantId, accountId],
    )) as DebtorFactsRow[];
    if (!p) return undefined;
    const debtor = debtorRowOf(p);
    return debtor.jurisdiction ? { ...debtor, rules: await this.packs.of(db, tenantId, debtor.jurisdiction) } : debtor;
  }

  /**
   * The debtor's contacts on every account (`contactHistorySql`): what was sent (and delivered),
   * what is being sent (but `except`, a row being sent that asks the law again), and the calls
   * agents and the voice bot made, a `conversation` where the debtor was reached.
   */
  async historyOf(db: Db, tenantId: string, debtorId: string, except?: string): Promise<PastContact[]> {
    const rows = (await db.query(`${contactHistorySql('$1', '$2', '$3::uuid')} ORDER BY 3`, [
      tenantId,
      debtorId,
      except ?? null,
    ])) as { channel: string; account_id: string; at: Date; outcome: string }[];
    return rows.flatMap(pastContactOf);
  }

  /** The active (highest) version of every strategy of the tenant. */
  async activeStrategies(db: Db, tenantId: string): Promise<ActiveStrategy[]> {
    const rows = (await db.query(
      `SELECT DISTINCT ON (strategy_id) strategy_id, version, document FROM strategy_version
        WHERE tenant_id = $1 ORDER BY strategy_id, version DESC`,
      [tenantId],
    )) as { strategy_id: string; version: number; document: StrategyDocument }[];
    return rows.map((r) => ({ key: r.strategy_id, version: r.version, document: r.document }));
  }

  async liveSchedule(tx: EntityManager, tenantId: string, accountId: string): Promise<ScheduleRow | undefined> {
    const [row] = (await tx.query(
      `SELECT * FROM contact_schedule WHERE tenant_id = $1 AND account_id = $2 AND status IN ('pending', 'sending')`,
      [tenantId, accountId],
    )) as ScheduleRow[];
    return row;
  }

  /** Cancels the account's pending contact (optionally only on one channel); a row being sent is left to finish. */
  async cancelPending(
    tx: EntityManager,
    tenantId: string,
    accountId: string,
    reason: string,
    at: Date,
    channel?: Channel,
  ): Promise<string[]> {
    const rows = (await tx.query(
      // A CTE: TypeORM answers a bare UPDATE ... RETURNING with [rows, count].
      `WITH cancelled AS (
         UPDATE contact_schedule SET status = 'cancelled', cancel_reason = $3, updated_at = $4
          WHERE tenant_id = $1 AND account_id = $2 AND status = 'pending' AND ($5::text IS NULL OR channel = $5)
          RETURNING id)
       SELECT id FROM cancelled`,
      [tenantId, accountId, reason, at, channel ?? null],
    )) as { id: string }[];
    return rows.map((r) => r.id);
  }

  /**
   * Cancels every pending contact addressed to the debtor (on each account they are a party to,
   * found by the accounts' live rows); a row being sent is left to finish, and a co-debtor's row
   * on a shared account stays.
   */
  async cancelPendingOfDebtor(
    tx: EntityManager,
    tenantId: string,
    debtorId: string,
    reason: string,
    at: Date,
  ): Promise<string[]> {
    const rows = (await tx.query(
      `WITH cancelled AS (
         UPDATE contact_schedule s SET status = 'cancelled', cancel_reason = $3, updated_at = $4
           FROM account_party a
          WHERE a.tenant_id = $1 AND a.debtor_id = $2 AND s.tenant_id = a.tenant_id AND s.account_id = a.account_id
            AND s.status = 'pending' AND s.debtor_id = $2
          RETURNING s.id)
       SELECT id FROM cancelled`,
      [tenantId, debtorId, reason, at],
    )) as { id: string }[];
    return rows.map((r) => r.id);
  }

  /** A new pending row, or nothing when this step was already scheduled on this channel. */
  async insertSchedule(
    tx: EntityManager,
    row: Omit<ScheduleRow, 'id' | 'status' | 'attempts'>,
    at: Date,
  ): Promise<string | undefined> {
    const [inserted] = (await tx.query(
      `INSERT INTO contact_schedule (tenant_id, account_id, debtor_id, decision_id, strategy_id, strategy_version, arm_id,
         step_id, channel, template, fallback, due_at, status, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'pending', $13, $13)
       ON CONFLICT DO NOTHING RETURNING id`,
      [
        row.tenant_id,
        row.account_id,
        row.debtor_id,
        row.decision_id,
        row.strategy_id,
        row.strategy_version,
        row.arm_id,
        row.step_id,
        row.channel,
        row.template,
        row.fallback,
        row.due_at,
        at,
      ],
    )) as { id: string }[];
    return inserted?.id;
  }

  /** An audit row; its id and arm (the one given; '' or null: none). */
  async insertDecision(
    tx: EntityManager,
    d: {
      tenantId: string;
      accountId: string;
      channel: number;
      allowed: boolean;
      reasons: readonly string[];
      decidedAt: Date;
      causedBy: string;
      nextPermittedAt: Date | null;
      contactAt: Date | null;
      stage: 'plan' | 'send';
      armId: string | null;
      /** The pack and override versions that decided (none for a refusal without facts). */
      packVersion?: string | null;
      overrideVersion?: number | null;
    },
  ): Promise<{ id: string; armId: string | null }> {
    const [row] = (await tx.query(
      `INSERT INTO contact_decision (tenant_id, account_id, channel, allowed, reasons, decided_at, caused_by_event,
         next_permitted_at, contact_at, stage, arm_id, pack_version, override_version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
               $11, $12, $13)
       RETURNING id, arm_id`,
      [
        d.tenantId,
        d.accountId,
        d.channel,
        d.allowed,
        d.reasons,
        d.decidedAt,
        d.causedBy,
        d.nextPermittedAt,
        d.contactAt,
        d.stage,
        d.armId || null,
        d.packVersion ?? null,
        d.overrideVersion ?? null,
      ],
    )) as { id: string; arm_id: string | null }[];
    return { id: row.id, armId: row.arm_id };
  }

  /** Accounts of the debtor, for stops and opt-outs that reach all of them. */
  async accountsOfDebtor(db: Db, tenantId: string, debtorId: string): Promise<string[]> {
    const rows = (await db.query(`SELECT account_id FROM account_party WHERE tenant_id = $1 AND debtor_id = $2`, [
      tenantId,
      debtorId,
    ])) as { account_id: string }[];
    return rows.map((r) => r.account_id);
  }

  /**
   * Marks an account to be planned at the clock's next move (simulated clock): the first event
   * that marked it stays its cause; a mark asking for an answer without a strategy keeps asking.
   */
  async markForPlanning(
    tx: EntityManager,
    tenantId: string,
    accountId: string,
    mark: { causedBy: string; answer: boolean; now: Date },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO planner_mark (tenant_id, account_id, caused_by, answer, marked_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, account_id) DO UPDATE SET answer = planner_mark.answer OR EXCLUDED.answer`,
      [tenantId, accountId, mark.causedBy, mark.answer, mark.now],
    );
  }

  /** Takes up to `limit` marks in key order (deleted in the caller's transaction: a rollback keeps them). */
  async takeMarks(tx: EntityManager, limit: number): Promise<PlanningMark[]> {
    const rows = (await tx.query(
      // A SELECT over the DELETE: TypeORM answers a bare DELETE … RETURNING with [rows, count].
      `WITH taken AS (
         DELETE FROM planner_mark WHERE (tenant_id, account_id) IN (
           SELECT tenant_id, account_id FROM planner_mark ORDER BY tenant_id, account_id LIMIT $1)
         RETURNING tenant_id, account_id, caused_by, answer)
       SELECT * FROM taken`,
      [limit],
    )) as { tenant_id: string; account_id: string; caused_by: string; answer: boolean }[];
    return rows
      .map((r) => ({ tenantId: r.tenant_id, accountId: r.account_id, causedBy: r.caused_by, answer: r.answer }))
      .sort((a, b) => byKey(a.tenantId, b.tenantId) || byKey(a.accountId, b.accountId));
  }

  /** A page of accounts for the daily run, in key order after `after`. */
  async accountPage(
    db: Db,
    after: { tenantId: string; accountId: string },
    limit: number,
  ): Promise<{ tenant_id: string; account_id: string }[]> {
    return (await db.query(
      `SELECT tenant_id, account_id FROM planner_account
        WHERE (tenant_id, account_id) > ($1, $2) AND due_date IS NOT NULL
        ORDER BY tenant_id, account_id LIMIT $3`,
      [after.tenantId, after.accountId, limit],
    )) as { tenant_id: string; account_id: string }[];
  }
}
