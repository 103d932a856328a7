import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { promises } from '@collections/contracts';
import { AppError, isCalendarDate, localDate } from '@collections/platform';
import { PromisesRepository, singlePromiseBroken } from '../../promises/promises.repository';
import { SettlementsRepository, mapSettlement } from '../../settlements/settlements.repository';
import { ExpireApprovalsUseCase } from '../../negotiation/usecases/expire-approvals.usecase';
import { HourlyClockScheduler, SERVICE_CONTEXT, ServiceContext } from '@collections/runtime';
import { AccountProfilesRepository } from '../../accounts/account-profiles.repository';
import { addDays, pastGrace } from '../domain/schedule';
import { PlansRepository } from '../plans.repository';
import { PlanTracker } from './plan-tracker';

/** Plans the daily run has nothing more to say about: defaulted, or cancelled (CancelPlan). */
const SETTLED_STATES: readonly number[] = [
  promises.PlanState.PLAN_STATE_DEFAULTED,
  promises.PlanState.PLAN_STATE_CANCELLED,
];

export interface DailyPlanRunSummary {
  plansEvaluated: number;
  eventsEmitted: number;
  /** Open settlements whose due date plus the grace days passed unpaid, marked lapsed by this run. */
  settlementsLapsed: number;
  /** Offers held for a supervisor past their expiry, stored as EXPIRED by this run. */
  approvalsExpired: number;
}

/**
 * The daily run: every plan that has neither defaulted nor been cancelled is reviewed as of a date
 * (default: the account's today), one transaction per plan, then overdue single promises are
 * broken, overdue settlements lapse, and offers held for a supervisor past their time expire. What
 * a plan announced is stored with it, so a re-run, or a run after a crash, announces nothing twice.
 */
export class DailyPlanRunUseCase {
  private readonly profiles = new AccountProfilesRepository();
  private readonly singlePromises = new PromisesRepository();
  private readonly settlements = new SettlementsRepository();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly repo: PlansRepository,
    private readonly tracker: PlanTracker,
    /** The expiry of held offers, which its own clock job runs too. */
    private readonly expiry: ExpireApprovalsUseCase,
    private readonly batchSize = 500,
  ) {}

  async run(scope: RunScope = {}): Promise<DailyPlanRunSummary> {
    if (scope.asOfDate && !isCalendarDate(scope.asOfDate))
      throw AppError.invalid('as_of_date must be a calendar date YYYY-MM-DD');
    const summary: DailyPlanRunSummary = {
      plansEvaluated: 0,
      eventsEmitted: 0,
      settlementsLapsed: 0,
      approvalsExpired: 0,
    };
    let after = { tenantId: '', id: '' };
    for (;;) {
      const batch = await this.repo.plansToReview(
        this.ctx.dataSource.manager,
        { tenantId: scope.tenantId, exceptStates: [...SETTLED_STATES] },
        after,
        this.batchSize,
      );
      for (const key of batch) {
        const now = this.ctx.clock.now();
        const { events } = await this.ctx.dataSource.transaction(async (tx) => {
          const plan = await this.repo.find(tx, key.tenant_id, key.id, true);
          if (!plan || SETTLED_STATES.includes(plan.state)) return { events: 0 };
          const asOf = scope.asOfDate ?? (await this.profiles.localDate(tx, plan.tenant_id, plan.account_id, now));
          return this.tracker.review(tx, this.ctx.backbone.outbox, plan, asOf, now);
        });
        summary.plansEvaluated += 1;
        summary.eventsEmitted += events;
      }
      if (batch.length < this.batchSize) break;
      after = { tenantId: batch[batch.length - 1].tenant_id, id: batch[batch.length - 1].id };
    }
    summary.eventsEmitted += await this.breakOverduePromises(scope);
    summary.settlementsLapsed = await this.lapseOverdueSettlements(scope);
    summary.approvalsExpired = await this.expiry.run(scope.tenantId);
    this.ctx.logger.info({ ...summary, asOfDate: scope.asOfDate ?? 'local' }, 'daily plan run finished');
    return summary;
  }

  /**
   * Single promises still open after their due date plus the grace days are broken, each in its
   * own transaction with its PromiseBroken: the state change is what makes it happen once.
   */
  private breakOverduePromises(scope: RunScope): Promise<number> {
    return this.closeOverdue(
      scope,
      (m, tenantId, dueBy) => this.singlePromises.openDueBy(m, tenantId, dueBy),
      async (tx, p, now) => {
        if (!(await this.singlePromises.markBroken(tx, p.tenant_id, p.id))) return 0;
        await this.ctx.backbone.outbox.add(tx, singlePromiseBroken(p.tenant_id, p, Number(p.paid_minor), now));
        return 1;
      },
    );
  }

  /**
   * Open settlements still unpaid after their due date plus the grace days (the promises' rule,
   * on the account's calendar) lapse, each in its own transaction: the state change is what makes
   * it happen once, and a settlement paid meanwhile stays paid. What they counted stays recorded;
   * the account's later payments go to its plans and promises, and no discount is ever posted.
   * Each is announced as SettlementLapsed; the count is in the run's summary and its log line.
   */
  private lapseOverdueSettlements(scope: RunScope): Promise<number> {
    return this.closeOverdue(
      scope,
      (m, tenantId, dueBy) => this.settlements.openDueBy(m, tenantId, dueBy),
      async (tx, s, now) => {
        const row = await this.settlements.markLapsed(tx, s.tenant_id, s.id);
        if (!row) return 0;
        const view = mapSettlement(row);
        await this.ctx.backbone.outbox.add(tx, {
          type: 'collections.promises.v1.SettlementLapsed',
          key: view.accountId,
          tenantId: s.tenant_id,
          time: now,
          payload: {
            settlementId: view.settlementId,
            accountId: view.accountId,
            amount: view.amount,
            paid: view.paid,
            dueDate: view.dueDate,
            lapsedAt: now,
          },
        });
        return 1;
      },
    );
  }

  /**
   * The open items `find` gives (due by a cheap first cut: no account's today is later than UTC's
   * tomorrow) whose due date plus the grace days is past on their account's calendar, each handed
   * to `close` in a transaction of its own; the sum of what `close` counts.
   */
  private async closeOverdue<R extends { tenant_id: string; account_id: string; due_date: string }>(
    scope: RunScope,
    find: (m: EntityManager, tenantId: string | undefined, dueBy: string) => Promise<R[]>,
    close: (tx: EntityManager, row: R, now: Date) => Promise<number>,
  ): Promise<number> {
    const now = this.ctx.clock.now();
    const grace = this.tracker.rules.graceDays;
    const latest = scope.asOfDate ?? addDays(localDate(now, 'UTC'), 1);
    let closed = 0;
    for (const row of await find(this.ctx.dataSource.manager, scope.tenantId, addDays(latest, -grace - 1))) {
      closed += await this.ctx.dataSource.transaction(async (tx) => {
        const asOf = scope.asOfDate ?? (await this.profiles.localDate(tx, row.tenant_id, row.account_id, now));
        return pastGrace(row.due_date, grace, asOf) ? close(tx, row, now) : 0;
      });
    }
    return closed;
  }
}

/** What a run covers: one tenant or all, and the accounts' own today or a given date. */
type RunScope = { tenantId?: string; asOfDate?: string };

export const DAILY_PLAN_RUN = Symbol('DAILY_PLAN_RUN');
export const DAILY_PLAN_RUN_CHECK_MS = Symbol('DAILY_PLAN_RUN_CHECK_MS');

/** The daily plan run, started from the clock, hourly at most (see HourlyClockScheduler). */
@Injectable()
export class DailyPlanRunScheduler extends HourlyClockScheduler<DailyPlanRunSummary> {
  constructor(
    @Inject(SERVICE_CONTEXT) ctx: ServiceContext,
    @Inject(DAILY_PLAN_RUN) private readonly job: DailyPlanRunUseCase,
    @Inject(DAILY_PLAN_RUN_CHECK_MS) checkEveryMs: number,
  ) {
    super(ctx, checkEveryMs, 'daily plan run');
  }

  protected runJob(): Promise<DailyPlanRunSummary> {
    return this.job.run();
  }
}
