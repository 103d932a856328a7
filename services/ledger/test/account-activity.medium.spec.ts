import { Metadata, ServiceError, status } from '@grpc/grpc-js';
import { ledger, ledgerLifecycle } from '@collections/contracts';
import { grpcClient, metadataFromPrincipalHeaders } from '@collections/platform';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { ledgerService } from '../src/ledger.service';
import { openFundedAccount } from './support/accounts';

const USD = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
const { ACTIVITY_FROM_CHARGE_OFF, ACTIVITY_FROM_LAST_PAYMENT, ACTIVITY_FROM_LAST_STATEMENT, ACTIVITY_FROM_OPENED_ON } =
  ledger.ActivityFrom;
const { ENTRY_KIND_FEE, ENTRY_KIND_PAYMENT, ENTRY_KIND_PAYMENT_REVERSAL, ENTRY_KIND_WRITE_OFF } = ledger.EntryKind;

describe('GetAccountActivity from the charge-off date and the last payment date (real PostgreSQL)', () => {
  let sut: ServiceUnderTest;
  let client: ReturnType<typeof grpcClient<typeof ledger.LedgerServiceService>>;
  let lifecycle: ReturnType<typeof grpcClient<typeof ledgerLifecycle.LedgerLifecycleServiceService>>;
  let md: () => Metadata;
  let n = 0;

  beforeAll(async () => {
    sut = await startServiceUnderTest(ledgerService, new Date('2026-03-02T15:00:00Z'));
    client = grpcClient(ledger.LedgerServiceService, sut.app.grpcAddress);
    lifecycle = grpcClient(ledgerLifecycle.LedgerLifecycleServiceService, sut.app.grpcAddress);
    md = () => metadataFromPrincipalHeaders({ apiKey: sut.apiKey });
  });
  afterAll(async () => {
    client.close();
    lifecycle.close();
    await sut.close();
  });

  /** 3,000.00 charged on 5 January (Bogotá), billed on the statement of 20 January. */
  async function billedAccount(): Promise<string> {
    const id = await openFundedAccount(client, md, { id: `activity-${++n}`, opening: 300_000 });
    await client.issueStatement(
      {
        accountId: id,
        cycle: 1,
        statementDate: '2026-01-20',
        dueDate: '2026-02-05',
        amountDue: USD(300_000),
        minimumDue: USD(30_000),
      },
      md(),
    );
    return id;
  }
  const pay = (accountId: string, amountMinor: number, effectiveDate: string) =>
    client.postPayment(
      {
        accountId,
        amount: USD(amountMinor),
        idempotencyKey: `pay-${accountId}-${effectiveDate}`,
        reference: '',
        effectiveDate,
      },
      md(),
    );
  const activity = (accountId: string, ...from: ledger.ActivityFrom[]) =>
    client.getAccountActivity({ accountId, fromDate: '', from }, md());
  const codeOf = (p: Promise<unknown>) =>
    p.then(
      () => 'OK',
      (e: ServiceError) => status[e.code],
    );
  const kindsAndAmounts = (a: ledger.GetAccountActivityResponse) =>
    a.entries.map((e) => [e.kind, e.amount!.amountMinor, e.effectiveDate]);

  it('reads a charged-off account from the date its charge-off took effect: what was owed after it, and what moved since', async () => {
    const id = await billedAccount();
    // 1,000.00 written off on 10 February charges the account off; a fee and a payment since.
    await client.postAdjustment(
      {
        accountId: id,
        kind: ENTRY_KIND_WRITE_OFF,
        amount: USD(100_000),
        idempotencyKey: `wo-${id}`,
        reason: 'charge-off',
        effectiveDate: '2026-02-10',
      },
      md(),
    );
    await client.postCharge(
      {
        accountId: id,
        kind: ENTRY_KIND_FEE,
        amount: USD(2_500),
        idempotencyKey: `fee-${id}`,
        effectiveDate: '2026-02-15',
        memo: '',
      },
      md(),
    );
    await pay(id, 10_000, '2026-02-20');

    const answer = await activity(id, ACTIVITY_FROM_CHARGE_OFF, ACTIVITY_FROM_LAST_STATEMENT, ACTIVITY_FROM_OPENED_ON);
    expect(answer).toMatchObject({
      fromDate: '2026-02-10',
      fromReference: ACTIVITY_FROM_CHARGE_OFF,
      opening: { asOfDate: '2026-02-10', total: USD(200_000) },
      closing: { asOfDate: '2026-03-02', total: USD(192_500) },
    });
    expect(kindsAndAmounts(answer)).toEqual([
      [ENTRY_KIND_FEE, 2_500, '2026-02-15'],
      [ENTRY_KIND_PAYMENT, 10_000, '2026-02-20'],
    ]);
    // Settled since, it was still charged off on 10 February.
    await lifecycle.settleAccount({ accountId: id, idempotencyKey: `settle-${id}`, reason: 'settled' }, md());
    expect((await activity(id, ACTIVITY_FROM_CHARGE_OFF)).fromDate).toBe('2026-02-10');
  });

  it('dates a whole-balance charge-off today, when it is posted: nothing is owed after it', async () => {
    const id = await billedAccount();
    await lifecycle.chargeOffAccount({ accountId: id, idempotencyKey: `co-${id}`, reason: 'uncollectable' }, md());
    expect(await activity(id, ACTIVITY_FROM_CHARGE_OFF)).toMatchObject({
      fromDate: '2026-03-02',
      fromReference: ACTIVITY_FROM_CHARGE_OFF,
      opening: { total: USD(0) },
      entries: [],
      closing: { total: USD(0) },
    });
  });

  it('answers FAILED_PRECONDITION for an account never charged off, and falls back to the next date asked', async () => {
    const id = await billedAccount();
    expect(await codeOf(activity(id, ACTIVITY_FROM_CHARGE_OFF))).toBe('FAILED_PRECONDITION');
    expect(await codeOf(activity(id, ACTIVITY_FROM_LAST_PAYMENT))).toBe('FAILED_PRECONDITION');
    expect(await activity(id, ACTIVITY_FROM_CHARGE_OFF, ACTIVITY_FROM_LAST_STATEMENT)).toMatchObject({
      fromDate: '2026-01-20',
      fromReference: ACTIVITY_FROM_LAST_STATEMENT,
    });
  });

  it('reads from the last payment not reversed: a reversed payment is not the last payment, nor one dated tomorrow', async () => {
    const id = await billedAccount();
    await pay(id, 10_000, '2026-02-01');
    const bounced = await pay(id, 20_000, '2026-02-10');
    await client.reversePayment({ paymentId: bounced.paymentId, reason: 'nsf', idempotencyKey: `rev-${id}` }, md());
    await pay(id, 5_000, '2026-03-03');

    const answer = await activity(id, ACTIVITY_FROM_LAST_PAYMENT, ACTIVITY_FROM_LAST_STATEMENT);
    expect(answer).toMatchObject({
      fromDate: '2026-02-01',
      fromReference: ACTIVITY_FROM_LAST_PAYMENT,
      opening: { total: USD(290_000) },
      closing: { asOfDate: '2026-03-02', total: USD(290_000) },
    });
    expect(kindsAndAmounts(answer)).toEqual([
      [ENTRY_KIND_PAYMENT, 20_000, '2026-02-10'],
      [ENTRY_KIND_PAYMENT_REVERSAL, 20_000, '2026-03-02'],
    ]);
  });
});
