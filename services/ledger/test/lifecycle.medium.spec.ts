import { Metadata, ServiceError, status } from '@grpc/grpc-js';
import { EventType, ledger, ledgerLifecycle } from '@collections/contracts';
import { API_KEY_HEADER, grpcClient, metadataFromPrincipalHeaders } from '@collections/platform';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { ledgerService } from '../src/ledger.service';
import { openFundedAccount } from './support/accounts';
import { outboxEventsOf } from './support/outbox';
import { DailyDelinquencyScheduler, DailyDelinquencyUseCase } from '../src/ledger/usecases/daily-delinquency.usecase';

const USD = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
const {
  ACCOUNT_STATUS_CURRENT,
  ACCOUNT_STATUS_DELINQUENT,
  ACCOUNT_STATUS_CHARGED_OFF,
  ACCOUNT_STATUS_SETTLED,
  ACCOUNT_STATUS_CLOSED,
} = ledger.AccountStatus;

/** 300.000,00 lent on 2026-01-05, repaid in three instalments of 1.000,00 + 50,00 interest. */
const SCHEDULE = ['2026-03-05', '2026-04-05', '2026-05-05'].map((dueDate, i) => ({
  number: i + 1,
  dueDate,
  principal: USD(100_000),
  interest: USD(5_000),
}));

describe('ledger lifecycle: loans, delinquency run, aging buckets, charge-off, settlement, closure (real PostgreSQL)', () => {
  let sut: ServiceUnderTest;
  let client: ReturnType<typeof grpcClient<typeof ledger.LedgerServiceService>>;
  let lifecycle: ReturnType<typeof grpcClient<typeof ledgerLifecycle.LedgerLifecycleServiceService>>;
  let md: () => Metadata;
  let mdOther: () => Metadata;
  let n = 0;

  beforeAll(async () => {
    sut = await startServiceUnderTest(ledgerService);
    client = grpcClient(ledger.LedgerServiceService, sut.app.grpcAddress);
    lifecycle = grpcClient(ledgerLifecycle.LedgerLifecycleServiceService, sut.app.grpcAddress);
    md = () => metadataFromPrincipalHeaders({ apiKey: sut.apiKey });
    mdOther = () => metadataFromPrincipalHeaders({ apiKey: sut.otherApiKey });
  });
  afterAll(async () => {
    client.close();
    lifecycle.close();
    await sut.close();
  });

  const at = (instant: string) => sut.clock.set(new Date(instant));

  async function newAccount(
    opts: { product?: ledger.Product; schedule?: boolean; meta?: () => Metadata } = {},
  ): Promise<string> {
    const meta = opts.meta ?? md;
    const id = await openFundedAccount(client, meta, {
      id: `acct-${++n}`,
      opening: 300_000,
      product: opts.product ?? ledger.Product.PRODUCT_PERSONAL_LOAN,
    });
    if (
      opts.schedule !== false &&
      (opts.product ?? ledger.Product.PRODUCT_PERSONAL_LOAN) !== ledger.Product.PRODUCT_CREDIT_CARD
    )
      await lifecycle.setInstalmentSchedule({ accountId: id, instalments: SCHEDULE }, meta());
    return id;
  }

  const eventsOf = <T extends EventType>(accountId: string, type: T) => outboxEventsOf(sut, accountId, type);

  const runDaily = (meta = md, asOfDate = '') => lifecycle.runDailyDelinquency({ asOfDate }, meta());
  const pay = (accountId: string, amountMinor: number, key: string) =>
    client.postPayment(
      { accountId, amount: USD(amountMinor), idempotencyKey: key, reference: '', effectiveDate: '' },
      md(),
    );
  const codeOf = (p: Promise<unknown>) =>
    p.then(
      () => status.OK,
      (err: ServiceError) => err.code,
    );

  it('ages a loan 1 → 31 → 61 days past due as the clock advances, announcing each bucket move once', async () => {
    at('2026-03-02T15:00:00Z');
    const id = await newAccount();

    at('2026-03-06T03:00:00Z'); // still 2026-03-05 in Bogotá: the first instalment is due today, not late
    await runDaily();
    expect(await lifecycle.getAccountStatus({ accountId: id }, md())).toMatchObject({
      daysPastDue: 0,
      agingBucket: 'current',
    });

    at('2026-03-06T12:00:00Z');
    expect((await runDaily()).eventsEmitted).toBeGreaterThanOrEqual(1);
    expect(await runDaily()).toMatchObject({ accountsChanged: 0, eventsEmitted: 0 });

    at('2026-04-05T12:00:00Z');
    await runDaily();
    at('2026-05-05T12:00:00Z');
    await runDaily();
    expect(await runDaily()).toMatchObject({ eventsEmitted: 0 });

    const moves = await eventsOf(id, 'collections.ledger.v1.DelinquencyChanged');
    expect(moves.map((e) => [e.asOfDate, e.daysPastDue, e.previousBucket, e.bucket, e.pastDue?.amountMinor])).toEqual([
      ['2026-03-06', 1, 'current', '1-30', 105_000],
      ['2026-04-05', 31, '1-30', '31-60', 105_000], // the second instalment falls due that day, not yet late
      ['2026-05-05', 61, '31-60', '61-90', 210_000],
    ]);
    expect(await lifecycle.getAccountStatus({ accountId: id }, md())).toEqual({
      accountId: id,
      status: ACCOUNT_STATUS_DELINQUENT,
      daysPastDue: 61,
      agingBucket: '61-90',
      delinquencyAsOfDate: '2026-05-05',
    });
    const balance = await client.getBalance({ accountId: id, asOfDate: '' }, md());
    expect(balance.detail).toMatchObject({ daysPastDue: 61, agingBucket: '61-90', pastDue: USD(210_000) });
  });

  it('does not move a bucket back when the daily run is repeated for an earlier date', async () => {
    at('2026-03-02T15:00:00Z');
    const id = await newAccount();
    at('2026-04-10T12:00:00Z');
    await runDaily();
    await runDaily(md, '2026-03-10');
    expect((await eventsOf(id, 'collections.ledger.v1.DelinquencyChanged')).map((e) => e.bucket)).toEqual(['31-60']);
  });

  it('keeps a loan delinquent after a partial payment and cures it with a full one', async () => {
    at('2026-03-02T15:00:00Z');
    const id = await newAccount();
    at('2026-03-20T15:00:00Z');
    await runDaily();

    expect((await lifecycle.getAccountStatus({ accountId: id }, md())).status).toBe(ACCOUNT_STATUS_DELINQUENT);
    const partial = await client.getBalance({ accountId: id, asOfDate: '' }, md());
    expect(partial.detail).toMatchObject({ daysPastDue: 15, agingBucket: '1-30', pastDue: USD(105_000) });
    await pay(id, 50_000, `part-${id}`);
    await runDaily();
    expect((await client.getBalance({ accountId: id, asOfDate: '' }, md())).detail).toMatchObject({
      daysPastDue: 15,
      agingBucket: '1-30',
      pastDue: USD(55_000),
    });

    await pay(id, 55_000, `rest-${id}`);
    await runDaily();
    expect((await client.getBalance({ accountId: id, asOfDate: '' }, md())).detail).toMatchObject({
      daysPastDue: 0,
      agingBucket: 'current',
      pastDue: USD(0),
    });
    expect((await lifecycle.getAccountStatus({ accountId: id }, md())).status).toBe(ACCOUNT_STATUS_CURRENT);
    const moves = await eventsOf(id, 'collections.ledger.v1.DelinquencyChanged');
    expect(moves.map((e) => [e.previousBucket, e.bucket])).toEqual([
      ['current', '1-30'],
      ['1-30', 'current'],
    ]);
    const schedule = await lifecycle.getInstalmentSchedule({ accountId: id }, md());
    expect(schedule.instalments.map((i) => i.paid?.amountMinor)).toEqual([105_000, 0, 0]);
  });

  it("buckets by the tenant's own aging configuration, and only that tenant's", async () => {
    expect(await lifecycle.getAgingBuckets({}, mdOther())).toMatchObject({ isDefault: true });
    expect(
      await codeOf(
        lifecycle.setAgingBuckets(
          {
            buckets: [
              { label: 'early', minDays: 1, maxDays: 14 },
              { label: 'late', minDays: 16 },
            ],
          },
          mdOther(),
        ),
      ),
    ).toBe(status.INVALID_ARGUMENT);

    at('2026-03-02T15:00:00Z');
    const id = await newAccount({ meta: mdOther });
    at('2026-03-20T15:00:00Z');
    await runDaily(mdOther);
    const set = await lifecycle.setAgingBuckets(
      {
        buckets: [
          { label: 'early', minDays: 1, maxDays: 14 },
          { label: 'late', minDays: 15 },
        ],
      },
      mdOther(),
    );
    expect(set.buckets.map((b) => b.label)).toEqual(['current', 'early', 'late']);
    await runDaily(mdOther);

    const moves = await eventsOf(id, 'collections.ledger.v1.DelinquencyChanged');
    expect(moves.map((e) => [e.previousBucket, e.bucket, e.daysPastDue])).toEqual([
      ['current', '1-30', 15],
      ['1-30', 'late', 15],
    ]);
    expect((await client.getBalance({ accountId: id, asOfDate: '' }, mdOther())).detail?.agingBucket).toBe('late');
    expect(await lifecycle.getAgingBuckets({}, md())).toMatchObject({ isDefault: true });

    const rest = await fetch(`${sut.app.httpUrl}/v1/ledger/aging-buckets`, {
      headers: { [API_KEY_HEADER]: sut.otherApiKey },
    });
    expect(((await rest.json()) as { buckets: { label: string }[] }).buckets.map((b) => b.label)).toEqual([
      'current',
      'early',
      'late',
    ]);
  });

  it('charges an account off on a write-off, and on the charge-off command, announcing it once', async () => {
    at('2026-03-02T15:00:00Z');
    const partly = await newAccount();
    await client.postAdjustment(
      {
        accountId: partly,
        kind: ledger.EntryKind.ENTRY_KIND_WRITE_OFF,
        amount: USD(100_000),
        idempotencyKey: `wo-${partly}`,
        reason: 'uncollectable',
        effectiveDate: '',
      },
      md(),
    );
    expect((await lifecycle.getAccountStatus({ accountId: partly }, md())).status).toBe(ACCOUNT_STATUS_CHARGED_OFF);
    expect(await eventsOf(partly, 'collections.ledger.v1.AccountChargedOff')).toMatchObject([
      { accountId: partly, amount: USD(100_000), balanceAfter: USD(200_000), previousStatus: ACCOUNT_STATUS_CURRENT },
    ]);

    const whole = await newAccount();
    const request = { accountId: whole, idempotencyKey: `co-${whole}`, reason: 'deceased, no estate' };
    const first = await lifecycle.chargeOffAccount(request, md());
    expect(first).toMatchObject({ status: ACCOUNT_STATUS_CHARGED_OFF, replayed: false });
    expect(first.balance?.total).toEqual(USD(0));
    expect(await lifecycle.chargeOffAccount(request, md())).toMatchObject({ entryId: first.entryId, replayed: true });
    expect(await eventsOf(whole, 'collections.ledger.v1.AccountChargedOff')).toMatchObject([
      { entryId: first.entryId, amount: USD(300_000), effectiveDate: '2026-03-02' },
    ]);
  });

  it('settles an account when a settlement brings it to zero, not before', async () => {
    at('2026-03-02T15:00:00Z');
    const id = await newAccount();
    await client.postAdjustment(
      {
        accountId: id,
        kind: ledger.EntryKind.ENTRY_KIND_SETTLEMENT_DISCOUNT,
        amount: USD(50_000),
        idempotencyKey: `sd-${id}`,
        reason: 'offer',
        effectiveDate: '',
      },
      md(),
    );
    expect((await lifecycle.getAccountStatus({ accountId: id }, md())).status).toBe(ACCOUNT_STATUS_CURRENT);
    expect(await eventsOf(id, 'collections.ledger.v1.AccountSettled')).toEqual([]);

    const request = { accountId: id, idempotencyKey: `settle-${id}`, reason: 'settled at 1.000,00' };
    const settled = await lifecycle.settleAccount(request, md());
    expect(settled).toMatchObject({ status: ACCOUNT_STATUS_SETTLED, replayed: false });
    expect(settled.balance?.total).toEqual(USD(0));
    expect(await lifecycle.settleAccount(request, md())).toMatchObject({ replayed: true });
    expect(await eventsOf(id, 'collections.ledger.v1.AccountSettled')).toMatchObject([
      { entryId: settled.entryId, discount: USD(250_000), previousStatus: ACCOUNT_STATUS_CURRENT },
    ]);
  });

  it('refuses to close an account with a balance and closes it once at zero', async () => {
    at('2026-03-02T15:00:00Z');
    const id = await newAccount();
    const err = await lifecycle.closeAccount({ accountId: id, reason: 'paid' }, md()).catch((e: ServiceError) => e);
    expect((err as ServiceError).code).toBe(status.FAILED_PRECONDITION);
    expect((err as ServiceError).details).toMatch(/zero balance/);

    const rest = await fetch(`${sut.app.httpUrl}/v1/ledger/accounts/${id}/closure`, {
      method: 'POST',
      headers: { [API_KEY_HEADER]: sut.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'paid' }),
    });
    expect(rest.status).toBe(422);
    expect(await eventsOf(id, 'collections.ledger.v1.AccountClosed')).toEqual([]);

    await pay(id, 300_000, `payoff-${id}`);
    expect(await lifecycle.closeAccount({ accountId: id, reason: 'paid' }, md())).toEqual({
      status: ACCOUNT_STATUS_CLOSED,
      closed: true,
    });
    expect(await lifecycle.closeAccount({ accountId: id, reason: 'paid' }, md())).toEqual({
      status: ACCOUNT_STATUS_CLOSED,
      closed: false,
    });
    expect(await eventsOf(id, 'collections.ledger.v1.AccountClosed')).toEqual([
      // The reason is a person's free text: not on the event (free-texts-off-events.medium.spec.ts).
      { accountId: id, previousStatus: ACCOUNT_STATUS_CURRENT, closedOn: '2026-03-02', reason: '' },
    ]);
    expect(
      await codeOf(lifecycle.chargeOffAccount({ accountId: id, idempotencyKey: `co-${id}`, reason: '' }, md())),
    ).toBe(status.FAILED_PRECONDITION);
    // A closed account takes no more postings; a retry of one made before closing still answers.
    expect(await codeOf(pay(id, 1_000, `after-close-${id}`))).toBe(status.FAILED_PRECONDITION);
    expect(await codeOf(pay(id, 300_000, `payoff-${id}`))).toBe(status.OK);
    expect((await client.getBalance({ accountId: id, asOfDate: '' }, md())).balance).toEqual(USD(0));
  });

  it('reopens a closed account whose last payment bounces, delinquent by its dues, and collects it again', async () => {
    at('2026-03-02T15:00:00Z');
    const id = await newAccount();
    const payoff = await pay(id, 300_000, `payoff-${id}`);
    await lifecycle.closeAccount({ accountId: id, reason: 'paid' }, md());

    // Returned unpaid after the first instalment (2026-03-05) fell due.
    at('2026-03-10T15:00:00Z');
    const reversal = { paymentId: payoff.paymentId, reason: 'nsf', idempotencyKey: `nsf-${id}` };
    const bounced = await client.reversePayment(reversal, md());
    expect(bounced.balance?.total).toEqual(USD(300_000));
    expect((await lifecycle.getAccountStatus({ accountId: id }, md())).status).toBe(ACCOUNT_STATUS_DELINQUENT);
    expect(await client.reversePayment(reversal, md())).toMatchObject({ entryId: bounced.entryId, replayed: true });
    expect(await eventsOf(id, 'collections.ledger.v1.AccountReopened')).toEqual([
      {
        accountId: id,
        entryId: bounced.entryId,
        paymentId: payoff.paymentId,
        previousStatus: ACCOUNT_STATUS_CLOSED,
        status: ACCOUNT_STATUS_DELINQUENT,
        balanceAfter: USD(300_000),
        effectiveDate: '2026-03-10',
      },
    ]);

    // Owed again, so it takes payments again, and closes again once paid.
    expect(await codeOf(pay(id, 300_000, `again-${id}`))).toBe(status.OK);
    expect((await lifecycle.closeAccount({ accountId: id, reason: 'paid again' }, md())).closed).toBe(true);
    const changes = (await lifecycle.listAccountStatusChanges({ accountId: id }, md())).changes;
    expect(changes.map((c) => [c.fromStatus, c.toStatus, c.entryId])).toEqual([
      [ACCOUNT_STATUS_CURRENT, ACCOUNT_STATUS_CLOSED, ''],
      [ACCOUNT_STATUS_CLOSED, ACCOUNT_STATUS_DELINQUENT, bounced.entryId],
      [ACCOUNT_STATUS_CURRENT, ACCOUNT_STATUS_CLOSED, ''],
    ]);
  });

  it('reopens a settled account charged off before as charged off, and a bounce that leaves nothing owed not at all', async () => {
    at('2026-03-02T15:00:00Z');
    const id = await newAccount();
    const part = await pay(id, 100_000, `part-${id}`);
    await lifecycle.chargeOffAccount(
      { accountId: id, idempotencyKey: `co-${id}`, reason: 'agency placement', keepBalanceOwed: true },
      md(),
    );
    const discount = (accountId: string, amountMinor: number) =>
      client.postAdjustment(
        {
          accountId,
          kind: ledger.EntryKind.ENTRY_KIND_SETTLEMENT_DISCOUNT,
          amount: USD(amountMinor),
          idempotencyKey: `sd-${accountId}`,
          reason: 'offer',
          effectiveDate: '',
        },
        md(),
      );
    await discount(id, 200_000);
    expect((await lifecycle.getAccountStatus({ accountId: id }, md())).status).toBe(ACCOUNT_STATUS_SETTLED);

    const bounced = await client.reversePayment(
      { paymentId: part.paymentId, reason: 'chargeback', idempotencyKey: `cb-${id}` },
      md(),
    );
    expect((await lifecycle.getAccountStatus({ accountId: id }, md())).status).toBe(ACCOUNT_STATUS_CHARGED_OFF);
    expect(await eventsOf(id, 'collections.ledger.v1.AccountReopened')).toMatchObject([
      {
        entryId: bounced.entryId,
        previousStatus: ACCOUNT_STATUS_SETTLED,
        status: ACCOUNT_STATUS_CHARGED_OFF,
        balanceAfter: USD(100_000),
      },
    ]);

    // Settled, then paid beyond it: the bounce of that payment leaves the account owing nothing.
    const paidTwice = await newAccount();
    await pay(paidTwice, 100_000, `part-${paidTwice}`);
    await discount(paidTwice, 200_000);
    const extra = await pay(paidTwice, 5_000, `extra-${paidTwice}`);
    await client.reversePayment(
      { paymentId: extra.paymentId, reason: 'nsf', idempotencyKey: `nsf-${paidTwice}` },
      md(),
    );
    expect((await lifecycle.getAccountStatus({ accountId: paidTwice }, md())).status).toBe(ACCOUNT_STATUS_SETTLED);
    expect(await eventsOf(paidTwice, 'collections.ledger.v1.AccountReopened')).toEqual([]);
  });

  it('refuses schedules that do not fit the loan, and schedules on revolving accounts', async () => {
    at('2026-03-02T15:00:00Z');
    const loan = await newAccount({ schedule: false });
    const short = SCHEDULE.map((i) => ({ ...i, principal: USD(90_000) }));
    expect(await codeOf(lifecycle.setInstalmentSchedule({ accountId: loan, instalments: short }, md()))).toBe(
      status.INVALID_ARGUMENT,
    );
    const card = await newAccount({ product: ledger.Product.PRODUCT_CREDIT_CARD });
    expect(await codeOf(lifecycle.setInstalmentSchedule({ accountId: card, instalments: SCHEDULE }, md()))).toBe(
      status.FAILED_PRECONDITION,
    );
    expect(await codeOf(lifecycle.setInstalmentSchedule({ accountId: loan, instalments: SCHEDULE }, mdOther()))).toBe(
      status.NOT_FOUND,
    );
    expect(await lifecycle.setInstalmentSchedule({ accountId: loan, instalments: SCHEDULE }, md())).toEqual({
      instalments: 3,
      totalDue: USD(315_000),
    });
  });

  it('walks every account of the tenant in batches, each announced once', async () => {
    at('2026-03-02T15:00:00Z');
    const ids = [await newAccount(), await newAccount(), await newAccount()];
    at('2026-08-10T12:00:00Z');
    const sut2 = new DailyDelinquencyUseCase(sut.context, 2);
    const [{ open }] = (await sut.dataSource.query(
      `SELECT count(*)::int AS open FROM ledger.account WHERE tenant_id = $1 AND status NOT IN (4, 5)`,
      [sut.tenant],
    )) as { open: number }[];
    expect((await sut2.run({ tenantId: sut.tenant })).accountsEvaluated).toBe(open);
    expect(await sut2.run({ tenantId: sut.tenant })).toMatchObject({ accountsChanged: 0, eventsEmitted: 0 });
    for (const id of ids) {
      expect((await eventsOf(id, 'collections.ledger.v1.DelinquencyChanged')).map((e) => e.bucket)).toEqual([
        '121-180',
      ]);
    }
  });

  it('runs the daily job from its timer at most once per clock hour', async () => {
    at('2026-03-02T15:00:00Z');
    const id = await newAccount();
    const scheduler = sut.app.app.get(DailyDelinquencyScheduler);
    at('2026-07-01T12:00:00Z');
    expect(await scheduler.tick()).toBeDefined();
    expect(await scheduler.tick()).toBeUndefined();
    sut.clock.advance(60 * 60_000);
    expect(await scheduler.tick()).toMatchObject({ eventsEmitted: 0 });
    expect((await eventsOf(id, 'collections.ledger.v1.DelinquencyChanged')).map((e) => e.bucket)).toEqual(['91-120']);
  });
});
