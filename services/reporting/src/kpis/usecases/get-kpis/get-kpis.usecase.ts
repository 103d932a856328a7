import { ChannelCostConfig, channelCost } from '../../domain/channel-costs';
import { KpiReport, kpiReport } from '../../domain/kpi-report';
import { KpiFilter, KpisRepository } from '../../kpis.repository';
import { tenantCurrency } from '../tenant-currency';
import { GetKpisCommand } from './get-kpis.command';

const dayBefore = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

/** Reads the facts for a tenant, period and filter and applies the KPI formulas to them. */
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
    const placed = await this.repo.placed(filter, from, to);
    const contacts = await this.repo.contacts(filter, from, to);
    const optOuts = await this.repo.optOuts(filter, from, to);
    const sentByChannel = await this.repo.sentByChannel(filter, from, to);
    return kpiReport({
      fromDate: from,
      toDate: to,
      currency: filter.currency,
      placed,
      cohortCollections: await this.repo.collections(
        filter,
        placed.map((p) => p.accountId),
        to,
      ),
      collectedInPeriodMinor: await this.repo.collectedBetween(filter, from, to),
      beginningReceivableMinor: await this.repo.receivableAsOf(filter, dayBefore(from)),
      endingReceivableMinor: await this.repo.receivableAsOf(filter, to),
      billedMinor: await this.repo.billedBetween(filter, from, to),
      bucketsAtStart: await this.repo.bucketsAsOf(filter, dayBefore(from)),
      bucketsAtEnd: await this.repo.bucketsAsOf(filter, to),
      buckets: await this.repo.buckets(cmd.tenantId),
      contactsAllowed: contacts.allowed,
      contactsRefused: contacts.refused,
      promisesKept: await this.repo.promisesKept(filter, from, to),
      promisesBroken: await this.repo.promisesBroken(filter, from, to),
      debtorsContacted: optOuts.contacted,
      debtorsOptedOut: optOuts.optedOut,
      deniedByRule: await this.repo.deniedByRule(filter, from, to),
      callOutcomes: await this.repo.callOutcomes(filter, from, to),
      sentByChannel,
      channelCosts: Object.fromEntries(
        Object.keys(sentByChannel).map((c) => [c, channelCost(this.channelCosts, cmd.tenantId, filter.currency, c)]),
      ),
    });
  }
}
