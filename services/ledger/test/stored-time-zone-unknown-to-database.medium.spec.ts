import { Writable } from 'node:stream';
import { decodePayload, ledger, ledgerLifecycle } from '@collections/contracts';
import { createLogger, grpcClient, metadataFromPrincipalHeaders } from '@collections/platform';
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
 * A zone PostgreSQL really refuses (`time zone "Mars/Olympus" not recognized`), written straight
 * into the account as a row stored before the ledger checked zones against PostgreSQL's tzdata
 * (e89f6ca), or before that tzdata went back a version, would be.
 */
const UNKNOWN_ZONE = 'Mars/Olympus';

describe('the daily delinquency run over an account whose stored zone PostgreSQL does not know (real PostgreSQL)', () => {
  let sut: ServiceUnderTest;
  let client: ReturnType<typeof grpcClient<typeof ledger.LedgerServiceService>>;
  let lifecycle: ReturnType<typeof grpcClient<typeof ledgerLifecycle.LedgerLifecycleServiceService>>;
  const md = () => metadataFromPrincipalHeaders({ apiKey: sut.apiKey });
  let log = '';

  beforeAll(async () => {
    sut = await startServiceUnderTest(ledgerService);
    sut.context.logger = createLogger({
      service: 'ledger',
      level: 'trace',
      destination: new Writable({
        write(chunk: Buffer, _encoding, done) {
          log += chunk.toString('utf8');
          done();
        },
      }),
    });
    client = grpcClient(ledger.LedgerServiceService, sut.app.grpcAddress);
    lifecycle = grpcClient(ledgerLifecycle.LedgerLifecycleServiceService, sut.app.grpcAddress);
  });
  afterAll(async () => {
    client.close();
    lifecycle.close();
    await sut.close();
  });

  const moves = async (accountId: string) =>
    (
      (await sut.dataSource.query(
        `SELECT payload FROM ledger.outbox WHERE key = $1 AND headers->>'ce_type' = $2 ORDER BY id`,
        [accountId, 'collections.ledger.v1.DelinquencyChanged'],
      )) as { payload: Buffer }[]
    ).map((r) => {
      const e = decodePayload('collections.ledger.v1.DelinquencyChanged', r.payload);
      return [e.asOfDate, e.previousBucket, e.bucket, e.daysPastDue];
    });

  it("announces every other account of the batch, takes the bad one's day in UTC, and warns once naming the zone and the count", async () => {
    sut.clock.set(new Date('2026-03-02T15:00:00Z'));
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) {
      const id = await openFundedAccount(client, md, {
        id: `acct-tz-${i}`,
        opening: 300_000,
        product: ledger.Product.PRODUCT_PERSONAL_LOAN,
      });
      await lifecycle.setInstalmentSchedule({ accountId: id, instalments: SCHEDULE }, md());
      ids.push(id);
    }
    const bad = ids[2];
    await sut.dataSource.query(`UPDATE ledger.account SET time_zone = $3 WHERE tenant_id = $1 AND id = $2`, [
      sut.tenant,
      bad,
      UNKNOWN_ZONE,
    ]);

    // 02:00 UTC on 2026-05-05 is still 2026-05-04 in Bogotá: 60 days past the first instalment
    // there (31-60), 61 in UTC (61-90).
    sut.clock.set(new Date('2026-05-05T02:00:00Z'));
    const summary = await new DailyDelinquencyUseCase(sut.context).run({ tenantId: sut.tenant });

    expect(summary).toMatchObject({ accountsEvaluated: ids.length, eventsEmitted: ids.length });
    for (const id of ids.filter((i) => i !== bad))
      expect({ id, moves: await moves(id) }).toEqual({ id, moves: [['2026-05-04', 'current', '31-60', 60]] });
    expect(await moves(bad)).toEqual([['2026-05-05', 'current', '61-90', 61]]);

    const warnings = log
      .split('\n')
      .filter((l) => l.includes('"level":"warn"') && l.includes(UNKNOWN_ZONE))
      .map((l) => JSON.parse(l) as { timeZone: string; accounts: number; msg: string });
    expect(warnings).toEqual([
      expect.objectContaining({ timeZone: UNKNOWN_ZONE, accounts: 1, msg: expect.stringMatching(/UTC/) }),
    ]);
    // Nothing else that could name the account or its debtor.
    expect(warnings[0]).not.toHaveProperty('accountId');
    expect(JSON.stringify(warnings)).not.toContain(bad);
  });

  it("reads the bad account's balance, today taken in UTC, rather than failing", async () => {
    const balance = await client.getBalance({ accountId: 'acct-tz-3', asOfDate: '' }, md());
    expect(balance).toMatchObject({ accountId: 'acct-tz-3', detail: { asOfDate: '2026-05-05' } });
  });
});
