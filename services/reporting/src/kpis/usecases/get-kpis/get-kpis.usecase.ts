import { ChannelCostConfig, channelCost } from '../../domain/channel-costs';
import { KpiReport, kpiReportOf } from '../../domain/kpi-report';
import { KpiFilter, KpisRepository } from '../../kpis.repository';
import { tenantCurrency } from '../tenant-currency';
import { GetKpisCommand } from './get-kpis.command';

const dayBefore = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

/** Reads the totals of the facts for a tenant, period and filter and applies the KPI formulas to them. */
export class GetKpisUseCase {
  constructor(
    private readonly repo: KpisRepository,
    /** Cost per contact sent by tenant, currency and channel (REPORTING_CHANNEL_COSTS); empty: the defaults. */
    private readonly channelCosts: ChannelCostConfig = {},
  ) {}

  async execute(cmd: GetKpisCommand): Promise<KpiReport> {
    const filter: KpiFilter = {
      tenantId: cmd.tenantId,
      segment: cmd.segment,
      modelVersion: cmd.modelVersion,
      channel: cmd.channel,
      currency: await tenantCurrency(this.repo, cmd.tenantId, cmd.currency),
    };
    const { fromDate: from, toDate: to } = cmd;
    // Sums per group and day (src/kpis/kpi-rollup.ts), kept current by the projections; opt-outs count
    // distinct debtors, from the facts. The statements do not depend on each other: they run at once.
    const [totals, counts, optOuts, bucketPairs, buckets] = await Promise.all([
      this.repo.rollupTotals(filter, from, to, dayBefore(from)),
      this.repo.rollupCounts(filter, from, to),
      this.repo.optOuts(filter, from, to),
      this.repo.rollupBucketPairs(filter, dayBefore(from), to),
      this.repo.rollupBuckets(cmd.tenantId),
    ]);
    const sentByChannel = counts.sentByChannel;
    return kpiReportOf({
      fromDate: from,
      toDate: to,
      currency: filter.currency,
      ...totals,
      bucketPairs,
      buckets,
      debtorsContacted: optOuts.contacted,
      debtorsOptedOut: optOuts.optedOut,
      deniedByRule: counts.deniedByRule,
      callOutcomes: counts.callOutcomes,
      sentByChannel,
      channelCosts: Object.fromEntries(
        Object.keys(sentByChannel).map((c) => [c, channelCost(this.channelCosts, cmd.tenantId, filter.currency, c)]),
      ),
    });
  }
}
