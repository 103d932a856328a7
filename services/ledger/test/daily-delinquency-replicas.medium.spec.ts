import { decodePayload, ledger, ledgerLifecycle } from '@collections/contracts';
import { grpcClient, metadataFromPrincipalHeaders } from '@collections/platform';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { ledgerService } from '../src/ledger.service';
import { DailyDelinquencyUseCase } from '../src/ledger/usecases/daily-delinquency.usecase';
import { openFundedAccount } from './support/accounts';

const USD = (amountMinor: number) => ({ amountMinor, currency: 'USD' });

/** 300.000,00 lent, repaid in three instalments of 1.000,00 + 50,00 interest. */
const SCHEDULE = ['2026-03-05', '2026-04-05', '2026-05-05'].map((dueDate, i) => ({
  number: i + 1,
  dueDate,
  principal: USD(100_000),
  interest: USD(5_000),
}));

/**
 * Replicas of the ledger each run the daily delinquency job from their own hourly timer: on the
 * same clock their runs start together and walk the same accounts.
 */
describe('the daily delinquency run of three replicas at once (real PostgreSQL)', () => {
  let sut: ServiceUnderTest;
  let client: ReturnType<typeof grpcClient<typeof ledger.LedgerServiceService>>;
  let lifecycle: ReturnType<typeof grpcClient<typeof ledgerLifecycle.LedgerLifecycleServiceService>>;
  const md = () => metadataFromPrincipalHeaders({ apiKey: sut.apiKey });

  beforeAll(async () => {
    sut = await startServiceUnderTest(ledgerService);
    client = grpcClient(ledger.LedgerServiceService, sut.app.grpcAddress);
    lifecycle = grpcClient(ledgerLifecycle.LedgerLifecycleServiceService, sut.app.grpcAddress);
  });
  afterAll(async () => {
    client.close();
    lifecycle.close();
    await sut.close();
  });

  it('announces each bucket move once, whichever replica moved the account', async () => {
    sut.clock.set(new Date('2026-03-02T15:00:00Z'));
    const ids: string[] = [];
    for (let i = 1; i <= 9; i++) {
      const id = await openFundedAccount(client, md, {
        id: `acct-replicas-${i}`,
        opening: 300_000,
        product: ledger.Product.PRODUCT_PERSONAL_LOAN,
      });
      await lifecycle.setInstalmentSchedule({ accountId: id, instalments: SCHEDULE }, md());
      ids.push(id);
    }

    // 61 days past the first instalment: every loan moves from current to 61-90 at once.
    sut.clock.set(new Date('2026-05-05T12:00:00Z'));
    // Each replica its own job (batches of two, so their batches interleave), the same database.
    const replicas = [1, 2, 3].map(() => new DailyDelinquencyUseCase(sut.context, 2));
    const runs = await Promise.all(replicas.map((r) => r.run()));

    expect(runs.reduce((n, r) => n + r.eventsEmitted, 0)).toBe(ids.length);
    for (const id of ids) {
      const rows = (await sut.dataSource.query(
        `SELECT payload FROM ledger.outbox WHERE key = $1 AND headers->>'ce_type' = $2 ORDER BY id`,
        [id, 'collections.ledger.v1.DelinquencyChanged'],
      )) as { payload: Buffer }[];
      const moves = rows.map((r) => decodePayload('collections.ledger.v1.DelinquencyChanged', r.payload));
      expect(moves.map((e) => [e.previousBucket, e.bucket, e.daysPastDue])).toEqual([['current', '61-90', 61]]);
    }
    expect(await lifecycle.getAccountStatus({ accountId: ids[0] }, md())).toMatchObject({
      daysPastDue: 61,
      agingBucket: '61-90',
    });
  });
});
