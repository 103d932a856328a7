import { randomUUID } from 'node:crypto';
import { EntityManager, QueryResult } from 'typeorm';
import { EventType } from '@collections/contracts';
import { NewEvent, Outbox } from '@collections/messaging';
import { arrayOf } from '@collections/platform';
import { PastContact } from '../policy/domain';
import { creditorOnRecordSql } from '../creditors/creditor-profile.repository';
import {
  DebtorFactsRow,
  DebtorRow,
  PlannerAccountRow,
  ScheduleRow,
  coPartyHoldsSql,
  contactHistorySql,
  debtorRowOf,
  validationNoticeSql,
  pastContactOf,
} from './planner.repository';
import { LiveScheduleFacts } from './usecases/decide-account';
import { copyEvents, copyText, copyValue, supportsCopy } from '@collections/runtime';

/** One account of a daily-run chunk with everything planning it needs, read in one statement. */
export interface ChunkAccount {
  readonly account: PlannerAccountRow;
  readonly plannedOn: string | null;
  readonly debtor: DebtorRow | undefined;
  readonly live: LiveScheduleFacts | undefined;
  readonly history: readonly PastContact[];
}

type ChunkRow = PlannerAccountRow &
  Partial<DebtorFactsRow> & {
    daily_planned_on: string | null;
    live_status: string | null;
    live_step_id: string;
    live_fallback: boolean;
    live_strategy_id: string;
    history: { c: string; a: string; t: string; o: string }[] | null;
  };

export interface DecisionInsert {
  id: string;
  tenantId: string;
  accountId: string;
  channel: number;
  allowed: boolean;
  reasons: readonly string[];
  causedBy: string;
  nextPermittedAt: Date | null;
  contactAt: Date;
  armId: string | null;
  /** The pack and override versions that decided (none for a refusal without facts). */
  packVersion: string | null;
  overrideVersion: number | null;
}

export interface ProgressUpdate {
  tenantId: string;
  accountId: string;
  /** The local day of the run, stamped on every account it planned. */
  plannedOn: string;
  /** Null when the plan leaves the account's place in its strategy as it was. */
  progress: {
    strategyId: string | null;
    strategyVersion: number | null;
    armId: string | null;
    enteredOn: string | null;
    stepsDone: readonly string[];
    stepsFailed: readonly string[];
    escalated: boolean;
    referredToLegal: boolean;
  } | null;
}

/** Separates a decision's reasons in one text parameter (arrays of arrays cannot be ragged in SQL). */
const SEP = '\u001f';
/** The columns of a new schedule row the daily run sets (status and times are the run's). */
const SCHEDULE_COLUMNS = [
  'tenant_id',
  'id',
  'account_id',
  'debtor_id',
  'decision_id',
  'strategy_id',
  'strategy_version',
  'arm_id',
  'step_id',
  'channel',
  'template',
  'fallback',
  'due_at',
] as const;
/** The chunk's schedule rows on their way in (a temporary table of the chunk's transaction). */
const SCHEDULE_STAGE = 'daily_schedule_stage';

/**
 * The batched daily run's reads and writes: a chunk of accounts in key order, locked for the
 * chunk's transaction, with their debtors' facts, live rows and contact history in one
 * statement; then each kind of write as one multi-row statement (arrays bound as parameters),
 * so a chunk of ten thousand accounts costs a handful of round trips.
 */
export class DailyRunRepository {
  async readChunk(
    tx: EntityManager,
    after: { tenantId: string; accountId: string },
    limit: number,
  ): Promise<ChunkAccount[]> {
    const rows = (await tx.query(
      `SELECT a.*, d.debtor_id, d.time_zone AS debtor_zone, d.country, d.region, d.consented_channels, d.language,
              d.holds, d.co_party_holds, d.opted_out, d.creditor, d.validation_notice, d.inconvenient_times, d.workplace_forbidden_channels,
              l.status AS live_status, l.step_id AS live_step_id, l.fallback AS live_fallback,
              l.strategy_id AS live_strategy_id,
              h.history
         FROM planner_account a
         LEFT JOIN LATERAL (
           SELECT p.debtor_id, p.time_zone, p.country, p.region, p.consented_channels, p.language,
                  p.inconvenient_times, p.workplace_forbidden_channels,
                  ARRAY(SELECT hs.kind FROM debtor_hold_state hs
                         WHERE hs.tenant_id = p.tenant_id AND hs.debtor_id = p.debtor_id AND hs.active) AS holds,
                  ${coPartyHoldsSql('p.tenant_id', 'ap.account_id', 'p.debtor_id')} AS co_party_holds,
                  ARRAY(SELECT o.channel FROM debtor_channel_opt_out o
                         WHERE o.tenant_id = p.tenant_id AND o.debtor_id = p.debtor_id) AS opted_out,
                  ${creditorOnRecordSql('p.tenant_id', 'p.country')} AS creditor,
                  ${validationNoticeSql('p.tenant_id', 'p.country', 'ap.account_id')} AS validation_notice
             FROM account_party ap JOIN debtor_profile p ON p.tenant_id = ap.tenant_id AND p.debtor_id = ap.debtor_id
            WHERE ap.tenant_id = a.tenant_id AND ap.account_id = a.account_id
            ORDER BY ap.role LIMIT 1) d ON true
         LEFT JOIN LATERAL (
           SELECT s.status, s.step_id, s.fallback, s.strategy_id FROM contact_schedule s
            WHERE s.tenant_id = a.tenant_id AND s.account_id = a.account_id AND s.status IN ('pending', 'sending')
            LIMIT 1) l ON true
         LEFT JOIN LATERAL (
           SELECT json_agg(json_build_object('c', x.channel, 'a', x.account_id, 't', x.at, 'o', x.outcome) ORDER BY x.at)
                    AS history
             FROM (${contactHistorySql('a.tenant_id', 'd.debtor_id')}) x) h ON true
        WHERE (a.tenant_id, a.account_id) > ($1, $2) AND a.due_date IS NOT NULL
        ORDER BY a.tenant_id, a.account_id
        LIMIT $3
          FOR UPDATE OF a`,
      [after.tenantId, after.accountId, limit],
    )) as (ChunkRow & { debtor_zone: string | null })[];
    return rows.map((r) => ({
      account: r,
      plannedOn: r.daily_planned_on,
      debtor:
        r.debtor_id != null
          ? debtorRowOf({
              debtor_id: r.debtor_id,
              time_zone: r.debtor_zone ?? 'UTC',
              country: r.country ?? '',
              region: r.region ?? '',
              consented_channels: r.consented_channels ?? [],
              language: r.language ?? '',
              holds: r.holds ?? [],
              co_party_holds: r.co_party_holds ?? [],
              opted_out: r.opted_out ?? [],
              creditor: r.creditor ?? null,
              validation_notice: r.validation_notice ?? null,
              inconvenient_times: r.inconvenient_times ?? null,
              workplace_forbidden_channels: r.workplace_forbidden_channels ?? null,
            })
          : undefined,
      live:
        r.live_status != null
          ? {
              status: r.live_status,
              step_id: r.live_step_id,
              fallback: r.live_fallback,
              strategy_id: r.live_strategy_id,
            }
          : undefined,
      history: (r.history ?? []).flatMap((h) =>
        pastContactOf({ channel: h.c, account_id: h.a, at: new Date(h.t), outcome: h.o }),
      ),
    }));
  }

  /** Cancels the pending row of each account (one reason per account). */
  async cancelPending(
    tx: EntityManager,
    cancels: readonly { tenantId: string; accountId: string; reason: string }[],
    at: Date,
  ): Promise<void> {
    if (cancels.length === 0) return;
    await tx.query(
      `UPDATE contact_schedule s SET status = 'cancelled', cancel_reason = u.reason, updated_at = $4
         FROM unnest($1::text[], $2::text[], $3::text[]) AS u(tenant_id, account_id, reason)
        WHERE s.tenant_id = u.tenant_id AND s.account_id = u.account_id AND s.status = 'pending'`,
      [
        arrayOf(cancels, (c) => c.tenantId),
        arrayOf(cancels, (c) => c.accountId),
        arrayOf(cancels, (c) => c.reason),
        at,
      ],
    );
  }

  /** Decision audit rows: COPY on PostgreSQL, one multi-row INSERT on PGlite (no COPY there). */
  async insertDecisions(
    tx: EntityManager,
    decisions: readonly DecisionInsert[],
    decidedAt: Date,
    stage: 'plan' | 'send',
  ): Promise<void> {
    if (decisions.length === 0) return;
    if (await supportsCopy(tx)) {
      // Straight into COPY text: the values alike on every row are formatted once.
      const decided = decidedAt.toISOString();
      const causes = new Map<string, string>();
      const cause = (c: string) => {
        let v = causes.get(c);
        if (v === undefined) causes.set(c, (v = copyValue(c)));
        return v;
      };
      function* lines() {
        let piece = '';
        for (const d of decisions) {
          piece += `${copyValue(d.tenantId)}\t${d.id}\t${copyValue(d.accountId)}\t${d.channel}\t${d.allowed}\t${copyValue(
            d.reasons,
          )}\t${decided}\t${cause(d.causedBy)}\t${copyValue(d.nextPermittedAt)}\t${d.contactAt.toISOString()}\t${stage}\t${copyValue(
            d.armId,
          )}\t${copyValue(d.packVersion)}\t${copyValue(d.overrideVersion)}\n`;
          if (piece.length > 1 << 16) {
            yield piece;
            piece = '';
          }
        }
        if (piece) yield piece;
      }
      await copyText(
        tx,
        'contact_decision',
        [
          'tenant_id',
          'id',
          'account_id',
          'channel',
          'allowed',
          'reasons',
          'decided_at',
          'caused_by_event',
          'next_permitted_at',
          'contact_at',
          'stage',
          'arm_id',
          'pack_version',
          'override_version',
        ],
        lines(),
      );
      return;
    }
    await tx.query(
      `INSERT INTO contact_decision (tenant_id, id, account_id, channel, allowed, reasons, decided_at, caused_by_event,
         next_permitted_at, contact_at, stage, arm_id, pack_version, override_version)
       SELECT u.tenant_id, u.id, u.account_id, u.channel, u.allowed,
              CASE WHEN u.reasons = '' THEN '{}'::text[] ELSE string_to_array(u.reasons, E'\\x1F') END,
              $11, u.caused_by, u.next_permitted_at, u.contact_at, $12, u.arm_id, u.pack_version, u.override_version
         FROM unnest($1::text[], $2::uuid[], $3::text[], $4::int[], $5::bool[], $6::text[], $7::text[],
                     $8::timestamptz[], $9::timestamptz[], $10::text[], $13::text[], $14::int[])
           AS u(tenant_id, id, account_id, channel, allowed, reasons, caused_by, next_permitted_at, contact_at, arm_id,
                pack_version, override_version)`,
      [
        decisions.map((d) => d.tenantId),
        decisions.map((d) => d.id),
        decisions.map((d) => d.accountId),
        decisions.map((d) => d.channel),
        decisions.map((d) => d.allowed),
        decisions.map((d) => d.reasons.join(SEP)),
        decisions.map((d) => d.causedBy),
        decisions.map((d) => d.nextPermittedAt),
        decisions.map((d) => d.contactAt),
        decisions.map((d) => d.armId),
        decidedAt,
        stage,
        decisions.map((d) => d.packVersion),
        decisions.map((d) => d.overrideVersion),
      ],
    );
  }

  /**
   * The chunk's events into the service's outbox, in order, in the chunk's transaction: COPY on
   * PostgreSQL (the outbox's own lines, `Outbox.copyText`), its multi-row INSERT on PGlite.
   */
  addEvents(tx: EntityManager, outbox: Outbox, events: readonly NewEvent<EventType>[]): Promise<void> {
    return copyEvents(tx, outbox, events);
  }

  /**
   * New pending rows; a row whose step was already scheduled (or a live one) is left out. Returns
   * the ids written, by decision id. On PostgreSQL the chunk's rows are streamed by COPY into a
   * staging table of the transaction (dropped at commit) with ids drawn here, then moved by one
   * set-based INSERT … SELECT … ON CONFLICT DO NOTHING: no twelve arrays to parse, and no rows
   * returned unless some were left out (then the ids that went in are read back from the stage).
   * PGlite (no COPY): one multi-row INSERT from arrays.
   */
  async insertSchedules(
    tx: EntityManager,
    rows: readonly Omit<ScheduleRow, 'id' | 'status' | 'attempts'>[],
    at: Date,
  ): Promise<Map<string, string>> {
    const ids = new Map<string, string>();
    if (rows.length === 0) return ids;
    if (!(await supportsCopy(tx))) {
      const inserted = (await tx.query(
        `INSERT INTO contact_schedule (${SCHEDULE_COLUMNS.filter((c) => c !== 'id').join(', ')}, status, created_at, updated_at)
         SELECT u.*, 'pending', $13::timestamptz, $13::timestamptz
           FROM unnest($1::text[], $2::text[], $3::text[], $4::uuid[], $5::text[], $6::int[], $7::text[], $8::text[],
                       $9::text[], $10::text[], $11::bool[], $12::timestamptz[])
             AS u(tenant_id, account_id, debtor_id, decision_id, strategy_id, strategy_version, arm_id, step_id, channel,
                  template, fallback, due_at)
         ON CONFLICT DO NOTHING RETURNING id, decision_id`,
        [
          arrayOf(rows, (r) => r.tenant_id),
          arrayOf(rows, (r) => r.account_id),
          arrayOf(rows, (r) => r.debtor_id),
          arrayOf(rows, (r) => r.decision_id),
          arrayOf(rows, (r) => r.strategy_id),
          arrayOf(rows, (r) => r.strategy_version),
          arrayOf(rows, (r) => r.arm_id),
          arrayOf(rows, (r) => r.step_id),
          arrayOf(rows, (r) => r.channel),
          arrayOf(rows, (r) => r.template),
          arrayOf(rows, (r) => r.fallback),
          arrayOf(rows, (r) => r.due_at),
          at,
        ],
      )) as { id: string; decision_id: string }[];
      for (const r of inserted) ids.set(r.decision_id, r.id);
      return ids;
    }
    const staged = rows.map(() => randomUUID());
    // The stage lives as long as the chunk's transaction (a rollback takes it too); each lane has its own session.
    await tx.query(
      `CREATE TEMP TABLE ${SCHEDULE_STAGE} ON COMMIT DROP AS SELECT ${SCHEDULE_COLUMNS.join(', ')} FROM contact_schedule WITH NO DATA`,
    );
    const texts = new Map<string, string>();
    const text = (v: string) => {
      let t = texts.get(v);
      if (t === undefined) texts.set(v, (t = copyValue(v)));
      return t;
    };
    function* lines() {
      let piece = '';
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i];
        piece += `${text(r.tenant_id)}\t${staged[i]}\t${copyValue(r.account_id)}\t${copyValue(r.debtor_id)}\t${r.decision_id}\t${text(
          r.strategy_id,
        )}\t${r.strategy_version}\t${text(r.arm_id)}\t${text(r.step_id)}\t${text(r.channel)}\t${text(r.template)}\t${
          r.fallback
        }\t${r.due_at.toISOString()}\n`;
        if (piece.length > 1 << 16) {
          yield piece;
          piece = '';
        }
      }
      if (piece) yield piece;
    }
    await copyText(tx, SCHEDULE_STAGE, SCHEDULE_COLUMNS, lines());
    const columns = SCHEDULE_COLUMNS.join(', ');
    // The statement's row count (a structured result): how many went in, without returning them.
    const { affected } = (await tx.queryRunner!.query(
      `INSERT INTO contact_schedule (${columns}, status, created_at, updated_at)
       SELECT ${columns}, 'pending', $1::timestamptz, $1::timestamptz FROM ${SCHEDULE_STAGE}
       ON CONFLICT DO NOTHING`,
      [at],
      true,
    )) as QueryResult;
    if (affected === rows.length) {
      for (let i = 0; i < rows.length; i++) ids.set(rows[i].decision_id, staged[i]);
      return ids;
    }
    // Some were left out (their step was scheduled before, or the account has a live row): the ids that went in.
    const inserted = (await tx.query(
      `SELECT s.id, s.decision_id FROM ${SCHEDULE_STAGE} s
         JOIN contact_schedule c ON c.tenant_id = s.tenant_id AND c.id = s.id AND c.decision_id = s.decision_id`,
    )) as { id: string; decision_id: string }[];
    for (const r of inserted) ids.set(r.decision_id, r.id);
    return ids;
  }

  /** Stamps the run's day on every account of the chunk, and their new place in a strategy where it moved. */
  async saveProgress(tx: EntityManager, updates: readonly ProgressUpdate[], at: Date): Promise<void> {
    if (updates.length === 0) return;
    const p = (u: ProgressUpdate) => u.progress;
    await tx.query(
      `UPDATE planner_account a SET
         daily_planned_on = u.planned_on,
         strategy_id = CASE WHEN u.moved THEN u.strategy_id ELSE a.strategy_id END,
         strategy_version = CASE WHEN u.moved THEN u.strategy_version ELSE a.strategy_version END,
         arm_id = CASE WHEN u.moved THEN u.arm_id ELSE a.arm_id END,
         entered_on = CASE WHEN u.moved THEN u.entered_on ELSE a.entered_on END,
         steps_done = CASE WHEN u.moved THEN u.steps_done::text[] ELSE a.steps_done END,
         steps_failed = CASE WHEN u.moved THEN u.steps_failed::text[] ELSE a.steps_failed END,
         escalated = CASE WHEN u.moved THEN u.escalated ELSE a.escalated END,
         referred_to_legal = CASE WHEN u.moved THEN u.referred_to_legal ELSE a.referred_to_legal END,
         planned_at = CASE WHEN u.moved THEN $13::timestamptz ELSE a.planned_at END
        FROM unnest($1::text[], $2::text[], $3::text[], $4::bool[], $5::text[], $6::int[], $7::text[], $8::text[],
                    $9::text[], $10::text[], $11::bool[], $12::bool[])
          AS u(tenant_id, account_id, planned_on, moved, strategy_id, strategy_version, arm_id, entered_on, steps_done,
               steps_failed, escalated, referred_to_legal)
       WHERE a.tenant_id = u.tenant_id AND a.account_id = u.account_id`,
      [
        arrayOf(updates, (u) => u.tenantId),
        arrayOf(updates, (u) => u.accountId),
        arrayOf(updates, (u) => u.plannedOn),
        arrayOf(updates, (u) => p(u) !== null),
        arrayOf(updates, (u) => p(u)?.strategyId ?? null),
        arrayOf(updates, (u) => p(u)?.strategyVersion ?? null),
        arrayOf(updates, (u) => p(u)?.armId ?? null),
        arrayOf(updates, (u) => p(u)?.enteredOn ?? null),
        arrayOf(updates, (u) => arrayOf(p(u)?.stepsDone ?? [], (step) => step)),
        arrayOf(updates, (u) => arrayOf(p(u)?.stepsFailed ?? [], (step) => step)),
        arrayOf(updates, (u) => p(u)?.escalated ?? false),
        arrayOf(updates, (u) => p(u)?.referredToLegal ?? false),
        at,
      ],
    );
  }
}
