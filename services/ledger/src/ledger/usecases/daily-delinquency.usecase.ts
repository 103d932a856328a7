import { Inject, Injectable } from '@nestjs/common';
import { EventType } from '@collections/contracts';
import { NewEvent } from '@collections/messaging';
import { money } from '@collections/platform';
import { HourlyClockScheduler, SERVICE_CONTEXT, ServiceContext } from '@collections/runtime';
import { validDate } from '../balance-view';
import { agingBucket, delinquencyAsOf } from '../domain/delinquency';
import { DelinquencyBatchRow, DelinquencyUpdate, LifecycleRepository } from '../lifecycle.repository';
import { parseDelinquencyInputs } from '../ledger.repository';

export interface DailyDelinquencySummary {
  accountsEvaluated: number;
  accountsChanged: number;
  eventsEmitted: number;
}

/** What the run decides for one account: a new days-past-due/bucket, and whether the bucket moved. */
export function evaluateAccount(row: Omit<DelinquencyBatchRow, 'unknown_time_zone'>): {
  update?: DelinquencyUpdate;
  pastDue: number;
} {
  const { dues, credits, agingBuckets } = parseDelinquencyInputs(row);
  const d = delinquencyAsOf(dues, credits, row.as_of);
  const bucket = agingBucket(d.daysPastDue, agingBuckets);
  if (row.evaluated_later || (d.daysPastDue === row.days_past_due && bucket === row.aging_bucket))
    return { pastDue: d.pastDue };
  return {
    update: { tenantId: row.tenant_id, accountId: row.id, daysPastDue: d.daysPastDue, bucket, asOf: row.as_of },
    pastDue: d.pastDue,
  };
}

/**
 * The daily delinquency run: every account's days past due and aging bucket as of its local
 * date (or a given date), in batches of `batchSize` accounts (a lock, a read and at most one write
 * per batch, each batch its own transaction). The account keeps the last announced
 * days past due and bucket, so DelinquencyChanged goes out once per bucket move: a re-run, or a
 * run after a crash, finds nothing left to announce for the batches that committed.
 */
export class DailyDelinquencyUseCase {
  private readonly lifecycle = new LifecycleRepository();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly batchSize = 2_000,
  ) {}

  async run(scope: { tenantId?: string; asOfDate?: string } = {}): Promise<DailyDelinquencySummary> {
    const asOfDate = scope.asOfDate ? validDate(scope.asOfDate, 'as_of_date') : undefined;
    const now = this.ctx.clock.now();
    const summary: DailyDelinquencySummary = { accountsEvaluated: 0, accountsChanged: 0, eventsEmitted: 0 };
    // Accounts whose stored zone PostgreSQL does not know, by zone: evaluated in UTC (see below).
    const inUtc = new Map<string, number>();
    let after = { tenantId: '', accountId: '' };
    for (;;) {
      const size = await this.ctx.dataSource.transaction(async (tx) => {
        const { rows, last } = await this.lifecycle.delinquencyBatch(
          tx,
          { tenantId: scope.tenantId, asOfDate, now },
          after,
          this.batchSize,
        );
        const updates: DelinquencyUpdate[] = [];
        const events: NewEvent<EventType>[] = [];
        for (const row of rows) {
          if (row.unknown_time_zone !== null)
            inUtc.set(row.unknown_time_zone, (inUtc.get(row.unknown_time_zone) ?? 0) + 1);
          const { update, pastDue } = evaluateAccount(row);
          if (!update) continue;
          updates.push(update);
          if (update.bucket !== row.aging_bucket) {
            events.push({
              type: 'collections.ledger.v1.DelinquencyChanged',
              key: row.id,
              tenantId: row.tenant_id,
              time: now,
              payload: {
                accountId: row.id,
                asOfDate: row.as_of,
                daysPastDue: update.daysPastDue,
                previousBucket: row.aging_bucket,
                bucket: update.bucket,
                pastDue: money(pastDue, row.currency.trim()),
              },
            });
          }
        }
        await this.lifecycle.writeDelinquency(tx, updates, (first) =>
          this.ctx.backbone.outbox.statement(tx, events, first),
        );
        summary.accountsEvaluated += rows.length;
        summary.accountsChanged += updates.length;
        summary.eventsEmitted += events.length;
        if (last) after = last;
        return rows.length;
      });
      if (size < this.batchSize) break;
      this.ctx.logger.info({ ...summary, asOfDate: asOfDate ?? 'local' }, 'daily delinquency run in progress');
    }
    // A zone stored before the ledger checked zones against PostgreSQL's tzdata (or left behind
    // when that tzdata went back a version) cannot fail its batch: its accounts' days are taken in
    // UTC, at worst a day off near midnight. One warning per zone and run: the zone and how many
    // accounts, never which (the zone is no one's personal data on its own; ids could be).
    for (const [timeZone, accounts] of inUtc)
      this.ctx.logger.warn(
        { timeZone, accounts },
        "daily delinquency run: time zone unknown to PostgreSQL's tzdata, its accounts were evaluated in UTC",
      );
    this.ctx.logger.info(
      { ...summary, asOfDate: asOfDate ?? 'local', scope: scope.tenantId ? 'tenant' : 'all tenants' },
      'daily delinquency run finished',
    );
    return summary;
  }
}

/** Nest token of the daily run's settings (how often the timer looks at the clock; 0 = never). */
export const DAILY_DELINQUENCY_CHECK_MS = Symbol('DAILY_DELINQUENCY_CHECK_MS');
export const DAILY_DELINQUENCY = Symbol('DAILY_DELINQUENCY');

/** The daily delinquency run, started from the clock, hourly at most (see HourlyClockScheduler). */
@Injectable()
export class DailyDelinquencyScheduler extends HourlyClockScheduler<DailyDelinquencySummary> {
  constructor(
    @Inject(SERVICE_CONTEXT) ctx: ServiceContext,
    @Inject(DAILY_DELINQUENCY) private readonly job: DailyDelinquencyUseCase,
    @Inject(DAILY_DELINQUENCY_CHECK_MS) checkEveryMs: number,
  ) {
    super(ctx, checkEveryMs, 'daily delinquency run');
  }

  protected runJob(): Promise<DailyDelinquencySummary> {
    return this.job.run();
  }
}
