import { ServiceError, status } from '@grpc/grpc-js';
import { EventType, decodePayload, ledger, reconciliation } from '@collections/contracts';
import { API_KEY_HEADER, grpcClient } from '@collections/platform';
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
          {
            accountId: id,
            amount: USD(1_500),
            idempotencyKey: `grpc-nul-${id}`,
            reference: 'PSE\u0000123',
            effectiveDate: '',
          },
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
          {
            accountId: id,
            amount: USD(1_000),
            idempotencyKey: `batch-ok-1-${id}`,
            reference: 'PSE-1',
            effectiveDate: '',
          },
          {
            accountId: id,
            amount: USD(1_500),
            idempotencyKey: `batch-nul-${id}`,
            reference: 'PSE\u00002',
            effectiveDate: '',
          },
          {
            accountId: id,
            amount: USD(2_000),
            idempotencyKey: `batch-ok-2-${id}`,
            reference: 'PSE-3',
            effectiveDate: '',
          },
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
  // The clock of the service under test: 2026-03-02T15:00:00Z, 10:00 in Bogotá (the accounts' zone).
  const TODAY = '2026-03-02';
  const TOMORROW = '2026-03-03';

  it('refuses a charge or adjustment dated after tomorrow in the account zone, so a charge-off writes off only what is owed', async () => {
    const id = await newAccount(); // 500.00 charged on 2026-01-05
    const charge = (key: string, effectiveDate: string, amountMinor = 1_000_000) =>
      rest('POST', `/v1/ledger/accounts/${id}/charges`, {
        kind: 'ENTRY_KIND_CHARGE',
        amount: USD(amountMinor),
        idempotencyKey: `${key}-${id}`,
        effectiveDate,
      });
    const farFuture = await charge('far', '9999-12-31');
    expect({ status: farFuture.status, code: farFuture.body.code, message: farFuture.body.message }).toEqual({
      status: 400,
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/^effective_date 9999-12-31 is too far in the future: at the latest 2026-03-03/),
    });
    expect(
      await grpcError(
        api.client.postCharge(
          {
            accountId: id,
            kind: ledger.EntryKind.ENTRY_KIND_INTEREST,
            amount: USD(1_000_000),
            idempotencyKey: `grpc-far-${id}`,
            effectiveDate: '2026-03-04',
            memo: '',
          },
          api.md(),
        ),
      ),
    ).toEqual({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/effective_date/) });
    expect(
      await grpcError(
        api.client.postAdjustment(
          {
            accountId: id,
            kind: ledger.EntryKind.ENTRY_KIND_ADJUSTMENT,
            amount: USD(1_000_000),
            idempotencyKey: `adj-far-${id}`,
            reason: 'rebill',
            effectiveDate: '2027-01-01',
          },
          api.md(),
        ),
      ),
    ).toEqual({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/effective_date/) });

    // Today, tomorrow (a caller a few zones east) and any past date since the account opened still post.
    expect((await charge('today', TODAY, 100)).status).toBe(201);
    expect((await charge('tomorrow', TOMORROW, 200)).status).toBe(201);
    expect((await charge('historic', '2026-01-01', 300)).status).toBe(201);
    expect(
      await rows(`SELECT count(*)::int AS n FROM ledger.journal_entry WHERE account_id = $1 AND effective_date > $2`, [
        id,
        TOMORROW,
      ]),
    ).toBe(0);

    const chargedOff = await rest('POST', `/v1/ledger/accounts/${id}/charge-off`, {
      idempotencyKey: `co-${id}`,
      reason: 'uncollectable',
    });
    expect(chargedOff.status).toBe(201);
    const [writeOff] = (await api.sut.dataSource.query(
      `SELECT amount_minor::bigint AS amount FROM ledger.journal_entry WHERE account_id = $1 AND kind = $2`,
      [id, ledger.EntryKind.ENTRY_KIND_WRITE_OFF],
    )) as { amount: string }[];
    expect(Number(writeOff.amount)).toBe(50_000 + 100 + 200 + 300);
  });

  it('refuses a statement dated after tomorrow, or due more than a year ahead, naming the field', async () => {
    const id = await newAccount();
    const statement = (cycle: number, statementDate: string, dueDate: string) =>
      rest('POST', `/v1/ledger/accounts/${id}/statements`, {
        cycle,
        statementDate,
        dueDate,
        amountDue: USD(50_000),
        minimumDue: USD(5_000),
      });
    const cases: [string, () => ReturnType<typeof rest>, RegExp][] = [
      ['statement_date next week', () => statement(1, '2026-03-09', '2026-03-25'), /^statement_date 2026-03-09/],
      ['due_date 9999-12-31', () => statement(1, TODAY, '9999-12-31'), /^due_date 9999-12-31 .* 2027-03-03/],
      ['due_date a year and two days ahead', () => statement(1, TODAY, '2027-03-04'), /^due_date 2027-03-04/],
    ];
    for (const [name, call, message] of cases) {
      const answer = await call();
      expect({ name, status: answer.status, code: answer.body.code, message: answer.body.message }).toEqual({
        name,
        status: 400,
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(message),
      });
    }
    expect(await rows(`SELECT count(*)::int AS n FROM ledger.statement WHERE account_id = $1`, [id])).toBe(0);
    // Dated tomorrow at the latest, due a year (366 days) ahead at the latest: issued.
    expect(await statement(1, TOMORROW, '2027-03-03')).toEqual({ status: 201, body: { created: true } });
    expect(await statement(2, '2025-12-31', '2026-01-20')).toEqual({ status: 201, body: { created: true } });
  });

  it('refuses an account opened on 9999-12-31 or before 1900 with INVALID_ARGUMENT / 400 naming opened_on, leaving no rows', async () => {
    const id = await newAccount(); // its debtor d-<id> exists: only the account could be left behind
    const accountId = `${id}-o`;
    const open = (openedOn: string, account = accountId) =>
      ledger.OpenAccountRequest.fromPartial({
        accountId: account,
        externalRef: `crm-${account}`,
        product: ledger.Product.PRODUCT_CREDIT_CARD,
        currency: 'USD',
        openedOn,
        timeZone: 'America/Bogota',
        debtors: [{ debtorId: `d-${id}`, role: ledger.DebtorRole.DEBTOR_ROLE_PRIMARY }],
      });
    expect(await grpcError(api.client.openAccount(open('9999-12-31'), api.md()))).toEqual({
      code: status.INVALID_ARGUMENT,
      details: `opened_on 9999-12-31 is too far in the future: at the latest ${TOMORROW} (1 day after today, ${TODAY}, in the account's time zone)`,
    });
    expect(await grpcError(api.client.openAccount(open('1899-12-31'), api.md()))).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'opened_on 1899-12-31 is too far in the past: at the earliest 1900-01-01',
    });
    const overRest = await rest('POST', '/v1/ledger/accounts', {
      ...open('0001-01-01'),
      product: 'PRODUCT_CREDIT_CARD',
      debtors: [{ debtorId: `d-${id}` }],
    });
    expect({ status: overRest.status, code: overRest.body.code, message: overRest.body.message }).toEqual({
      status: 400,
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/^opened_on 0001-01-01 is too far in the past/),
    });
    const left = async () => ({
      accounts: await rows(`SELECT count(*)::int AS n FROM ledger.account WHERE id = $1 OR external_ref = $2`, [
        accountId,
        `crm-${accountId}`,
      ]),
      links: await rows(`SELECT count(*)::int AS n FROM ledger.account_debtor WHERE account_id = $1`, [accountId]),
      events: await rows(`SELECT count(*)::int AS n FROM ledger.outbox WHERE key = $1`, [accountId]),
    });
    expect(await left()).toEqual({ accounts: 0, links: 0, events: 0 });
    // The bounds, tomorrow in the account's time zone (a caller a few zones east) and 1900-01-01: opened.
    expect(await api.client.openAccount(open(TOMORROW), api.md())).toEqual({ accountId, created: true });
    expect(await left()).toEqual({ accounts: 1, links: 1, events: 1 });
    expect(await api.client.openAccount(open('1900-01-01', `${id}-old`), api.md())).toEqual({
      accountId: `${id}-old`,
      created: true,
    });
  });

  it('refuses a charge or payment dated before the account opened, naming effective_date, posting nothing', async () => {
    const id = await newAccount(); // opened on 2026-01-01
    const journal = () => rows(`SELECT count(*)::int AS n FROM ledger.journal_entry WHERE account_id = $1`, [id]);
    const before = await journal();
    const early = /^effective_date 2025-12-31 is before the account's opening date \(opened_on 2026-01-01\)$/;
    const charge = await rest('POST', `/v1/ledger/accounts/${id}/charges`, {
      kind: 'ENTRY_KIND_FEE',
      amount: USD(100),
      idempotencyKey: `early-fee-${id}`,
      effectiveDate: '2025-12-31',
    });
    expect({ status: charge.status, code: charge.body.code, message: charge.body.message }).toEqual({
      status: 400,
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(early),
    });
    const payment = (key: string, effectiveDate: string) =>
      api.client.postPayment(
        { accountId: id, amount: USD(1_000), idempotencyKey: `${key}-${id}`, reference: 'PSE-1', effectiveDate },
        api.md(),
      );
    expect(await grpcError(payment('early-pay', '2025-12-31'))).toEqual({
      code: status.INVALID_ARGUMENT,
      details: expect.stringMatching(early),
    });
    expect(await journal()).toBe(before);
    // On the opening date itself: posted.
    const posted = await payment('opening-day-pay', '2026-01-01');
    expect(posted.balance).toEqual(USD(50_000 - 1_000));
    expect(await journal()).toBe(before + 1);
  });

  it('refuses a settlement discount or write-off of more than is owed (it would leave the account in credit), posting nothing', async () => {
    const id = await newAccount(); // 500.00 owed
    const journal = () => rows(`SELECT count(*)::int AS n FROM ledger.journal_entry WHERE account_id = $1`, [id]);
    const credit = (kind: ledger.EntryKind, amountMinor: number, key: string) =>
      api.client.postAdjustment(
        {
          accountId: id,
          kind,
          amount: USD(amountMinor),
          idempotencyKey: `${key}-${id}`,
          reason: '',
          effectiveDate: '',
        },
        api.md(),
      );
    const before = await journal();
    expect(await grpcError(credit(ledger.EntryKind.ENTRY_KIND_SETTLEMENT_DISCOUNT, 50_001, 'big-discount'))).toEqual({
      code: status.FAILED_PRECONDITION,
      details: `a settlement discount of 50001 minor units exceeds the 50000 owed on account ${id}`,
    });
    const overRest = await rest('POST', `/v1/ledger/accounts/${id}/adjustments`, {
      kind: 'ENTRY_KIND_WRITE_OFF',
      amount: USD(60_000),
      idempotencyKey: `big-write-off-${id}`,
    });
    expect({ status: overRest.status, code: overRest.body.code, message: overRest.body.message }).toEqual({
      status: 422,
      code: 'FAILED_PRECONDITION',
      message: `a write-off of 60000 minor units exceeds the 50000 owed on account ${id}`,
    });
    expect(await journal()).toBe(before);
    // What is owed, exactly: written off, and then nothing more is.
    const whole = await credit(ledger.EntryKind.ENTRY_KIND_WRITE_OFF, 50_000, 'whole-write-off');
    expect(whole.balance?.total).toEqual(USD(0));
    expect(await grpcError(credit(ledger.EntryKind.ENTRY_KIND_SETTLEMENT_DISCOUNT, 1, 'late-discount'))).toEqual({
      code: status.FAILED_PRECONDITION,
      details: `a settlement discount of 1 minor units exceeds the 0 owed on account ${id}`,
    });
    expect(await journal()).toBe(before + 1);
  });

  it('refuses a minimum due above the amount due (above zero on a credit statement), keeping credit statements', async () => {
    const id = await newAccount();
    const statement = (cycle: number, amountDue: number, minimumDue: number) =>
      api.client.issueStatement(
        {
          accountId: id,
          cycle,
          statementDate: '2026-02-01',
          dueDate: '2026-02-20',
          amountDue: USD(amountDue),
          minimumDue: USD(minimumDue),
        },
        api.md(),
      );
    expect(await grpcError(statement(1, 1_000, 1_001))).toEqual({
      code: status.INVALID_ARGUMENT,
      details: expect.stringMatching(/^minimum_due .*amount_due/),
    });
    expect(await grpcError(statement(1, -5_000, 100))).toEqual({
      code: status.INVALID_ARGUMENT,
      details: expect.stringMatching(/^minimum_due/),
    });
    expect(await grpcError(statement(1, 1_000, -1))).toEqual({
      code: status.INVALID_ARGUMENT,
      details: expect.stringMatching(/^minimum_due/),
    });
    const overRest = await rest('POST', `/v1/ledger/accounts/${id}/statements`, {
      cycle: 1,
      statementDate: '2026-02-01',
      dueDate: '2026-02-20',
      amountDue: USD(1_000),
      minimumDue: USD(2_000),
    });
    expect({ status: overRest.status, message: overRest.body.message }).toEqual({
      status: 400,
      message: expect.stringMatching(/^minimum_due/),
    });
    expect(await rows(`SELECT count(*)::int AS n FROM ledger.statement WHERE account_id = $1`, [id])).toBe(0);
    // A credit balance (a negative bill, as in the UCI data) with nothing to pay, and a minimum of the whole bill.
    expect(await statement(1, -5_000, 0)).toEqual({ created: true });
    expect(await statement(2, 1_000, 1_000)).toEqual({ created: true });
    expect(await statement(3, 0, 0)).toEqual({ created: true });
  });

  it('refuses a text longer than its limit with INVALID_ARGUMENT naming the field, storing none of them', async () => {
    const id = await newAccount();
    const long = (n: number) => 'x'.repeat(n);
    const journal = () => rows(`SELECT count(*)::int AS n FROM ledger.journal_entry WHERE account_id = $1`, [id]);
    const entriesBefore = await journal();
    const cases: [string, () => ReturnType<typeof rest>, string][] = [
      [
        'payment idempotency key of 129',
        () => rest('POST', `/v1/ledger/accounts/${id}/payments`, { amount: USD(100), idempotencyKey: long(129) }),
        'idempotency_key is longer than 128 characters',
      ],
      [
        'payment reference of 1 MB',
        () =>
          rest('POST', `/v1/ledger/accounts/${id}/payments`, {
            amount: USD(100),
            idempotencyKey: `ref-${id}`,
            reference: long(1 << 20),
          }),
        'reference is longer than 256 characters',
      ],
      [
        'charge memo of 1,001',
        () =>
          rest('POST', `/v1/ledger/accounts/${id}/charges`, {
            kind: 'ENTRY_KIND_FEE',
            amount: USD(100),
            idempotencyKey: `memo-${id}`,
            memo: long(1_001),
          }),
        'memo is longer than 1000 characters',
      ],
      [
        'adjustment reason of 1,001',
        () =>
          rest('POST', `/v1/ledger/accounts/${id}/adjustments`, {
            kind: 'ENTRY_KIND_ADJUSTMENT',
            amount: USD(-100),
            idempotencyKey: `reason-${id}`,
            reason: long(1_001),
          }),
        'reason is longer than 1000 characters',
      ],
      [
        'reversal idempotency key of 129',
        () =>
          rest('POST', `/v1/ledger/payments/00000000-0000-0000-0000-000000000000/reversal`, {
            reason: 'nsf',
            idempotencyKey: long(129),
          }),
        'idempotency_key is longer than 128 characters',
      ],
      [
        'debtor display name of 201',
        () => rest('PUT', `/v1/ledger/debtors/d-long-${id}`, { kind: 'person', displayName: long(201), country: 'CO' }),
        'debtor.display_name is longer than 200 characters',
      ],
      [
        'debtor national id of 65',
        () =>
          rest('PUT', `/v1/ledger/debtors/d-long-${id}`, {
            kind: 'person',
            displayName: 'Ana',
            country: 'CO',
            nationalId: long(65),
          }),
        'debtor.national_id is longer than 64 characters',
      ],
      [
        'debtor id of 201',
        () => rest('PUT', `/v1/ledger/debtors/${long(201)}`, { kind: 'person', displayName: 'Ana', country: 'CO' }),
        'debtor.debtor_id is longer than 200 characters',
      ],
      [
        'contact point of 501',
        () =>
          rest('PUT', `/v1/ledger/debtors/d-long-${id}`, {
            kind: 'person',
            displayName: 'Ana',
            country: 'CO',
            contactPoints: [{ type: 'address', value: long(501), consentedChannels: [] }],
          }),
        'contact_points[0].value is longer than 500 characters',
      ],
      [
        'account external ref of 257',
        () =>
          rest('POST', '/v1/ledger/accounts', {
            accountId: `${id}-long`,
            externalRef: long(257),
            product: 'PRODUCT_CREDIT_CARD',
            currency: 'USD',
            openedOn: '2026-01-01',
            debtors: [{ debtorId: `d-${id}` }],
          }),
        'external_ref is longer than 256 characters',
      ],
      [
        'hold source of 201',
        () =>
          rest('POST', `/v1/ledger/debtors/d-${id}/holds`, {
            kind: 'HOLD_KIND_DISPUTE',
            source: long(201),
            startsOn: '2026-03-01',
            idempotencyKey: `hold-${id}`,
          }),
        'source is longer than 200 characters',
      ],
      [
        'hold idempotency key of 129',
        () =>
          rest('POST', `/v1/ledger/debtors/d-${id}/holds`, {
            kind: 'HOLD_KIND_DISPUTE',
            source: 'debtor',
            startsOn: '2026-03-01',
            idempotencyKey: long(129),
          }),
        'idempotency_key is longer than 128 characters',
      ],
      [
        'consent source of 201',
        () =>
          rest('POST', `/v1/ledger/debtors/d-${id}/consents`, { channel: 'sms', granted: false, source: long(201) }),
        'source is longer than 200 characters',
      ],
      [
        'charge-off reason of 1,001',
        () => rest('POST', `/v1/ledger/accounts/${id}/charge-off`, { idempotencyKey: `co-${id}`, reason: long(1_001) }),
        'reason is longer than 1000 characters',
      ],
      [
        'settlement idempotency key of 129',
        () => rest('POST', `/v1/ledger/accounts/${id}/settlement`, { idempotencyKey: long(129), reason: 'agreed' }),
        'idempotency_key is longer than 128 characters',
      ],
      [
        'closure reason of 1,001',
        () => rest('POST', `/v1/ledger/accounts/${id}/closure`, { reason: long(1_001) }),
        'reason is longer than 1000 characters',
      ],
    ];
    for (const [name, call, message] of cases) {
      const answer = await call();
      expect({ name, status: answer.status, code: answer.body.code, message: answer.body.message }).toEqual({
        name,
        status: 400,
        code: 'INVALID_ARGUMENT',
        message,
      });
    }
    expect(await journal()).toBe(entriesBefore);
    expect(await rows(`SELECT count(*)::int AS n FROM ledger.debtor WHERE id LIKE $1`, [`d-long-%`])).toBe(0);
    expect(await rows(`SELECT count(*)::int AS n FROM ledger.debtor_hold WHERE debtor_id = $1`, [`d-${id}`])).toBe(0);
    expect(await rows(`SELECT count(*)::int AS n FROM ledger.account WHERE id = $1`, [`${id}-long`])).toBe(0);

    // Over gRPC too; in a batch, the long item alone is refused.
    expect(
      await grpcError(
        api.client.postPayment(
          { accountId: id, amount: USD(100), idempotencyKey: long(129), reference: '', effectiveDate: '' },
          api.md(),
        ),
      ),
    ).toEqual({ code: status.INVALID_ARGUMENT, details: 'idempotency_key is longer than 128 characters' });
    const { results } = await api.client.postPayments(
      {
        payments: [
          { accountId: id, amount: USD(100), idempotencyKey: `ok-1-${id}`, reference: '', effectiveDate: '' },
          {
            accountId: id,
            amount: USD(100),
            idempotencyKey: `long-ref-${id}`,
            reference: long(257),
            effectiveDate: '',
          },
          { accountId: id, amount: USD(100), idempotencyKey: long(129), reference: '', effectiveDate: '' },
          { accountId: id, amount: USD(100), idempotencyKey: `ok-2-${id}`, reference: long(256), effectiveDate: '' },
        ],
      },
      api.md(),
    );
    expect(results.map((r) => r.error ?? 'posted')).toEqual([
      'posted',
      { code: 'INVALID_ARGUMENT', message: 'reference is longer than 256 characters' },
      { code: 'INVALID_ARGUMENT', message: 'idempotency_key is longer than 128 characters' },
      'posted',
    ]);
    const recon = grpcClient(reconciliation.ReconciliationServiceService, api.sut.app.grpcAddress);
    try {
      const csv = 'booking_date,value_date,amount,currency,reference,counterparty_account,bank_reference\n';
      expect(
        await grpcError(
          recon.importStatement(
            {
              content: Buffer.from(csv),
              kind: reconciliation.StatementFileKind.STATEMENT_FILE_KIND_BANK_CSV,
              name: long(257),
            },
            api.md(),
          ),
        ),
      ).toEqual({ code: status.INVALID_ARGUMENT, details: 'name is longer than 256 characters' });
    } finally {
      recon.close();
    }

    // At the limit, counted in characters (an emoji is two UTF-16 units): posted.
    for (const key of [long(128), '😀'.repeat(128)]) {
      const paid = await rest('POST', `/v1/ledger/accounts/${id}/payments`, {
        amount: USD(100),
        idempotencyKey: key,
        reference: long(256),
      });
      expect({ key: key.slice(0, 4), status: paid.status }).toEqual({ key: key.slice(0, 4), status: 201 });
    }
    expect(await journal()).toBe(entriesBefore + 4);
  });

  it('stores and publishes a time zone in its canonical spelling, whatever its case, and refuses offsets', async () => {
    const debtorId = `d-tz-${++n}`;
    const accountId = `acct-tz-${n}`;
    const debtor = await rest('PUT', `/v1/ledger/debtors/${debtorId}`, {
      kind: 'person',
      displayName: 'Ana',
      country: 'CO',
      timeZone: 'america/bogota',
    });
    expect(debtor.status).toBe(200);
    const opened = await api.client.openAccount(
      ledger.OpenAccountRequest.fromPartial({
        accountId,
        externalRef: `crm-${accountId}`,
        product: ledger.Product.PRODUCT_CREDIT_CARD,
        currency: 'USD',
        openedOn: '2026-01-01',
        timeZone: 'AMERICA/BOGOTA',
        debtors: [{ debtorId, role: ledger.DebtorRole.DEBTOR_ROLE_PRIMARY }],
      }),
      api.md(),
    );
    expect(opened).toEqual({ accountId, created: true });
    const [stored] = (await api.sut.dataSource.query(
      `SELECT d.time_zone AS debtor, a.time_zone AS account FROM ledger.debtor d, ledger.account a WHERE d.id = $1 AND a.id = $2`,
      [debtorId, accountId],
    )) as { debtor: string; account: string }[];
    expect(stored).toEqual({ debtor: 'America/Bogota', account: 'America/Bogota' });
    const exported = await api.client.exportDebtor({ debtorId }, api.md());
    expect(exported.debtor?.timeZone).toBe('America/Bogota');
    const published = async <T extends EventType>(key: string, type: T) =>
      (
        (await api.sut.dataSource.query(
          `SELECT payload FROM ledger.outbox WHERE key = $1 AND headers->>'ce_type' = $2 ORDER BY id`,
          [key, type],
        )) as { payload: Buffer }[]
      ).map((r) => decodePayload(type, r.payload));
    expect((await published(debtorId, 'collections.ledger.v1.DebtorUpserted')).map((e) => e.timeZone)).toEqual([
      'America/Bogota',
    ]);
    expect((await published(accountId, 'collections.ledger.v1.AccountOpened')).map((e) => e.timeZone)).toEqual([
      'America/Bogota',
    ]);

    for (const timeZone of ['+05:00', 'America/Atlantis', 'x'.repeat(65)]) {
      const refused = await rest('PUT', `/v1/ledger/debtors/${debtorId}`, {
        kind: 'person',
        displayName: 'Ana',
        country: 'CO',
        timeZone,
      });
      expect({ timeZone: timeZone.slice(0, 10), status: refused.status, message: refused.body.message }).toEqual({
        timeZone: timeZone.slice(0, 10),
        status: 400,
        message: expect.stringMatching(/time_zone/),
      });
    }
  });
});
