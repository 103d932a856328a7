import { ConsumedEvent, EventConsumer, HandlerContext } from '@collections/messaging';
import { waitFor } from '@collections/testing';
import { writeWithKpiRollup } from '../src/kpis/kpi-rollup';
import { KpiReport } from '../src/kpis/domain/kpi-report';
import { kpiReportFromFacts } from '../src/kpis/kpi-report-from-facts';
import { KpisRepository } from '../src/kpis/kpis.repository';
import { projectReadModel } from '../src/kpis/project-kpi-facts.consumer';
import { GetKpisCommand } from '../src/kpis/usecases/get-kpis/get-kpis.command';
import { GetKpisUseCase } from '../src/kpis/usecases/get-kpis/get-kpis.usecase';
import { REPORTING_CONSUMER } from '../src/reporting.service';
import { SeedEvent, portfolioEvents, toRecord } from './support/portfolio-events';
import { ReadModel } from './support/read-model';

const control = { heartbeat: async () => undefined, isActive: () => true };

function accountOf(e: SeedEvent): string {
  const p = e.payload as { accountId?: string; balance?: { accountId?: string } };
  return p.accountId ?? p.balance?.accountId ?? '';
}

/** The portfolio's events about one account, in the order they happened. */
const eventsOf = (account: string, except: (e: SeedEvent) => boolean = () => false) =>
  portfolioEvents().filter((e) => accountOf(e) === account && !except(e));

const isReversal = (e: SeedEvent) => e.type === 'collections.ledger.v1.PaymentReversed';

/**
 * A reporting consumer whose batch, once projected, stays open (its transaction, its locks) until
 * `release` is called, as a batch of another partition still at work would.
 */
class HeldBatch {
  private consumer: EventConsumer;
  private releaseGate!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.releaseGate = resolve));
  private projected = false;
  private done?: Promise<void>;

  constructor(private readonly model: ReadModel) {
    this.consumer = model.sut.context.backbone.consume({
      ...REPORTING_CONSUMER,
      wholeBatchHandler: async (events: ConsumedEvent[], ctx: HandlerContext) => {
        await projectReadModel(events, ctx);
        this.projected = true;
        await this.gate;
      },
    });
  }

  /** Starts the batch and returns once it is projected and holding its transaction open. */
  async start(events: SeedEvent[], offset: number): Promise<void> {
    const records = events.map((e, i) => toRecord(e, this.model.sut.tenant, offset + i));
    this.done = this.consumer.handleBatch(records, control);
    await waitFor(() => this.projected, { message: 'the held batch projected' });
  }

  /** Lets the batch commit, and waits for it. */
  async release(): Promise<void> {
    this.releaseGate();
    await this.done;
  }
}

/** Backends of the read model's database waiting for a lock. */
async function lockWaits(model: ReadModel): Promise<number> {
  const [{ n }] = (await model.sut.dataSource.query(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
  )) as { n: number }[];
  return n;
}

/** A KPI's value in a report. */
const kpi = (report: KpiReport, name: string) => report.kpis.find((k) => k.name === name)?.value;

/** The whole period's KPIs through the rollup and from the facts. */
async function kpisBothWays(model: ReadModel) {
  const tenantId = model.sut.tenant;
  const [from, to] = ['2026-01-01', '2026-05-31'];
  const viaRollup = await new GetKpisUseCase(new KpisRepository(model.sut.dataSource)).execute(
    GetKpisCommand.of(tenantId, { fromDate: from, toDate: to, currency: 'USD' }),
  );
  const facts = await kpiReportFromFacts(
    model.sut.dataSource,
    { tenantId, currency: 'USD', segment: null, modelVersion: null, channel: null },
    from,
    to,
  );
  return { viaRollup, facts };
}

describe("the KPI rollup locks a batch's accounts, not its tenant (real PostgreSQL)", () => {
  let model: ReadModel;

  beforeEach(async () => {
    model = await new ReadModel().start();
  });
  afterEach(async () => {
    await model?.close();
  });

  it('projects a batch of other accounts while a batch of the same tenant is still open', async () => {
    const held = new HeldBatch(model);
    await held.start(eventsOf('A'), 1_000);

    let delivered = false;
    const delivery = model.deliver(eventsOf('C')).then(() => (delivered = true));
    const outcome = await waitFor(async () =>
      delivered ? 'delivered' : (await lockWaits(model)) > 0 ? 'waited for a lock' : undefined,
    );
    await held.release();
    await delivery;

    expect(outcome).toBe('delivered');
    const { viaRollup, facts } = await kpisBothWays(model);
    expect(viaRollup).toEqual(facts);
    expect(kpi(viaRollup, 'collected_minor')).toBe(50_000); // A's 200.00 and 300.00; C paid nothing
  }, 60_000);

  it('makes a batch of the same account wait for the open one, and counts both', async () => {
    const held = new HeldBatch(model);
    await held.start(eventsOf('B', isReversal), 1_000);

    let delivered = false;
    const delivery = model.deliver(eventsOf('B').filter(isReversal)).then(() => (delivered = true));
    await waitFor(async () => (await lockWaits(model)) > 0, { message: 'the second batch waiting for the first' });
    expect(delivered).toBe(false);
    await held.release();
    await delivery;

    const { viaRollup, facts } = await kpisBothWays(model);
    expect(viaRollup).toEqual(facts);
    expect(kpi(viaRollup, 'collected_minor')).toBe(60_000); // 600.00 and 100.00, less the 100.00 reversed
  }, 60_000);

  it('fails a batch whose scope grew past the accounts it locked, leaving nothing of it', async () => {
    // B's payment pay-B2 is projected by a batch still open when a reversal of it — naming account
    // C, so that only the payment's fact leads to B — locks its accounts; the payment commits
    // before the reversal's writes, which then see B in their scope without holding it.
    const held = new HeldBatch(model);
    await held.start(eventsOf('B', isReversal), 1_000);
    await model.deliver(eventsOf('C'));
    const before = await kpisBothWays(model);

    let statements = 0;
    const attempt = model.sut.dataSource.transaction(async (tx) => {
      const paced = {
        query: async (sql: string, params?: unknown[]) => {
          if (++statements === 3) await held.release();
          return tx.query(sql, params);
        },
      };
      await writeWithKpiRollup(
        paced,
        {
          tenants: [model.sut.tenant],
          accounts: ['C'],
          reversed: { tenants: [model.sut.tenant], paymentIds: ['pay-B2'] },
          kept: { tenants: [], promiseIds: [] },
          kinds: new Set(['cohort', 'collected']),
        },
        [],
      );
    });

    await expect(attempt).rejects.toThrow(/scope grew by 1 account/);
    const after = await kpisBothWays(model);
    expect(after.viaRollup).toEqual(after.facts);
    // The payment's batch committed; the failed reversal left no fact and moved nothing.
    expect(kpi(before.viaRollup, 'collected_minor')).toBe(0);
    expect(kpi(after.viaRollup, 'collected_minor')).toBe(70_000);
  }, 60_000);
});
