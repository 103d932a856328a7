import { ServiceError, status } from '@grpc/grpc-js';
import { ledger } from '@collections/contracts';
import { API_KEY_HEADER } from '@collections/platform';
import { openFundedAccount } from './support/accounts';
import { LedgerApi, startLedgerApi } from './support/ledger-api';

const USD = (amountMinor: number) => ({ amountMinor, currency: 'USD' });

/** Bad input at the ledger's REST and gRPC edges: a 400 / INVALID_ARGUMENT naming the field (or a 404), never a 500. */
describe('ledger refuses bad input (REST and gRPC, real PostgreSQL)', () => {
  let api: LedgerApi;
  let n = 0;

  beforeAll(async () => {
    api = await startLedgerApi();
  });
  afterAll(async () => {
    await api?.close();
  });

  const newAccount = () =>
    openFundedAccount(api.client, api.md, { id: `bad-input-${++n}`, opening: 50_000, currency: 'USD' });

  async function rest(method: string, path: string, body?: unknown) {
    const res = await fetch(`${api.sut.app.httpUrl}${path}`, {
      method,
      headers: { [API_KEY_HEADER]: api.sut.apiKey, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as { code?: string; message?: string } };
  }

  const grpcError = (p: Promise<unknown>) =>
    p.then(
      () => ({ code: status.OK, details: '' }),
      (err: ServiceError) => ({ code: err.code, details: err.details }),
    );

  const rows = async (sql: string, params: unknown[]) =>
    Number((await api.sut.dataSource.query(sql, params))[0].n as number);

  it('refuses a date that is not on the calendar (Feb 30, Apr 31, year 0) with 400 naming the field', async () => {
    const id = await newAccount();
    const entriesBefore = await rows(`SELECT count(*)::int AS n FROM ledger.journal_entry WHERE account_id = $1`, [id]);
    const cases: [string, () => ReturnType<typeof rest>, RegExp][] = [
      [
        'charge effective_date 2026-02-30',
        () =>
          rest('POST', `/v1/ledger/accounts/${id}/charges`, {
            kind: 'ENTRY_KIND_FEE',
            amount: USD(100),
            idempotencyKey: `fee-${id}`,
            effectiveDate: '2026-02-30',
          }),
        /effective_date/,
      ],
      [
        'adjustment effective_date 2026-04-31',
        () =>
          rest('POST', `/v1/ledger/accounts/${id}/adjustments`, {
            kind: 'ENTRY_KIND_ADJUSTMENT',
            amount: USD(-100),
            idempotencyKey: `adj-${id}`,
            effectiveDate: '2026-04-31',
            reason: 'goodwill',
          }),
        /effective_date/,
      ],
      [
        'account opened_on 0000-01-01',
        () =>
          rest('POST', '/v1/ledger/accounts', {
            accountId: `${id}-b`,
            externalRef: `crm-${id}-b`,
            product: 'PRODUCT_CREDIT_CARD',
            currency: 'USD',
            openedOn: '0000-01-01',
            debtors: [{ debtorId: `d-${id}` }],
          }),
        /opened_on/,
      ],
      [
        'statement due_date 2026-02-30',
        () =>
          rest('POST', `/v1/ledger/accounts/${id}/statements`, {
            cycle: 1,
            statementDate: '2026-02-01',
            dueDate: '2026-02-30',
            amountDue: USD(1_000),
            minimumDue: USD(100),
          }),
        /due_date/,
      ],
      [
        'hold starts_on 2026-02-29 (2026 is not a leap year)',
        () =>
          rest('POST', `/v1/ledger/debtors/d-${id}/holds`, {
            kind: 'HOLD_KIND_DISPUTE',
            source: 'debtor',
            startsOn: '2026-02-29',
            idempotencyKey: `hold-${id}`,
          }),
        /starts_on/,
      ],
      [
        'balance as of 2026-02-30',
        () => rest('GET', `/v1/ledger/accounts/${id}/balance?asOf=2026-02-30`),
        /as_of_date/,
      ],
    ];
    for (const [name, call, field] of cases) {
      const answer = await call();
      expect({ name, status: answer.status, code: answer.body.code }).toEqual({
        name,
        status: 400,
        code: 'INVALID_ARGUMENT',
      });
      expect({ name, message: answer.body.message }).toEqual({ name, message: expect.stringMatching(field) });
    }
    expect(await rows(`SELECT count(*)::int AS n FROM ledger.journal_entry WHERE account_id = $1`, [id])).toBe(
      entriesBefore,
    );
    expect(await rows(`SELECT count(*)::int AS n FROM ledger.account WHERE id = $1`, [`${id}-b`])).toBe(0);
  });

  it('refuses over REST an amount that is neither a JSON number nor a decimal string (true, [7], "0x10"), posting nothing', async () => {
    const id = await newAccount();
    for (const amountMinor of [true, [700], '0x10', '', ' 5']) {
      const single = await rest('POST', `/v1/ledger/accounts/${id}/payments`, {
        amount: { amountMinor, currency: 'USD' },
        idempotencyKey: `pay-${JSON.stringify(amountMinor)}`,
      });
      expect({ amountMinor, status: single.status, message: single.body.message }).toEqual({
        amountMinor,
        status: 400,
        message: expect.stringMatching(/amountMinor/),
      });
    }
    const batch = await rest('POST', '/v1/ledger/payments/batch', {
      payments: [{ accountId: id, amount: { amountMinor: true, currency: 'USD' }, idempotencyKey: `batch-${id}` }],
    });
    expect({ status: batch.status, message: batch.body.message }).toEqual({
      status: 400,
      message: expect.stringMatching(/amountMinor/),
    });
    expect(
      await rows(`SELECT count(*)::int AS n FROM ledger.journal_entry WHERE account_id = $1 AND kind = 4`, [id]),
    ).toBe(0);
    // proto3 JSON's own forms of an int64 still work: a number, or a decimal string.
    const paid = await rest('POST', `/v1/ledger/accounts/${id}/payments`, {
      amount: { amountMinor: '1500', currency: 'USD' },
      idempotencyKey: `pay-string-${id}`,
    });
    expect(paid.status).toBe(201);
  });

  it('refuses over REST a string holding a NUL character with 400 naming the field, posting nothing', async () => {
    const id = await newAccount();
    const single = await rest('POST', `/v1/ledger/accounts/${id}/payments`, {
      amount: { amountMinor: 1500, currency: 'USD' },
      idempotencyKey: `pay-nul-${id}`,
      reference: 'PSE\u0000123',
    });
    expect({ status: single.status, message: single.body.message }).toEqual({
      status: 400,
      message: expect.stringMatching(/reference must not contain a NUL/),
    });
    const batch = await rest('POST', '/v1/ledger/payments/batch', {
      payments: [{ accountId: id, amount: { amountMinor: 1500, currency: 'USD' }, idempotencyKey: `nul\u0000${id}` }],
    });
    expect({ status: batch.status, message: batch.body.message }).toEqual({
      status: 400,
      message: expect.stringMatching(/idempotencyKey must not contain a NUL/),
    });
    expect(
      await rows(`SELECT count(*)::int AS n FROM ledger.journal_entry WHERE account_id = $1 AND kind = 4`, [id]),
    ).toBe(0);
  });

  it('refuses over REST a batch holding a null item with 400 naming the list, where the decoder failed with 500', async () => {
    const id = await newAccount();
    const batch = await rest('POST', '/v1/ledger/payments/batch', {
      payments: [{ accountId: id, amount: { amountMinor: 1500, currency: 'USD' }, idempotencyKey: `null-${id}` }, null],
    });
    expect({ status: batch.status, message: batch.body.message }).toEqual({
      status: 400,
      message: expect.stringMatching(/payments must not hold null items/),
    });
    expect(
      await rows(`SELECT count(*)::int AS n FROM ledger.journal_entry WHERE account_id = $1 AND kind = 4`, [id]),
    ).toBe(0);
  });

  it('answers a NUL character the body check cannot see (a gRPC string, a path parameter) with INVALID_ARGUMENT / 400, not INTERNAL', async () => {
    const id = await newAccount();
    expect(
      await grpcError(
        api.client.postPayment(
          { accountId: id, amount: USD(1_500), idempotencyKey: `grpc-nul-${id}`, reference: 'PSE\u0000123' },
          api.md(),
        ),
      ),
    ).toEqual({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/NUL character/) });
    expect(
      await rows(`SELECT count(*)::int AS n FROM ledger.journal_entry WHERE account_id = $1 AND kind = 4`, [id]),
    ).toBe(0);
    const byPath = await rest('GET', `/v1/ledger/accounts/${id}%00x/balance`);
    expect({ status: byPath.status, message: byPath.body.message }).toEqual({
      status: 400,
      message: expect.stringMatching(/NUL character/),
    });
  });

  it('answers a batch payment holding a NUL character on its own, posting the others of the batch', async () => {
    const id = await newAccount();
    const { results } = await api.client.postPayments(
      {
        payments: [
          { accountId: id, amount: USD(1_000), idempotencyKey: `batch-ok-1-${id}`, reference: 'PSE-1' },
          { accountId: id, amount: USD(1_500), idempotencyKey: `batch-nul-${id}`, reference: 'PSE\u00002' },
          { accountId: id, amount: USD(2_000), idempotencyKey: `batch-ok-2-${id}`, reference: 'PSE-3' },
        ],
      },
      api.md(),
    );
    expect(results.map((r) => (r.error ? r.error.code : r.posted && 'posted'))).toEqual([
      'posted',
      'INVALID_ARGUMENT',
      'posted',
    ]);
    expect(
      await rows(`SELECT count(*)::int AS n FROM ledger.journal_entry WHERE account_id = $1 AND kind = 4`, [id]),
    ).toBe(2);
  });

  it('answers a payment or hold id that is not a UUID (but looks like one) with NOT_FOUND, not INTERNAL', async () => {
    const notAUuid = '-'.repeat(36);
    expect(
      await grpcError(
        api.client.reversePayment({ paymentId: notAUuid, reason: 'nsf', idempotencyKey: 'rev-x' }, api.md()),
      ),
    ).toEqual({ code: status.NOT_FOUND, details: expect.stringContaining(notAUuid) });
    expect(await grpcError(api.client.liftHold({ holdId: notAUuid, reason: 'resolved' }, api.md()))).toEqual({
      code: status.NOT_FOUND,
      details: expect.stringContaining(notAUuid),
    });
  });

  it('refuses enum values it does not know, sent by name over REST, and stores nothing', async () => {
    const id = await newAccount();
    const account = (over: object) => ({
      accountId: `${id}-e`,
      externalRef: `crm-${id}-e`,
      product: 'PRODUCT_CREDIT_CARD',
      currency: 'USD',
      openedOn: '2026-01-01',
      debtors: [{ debtorId: `d-${id}` }],
      ...over,
    });
    const cases: [string, () => ReturnType<typeof rest>, RegExp][] = [
      ['product BOGUS', () => rest('POST', '/v1/ledger/accounts', account({ product: 'BOGUS' })), /product/],
      [
        'debtor role BOGUS',
        () => rest('POST', '/v1/ledger/accounts', account({ debtors: [{ debtorId: `d-${id}`, role: 'BOGUS' }] })),
        /role/,
      ],
      [
        'hold kind BOGUS',
        () =>
          rest('POST', `/v1/ledger/debtors/d-${id}/holds`, {
            kind: 'BOGUS',
            source: 'debtor',
            startsOn: '2026-03-01',
            idempotencyKey: `hold-${id}`,
          }),
        /kind/,
      ],
    ];
    for (const [name, call, field] of cases) {
      const answer = await call();
      expect({ name, status: answer.status, message: answer.body.message }).toEqual({
        name,
        status: 400,
        message: expect.stringMatching(field),
      });
    }
    expect(await rows(`SELECT count(*)::int AS n FROM ledger.account WHERE id = $1`, [`${id}-e`])).toBe(0);
    expect(await rows(`SELECT count(*)::int AS n FROM ledger.debtor_hold WHERE debtor_id = $1`, [`d-${id}`])).toBe(0);
  });

  it('refuses an account that lists the same debtor twice with INVALID_ARGUMENT, and opens nothing', async () => {
    const id = await newAccount();
    const answer = await grpcError(
      api.client.openAccount(
        ledger.OpenAccountRequest.fromPartial({
          accountId: `${id}-twice`,
          externalRef: `crm-${id}-twice`,
          product: ledger.Product.PRODUCT_PERSONAL_LOAN,
          currency: 'USD',
          openedOn: '2026-01-01',
          debtors: [
            { debtorId: `d-${id}`, role: ledger.DebtorRole.DEBTOR_ROLE_PRIMARY },
            { debtorId: `d-${id}`, role: ledger.DebtorRole.DEBTOR_ROLE_GUARANTOR },
          ],
        }),
        api.md(),
      ),
    );
    expect(answer).toEqual({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/debtors\[1\]/) });
    expect(await rows(`SELECT count(*)::int AS n FROM ledger.account WHERE id = $1`, [`${id}-twice`])).toBe(0);
  });

  it('refuses a statement cycle beyond what a cycle number can be with 400 naming it', async () => {
    const id = await newAccount();
    const answer = await rest('POST', `/v1/ledger/accounts/${id}/statements`, {
      cycle: 99_999_999_999,
      statementDate: '2026-02-01',
      dueDate: '2026-02-20',
      amountDue: USD(50_000),
      minimumDue: USD(5_000),
    });
    expect(answer).toEqual({ status: 400, body: expect.objectContaining({ message: expect.stringMatching(/cycle/) }) });
    expect(await rows(`SELECT count(*)::int AS n FROM ledger.statement WHERE account_id = $1`, [id])).toBe(0);
  });
});
