import { reporting } from '@collections/contracts';
import { kpiReportFromFacts } from '../src/kpis/kpi-report-from-facts';
import { KpisRepository } from '../src/kpis/kpis.repository';
import { GetKpisCommand } from '../src/kpis/usecases/get-kpis/get-kpis.command';
import { GetKpisUseCase } from '../src/kpis/usecases/get-kpis/get-kpis.usecase';
import { at, eventScript } from './support/event-script';
import { SeedEvent } from './support/portfolio-events';
import { ReadModel } from './support/read-model';

const FEB = { fromDate: '2026-02-01', toDate: '2026-02-28' };
const MAR = { fromDate: '2026-03-01', toDate: '2026-03-31' };
const money = (amountMinor: number, currency = 'USD') => ({ amountMinor, currency });

/**
 * A recovery unit's portfolio told as the ledger tells it (ids `pco-1`, `pco-2`, …):
 *   A (USD, model m1) opened 2026-01-05 owing 1,000.00; paid 200.00 on 02-10; charged off on 03-01
 *     with its balance kept owed (800.00); paid 10.00 on 03-01 itself (the charge-off's day: not after
 *     it), 150.00 on 03-10 and 50.00 on 03-20, which was reversed on 03-22; 40.00 on 04-05;
 *   B (USD) opened 2026-01-05 owing 500.00; charged off on 03-05 writing its balance off; paid 20.00
 *     on 03-15 (recovered after charge-off, but no balance was kept to rate it against);
 *   C (EUR) opened 2026-01-05 owing 400.00; charged off on 03-01 keeping 300.00; paid 30.00 on 03-12.
 */
function portfolio(): { events: SeedEvent[]; chargeOffA: SeedEvent } {
  const { add, take } = eventScript('pco', { openingBalanceHour: 13 });
  const open = (accountId: string, currency: string, owed: number) => {
    add('collections.ledger.v1.AccountOpened', at('2026-01-05', 9), {
      accountId,
      externalRef: '',
      product: 0,
      currency,
      creditLimitMinor: 0,
      openedOn: '2026-01-05',
      debtors: [{ debtorId: `d-${accountId}`, role: 0 }],
      timeZone: 'UTC',
    });
    balanceOf(accountId, `${accountId}-opening`, '2026-01-05', owed, currency);
  };
  const balanceOf = (accountId: string, entryId: string, day: string, total: number, currency: string) =>
    add('collections.ledger.v1.BalanceChanged', at(day, 13), {
      balance: {
        accountId,
        asOfDate: day,
        total: money(total, currency),
        principal: money(total, currency),
        interest: money(0, currency),
        fees: money(0, currency),
        pastDue: money(0, currency),
        daysPastDue: 0,
        agingBucket: '',
      },
      causedByEntryId: entryId,
    });
  const pay = (accountId: string, paymentId: string, day: string, amount: number, currency = 'USD') =>
    add('collections.ledger.v1.PaymentPosted', at(day, 15), {
      paymentId,
      accountId,
      amount: money(amount, currency),
      balanceAfter: money(0, currency),
      postedAt: at(day, 15),
      reference: '',
      effectiveDate: day,
    });
  const chargeOff = (accountId: string, day: string, kept: boolean, balance: number, currency = 'USD') =>
    add('collections.ledger.v1.AccountChargedOff', at(day, 11), {
      accountId,
      entryId: kept ? '' : `wo-${accountId}`,
      amount: money(kept ? 0 : balance, currency),
      balanceAfter: money(kept ? balance : 0, currency),
      previousStatus: 0,
      effectiveDate: day,
      reason: 'uncollectible',
      balanceKept: kept,
    });

  open('A', 'USD', 100_000);
  add('collections.scoring.v1.AccountScored', at('2026-01-06', 3), {
    accountId: 'A',
    probabilityToPay: 0.2,
    segment: 1,
    modelVersion: 'm1',
    reasons: [],
    scoredAt: at('2026-01-06', 3),
    priority: 1,
    daysPastDue: 0,
    segmentRule: '',
    imputedFeatures: [],
    modelArm: '',
  });
  pay('A', 'pay-A1', '2026-02-10', 20_000);
  chargeOff('A', '2026-03-01', true, 80_000);
  const chargeOffA = take();
  pay('A', 'pay-A2', '2026-03-01', 1_000);
  pay('A', 'pay-A3', '2026-03-10', 15_000);
  pay('A', 'pay-A4', '2026-03-20', 5_000);
  add('collections.ledger.v1.PaymentReversed', at('2026-03-22'), {
    entryId: 'rev-A4',
    paymentId: 'pay-A4',
    accountId: 'A',
    amount: money(5_000),
    reason: 'returned',
  });
  pay('A', 'pay-A5', '2026-04-05', 4_000);
  open('B', 'USD', 50_000);
  chargeOff('B', '2026-03-05', false, 50_000);
  pay('B', 'pay-B1', '2026-03-15', 2_000);
  open('C', 'EUR', 40_000);
  chargeOff('C', '2026-03-01', true, 30_000, 'EUR');
  pay('C', 'pay-C1', '2026-03-12', 3_000, 'EUR');
  const events = [...chargeOffA, ...take()];
  return { events, chargeOffA: chargeOffA[chargeOffA.length - 1] };
}

const kpi = (r: reporting.GetKpisResponse, name: string) => r.kpis.find((k) => k.name === name);

describe('money recovered after charge-off, and its rate against the balance kept (real PostgreSQL)', () => {
  const { events, chargeOffA } = portfolio();
  const models: ReadModel[] = [];
  let inOrder: ReadModel;
  let chargedOffLast: ReadModel;

  beforeAll(async () => {
    inOrder = await new ReadModel().start();
    models.push(inOrder);
    await inOrder.deliver(events);
    // The charge-offs arrive last, each on its own, after the openings and the payments they date
    // (another partition, a late consumer).
    const isChargeOff = (e: SeedEvent) => e.type === 'collections.ledger.v1.AccountChargedOff';
    chargedOffLast = await new ReadModel().start();
    models.push(chargedOffLast);
    await chargedOffLast.deliver(events.filter((e) => !isChargeOff(e)));
    for (const e of events.filter(isChargeOff)) await chargedOffLast.deliver([e]);
  });
  afterAll(async () => {
    for (const m of models) await m.close();
  });

  /** GetKpis (the rollup) agrees with the KPIs computed from every fact. */
  const expectRollupToMatchFacts = async (
    m: ReadModel,
    period: { fromDate: string; toDate: string },
    currency: string,
  ) => {
    const tenantId = m.sut.tenant;
    const viaRollup = await new GetKpisUseCase(new KpisRepository(m.sut.dataSource)).execute(
      GetKpisCommand.of(tenantId, { ...period, currency }),
    );
    const f = { tenantId, currency, segment: null, modelVersion: null, channel: null };
    expect(await kpiReportFromFacts(m.sut.dataSource, f, period.fromDate, period.toDate)).toEqual(viaRollup);
  };

  it('counts only the payments made after the charge-off day, net of their reversals', async () => {
    for (const m of [inOrder, chargedOffLast]) {
      const march = await m.kpis({ ...MAR, currency: 'USD' });
      // A: 150.00 on 03-10, 50.00 on 03-20 reversed; B: 20.00 after its write-off.
      expect(kpi(march, 'post_charge_off_recovered_minor')?.value).toBe(17_000);
      expect(kpi(march, 'collected_minor')?.value).toBe(18_000); // with A's 10.00 on the charge-off day
      // Nothing was charged off by the end of February: recovered 0, the rate not defined.
      const february = await m.kpis({ ...FEB, currency: 'USD' });
      expect(kpi(february, 'post_charge_off_recovered_minor')?.value).toBe(0);
      expect(kpi(february, 'post_charge_off_recovery_rate')?.value).toBeUndefined();
      await expectRollupToMatchFacts(m, MAR, 'USD');
      await expectRollupToMatchFacts(m, FEB, 'USD');
    }
  });

  it('rates what the accounts that kept their balance paid after charge-off against that balance', async () => {
    for (const m of [inOrder, chargedOffLast]) {
      const rate = kpi(await m.kpis({ ...MAR, currency: 'USD' }), 'post_charge_off_recovery_rate');
      expect(rate).toEqual({
        name: 'post_charge_off_recovery_rate',
        value: 15_000 / 80_000,
        inputs: 'recovered=15000 balance_kept=80000 accounts=1',
      });
      // A stays charged off with its balance kept: April's 40.00 rates against the same 800.00.
      const april = await m.kpis({ fromDate: '2026-04-01', toDate: '2026-04-30', currency: 'USD' });
      expect(kpi(april, 'post_charge_off_recovery_rate')?.value).toBe(4_000 / 80_000);
    }
  });

  it('keeps currencies and filters apart', async () => {
    const euro = await inOrder.kpis({ ...MAR, currency: 'EUR' });
    expect(kpi(euro, 'post_charge_off_recovered_minor')?.value).toBe(3_000);
    expect(kpi(euro, 'post_charge_off_recovery_rate')?.value).toBe(0.1);
    await expectRollupToMatchFacts(inOrder, MAR, 'EUR');
    const m1 = await inOrder.kpis({ ...MAR, currency: 'USD', modelVersion: 'm1' });
    expect(kpi(m1, 'post_charge_off_recovered_minor')?.value).toBe(15_000); // A only
    const m2 = await inOrder.kpis({ ...MAR, currency: 'USD', modelVersion: 'm2' });
    expect(kpi(m2, 'post_charge_off_recovered_minor')?.value).toBe(0);
    expect(kpi(m2, 'post_charge_off_recovery_rate')?.value).toBeUndefined();
  });

  it('changes nothing when a charge-off is delivered again, republished, or told for another tenant', async () => {
    const before = await inOrder.kpis({ ...MAR, currency: 'USD' });
    await inOrder.deliver([chargeOffA]); // redelivered: same event id
    await inOrder.deliver([chargeOffA], () => 'pco-charge-off-A-republished'); // same fact, new id
    // Another tenant's story about an account A, its charge-off and payments.
    await inOrder.deliver(events, (e) => `other-${e.id}`, 'tenant-other-pco');
    const after = await inOrder.kpis({ ...MAR, currency: 'USD' });
    expect(after).toEqual(before);
    expect(kpi(after, 'post_charge_off_recovered_minor')?.value).toBe(17_000);
    expect(kpi(after, 'post_charge_off_recovery_rate')?.value).toBe(15_000 / 80_000);
    await expectRollupToMatchFacts(inOrder, MAR, 'USD');
    // The other tenant's own answer counts its story, once.
    const other = await new GetKpisUseCase(new KpisRepository(inOrder.sut.dataSource)).execute(
      GetKpisCommand.of('tenant-other-pco', { ...MAR, currency: 'USD' }),
    );
    expect(other.kpis.find((k) => k.name === 'post_charge_off_recovered_minor')?.value).toBe(17_000);
  });
});
