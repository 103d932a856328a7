import { randomUUID } from 'node:crypto';
import { EventPayload, EventType, ledger } from '@collections/contracts';
import { EventHandlers } from '@collections/messaging';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { AccountHistory, FeatureExtractor } from '../../src/model';
import { featureStoreHandlers } from '../../src/scores/feature-store.consumer';
import { ChampionChallengerConfig, LiveModels } from '../../src/scores/live-models';
import { RescoreAccountUseCase } from '../../src/scores/usecases/rescore-account.usecase';
import { createScoringService } from '../../src/scoring.service';
import { handleLedgerEvent } from '../support/ledger-events';

const MODELS: ChampionChallengerConfig = { champion: 'uci-gbdt-v1', challengerShare: 0 };
/** Six statement months, oldest first; the payment under test is made at the end of January. */
const MONTHS = ['2025-09', '2025-10', '2025-11', '2025-12', '2026-01', '2026-02'];
const BILL = 50_000;
const usd = (amountMinor: number) => ({ amountMinor, currency: 'USD' });

/**
 * A month's payments are counted in the account's time zone, not by the UTC posting time: a
 * payment made on 31 January at 21:00 in Bogotá (UTC-5) is posted at 02:00 UTC on 1 February and
 * still pays January's cycle; one made at 01:00 on 1 February in Taipei (UTC+8) is posted on
 * 31 January UTC and pays February's. An account whose time zone scoring does not know counts in
 * UTC.
 */
describe('feature store: payments counted in the month of the account time zone (real PostgreSQL)', () => {
  let sut: ServiceUnderTest;
  let handlers: EventHandlers;
  const extractor = new FeatureExtractor();

  beforeAll(async () => {
    sut = await startServiceUnderTest(createScoringService({ models: MODELS }));
    handlers = featureStoreHandlers(new RescoreAccountUseCase(sut.clock, LiveModels.load(MODELS)));
  });
  afterAll(async () => {
    await sut?.close();
  });

  const deliver = <T extends EventType>(type: T, payload: EventPayload<T>, key: string) =>
    handleLedgerEvent(sut, handlers, type, payload, key);

  const open = (accountId: string, timeZone: string) =>
    deliver(
      'collections.ledger.v1.AccountOpened',
      ledger.AccountOpened.fromPartial({ accountId, currency: 'USD', creditLimitMinor: 2_000_000, timeZone }),
      accountId,
    );

  const pay = (accountId: string, postedAt: string, amountMinor = BILL) =>
    deliver(
      'collections.ledger.v1.PaymentPosted',
      ledger.PaymentPosted.fromPartial({
        accountId,
        paymentId: `${accountId}-${postedAt}`,
        amount: usd(amountMinor),
        postedAt: new Date(postedAt),
      }),
      accountId,
    );

  /**
   * Six statements (issued on the 5th), each month paid on the 20th at noon UTC (the same day in
   * every time zone) except January, whose payment is posted at `januaryPaidAt`.
   */
  async function history(accountId: string, januaryPaidAt: string): Promise<void> {
    for (const [i, month] of MONTHS.entries()) {
      await deliver(
        'collections.ledger.v1.StatementIssued',
        ledger.StatementIssued.fromPartial({
          accountId,
          cycle: i + 1,
          statementDate: `${month}-05`,
          dueDate: `${month}-25`,
          amountDue: usd(BILL),
          hasReportedStatus: true,
          reportedStatus: 0,
        }),
        accountId,
      );
      await pay(accountId, month === '2026-01' ? januaryPaidAt : `${month}-20T12:00:00Z`);
    }
  }

  /** The features scoring stored for the account with its latest score. */
  async function storedFeatures(accountId: string): Promise<number[]> {
    const [row] = (await sut.dataSource.query(
      `SELECT features FROM scoring.scored_features WHERE tenant_id = $1 AND account_id = $2`,
      [sut.tenant, accountId],
    )) as { features: number[] }[];
    expect(row).toBeDefined();
    return row.features.map(Number);
  }

  /** The features of six cycles of 500.00 billed, with what was paid in each month (most recent first). */
  function expectedFeatures(paidByMonth: Record<string, number>): number[] {
    const expected: AccountHistory = {
      creditLimit: 20_000,
      statements: [...MONTHS]
        .reverse()
        .map((month) => ({ bill: BILL / 100, paid: (paidByMonth[month] ?? 0) / 100, status: 0 })),
    };
    return Array.from(extractor.extract(expected).values);
  }

  const everyMonthPaid = Object.fromEntries(MONTHS.map((m) => [m, BILL]));

  it('counts a payment made on the evening of 31 January in Bogotá (1 February UTC) in January', async () => {
    const accountId = `bogota-${randomUUID()}`;
    await open(accountId, 'America/Bogota');
    await history(accountId, '2026-02-01T02:00:00Z'); // 2026-01-31 21:00 in Bogotá

    expect(await storedFeatures(accountId)).toEqual(expectedFeatures(everyMonthPaid));
  });

  it('counts a payment made early on 1 February in Taipei (31 January UTC) in February', async () => {
    const accountId = `taipei-${randomUUID()}`;
    await open(accountId, 'Asia/Taipei');
    await history(accountId, '2026-01-31T17:00:00Z'); // 2026-02-01 01:00 in Taipei

    expect(await storedFeatures(accountId)).toEqual(
      expectedFeatures({ ...everyMonthPaid, '2026-01': 0, '2026-02': 2 * BILL }),
    );
  });

  it('counts payments delivered before the account was opened in the time zone AccountOpened then gives', async () => {
    const accountId = `late-open-${randomUUID()}`;
    // the ledger's payment and account topics are consumed independently: the payments may come first
    await history(accountId, '2026-02-01T02:00:00Z');
    await open(accountId, 'America/Bogota');

    expect(await storedFeatures(accountId)).toEqual(expectedFeatures(everyMonthPaid));
  });

  it('counts in UTC when the account has no time zone, or one this runtime does not know', async () => {
    for (const timeZone of ['', 'Mars/Olympus_Mons']) {
      const accountId = `utc-${randomUUID()}`;
      await open(accountId, timeZone);
      await history(accountId, '2026-02-01T02:00:00Z');

      expect(await storedFeatures(accountId)).toEqual(
        expectedFeatures({ ...everyMonthPaid, '2026-01': 0, '2026-02': 2 * BILL }),
      );
    }
  });
});
