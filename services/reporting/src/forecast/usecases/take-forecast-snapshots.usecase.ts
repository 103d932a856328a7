import { Inject, Injectable } from '@nestjs/common';
import { HourlyClockScheduler, SERVICE_CONTEXT, ServiceContext } from '@collections/runtime';
import { ForecastRepository } from '../forecast.repository';
import { forecastAsOf } from './get-cash-forecast/get-cash-forecast.usecase';

/**
 * Keeps today's forecast of every tenant and currency, so that each week, once closed, can be
 * compared with what was forecast for it before it began. The first snapshot of a day is kept;
 * later runs on the same day change nothing.
 */
export class TakeForecastSnapshotsUseCase {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly repo: ForecastRepository,
  ) {}

  async run(): Promise<{ asOfDate: string; snapshots: number }> {
    const now = this.ctx.clock.now();
    const asOfDate = now.toISOString().slice(0, 10);
    const all = await this.repo.tenantCurrencies();
    for (const { tenantId, currency } of all) {
      const { weeks } = await forecastAsOf(this.repo, tenantId, currency, asOfDate);
      await this.repo.saveSnapshot(tenantId, currency, asOfDate, weeks, now);
    }
    return { asOfDate, snapshots: all.length };
  }
}

export const FORECAST_SNAPSHOTS = Symbol('FORECAST_SNAPSHOTS');
export const FORECAST_SNAPSHOT_CHECK_MS = Symbol('FORECAST_SNAPSHOT_CHECK_MS');

/** The daily forecast snapshot, started from the clock, hourly at most (see HourlyClockScheduler). */
@Injectable()
export class ForecastSnapshotScheduler extends HourlyClockScheduler<{ asOfDate: string; snapshots: number }> {
  constructor(
    @Inject(SERVICE_CONTEXT) ctx: ServiceContext,
    @Inject(FORECAST_SNAPSHOTS) private readonly job: TakeForecastSnapshotsUseCase,
    @Inject(FORECAST_SNAPSHOT_CHECK_MS) checkEveryMs: number,
  ) {
    super(ctx, checkEveryMs, 'forecast snapshot');
  }

  protected runJob(): Promise<{ asOfDate: string; snapshots: number }> {
    return this.job.run();
  }
}
