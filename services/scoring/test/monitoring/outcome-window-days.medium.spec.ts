import { EventPayload, EventType, ledger } from '@collections/contracts';
import { EventHandlers } from '@collections/messaging';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { defaultedWithinWindow } from '../../src/monitoring/domain/matured-outcome';
import { ScoreMonitoringRepository } from '../../src/monitoring/score-monitoring.repository';
import { scoringHandlers, scoringService } from '../../src/scoring.service';
import { handleLedgerEvent } from '../support/ledger-events';

const USD = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
const MINIMUM_DUE = 10_000;
const HORIZON_DAYS = 30;
/** Every window of a statement of 1 March has ended, and is inside the 90-day lookback. */
const NOW = new Date('2026-05-01T00:00:00Z');

/**
 * Matured outcomes judge "paid the minimum within 30 days of the statement" by the day each
 * payment was made on the account's calendar: its effective date (a bank file posted days later
 * carries the real day), else the day it was posted in the account's time zone.
 */
describe('scoring monitoring: the outcome window counts payments by the day they were made (real PostgreSQL)', () => {
  let sut: ServiceUnderTest;
  let handlers: EventHandlers;
  let repository: ScoreMonitoringRepository;
  let eventCount = 0;

  beforeAll(async () => {
    sut = await startServiceUnderTest(scoringService, NOW);
    handlers = scoringHandlers(sut.context);
    repository = new ScoreMonitoringRepository(sut.dataSource);
  });
  afterAll(async () => {
    await sut.close();
  });

  const deliver = <T extends EventType>(type: T, key: string, time: Date, payload: EventPayload<T>) => {
    eventCount += 1;
    return handleLedgerEvent(sut, handlers, type, payload, key, {
      time,
      id: `event-${eventCount}`,
      offset: String(eventCount),
    });
  };

  const open = (accountId: string, timeZone: string) =>
    deliver('collections.ledger.v1.AccountOpened', accountId, new Date('2026-01-10T00:00:00Z'), {
      accountId,
      externalRef: `crm-${accountId}`,
      product: ledger.Product.PRODUCT_CREDIT_CARD,
      currency: 'USD',
      creditLimitMinor: 2_000_000,
      openedOn: '2026-01-10',
      debtors: [],
      timeZone,
    });

  /** The statement of March, issued (observed) at `at` on 1 March, asking for a minimum of 100.00. */
  const statement = (accountId: string, at = '2026-03-01T00:00:00Z') =>
    deliver('collections.ledger.v1.StatementIssued', accountId, new Date(at), {
      accountId,
      cycle: 1,
      statementDate: '2026-03-01',
      dueDate: '2026-03-25',
      amountDue: USD(100_000),
      minimumDue: USD(MINIMUM_DUE),
      hasReportedStatus: false,
      reportedStatus: 0,
    });

  const payment = (accountId: string, postedAt: string, effectiveDate: string) =>
    deliver('collections.ledger.v1.PaymentPosted', accountId, new Date(postedAt), {
      paymentId: `pay-${accountId}`,
      accountId,
      amount: USD(MINIMUM_DUE),
      postedAt: new Date(postedAt),
      reference: 'test',
      effectiveDate,
    });

  /** Whether the account's statement of March is judged paid within its window (0) or defaulted (1). */
  const outcomeOf = async (accountId: string) => {
    const observations = (await repository.maturedObservations(NOW, HORIZON_DAYS, 90)).filter(
      (o) => o.tenantId === sut.tenant && o.accountId === accountId,
    );
    expect(observations).toHaveLength(1);
    return defaultedWithinWindow(observations[0]);
  };

  it('counts a payment made on 25 March but posted on 5 April (a bank file) as paid within the window', async () => {
    await open('acct-bank-file', 'UTC');
    await statement('acct-bank-file');
    await payment('acct-bank-file', '2026-04-05T12:00:00Z', '2026-03-25');
    expect(await outcomeOf('acct-bank-file')).toBe(0);
  });

  it("counts a payment made on the window's last day (31 March) and posted on 3 April, not one made on 2 April", async () => {
    await open('acct-last-day', 'UTC');
    await statement('acct-last-day');
    await payment('acct-last-day', '2026-04-03T12:00:00Z', '2026-03-31');
    await open('acct-too-late', 'UTC');
    await statement('acct-too-late');
    await payment('acct-too-late', '2026-04-02T12:00:00Z', '2026-04-02');
    expect(await outcomeOf('acct-last-day')).toBe(0);
    expect(await outcomeOf('acct-too-late')).toBe(1);
  });

  it("counts a payment without an effective date on the day it was posted in the account's time zone", async () => {
    // Bogotá (UTC-5): the statement is on 28 February there (19:00), so the window runs to 30 March;
    // posted at 03:00 UTC on 31 March is 22:00 on 30 March there, at 06:00 UTC it is 31 March there
    await open('acct-bogota', 'America/Bogota');
    await statement('acct-bogota');
    await payment('acct-bogota', '2026-03-31T03:00:00Z', '');
    await open('acct-bogota-late', 'America/Bogota');
    await statement('acct-bogota-late');
    await payment('acct-bogota-late', '2026-03-31T06:00:00Z', '');
    expect(await outcomeOf('acct-bogota')).toBe(0);
    expect(await outcomeOf('acct-bogota-late')).toBe(1);
  });

  it("re-dates the account's payments when its time zone arrives after them, and a reversal still undoes one", async () => {
    // an account first seen without a zone (UTC meanwhile), its AccountOpened delivered again with
    // Bogotá's; a statement at noon UTC on 1 March (1 March in both), so the window runs to 31 March:
    // posted at 03:00 UTC on 1 April, 22:00 on 31 March in Bogotá
    await open('acct-zone-later', '');
    await statement('acct-zone-later', '2026-03-01T12:00:00Z');
    await payment('acct-zone-later', '2026-04-01T03:00:00Z', '');
    expect(await outcomeOf('acct-zone-later')).toBe(1);
    await open('acct-zone-later', 'America/Bogota');
    expect(await outcomeOf('acct-zone-later')).toBe(0);

    await deliver('collections.ledger.v1.PaymentReversed', 'acct-zone-later', new Date('2026-04-10T00:00:00Z'), {
      entryId: 'reversal-zone-later',
      paymentId: 'pay-acct-zone-later',
      accountId: 'acct-zone-later',
      amount: USD(MINIMUM_DUE),
      reason: 'NSF',
    });
    expect(await outcomeOf('acct-zone-later')).toBe(1);
  });
});
