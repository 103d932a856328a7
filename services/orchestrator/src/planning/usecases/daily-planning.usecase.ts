import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { EventType } from '@collections/contracts';
import { NewEvent } from '@collections/messaging';
import { localDate } from '@collections/platform';
import { HourlyClockScheduler, SERVICE_CONTEXT, ServiceContext, allowsNamedStatements } from '@collections/runtime';
import { ContactRefusals } from '../contact-refusals';
import { ChunkAccount, DailyRunRepository, DecisionInsert, ProgressUpdate } from '../daily-run.repository';
import { ActiveStrategy, PlannerRepository, ScheduleRow } from '../planner.repository';
import { AccountPlan, PlanEffect, PlanResult, decideAccount } from './decide-account';
import { PlanAccountUseCase, channelCode, contactDecision, contactScheduled } from './plan-account.usecase';

export type DailyPlanningSummary = {
  /** Accounts read (with a due date). */
  accounts: number;
  /** Accounts this run's day had already planned (a re-run, or a run resumed after a crash). */
  alreadyPlanned: number;
  chunks: number;
  /** Where the time went, summed over the chunks: reading, deciding in memory, writing (and each kind of write). */
  ms: Timings;
} & Partial<Record<PlanResult | 'failed', number>>;

/**
 * The daily planning run: every account with a due date is planned again on the injected clock,
 * in chunks of accounts in key order (keyset pagination), one transaction per chunk. A chunk is
 * read in one statement (accounts locked, with their debtors' facts, live rows and histories),
 * decided in memory by the planner's own `decideAccount`, and written with one multi-row
 * statement per kind: cancellations, decision audit rows, schedule rows, outbox events
 * (ContactDecision, ContactScheduled), progress. Escalations go through the per-account planner
 * (agent tasks), in the same transaction. Each account is stamped with the local day it was
 * planned on, so a re-run the same day, or a run resumed after a crash (the failed chunk rolled
 * back), plans each (tenant, account, day) once and writes nothing twice.
 */
export class DailyPlanningUseCase {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly repo: PlannerRepository,
    private readonly planner: PlanAccountUseCase,
    private readonly chunkSize = 10_000,
    private readonly batch = new DailyRunRepository(),
    private readonly lanes = 1,
  ) {
    this.refusals = ContactRefusals.of(ctx.metrics);
  }

  /** The contact law's refusals and deferrals, counted as the run's decisions are recorded. */
  private readonly refusals: ContactRefusals;

  async run(): Promise<DailyPlanningSummary> {
    const now = this.ctx.clock.now();
    const run: RunState = {
      now,
      causedBy: `daily-run:${now.toISOString().slice(0, 13)}`,
      strategies: new Map(),
      days: new Map(),
    };
    const summary: DailyPlanningSummary = {
      accounts: 0,
      alreadyPlanned: 0,
      chunks: 0,
      ms: { read: 0, decide: 0, write: 0, writes: { ...NO_WRITES } },
    };
    const started = performance.now();
    // Chunks are read one after another in key order (each read gives the next one's start). With
    // two lanes (ORCHESTRATOR_PLANNING_LANES), while one chunk is written the next is read and
    // decided on a second connection, so the process and the database work at the same time.
    // Commits stay in key order: a chunk commits only once the one before it has, so a failure
    // leaves a prefix of the run committed, as a one-by-one run would. PGlite (embedded mode) has
    // one session for every connection: one lane.
    const lanes = allowsNamedStatements(this.ctx.dataSource) ? this.lanes : 1;
    let next: Promise<Key | null> = Promise.resolve({ tenantId: '', accountId: '' });
    let previousCommit: Promise<void> = Promise.resolve();
    let failure: { error: unknown } | undefined;
    const lane = async (): Promise<void> => {
      for (;;) {
        // Take the next chunk's place in line (synchronously, so no two lanes take the same one).
        const start = next;
        const read = settable<Key | null>();
        next = read.promise;
        const waitFor = previousCommit;
        const commit = settable<void>();
        previousCommit = commit.promise;
        let chunk: ChunkSummary;
        const chunkStarted = performance.now();
        try {
          const after = await start;
          if (after === null || failure) {
            read.resolve(null);
            commit.resolve();
            return;
          }
          chunk = await this.ctx.dataSource.transaction(async (tx) => {
            const result = await this.planChunk(tx, run, after, (last) => read.resolve(last));
            await waitFor;
            return result;
          });
        } catch (error) {
          failure ??= { error };
          read.reject(error);
          commit.reject(error);
          return;
        }
        commit.resolve();
        summary.chunks += 1;
        summary.accounts += chunk.read;
        summary.alreadyPlanned += chunk.alreadyPlanned;
        summary.ms.read += chunk.ms.read;
        summary.ms.decide += chunk.ms.decide;
        summary.ms.write += chunk.ms.write;
        for (const kind of WRITE_KINDS) summary.ms.writes[kind] += chunk.ms.writes[kind];
        for (const [result, n] of Object.entries(chunk.results))
          summary[result as PlanResult] = (summary[result as PlanResult] ?? 0) + n;
        this.ctx.logger.info(
          {
            chunk: summary.chunks,
            accounts: chunk.read,
            alreadyPlanned: chunk.alreadyPlanned,
            decisions: chunk.decisions,
            scheduled: chunk.scheduled,
            results: chunk.results,
            ms: Math.round(performance.now() - chunkStarted),
            readMs: chunk.ms.read,
            writeMs: chunk.ms.write,
            writesMs: chunk.ms.writes,
            accountsSoFar: summary.accounts,
          },
          'daily planning chunk',
        );
      }
    };
    await Promise.all(Array.from({ length: lanes }, lane));
    if (failure) throw failure.error;
    this.ctx.logger.info({ ...summary, ms: Math.round(performance.now() - started) }, 'daily planning run finished');
    return summary;
  }

  /** Plans one chunk in `tx`; `onRead` hears the next chunk's start (null: this one is the last) as soon as it is read. */
  private async planChunk(
    tx: EntityManager,
    run: RunState,
    after: Key,
    onRead: (next: Key | null) => void,
  ): Promise<ChunkSummary> {
    const { now, causedBy } = run;
    const outbox = this.ctx.backbone.outbox;
    let mark = performance.now();
    const lap = () => {
      const was = mark;
      mark = performance.now();
      return Math.round(mark - was);
    };
    const accounts = await this.batch.readChunk(tx, after, this.chunkSize);
    const summary: ChunkSummary = {
      read: accounts.length,
      alreadyPlanned: 0,
      decisions: 0,
      scheduled: 0,
      results: {},
      ms: { read: lap(), decide: 0, write: 0, writes: { ...NO_WRITES } },
    };
    const last = accounts.at(-1)?.account;
    onRead(last && accounts.length >= this.chunkSize ? { tenantId: last.tenant_id, accountId: last.account_id } : null);

    const cancels: { tenantId: string; accountId: string; reason: string }[] = [];
    const decisions: DecisionInsert[] = [];
    const decisionEvents: NewEvent<EventType>[] = [];
    const schedules: Omit<ScheduleRow, 'id' | 'status' | 'attempts'>[] = [];
    const updates: ProgressUpdate[] = [];
    const oneByOne: { account: ChunkAccount['account']; effects: readonly PlanEffect[] }[] = [];

    // The tenants' contact rules (their overrides applied), resolved once for the chunk.
    const rulesOf = await this.repo.packs.ofTenants(
      tx,
      accounts.map((a) => a.account.tenant_id),
    );
    for (const chunkItem of accounts) {
      const { account } = chunkItem;
      let item = chunkItem;
      const day = this.dayIn(run, item.debtor?.timeZone ?? account.time_zone);
      if (item.plannedOn === day) {
        summary.alreadyPlanned += 1;
        continue;
      }
      const tenantId = account.tenant_id;
      const accountId = account.account_id;
      let strategies = run.strategies.get(tenantId);
      if (!strategies) {
        strategies = await this.repo.activeStrategies(tx, tenantId);
        run.strategies.set(tenantId, strategies);
      }
      let plan: AccountPlan;
      try {
        if (item.debtor?.jurisdiction)
          item = { ...item, debtor: { ...item.debtor, rules: rulesOf.get(tenantId)!(item.debtor.jurisdiction) } };
        const debtor = item.debtor;
        plan = decideAccount({ ...item, strategies, now, today: debtor?.jurisdiction ? day : undefined });
      } catch (err) {
        // One account's bad facts (an unknown zone) must not stop the run; it is planned again on its next event.
        this.ctx.logger.warn({ err, tenantId, accountId }, 'daily planning could not plan an account');
        summary.results.failed = (summary.results.failed ?? 0) + 1;
        continue;
      }
      summary.results[plan.result] = (summary.results[plan.result] ?? 0) + 1;
      const update: ProgressUpdate = { tenantId, accountId, plannedOn: day, progress: null };
      updates.push(update);
      if (plan.effects.some((e) => e.kind === 'escalate')) {
        oneByOne.push({ account, effects: plan.effects });
        continue;
      }
      let lastDecision: string | undefined;
      let cancelled = false;
      for (const effect of plan.effects) {
        switch (effect.kind) {
          case 'cancel':
            // Nothing to cancel unless the chunk read a pending row (the account is locked: none can appear).
            if (!cancelled && item.live?.status === 'pending')
              cancels.push({ tenantId, accountId, reason: effect.reason });
            cancelled = true;
            break;
          case 'decision': {
            lastDecision = randomUUID();
            const armId = effect.armId || null;
            decisions.push({
              id: lastDecision,
              tenantId,
              accountId,
              channel: channelCode(effect.verdict.channel),
              allowed: effect.verdict.allowed,
              reasons: effect.verdict.reasons,
              causedBy,
              nextPermittedAt: effect.verdict.nextPermittedAt,
              contactAt: effect.verdict.at,
              armId,
              packVersion: effect.verdict.packVersion ?? null,
              overrideVersion: effect.verdict.overrideVersion ?? null,
            });
            decisionEvents.push(
              contactDecision(lastDecision, {
                tenantId,
                accountId,
                now,
                verdict: effect.verdict,
                armId: effect.armId,
                stage: 'plan',
              }),
            );
            this.refusals.count(tx, effect.verdict);
            break;
          }
          case 'schedule':
            schedules.push({ ...effect.row, decision_id: lastDecision! });
            break;
          case 'progress':
            update.progress = {
              strategyId: effect.strategy?.id ?? null,
              strategyVersion: effect.strategy?.version ?? null,
              armId: effect.progress?.armId ?? null,
              enteredOn: effect.progress?.enteredOn ?? null,
              stepsDone: effect.progress?.stepsDone ?? [],
              stepsFailed: effect.progress?.stepsFailed ?? [],
              escalated: effect.progress?.escalated ?? false,
              referredToLegal: effect.progress?.referredToLegal ?? false,
            };
            break;
          case 'escalate':
            break;
        }
      }
    }

    summary.ms.decide = lap();
    const started = mark;
    const w = summary.ms.writes;
    await this.batch.cancelPending(tx, cancels, now);
    w.cancel = lap();
    await this.batch.insertDecisions(tx, decisions, now, 'plan');
    w.decisions = lap();
    const scheduleIds = await this.batch.insertSchedules(tx, schedules, now);
    w.schedules = lap();
    const scheduledEvents = schedules.flatMap((row) => {
      const id = scheduleIds.get(row.decision_id);
      return id ? [contactScheduled(id, row, now)] : [];
    });
    // Each account's ContactDecision events precede its ContactScheduled (outbox order is publish order).
    await this.batch.addEvents(tx, outbox, [...decisionEvents, ...scheduledEvents]);
    w.events = lap();
    await this.batch.saveProgress(tx, updates, now);
    for (const { account, effects } of oneByOne) await this.planner.apply(tx, outbox, account, causedBy, now, effects);
    w.progress = lap();
    summary.decisions = decisions.length;
    summary.scheduled = scheduledEvents.length;
    summary.ms.write = Math.round(mark - started);
    return summary;
  }

  /** The local day in a zone at the run's instant (one lookup per zone per run). */
  private dayIn(run: RunState, zone: string): string {
    let day = run.days.get(zone);
    if (day === undefined) {
      try {
        day = localDate(run.now, zone);
      } catch {
        day = localDate(run.now, 'UTC');
      }
      run.days.set(zone, day);
    }
    return day;
  }
}

const WRITE_KINDS = ['cancel', 'decisions', 'schedules', 'events', 'progress'] as const;
const NO_WRITES = { cancel: 0, decisions: 0, schedules: 0, events: 0, progress: 0 };

export interface Timings {
  read: number;
  decide: number;
  write: number;
  writes: Record<(typeof WRITE_KINDS)[number], number>;
}

interface RunState {
  readonly now: Date;
  readonly causedBy: string;
  readonly strategies: Map<string, readonly ActiveStrategy[]>;
  readonly days: Map<string, string>;
}

interface ChunkSummary {
  read: number;
  alreadyPlanned: number;
  decisions: number;
  scheduled: number;
  results: Partial<Record<PlanResult | 'failed', number>>;
  ms: Timings;
}

/** A chunk's place in key order: it starts after this account. */
interface Key {
  readonly tenantId: string;
  readonly accountId: string;
}

/** A promise settled from outside; a rejection nobody waits for is not an unhandled one. */
function settable<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

export const DAILY_PLANNING = Symbol('DAILY_PLANNING');
export const DAILY_PLANNING_CHECK_MS = Symbol('DAILY_PLANNING_CHECK_MS');

/** The daily planning run, started from the clock, hourly at most (see HourlyClockScheduler). */
@Injectable()
export class DailyPlanningScheduler extends HourlyClockScheduler<DailyPlanningSummary> {
  constructor(
    @Inject(SERVICE_CONTEXT) ctx: ServiceContext,
    @Inject(DAILY_PLANNING) private readonly job: DailyPlanningUseCase,
    @Inject(DAILY_PLANNING_CHECK_MS) checkEveryMs: number,
  ) {
    // One replica at a time: a replica's run beside another's re-plans accounts from facts read
    // before it waited for their lock (a run on each side of a debtor's midnight would plan twice).
    super(ctx, checkEveryMs, 'daily planning run', { oneReplicaAtATime: true });
  }

  protected runJob(): Promise<DailyPlanningSummary> {
    return this.job.run();
  }
}
