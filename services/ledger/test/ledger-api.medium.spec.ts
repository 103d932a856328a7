import { Metadata, ServiceError, status } from '@grpc/grpc-js';
import fc from 'fast-check';
import { ledger } from '@collections/contracts';
import { addCalendarDays, localDate, metadataFromPrincipalHeaders } from '@collections/platform';
import { ServiceUnderTest, publishedEvents } from '@collections/testing';
import { configuredPiiCipher } from '../src/ledger/pii';
import { openFundedAccount } from './support/accounts';
import { LedgerApi, startLedgerApi } from './support/ledger-api';

const USD = (amountMinor: number) => ({ amountMinor, currency: 'USD' });

describe('ledger API (gRPC, real PostgreSQL)', () => {
  let api: LedgerApi;
  let sut: ServiceUnderTest;
  let client: LedgerApi['client'];
  let md: LedgerApi['md'];
  let n = 0;

  beforeAll(async () => {
    api = await startLedgerApi();
    ({ sut, client, md } = api);
  });
  afterAll(async () => {
    await api?.close();
  });

  const newAccount = (opening = 100_000, currency = 'USD'): Promise<string> =>
    openFundedAccount(client, md, { id: `acct-${++n}`, opening, currency, nationalId: '1020304050' });

  const codeOf = (p: Promise<unknown>) =>
    p.then(
      () => status.OK,
      (err: ServiceError) => err.code,
    );

  it('applies 20 concurrent payments to one account exactly once each, and the balance is exact', async () => {
    const id = await newAccount(100_000);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        client.postPayment(
          { accountId: id, amount: USD(1_000 + i), idempotencyKey: `p-${id}-${i}`, reference: '', effectiveDate: '' },
          md(),
        ),
      ),
    );
    expect(new Set(results.map((r) => r.paymentId)).size).toBe(20);
    const paid = Array.from({ length: 20 }, (_, i) => 1_000 + i).reduce((s, x) => s + x, 0);
    const balance = await client.getBalance({ accountId: id, asOfDate: '' }, md());
    expect(balance.balance).toEqual(USD(100_000 - paid));
    const [{ n: posted }] = await sut.dataSource.query(
      `SELECT count(*)::int AS n FROM ledger.journal_entry WHERE account_id = $1 AND kind = 4`,
      [id],
    );
    expect(posted).toBe(20);
  });

  it('returns the first answer when a payment is retried with the same idempotency key, even concurrently', async () => {
    const id = await newAccount(50_000);
    const request = {
      accountId: id,
      amount: USD(7_500),
      idempotencyKey: `retry-${id}`,
      reference: 'bank-123',
      effectiveDate: '',
    };
    const answers = await Promise.all(Array.from({ length: 5 }, () => client.postPayment(request, md())));
    expect(new Set(answers.map((a) => a.paymentId)).size).toBe(1);
    expect(answers.filter((a) => !a.replayed)).toHaveLength(1);
    expect((await client.getBalance({ accountId: id, asOfDate: '' }, md())).balance).toEqual(USD(42_500));
    expect(await codeOf(client.postPayment({ ...request, amount: USD(9_999), effectiveDate: '' }, md()))).toBe(
      status.ABORTED,
    );
  });

  it('posts a batch of payments, answering each on its own, and a retried batch changes nothing', async () => {
    const [a, b] = [await newAccount(100_000), await newAccount(100_000, 'COP')];
    const single = await client.postPayment(
      { accountId: a, amount: USD(1_000), idempotencyKey: `single-${a}`, reference: '', effectiveDate: '' },
      md(),
    );
    const batch = {
      payments: [
        { accountId: a, amount: USD(2_000), idempotencyKey: `b1-${a}`, reference: 'bank-1', effectiveDate: '' },
        {
          accountId: b,
          amount: { amountMinor: 30_000, currency: 'COP' },
          idempotencyKey: `b2-${b}`,
          reference: '',
          effectiveDate: '',
        },
        { accountId: a, amount: USD(3_000), idempotencyKey: `b3-${a}`, reference: '', effectiveDate: '' },
        { accountId: 'no-such-account', amount: USD(500), idempotencyKey: `b4-${a}`, reference: '', effectiveDate: '' },
        {
          accountId: a,
          amount: { amountMinor: 500, currency: 'COP' },
          idempotencyKey: `b5-${a}`,
          reference: '',
          effectiveDate: '',
        },
        { accountId: a, amount: USD(2_000), idempotencyKey: `b1-${a}`, reference: 'bank-1', effectiveDate: '' },
        { accountId: a, amount: USD(1_000), idempotencyKey: `single-${a}`, reference: '', effectiveDate: '' },
        { accountId: a, amount: USD(9_999), idempotencyKey: `single-${a}`, reference: '', effectiveDate: '' },
        { accountId: a, amount: USD(700), idempotencyKey: '', reference: '', effectiveDate: '' },
      ],
    };
    const first = await client.postPayments(batch, md());
    const codes = first.results.map((r) => r.error?.code ?? (r.posted?.replayed ? 'REPLAYED' : 'POSTED'));
    expect(codes).toEqual([
      'POSTED',
      'POSTED',
      'POSTED',
      'NOT_FOUND',
      'INVALID_ARGUMENT',
      'REPLAYED',
      'REPLAYED',
      'CONFLICT',
      'INVALID_ARGUMENT',
    ]);
    expect(first.results[5].posted!.paymentId).toBe(first.results[0].posted!.paymentId);
    expect(first.results[6].posted!.paymentId).toBe(single.paymentId);
    expect(first.results[2].posted!.balance).toEqual(USD(100_000 - 1_000 - 2_000 - 3_000));

    const again = await client.postPayments(batch, md());
    expect(again.results.map((r) => r.posted?.paymentId ?? r.error?.code)).toEqual(
      first.results.map((r) => r.posted?.paymentId ?? r.error?.code),
    );
    expect((await client.getBalance({ accountId: a, asOfDate: '' }, md())).balance).toEqual(USD(94_000));
    expect((await client.getBalance({ accountId: b, asOfDate: '' }, md())).balance).toEqual({
      amountMinor: 70_000,
      currency: 'COP',
    });
    const [{ n }] = await sut.dataSource.query(
      `SELECT count(*)::int AS n FROM ledger.journal_entry WHERE account_id = ANY($1) AND kind = 4`,
      [[a, b]],
    );
    expect(n).toBe(4);
  });

  it('lets one of two concurrent batches reusing a key for another account post it, and refuses the other', async () => {
    const [a, b] = [await newAccount(10_000), await newAccount(10_000)];
    const pay = (accountId: string) => ({
      payments: [
        { accountId, amount: USD(100), idempotencyKey: `own-${accountId}`, reference: '', effectiveDate: '' },
        { accountId, amount: USD(250), idempotencyKey: `shared-${a}`, reference: '', effectiveDate: '' },
      ],
    });
    const [ra, rb] = await Promise.all([client.postPayments(pay(a), md()), client.postPayments(pay(b), md())]);
    // Each batch's own payment posts whatever happened to the other item.
    expect([ra.results[0].posted?.replayed, rb.results[0].posted?.replayed]).toEqual([false, false]);
    const shared = [ra.results[1], rb.results[1]];
    expect(shared.filter((r) => r.posted && !r.posted.replayed)).toHaveLength(1);
    expect(shared.filter((r) => r.error?.code === 'CONFLICT')).toHaveLength(1);
    const balances = await Promise.all(
      [a, b].map(async (id) => (await client.getBalance({ accountId: id, asOfDate: '' }, md())).balance!.amountMinor),
    );
    expect(balances.sort()).toEqual([9_650, 9_900]);
  });

  it('applies every payment exactly once whatever mix of single calls, batches and retries carries it', async () => {
    const accounts = [await newAccount(1_000_000), await newAccount(1_000_000)];
    let round = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            account: fc.integer({ min: 0, max: 1 }),
            amount: fc.integer({ min: 1, max: 5_000 }),
            copies: fc.integer({ min: 1, max: 3 }),
            batched: fc.boolean(),
          }),
          { minLength: 1, maxLength: 30 },
        ),
        async (payments) => {
          round++;
          const before = await Promise.all(
            accounts.map((id) => client.getBalance({ accountId: id, asOfDate: '' }, md())),
          );
          const requests = payments.flatMap((p, i) =>
            Array.from({ length: p.copies }, () => ({
              batched: p.batched,
              request: {
                accountId: accounts[p.account],
                amount: USD(p.amount),
                idempotencyKey: `mix-${round}-${i}`,
                reference: '',
                effectiveDate: '',
              },
            })),
          );
          const batched = requests.filter((r) => r.batched).map((r) => r.request);
          await Promise.all([
            ...requests.filter((r) => !r.batched).map((r) => client.postPayment(r.request, md())),
            client.postPayments({ payments: batched.slice(0, batched.length / 2) }, md()),
            client.postPayments({ payments: batched.slice(batched.length / 2) }, md()),
          ]);
          for (const [k, id] of accounts.entries()) {
            const paid = payments.filter((p) => p.account === k).reduce((s, p) => s + p.amount, 0);
            const after = await client.getBalance({ accountId: id, asOfDate: '' }, md());
            expect(after.balance!.amountMinor).toBe(before[k].balance!.amountMinor - paid);
          }
        },
      ),
      { numRuns: 15 },
    );
    const [{ n, keys }] = await sut.dataSource.query(
      `SELECT count(*)::int AS n, count(DISTINCT idempotency_key)::int AS keys FROM ledger.journal_entry
        WHERE account_id = ANY($1) AND kind = 4`,
      [accounts],
    );
    expect(n).toBe(keys);
  });

  it('holds the books over any concurrent mix of charges, payments, reversals, adjustments and write-offs', async () => {
    const op = fc.oneof(
      fc.record({
        t: fc.constant('charge' as const),
        kind: fc.constantFrom(1, 2, 3),
        amount: fc.integer({ min: 1, max: 50_000 }),
      }),
      fc.record({ t: fc.constant('pay' as const), amount: fc.integer({ min: 1, max: 40_000 }), batched: fc.boolean() }),
      fc.record({ t: fc.constant('reverse' as const), which: fc.nat() }),
      fc.record({
        t: fc.constant('adjust' as const),
        amount: fc.integer({ min: -20_000, max: 20_000 }).filter((x) => x !== 0),
      }),
      fc.record({ t: fc.constant('discount' as const), amount: fc.integer({ min: 1, max: 10_000 }) }),
      fc.record({ t: fc.constant('writeOff' as const), amount: fc.integer({ min: 1, max: 30_000 }) }),
    );
    type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;
    let round = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(op, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 5 }),
        async (waves) => {
          const id = await newAccount(100_000);
          const payments: string[] = [];
          let k = 0;
          const key = () => `inv-${++round}-${++k}`;
          const run = (o: Op): Promise<unknown> => {
            switch (o.t) {
              case 'charge':
                return client.postCharge(
                  {
                    accountId: id,
                    kind: o.kind,
                    amount: USD(o.amount),
                    idempotencyKey: key(),
                    effectiveDate: '',
                    memo: '',
                  },
                  md(),
                );
              case 'pay':
                return o.batched
                  ? client
                      .postPayments(
                        {
                          payments: [
                            {
                              accountId: id,
                              amount: USD(o.amount),
                              idempotencyKey: key(),
                              reference: '',
                              effectiveDate: '',
                            },
                          ],
                        },
                        md(),
                      )
                      .then((r) => payments.push(r.results[0].posted!.paymentId))
                  : client
                      .postPayment(
                        {
                          accountId: id,
                          amount: USD(o.amount),
                          idempotencyKey: key(),
                          reference: '',
                          effectiveDate: '',
                        },
                        md(),
                      )
                      .then((r) => payments.push(r.paymentId));
              case 'reverse':
                return payments.length === 0
                  ? Promise.resolve()
                  : client
                      .reversePayment(
                        { paymentId: payments[o.which % payments.length], reason: 'nsf', idempotencyKey: key() },
                        md(),
                      )
                      .catch((err: ServiceError) => expect(err.code).toBe(status.ABORTED)); // already reversed
              case 'adjust':
              case 'discount':
              case 'writeOff': {
                const kind = { adjust: 6, discount: 7, writeOff: 8 }[o.t];
                const posted = client.postAdjustment(
                  {
                    accountId: id,
                    kind,
                    amount: USD(o.amount),
                    idempotencyKey: key(),
                    reason: 'test',
                    effectiveDate: '',
                  },
                  md(),
                );
                // A discount or write-off of more than is owed at that moment is refused.
                return o.t === 'adjust'
                  ? posted
                  : posted.catch((err: ServiceError) => expect(err.code).toBe(status.FAILED_PRECONDITION));
              }
            }
          };
          for (const wave of waves) await Promise.all(wave.map(run));
          const [books] = await sut.dataSource.query(
            `SELECT l.ledger_account IS NOT NULL AS any, sum(debit_minor)::bigint AS d, sum(credit_minor)::bigint AS c
             FROM ledger.journal_line l JOIN ledger.journal_entry e ON e.tenant_id = l.tenant_id AND e.id = l.entry_id
            WHERE e.account_id = $1 GROUP BY 1`,
            [id],
          );
          expect(books.d).toBe(books.c);
          const [cache] = await sut.dataSource.query(
            `SELECT a.principal_minor AS p, a.interest_minor AS i, a.fees_minor AS f,
                  (SELECT coalesce(sum(debit_minor - credit_minor), 0) FROM ledger.journal_line l JOIN ledger.journal_entry e
                     ON e.tenant_id = l.tenant_id AND e.id = l.entry_id WHERE e.account_id = a.id AND l.ledger_account = 'receivable:principal')::bigint AS lp,
                  (SELECT coalesce(sum(debit_minor - credit_minor), 0) FROM ledger.journal_line l JOIN ledger.journal_entry e
                     ON e.tenant_id = l.tenant_id AND e.id = l.entry_id WHERE e.account_id = a.id AND l.ledger_account = 'receivable:interest')::bigint AS li,
                  (SELECT coalesce(sum(debit_minor - credit_minor), 0) FROM ledger.journal_line l JOIN ledger.journal_entry e
                     ON e.tenant_id = l.tenant_id AND e.id = l.entry_id WHERE e.account_id = a.id AND l.ledger_account = 'receivable:fees')::bigint AS lf
             FROM ledger.account a WHERE a.id = $1`,
            [id],
          );
          expect([cache.p, cache.i, cache.f]).toEqual([cache.lp, cache.li, cache.lf]);
          // The balance GetBalance answers agrees with the lines (it reads the cache less what is dated later).
          const view = await client.getBalance({ accountId: id, asOfDate: '' }, md());
          expect(view.balance!.amountMinor).toBe(Number(cache.lp) + Number(cache.li) + Number(cache.lf));
        },
      ),
      { numRuns: 20 },
    );
  });

  it('keeps every account balanced: debits equal credits and the cached balance equals its lines', async () => {
    const id = await newAccount(80_000);
    await client.postCharge(
      {
        accountId: id,
        kind: ledger.EntryKind.ENTRY_KIND_FEE,
        amount: USD(2_500),
        idempotencyKey: `fee-${id}`,
        effectiveDate: '',
        memo: 'late fee',
      },
      md(),
    );
    const pay = await client.postPayment(
      { accountId: id, amount: USD(10_000), idempotencyKey: `pay-${id}`, reference: '', effectiveDate: '' },
      md(),
    );
    await client.reversePayment({ paymentId: pay.paymentId, reason: 'nsf', idempotencyKey: `rev-${id}` }, md());
    await client.postAdjustment(
      {
        accountId: id,
        kind: ledger.EntryKind.ENTRY_KIND_SETTLEMENT_DISCOUNT,
        amount: USD(5_000),
        idempotencyKey: `disc-${id}`,
        reason: 'settlement',
        effectiveDate: '',
      },
      md(),
    );
    await client.postAdjustment(
      {
        accountId: id,
        kind: ledger.EntryKind.ENTRY_KIND_WRITE_OFF,
        amount: USD(77_500),
        idempotencyKey: `wo-${id}`,
        reason: 'charge-off',
        effectiveDate: '',
      },
      md(),
    );
    const [sums] = await sut.dataSource.query(
      `SELECT sum(debit_minor)::bigint AS d, sum(credit_minor)::bigint AS c FROM ledger.journal_line l JOIN ledger.journal_entry e ON e.id = l.entry_id WHERE e.account_id = $1`,
      [id],
    );
    expect(sums.d).toBe(sums.c);
    const [cached] = await sut.dataSource.query(
      `SELECT principal_minor + interest_minor + fees_minor AS total FROM ledger.account WHERE id = $1`,
      [id],
    );
    const [fromLines] = await sut.dataSource.query(
      `SELECT sum(debit_minor - credit_minor)::bigint AS total FROM ledger.journal_line l JOIN ledger.journal_entry e ON e.id = l.entry_id
        WHERE e.account_id = $1 AND ledger_account LIKE 'receivable:%'`,
      [id],
    );
    expect(cached.total).toBe(fromLines.total);
    expect(Number(fromLines.total)).toBe(0);
    const history = await client.getAccountHistory({ accountId: id }, md());
    expect(history.entries.map((e) => e.kind)).toEqual([
      ledger.EntryKind.ENTRY_KIND_CHARGE,
      ledger.EntryKind.ENTRY_KIND_FEE,
      ledger.EntryKind.ENTRY_KIND_PAYMENT,
      ledger.EntryKind.ENTRY_KIND_PAYMENT_REVERSAL,
      ledger.EntryKind.ENTRY_KIND_SETTLEMENT_DISCOUNT,
      ledger.EntryKind.ENTRY_KIND_WRITE_OFF,
    ]);
  });

  it('answers the balance and days past due as of any date', async () => {
    const id = await newAccount(60_000);
    await client.issueStatement(
      {
        accountId: id,
        cycle: 1,
        statementDate: '2026-01-31',
        dueDate: '2026-02-20',
        amountDue: USD(60_000),
        minimumDue: USD(6_000),
      },
      md(),
    );
    const before = await client.getBalance({ accountId: id, asOfDate: '2026-01-04' }, md());
    expect(before.detail?.total).toEqual(USD(0));
    const late = await client.getBalance({ accountId: id, asOfDate: '2026-03-01' }, md());
    expect(late.detail).toMatchObject({ total: USD(60_000), pastDue: USD(6_000), daysPastDue: 9, agingBucket: '1-30' });
    // today (2026-03-02 in Bogotá) is 10 days past due; a payment of the minimum cures it
    await client.postPayment(
      { accountId: id, amount: USD(6_000), idempotencyKey: `cure-${id}`, reference: '', effectiveDate: '' },
      md(),
    );
    const cured = await client.getBalance({ accountId: id, asOfDate: '' }, md());
    expect(cured.detail).toMatchObject({
      asOfDate: '2026-03-02',
      daysPastDue: 0,
      agingBucket: 'current',
      total: USD(54_000),
    });
  });

  it('answers many concurrent balance reads each as if asked alone: its account, date and tenant, a bad one failing alone', async () => {
    const ids = [await newAccount(70_000), await newAccount(20_000)];
    await client.postPayment(
      { accountId: ids[1], amount: USD(5_000), idempotencyKey: `c-${ids[1]}`, reference: '', effectiveDate: '' },
      md(),
    );
    const asks = [
      { accountId: ids[0], asOfDate: '' },
      { accountId: ids[1], asOfDate: '' },
      { accountId: ids[1], asOfDate: '2026-01-04' },
      { accountId: 'no-such-account', asOfDate: '' },
      { accountId: ids[0], asOfDate: '2026-13-01' },
    ];
    const alone = await Promise.all(
      asks.map((ask) => client.getBalance(ask, md()).catch((err: ServiceError) => err.code)),
    );
    expect(alone.map((a) => (typeof a === 'number' ? a : a.balance))).toEqual([
      USD(70_000),
      USD(15_000),
      USD(0),
      status.NOT_FOUND,
      status.INVALID_ARGUMENT,
    ]);
    const other = metadataFromPrincipalHeaders({ apiKey: sut.otherApiKey });
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        client.getBalance(asks[i % asks.length], i % 7 === 6 ? other : md()).catch((err: ServiceError) => err.code),
      ),
    );
    answers.forEach((answer, i) => {
      const ask = asks[i % asks.length];
      if (i % 7 !== 6) expect(answer).toEqual(alone[i % asks.length]);
      else expect(answer).toBe(ask.asOfDate === '2026-13-01' ? status.INVALID_ARGUMENT : status.NOT_FOUND);
    });
  });

  it('publishes PaymentPosted, BalanceChanged and DelinquencyChanged through the outbox', async () => {
    const id = await newAccount(30_000);
    await client.issueStatement(
      {
        accountId: id,
        cycle: 1,
        statementDate: '2026-01-31',
        dueDate: '2026-02-10',
        amountDue: USD(30_000),
        minimumDue: USD(3_000),
      },
      md(),
    );
    await client.postCharge(
      {
        accountId: id,
        kind: ledger.EntryKind.ENTRY_KIND_INTEREST,
        amount: USD(450),
        idempotencyKey: `int-${id}`,
        effectiveDate: '',
        memo: '',
      },
      md(),
    );
    await client.postPayment(
      { accountId: id, amount: USD(3_450), idempotencyKey: `pay-${id}`, reference: '', effectiveDate: '' },
      md(),
    );
    const types = (
      await sut.dataSource.query(`SELECT headers->>'ce_type' AS type FROM ledger.outbox WHERE key = $1 ORDER BY id`, [
        id,
      ])
    ).map((r: { type: string }) => r.type.replace('collections.ledger.v1.', ''));
    expect(types).toEqual([
      'AccountOpened',
      'BalanceChanged',
      'StatementIssued',
      'BalanceChanged',
      'DelinquencyChanged',
      'PaymentPosted',
      'BalanceChanged',
      'DelinquencyChanged',
    ]);
    // The payment counts from the day it was posted on the account's (Bogotá's) calendar.
    const [posted] = (await publishedEvents(sut, 'ledger', 'collections.ledger.v1.PaymentPosted')).filter(
      (e) => e.accountId === id,
    );
    expect(posted).toMatchObject({ amount: USD(3_450), effectiveDate: localDate(posted.postedAt!, 'America/Bogota') });
  });

  it("posts a payment made on an earlier day (a processor's value date) as of that day, and refuses one dated after tomorrow", async () => {
    const id = await newAccount(30_000);
    const today = localDate(sut.clock.now(), 'America/Bogota');
    const valueDate = addCalendarDays(today, -3);
    const paid = await client.postPayment(
      {
        accountId: id,
        amount: USD(1_000),
        idempotencyKey: `value-dated-${id}`,
        reference: 'ACH',
        effectiveDate: valueDate,
      },
      md(),
    );
    const asOf = async (asOfDate: string) => (await client.getBalance({ accountId: id, asOfDate }, md())).balance;
    expect([await asOf(addCalendarDays(valueDate, -1)), await asOf(valueDate)]).toEqual([USD(30_000), USD(29_000)]);
    const [posted] = (await publishedEvents(sut, 'ledger', 'collections.ledger.v1.PaymentPosted')).filter(
      (e) => e.paymentId === paid.paymentId,
    );
    expect(posted.effectiveDate).toBe(valueDate);

    const ahead = addCalendarDays(today, 2);
    await expect(
      client.postPayment(
        { accountId: id, amount: USD(1_000), idempotencyKey: `ahead-${id}`, reference: '', effectiveDate: ahead },
        md(),
      ),
    ).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/^effective_date/) });
    await expect(
      client.postPayment(
        { accountId: id, amount: USD(1_000), idempotencyKey: `bad-${id}`, reference: '', effectiveDate: '2026-02-30' },
        md(),
      ),
    ).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/effective_date/) });
    expect(await asOf('')).toEqual(USD(29_000));
  });

  it('refuses bad input with a clear error and changes nothing', async () => {
    const id = await newAccount(10_000);
    const cases: [string, Promise<unknown>, number][] = [
      [
        'unknown currency',
        client.postPayment(
          {
            accountId: id,
            amount: { amountMinor: 100, currency: 'XYZ' },
            idempotencyKey: 'bad-1',
            reference: '',
            effectiveDate: '',
          },
          md(),
        ),
        status.INVALID_ARGUMENT,
      ],
      [
        'currency mismatch',
        client.postPayment(
          {
            accountId: id,
            amount: { amountMinor: 100, currency: 'EUR' },
            idempotencyKey: 'bad-2',
            reference: '',
            effectiveDate: '',
          },
          md(),
        ),
        status.INVALID_ARGUMENT,
      ],
      [
        'zero payment',
        client.postPayment(
          { accountId: id, amount: USD(0), idempotencyKey: 'bad-3', reference: '', effectiveDate: '' },
          md(),
        ),
        status.INVALID_ARGUMENT,
      ],
      [
        'negative payment',
        client.postPayment(
          { accountId: id, amount: USD(-5), idempotencyKey: 'bad-4', reference: '', effectiveDate: '' },
          md(),
        ),
        status.INVALID_ARGUMENT,
      ],
      [
        'no idempotency key',
        client.postPayment(
          { accountId: id, amount: USD(5), idempotencyKey: '', reference: '', effectiveDate: '' },
          md(),
        ),
        status.INVALID_ARGUMENT,
      ],
      [
        'unknown account',
        client.postPayment(
          { accountId: 'nope', amount: USD(5), idempotencyKey: 'bad-5', reference: '', effectiveDate: '' },
          md(),
        ),
        status.NOT_FOUND,
      ],
      [
        'duplicate external reference',
        client.openAccount(
          ledger.OpenAccountRequest.fromPartial({
            accountId: 'other',
            externalRef: `crm-${id}`,
            product: 1,
            currency: 'USD',
            openedOn: '2026-01-01',
            debtors: [{ debtorId: `d-${id}`, role: 1 }],
          }),
          md(),
        ),
        status.ABORTED,
      ],
      [
        'bad phone',
        client.upsertDebtor(
          {
            debtor: ledger.Debtor.fromPartial({
              debtorId: 'x',
              kind: 'person',
              displayName: 'X',
              country: 'CO',
              contactPoints: [{ type: 'phone', value: '300 123', consentedChannels: [] }],
            }),
          },
          md(),
        ),
        status.INVALID_ARGUMENT,
      ],
      [
        'another tenant',
        client.getBalance({ accountId: id, asOfDate: '' }, metadataFromPrincipalHeaders({ apiKey: sut.otherApiKey })),
        status.NOT_FOUND,
      ],
      ['no credentials', client.getBalance({ accountId: id, asOfDate: '' }, new Metadata()), status.UNAUTHENTICATED],
    ];
    for (const [name, call, expected] of cases)
      expect({ name, code: await codeOf(call) }).toEqual({ name, code: expected });
    expect((await client.getBalance({ accountId: id, asOfDate: '' }, md())).balance).toEqual(USD(10_000));
    const [{ n: entries }] = await sut.dataSource.query(
      `SELECT count(*)::int AS n FROM ledger.journal_entry WHERE account_id = $1`,
      [id],
    );
    expect(entries).toBe(1);
  });

  it('stores the national id encrypted', async () => {
    const id = await newAccount(1);
    const [row] = await sut.dataSource.query(`SELECT national_id_enc FROM ledger.debtor WHERE id = $1`, [`d-${id}`]);
    expect(row.national_id_enc).toBeInstanceOf(Buffer);
    expect(row.national_id_enc.toString('latin1')).not.toContain('1020304050');
  });

  it('exports everything held on a debtor, and erasure removes the personal data while the books stay whole', async () => {
    const id = await newAccount(40_000);
    await client.upsertDebtor(
      {
        debtor: ledger.Debtor.fromPartial({
          debtorId: `d-${id}`,
          kind: 'person',
          displayName: 'Ana Pérez',
          country: 'CO',
          timeZone: 'America/Bogota',
          nationalId: '1020304050',
          contactPoints: [{ type: 'email', value: 'ana@example.co', verified: true, consentedChannels: ['email'] }],
        }),
      },
      md(),
    );
    await client.postPayment(
      { accountId: id, amount: USD(5_000), idempotencyKey: `pay-${id}`, reference: '', effectiveDate: '' },
      md(),
    );
    const disputed = await client.setHold(
      {
        debtorId: `d-${id}`,
        kind: ledger.HoldKind.HOLD_KIND_DISPUTE,
        source: 'debtor',
        startsOn: '2026-02-20',
        endsOn: '',
        idempotencyKey: `export-hold-${id}`,
        bankruptcyChapter: ledger.BankruptcyChapter.BANKRUPTCY_CHAPTER_UNSPECIFIED,
      },
      md(),
    );
    await client.liftHold({ holdId: disputed.holdId, reason: 'dispute resolved' }, md());
    const exported = await client.exportDebtor({ debtorId: `d-${id}` }, md());
    expect(exported.holds).toEqual([
      {
        holdId: disputed.holdId,
        kind: ledger.HoldKind.HOLD_KIND_DISPUTE,
        source: 'debtor',
        startsOn: '2026-02-20',
        endsOn: '',
        setAt: expect.any(Date),
        liftedAt: expect.any(Date),
        liftReason: 'dispute resolved',
        bankruptcyChapter: ledger.BankruptcyChapter.BANKRUPTCY_CHAPTER_UNSPECIFIED,
      },
    ]);
    expect(exported.debtor).toMatchObject({
      displayName: 'Ana Pérez',
      nationalId: '1020304050',
      contactPoints: [{ value: 'ana@example.co' }],
    });
    expect(exported.accountIds).toEqual([id]);
    expect(exported.entries.map((e) => e.amount)).toEqual([USD(40_000), USD(5_000)]);

    expect(await codeOf(client.eraseDebtor({ debtorId: `d-${id}`, reason: '' }, md()))).toBe(status.INVALID_ARGUMENT);
    await client.eraseDebtor({ debtorId: `d-${id}`, reason: 'data-subject request 42' }, md());
    const after = await client.exportDebtor({ debtorId: `d-${id}` }, md());
    expect(after.erased).toBe(true);
    expect(JSON.stringify(after)).not.toMatch(/Ana|1020304050|ana@example/);
    expect(after.entries).toEqual(exported.entries);
    expect((await client.getBalance({ accountId: id, asOfDate: '' }, md())).balance).toEqual(USD(35_000));
    // Consumers are told it was an erasure (they erase their own copies); the reason is kept for the audit.
    const told = (await publishedEvents(sut, 'ledger', 'collections.ledger.v1.DebtorUpserted')).filter(
      (e) => e.debtorId === `d-${id}`,
    );
    expect(told[told.length - 1]).toMatchObject({ erased: true, timeZone: '', country: '' });
    expect(told.slice(0, -1).every((e) => !e.erased)).toBe(true);
    // Stored encrypted, as every caller's free text (migration 1763900016700).
    const [{ erasure_reason_enc }] = (await sut.dataSource.query(
      `SELECT erasure_reason_enc FROM ledger.debtor WHERE id = $1`,
      [`d-${id}`],
    )) as { erasure_reason_enc: Buffer }[];
    expect(configuredPiiCipher().decrypt(erasure_reason_enc)).toBe('data-subject request 42');
  });

  it('sets and lifts holds and records consent, publishing each change', async () => {
    const id = await newAccount(1_000);
    const debtorId = `d-${id}`;
    await client.upsertDebtor(
      {
        debtor: ledger.Debtor.fromPartial({
          debtorId,
          kind: 'person',
          displayName: 'Ana Pérez',
          country: 'CO',
          timeZone: 'America/Bogota',
          contactPoints: [{ type: 'phone', value: '+573001234567', verified: true, consentedChannels: ['call'] }],
        }),
      },
      md(),
    );
    const hold = {
      debtorId,
      kind: ledger.HoldKind.HOLD_KIND_DISPUTE,
      source: 'debtor',
      startsOn: '2026-03-01',
      endsOn: '',
      idempotencyKey: `hold-${id}`,
      bankruptcyChapter: ledger.BankruptcyChapter.BANKRUPTCY_CHAPTER_UNSPECIFIED,
    };
    const first = await client.setHold(hold, md());
    expect(await client.setHold(hold, md())).toEqual({ holdId: first.holdId, replayed: true });
    expect(await codeOf(client.setHold({ ...hold, kind: 0, idempotencyKey: 'other' }, md()))).toBe(
      status.INVALID_ARGUMENT,
    );
    expect(await client.liftHold({ holdId: first.holdId, reason: 'dispute resolved' }, md())).toEqual({ lifted: true });
    expect(await client.liftHold({ holdId: first.holdId, reason: 'again' }, md())).toEqual({ lifted: false });

    expect(await client.recordConsent({ debtorId, channel: 'sms', granted: true, source: 'web form' }, md())).toEqual({
      consentedChannels: ['call', 'sms'],
    });
    expect(
      await client.recordConsent({ debtorId, channel: 'call', granted: false, source: 'phone request' }, md()),
    ).toEqual({ consentedChannels: ['sms'] });
    expect(await codeOf(client.recordConsent({ debtorId, channel: 'email', granted: true, source: 'x' }, md()))).toBe(
      status.INVALID_ARGUMENT,
    );
    expect(
      await codeOf(client.recordConsent({ debtorId: 'nobody', channel: 'sms', granted: true, source: 'x' }, md())),
    ).toBe(status.NOT_FOUND);

    const events = (
      await sut.dataSource.query(`SELECT headers->>'ce_type' AS type FROM ledger.outbox WHERE key = $1 ORDER BY id`, [
        debtorId,
      ])
    ).map((r: { type: string }) => r.type.replace('collections.ledger.v1.', ''));
    expect(events.filter((t: string) => t !== 'DebtorUpserted')).toEqual([
      'HoldChanged',
      'HoldChanged',
      'ConsentChanged',
      'ConsentChanged',
    ]);
  });
});
