import { DataSource } from 'typeorm';
import { channelCost } from './domain/channel-costs';
import { KpiReport, kpiReport } from './domain/kpi-report';
import { KpiFilter, KpisRepository } from './kpis.repository';

const dayBefore = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

/**
 * The KPI report computed from every fact of every account, without the rollup GetKpis reads:
 * slow (it reads each account's facts), and the check that the rollup still tells the truth.
 */
export async function kpiReportFromFacts(db: DataSource, f: KpiFilter, from: string, to: string): Promise<KpiReport> {
  const repo = new KpisRepository(db);
  const placed = await repo.placed(f, from, to);
  const contacts = await repo.contacts(f, from, to);
  const optOuts = await repo.optOuts(f, from, to);
  const sentByChannel = await repo.sentByChannel(f, from, to);
  return kpiReport({
    fromDate: from,
    toDate: to,
    currency: f.currency,
    placed,
    cohortCollections: await repo.collections(
      f,
      placed.map((p) => p.accountId),
      to,
    ),
    collectedInPeriodMinor: await repo.collectedBetween(f, from, to),
    beginningReceivableMinor: await repo.receivableAsOf(f, dayBefore(from)),
    endingReceivableMinor: await repo.receivableAsOf(f, to),
    billedMinor: await repo.billedBetween(f, from, to),
    bucketsAtStart: await repo.bucketsAsOf(f, dayBefore(from)),
    bucketsAtEnd: await repo.bucketsAsOf(f, to),
    buckets: await repo.buckets(f.tenantId),
    contactsAllowed: contacts.allowed,
    contactsRefused: contacts.refused,
    promisesKept: await repo.promisesKept(f, from, to),
    promisesBroken: await repo.promisesBroken(f, from, to),
    offersExpired: await repo.offersExpired(f, from, to),
    ...(await repo.offerApprovals(f, from, to)),
    ...(await repo.chargeOffTotals(f, from, to)),
    debtorsContacted: optOuts.contacted,
    debtorsOptedOut: optOuts.optedOut,
    deniedByRule: await repo.deniedByRule(f, from, to),
    callOutcomes: await repo.callOutcomes(f, from, to),
    sentByChannel,
    channelCosts: Object.fromEntries(
      Object.keys(sentByChannel).map((c) => [c, channelCost({}, f.tenantId, f.currency, c)]),
    ),
  });
}
