import { randomUUID } from 'node:crypto';
import { EventPayload, EventType, ledger } from '@collections/contracts';
import { BatchEventHandler, ConsumedEvent, EventHandler } from '@collections/messaging';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { featureStoreBatchHandlers, featureStoreHandlers } from '../../src/scores/feature-store.consumer';
import { ChampionChallengerConfig, LiveModels } from '../../src/scores/live-models';
import { RescoreAccountUseCase } from '../../src/scores/usecases/rescore-account.usecase';
import { createScoringService } from '../../src/scoring.service';

const MODELS: ChampionChallengerConfig = { champion: 'uci-gbdt-v1', challengerShare: 0 };
const MONTHS = ['2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06'];
const usd = (amountMinor: number) => ({ amountMinor, currency: 'USD' });

type Fact = { [T in EventType]: { type: T; payload: EventPayload<T> } }[EventType];

const delinquency = (accountId: string, daysPastDue: number): Fact => ({
  type: 'collections.ledger.v1.DelinquencyChanged',
  payload: ledger.DelinquencyChanged.fromPartial({ accountId, daysPastDue, bucket: `dpd-${daysPastDue}` }),
});
const balance = (accountId: string, totalMinor: number, daysPastDue: number): Fact => ({
  type: 'collections.ledger.v1.BalanceChanged',
  payload: ledger.BalanceChanged.fromPartial({
    balance: { accountId, total: usd(totalMinor), daysPastDue },
    causedByEntryId: randomUUID(),
  }),
});

/**
 * A daily delinquency run sends DelinquencyChanged by the thousand, and the consumer hands scoring
 * each run of them (and of BalanceChanged) in one call: the stored standings, the scores and the
 * events they publish must be exactly what one event at a time gives.
 */
describe('scoring a run of balance and delinquency events at once (real PostgreSQL)', () => {
  let sut: ServiceUnderTest;

  beforeAll(async () => {
    sut = await startServiceUnderTest(createScoringService({ models: MODELS }));
  });
  afterAll(async () => {
    await sut?.close();
  });

  const event = <T extends EventType>(tenantId: string, type: T, payload: EventPayload<T>) =>
    ({
      id: randomUUID(),
      type,
      source: '/collections/ledger',
      time: sut.clock.now(),
      tenantId,
      key: (payload as { accountId?: string }).accountId ?? '',
      payload,
      topic: 'test',
      partition: 0,
      offset: '0',
    }) as ConsumedEvent<T>;

  it('stores, scores and announces the same as one event at a time', async () => {
    const rescore = new RescoreAccountUseCase(sut.clock, LiveModels.load(MODELS));
    const single = featureStoreHandlers(rescore);
    const runs = featureStoreBatchHandlers(rescore);
    const oneByOne = `t-one-${randomUUID()}`;
    const asRuns = `t-run-${randomUUID()}`;
    const handle = async (tenantId: string, fact: Fact) => {
      const handler = single[fact.type] as EventHandler<EventType>;
      await sut.dataSource.transaction((tx) =>
        handler(event(tenantId, fact.type, fact.payload), { tx, outbox: sut.context.backbone.outbox }),
      );
    };
    // Three accounts with different histories in both tenants (acct-4 is never opened).
    for (const tenantId of [oneByOne, asRuns])
      for (const [k, accountId] of ['acct-1', 'acct-2', 'acct-3'].entries()) {
        await handle(tenantId, {
          type: 'collections.ledger.v1.AccountOpened',
          payload: ledger.AccountOpened.fromPartial({ accountId, currency: 'USD', creditLimitMinor: 2_000_000 }),
        });
        for (const [i, month] of MONTHS.entries()) {
          await handle(tenantId, {
            type: 'collections.ledger.v1.StatementIssued',
            payload: ledger.StatementIssued.fromPartial({
              accountId,
              cycle: i + 1,
              statementDate: `${month}-05`,
              amountDue: usd(50_000 * (k + 1)),
              hasReportedStatus: true,
              reportedStatus: Math.min(i, k * 2) - 1,
            }),
          });
        }
      }
    // Runs of three, three and two: acct-1 twice in the first (its second fact must see its first),
    // a balance then days past due for acct-2, an account never opened.
    const facts: Fact[] = [
      delinquency('acct-1', 35),
      delinquency('acct-3', 95),
      delinquency('acct-1', 40),
      balance('acct-2', 300_000, 10),
      balance('acct-4', 10_000, 0),
      balance('acct-1', 0, 0),
      delinquency('acct-2', 40),
      delinquency('acct-3', 100),
    ];
    const scoredBefore = await sut.dataSource.query(`SELECT max(id) AS id FROM scoring.outbox`);

    for (const fact of facts) await handle(oneByOne, fact);
    // The consumer's runs: consecutive events of one type, each run in one call.
    await sut.dataSource.transaction(async (tx) => {
      for (let i = 0; i < facts.length;) {
        let j = i;
        while (j < facts.length && facts[j].type === facts[i].type) j++;
        const run = facts.slice(i, j);
        const handler = runs[run[0].type] as BatchEventHandler<EventType>;
        await handler(
          run.map((f) => event(asRuns, f.type, f.payload)),
          { tx, outbox: sut.context.backbone.outbox },
        );
        i = j;
      }
    });

    const stored = (tenantId: string) =>
      Promise.all([
        sut.dataSource.query(
          `SELECT account_id, currency, balance_minor, days_past_due FROM scoring.account_standing
            WHERE tenant_id = $1 ORDER BY account_id`,
          [tenantId],
        ),
        sut.dataSource.query(
          `SELECT account_id, probability_to_pay, segment, segment_rule, reasons, balance_minor, days_past_due,
                  expected_recovery_minor, priority FROM scoring.account_score WHERE tenant_id = $1 ORDER BY account_id`,
          [tenantId],
        ),
        sut.dataSource.query(
          `SELECT headers->>'ce_type' AS type, key, payload FROM scoring.outbox WHERE tenant_id = $1 AND id > $2 ORDER BY id`,
          [tenantId, scoredBefore[0].id],
        ),
      ]);
    const [standings, scores, events] = await stored(asRuns);

    expect(await stored(oneByOne)).toEqual([standings, scores, events]);
    expect(standings).toEqual([
      { account_id: 'acct-1', currency: 'USD', balance_minor: '0', days_past_due: 0 },
      { account_id: 'acct-2', currency: 'USD', balance_minor: '300000', days_past_due: 40 },
      { account_id: 'acct-3', currency: null, balance_minor: null, days_past_due: 100 },
      { account_id: 'acct-4', currency: 'USD', balance_minor: '10000', days_past_due: 0 },
    ]);
    // Every fact of an opened account scored it once, in the facts' order.
    expect(
      (events as { type: string; key: string }[])
        .filter((e) => e.type === 'collections.scoring.v1.AccountScored')
        .map((e) => e.key),
    ).toEqual(['acct-1', 'acct-3', 'acct-1', 'acct-2', 'acct-1', 'acct-2', 'acct-3']);
    expect(new Set((scores as { probability_to_pay: number }[]).map((s) => s.probability_to_pay)).size).toBe(3);
  });
});
