import { KpisRepository } from '../../../kpis/kpis.repository';
import { tenantCurrency } from '../../../kpis/usecases/tenant-currency';
import {
  FORECAST_WEEKS,
  ForecastAccuracyWeek,
  ForecastWeek,
  addDays,
  cashForecast,
  closedWeeks,
  firstForecastMonday,
  forecastAccuracy,
} from '../../domain/cash-forecast';
import { ForecastRepository } from '../../forecast.repository';
import { GetCashForecastCommand } from './get-cash-forecast.command';

export interface CashForecast {
  asOfDate: string;
  currency: string;
  weeks: ForecastWeek[];
  history: ForecastAccuracyWeek[];
  instalmentKeptRate: number | null;
}

/** The forecast of one tenant and currency as of a day, from the read model (see ../../domain). */
export async function forecastAsOf(
  repo: ForecastRepository,
  tenantId: string,
  currency: string,
  asOfDate: string,
): Promise<{ weeks: ForecastWeek[]; instalmentKeptRate: number | null }> {
  const start = firstForecastMonday(asOfDate);
  const outcomes = await repo.instalmentOutcomes(tenantId, currency);
  const decided = outcomes.kept + outcomes.missed;
  const instalmentKeptRate = decided === 0 ? null : outcomes.kept / decided;
  const settled = await repo.settlementOutcomes(tenantId, currency);
  const settledDecided = settled.paid + settled.lapsed;
  const end = addDays(start, FORECAST_WEEKS * 7 - 1);
  const weeks = cashForecast({
    asOfDate,
    accounts: await repo.accounts(tenantId, currency, asOfDate),
    instalments: await repo.openInstalments(tenantId, currency, start, end),
    instalmentKeptRate,
    settlements: await repo.openSettlements(tenantId, currency, start, end),
    settlementKeptRate: settledDecided === 0 ? null : settled.paid / settledDecided,
  });
  return { weeks, instalmentKeptRate };
}

/** The next 12 weeks' forecast and, for the closed weeks, the kept forecast against what was collected. */
export class GetCashForecastUseCase {
  constructor(
    private readonly repo: ForecastRepository,
    private readonly kpis: KpisRepository,
  ) {}

  async execute(cmd: GetCashForecastCommand): Promise<CashForecast> {
    const currency = await tenantCurrency(this.kpis, cmd.tenantId, cmd.currency);
    const { weeks, instalmentKeptRate } = await forecastAsOf(this.repo, cmd.tenantId, currency, cmd.asOfDate);
    const closed = closedWeeks(cmd.asOfDate, cmd.historyWeeks);
    const kept = await this.repo.forecastsFor(cmd.tenantId, currency, closed);
    const actual = await this.repo.collectedByWeek(
      cmd.tenantId,
      currency,
      closed[0],
      addDays(closed[closed.length - 1], 6),
    );
    const history = forecastAccuracy(
      closed.map((weekStart) => ({
        weekStart,
        forecast: kept.get(weekStart) ?? null,
        actualMinor: actual.get(weekStart) ?? 0,
      })),
    );
    return { asOfDate: cmd.asOfDate, currency, weeks, history, instalmentKeptRate };
  }
}
