import { Metadata, ServiceError, status } from '@grpc/grpc-js';
import { EventType, ledger, ledgerLifecycle } from '@collections/contracts';
import { API_KEY_HEADER, grpcClient, metadataFromPrincipalHeaders } from '@collections/platform';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { ledgerService } from '../src/ledger.service';
import { openFundedAccount } from './support/accounts';
import { outboxEventsOf } from './support/outbox';

const USD = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
const { ACCOUNT_STATUS_CURRENT, ACCOUNT_STATUS_CHARGED_OFF, ACCOUNT_STATUS_SETTLED } = ledger.AccountStatus;
const { ENTRY_KIND_PAYMENT, ENTRY_KIND_WRITE_OFF } = ledger.EntryKind;

describe('ChargeOffAccount keeping the balance owed: collected after the charge-off (real PostgreSQL)', () => {
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
  /** 3,000.00 owed since 5 January, in Bogotá. */
  const newAccount = () => openFundedAccount(client, md, { id: `keep-${++n}`, opening: 300_000 });
  const keep = (accountId: string, idempotencyKey = `keep-co-${accountId}`, meta = md) =>
    lifecycle.chargeOffAccount({ accountId, idempotencyKey, reason: 'uncollectable', keepBalanceOwed: true }, meta());
  const pay = (accountId: string, amountMinor: number, key: string) =>
    client.postPayment(
      { accountId, amount: USD(amountMinor), idempotencyKey: key, reference: '', effectiveDate: '' },
      md(),
    );
  const balanceOf = async (accountId: string) => (await client.getBalance({ accountId, asOfDate: '' }, md())).balance;
  const statusOf = async (accountId: string) => (await lifecycle.getAccountStatus({ accountId }, md())).status;
  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => ({ code: status.OK, details: '' }),
      (err: ServiceError) => ({ code: err.code, details: err.details }),
    );

  const eventsOf = <T extends EventType>(accountId: string, type: T) => outboxEventsOf(sut, accountId, type);
  /** What the ledger wrote for an account: its journal entries and outbox events, counted. */
  async function writtenFor(accountId: string) {
    const [row] = (await sut.dataSource.query(
      `SELECT (SELECT count(*)::int FROM ledger.journal_entry WHERE tenant_id = $1 AND account_id = $2) AS entries,
              (SELECT count(*)::int FROM ledger.outbox WHERE key = $2) AS events`,
      [sut.tenant, accountId],
    )) as { entries: number; events: number }[];
    return row;
  }
  /** How many commands hold an idempotency key: postings (entries) and kept charge-offs. */
  async function holdersOf(key: string) {
    const [row] = (await sut.dataSource.query(
      `SELECT (SELECT count(*)::int FROM ledger.journal_entry WHERE tenant_id = $1 AND idempotency_key = $2)
            + (SELECT count(*)::int FROM ledger.lifecycle_command WHERE tenant_id = $1 AND idempotency_key = $2) AS n`,
      [sut.tenant, key],
    )) as { n: number }[];
    return row.n;
  }
  async function chargedOffOn(accountId: string): Promise<string | null> {
    const [row] = (await sut.dataSource.query(
      `SELECT to_char(charged_off_on, 'YYYY-MM-DD') AS d FROM ledger.account WHERE tenant_id = $1 AND id = $2`,
      [sut.tenant, accountId],
    )) as { d: string | null }[];
    return row.d;
  }

  it('charges the account off with nothing written off: the balance stays owed, dated today in its time zone', async () => {
    at('2026-03-03T03:00:00Z'); // still 2 March in Bogotá
    const id = await newAccount();
    const answer = await keep(id);
    expect(answer).toMatchObject({ entryId: '', status: ACCOUNT_STATUS_CHARGED_OFF, replayed: false });
    expect(answer.balance?.total).toEqual(USD(300_000));

    expect(await statusOf(id)).toBe(ACCOUNT_STATUS_CHARGED_OFF);
    expect(await balanceOf(id)).toEqual(USD(300_000));
    expect(await chargedOffOn(id)).toBe('2026-03-02');
    expect(await eventsOf(id, 'collections.ledger.v1.AccountChargedOff')).toEqual([
      {
        accountId: id,
        entryId: '',
        amount: USD(0),
        balanceAfter: USD(300_000),
        previousStatus: ACCOUNT_STATUS_CURRENT,
        effectiveDate: '2026-03-02',
        // A person's free text: not on the event (free-texts-off-events.medium.spec.ts).
        reason: '',
        balanceKept: true,
      },
    ]);
    // No entry: the journal holds only the opening charge, and no balance moved.
    const history = await client.getAccountHistory({ accountId: id }, md());
    expect(history.entries.map((e) => e.kind)).not.toContain(ENTRY_KIND_WRITE_OFF);
    expect(await eventsOf(id, 'collections.ledger.v1.AdjustmentPosted')).toEqual([]);
  });

  it('answers a retry with the same key with the first answer, replayed, and announces the charge-off once', async () => {
    at('2026-03-02T15:00:00Z');
    const id = await newAccount();
    const first = await keep(id, `retry-${id}`);
    expect(first).toMatchObject({ entryId: '', balance: { total: USD(300_000) } });
    await pay(id, 10_000, `pay-${id}`);
    const again = await keep(id, `retry-${id}`);
    expect(again).toEqual({ ...first, replayed: true });
    expect(await eventsOf(id, 'collections.ledger.v1.AccountChargedOff')).toHaveLength(1);

    // The same key for another account, or a key a payment already used, is a conflict.
    const other = await newAccount();
    expect(await refusal(keep(other, `retry-${id}`))).toEqual({
      code: status.ABORTED,
      details: 'idempotency_key was already used for a different posting',
    });
    expect((await refusal(keep(other, `pay-${id}`))).code).toBe(status.ABORTED);
    // …and a whole-balance charge-off may not take a kept charge-off's key.
    const whole = lifecycle.chargeOffAccount({ accountId: other, idempotencyKey: `retry-${id}`, reason: '' }, md());
    expect((await refusal(whole)).code).toBe(status.ABORTED);
    expect(await statusOf(other)).toBe(ACCOUNT_STATUS_CURRENT);
    expect(await eventsOf(other, 'collections.ledger.v1.AccountChargedOff')).toEqual([]);
    // Another tenant does not see the account.
    expect((await refusal(keep(id, `retry-${id}`, mdOther))).code).toBe(status.NOT_FOUND);
  });

  it('answers two concurrent calls with the same key once: one charges off, the other replays it', async () => {
    at('2026-03-02T15:00:00Z');
    const id = await newAccount();
    const answers = await Promise.all([keep(id, `both-${id}`), keep(id, `both-${id}`)]);
    expect(answers.map((a) => a.replayed).sort()).toEqual([false, true]);
    expect(answers[0].balance).toEqual(answers[1].balance);
    expect(answers[0]).toMatchObject({ entryId: '', balance: { total: USD(300_000) } });
    expect(await eventsOf(id, 'collections.ledger.v1.AccountChargedOff')).toHaveLength(1);
  });

  it('refuses a payment, charge, adjustment or reversal that reuses a kept charge-off key, and writes nothing', async () => {
    at('2026-03-02T15:00:00Z');
    const kept = await newAccount();
    await keep(kept, `kept-${kept}`);
    const other = await newAccount();
    const paid = await pay(other, 10_000, `paid-${other}`);
    const before = { kept: await writtenFor(kept), other: await writtenFor(other) };
    const conflict = { code: status.ABORTED, details: 'idempotency_key was already used for a different posting' };

    const key = `kept-${kept}`;
    expect(await refusal(pay(kept, 10_000, key))).toEqual(conflict);
    expect(await refusal(pay(other, 10_000, key))).toEqual(conflict);
    const charge = { accountId: other, amount: USD(5_000), idempotencyKey: key, effectiveDate: '', memo: '' };
    expect(await refusal(client.postCharge({ ...charge, kind: ledger.EntryKind.ENTRY_KIND_FEE }, md()))).toEqual(
      conflict,
    );
    const adjustment = ledger.PostAdjustmentRequest.fromPartial({
      accountId: other,
      kind: ledger.EntryKind.ENTRY_KIND_ADJUSTMENT,
      amount: USD(-5_000),
      idempotencyKey: key,
      reason: 'goodwill',
    });
    expect(await refusal(client.postAdjustment(adjustment, md()))).toEqual(conflict);
    const reversal = { paymentId: paid.paymentId, idempotencyKey: key, reason: 'nsf' };
    expect(await refusal(client.reversePayment(reversal, md()))).toEqual(conflict);
    // Through the REST route too.
    const rest = await fetch(`${sut.app.httpUrl}/v1/ledger/accounts/${other}/payments`, {
      method: 'POST',
      headers: { [API_KEY_HEADER]: sut.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ amount: USD(10_000), idempotencyKey: key }),
    });
    expect(rest.status).toBe(409);

    expect({ kept: await writtenFor(kept), other: await writtenFor(other) }).toEqual(before);
    expect(await balanceOf(kept)).toEqual(USD(300_000));
    expect(await balanceOf(other)).toEqual(USD(290_000));
    expect(await statusOf(kept)).toBe(ACCOUNT_STATUS_CHARGED_OFF);
    // The charge-off itself is still answered, replayed.
    expect(await keep(kept, key)).toMatchObject({ replayed: true, balance: { total: USD(300_000) } });
  });

  it('refuses, in a batch of payments, the one that reuses a kept charge-off key, and posts the others', async () => {
    at('2026-03-02T15:00:00Z');
    const kept = await newAccount();
    await keep(kept, `kept-${kept}`);
    const other = await newAccount();
    const before = await writtenFor(kept);
    const payment = (accountId: string, idempotencyKey: string) =>
      ledger.PostPaymentRequest.fromPartial({ accountId, amount: USD(10_000), idempotencyKey });

    const { results } = await client.postPayments(
      { payments: [payment(other, `fine-${other}`), payment(kept, `kept-${kept}`), payment(other, `kept-${kept}`)] },
      md(),
    );
    expect(results.map((r) => r.error ?? { posted: r.posted?.balance })).toEqual([
      { posted: USD(290_000) },
      { code: 'CONFLICT', message: 'idempotency_key was already used for a different posting' },
      { code: 'CONFLICT', message: 'idempotency_key was already used for a different posting' },
    ]);
    expect(await writtenFor(kept)).toEqual(before);
    expect(await balanceOf(kept)).toEqual(USD(300_000));
    expect(await balanceOf(other)).toEqual(USD(290_000));
    expect(await holdersOf(`kept-${kept}`)).toBe(1);
  });

  it('announces the balance it answers, as of today: an entry dated tomorrow is not counted yet', async () => {
    at('2026-03-02T15:00:00Z');
    const id = await newAccount();
    await client.postPayment(
      {
        accountId: id,
        amount: USD(10_000),
        idempotencyKey: `tomorrow-${id}`,
        reference: '',
        effectiveDate: '2026-03-03',
      },
      md(),
    );
    const answer = await keep(id);
    expect(answer.balance?.total).toEqual(USD(300_000));
    expect(await eventsOf(id, 'collections.ledger.v1.AccountChargedOff')).toMatchObject([
      { balanceAfter: USD(300_000), balanceKept: true },
    ]);
  });

  it('refuses when nothing is owed, or the account is already charged off, settled or closed', async () => {
    at('2026-03-02T15:00:00Z');
    const paid = await newAccount();
    await pay(paid, 300_000, `payoff-${paid}`);
    expect(await refusal(keep(paid))).toEqual({
      code: status.FAILED_PRECONDITION,
      details: 'the account balance is zero: nothing is owed to keep after a charge-off',
    });

    const credit = await newAccount();
    await pay(credit, 310_000, `over-${credit}`);
    expect(await refusal(keep(credit))).toEqual({
      code: status.FAILED_PRECONDITION,
      details: 'nothing is owed to keep: the account has a credit balance: refund it instead',
    });

    const twice = await newAccount();
    await keep(twice);
    expect(await refusal(keep(twice, `again-${twice}`))).toEqual({
      code: status.FAILED_PRECONDITION,
      details: 'the account is already charged off',
    });

    const settled = await newAccount();
    await lifecycle.settleAccount({ accountId: settled, idempotencyKey: `settle-${settled}`, reason: '' }, md());
    expect(await refusal(keep(settled))).toEqual({
      code: status.FAILED_PRECONDITION,
      details: 'the account is settled',
    });

    await lifecycle.closeAccount({ accountId: paid, reason: 'paid' }, md());
    expect(await refusal(keep(paid, `closed-${paid}`))).toEqual({
      code: status.FAILED_PRECONDITION,
      details: 'the account is closed',
    });

    for (const id of [paid, credit, settled])
      expect(await eventsOf(id, 'collections.ledger.v1.AccountChargedOff')).toEqual([]);
    expect(await eventsOf(twice, 'collections.ledger.v1.AccountChargedOff')).toHaveLength(1);
  });

  it('takes payments after the charge-off: the balance goes down, the account stays charged off', async () => {
    at('2026-03-02T15:00:00Z');
    const id = await newAccount();
    // Through the REST route: the flag comes from the JSON body.
    const rest = await fetch(`${sut.app.httpUrl}/v1/ledger/accounts/${id}/charge-off`, {
      method: 'POST',
      headers: { [API_KEY_HEADER]: sut.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ idempotencyKey: `rest-${id}`, reason: 'agency placement', keepBalanceOwed: true }),
    });
    expect(rest.status).toBeLessThan(300);
    expect(await rest.json()).toMatchObject({ entryId: '', balance: { total: { amountMinor: 300_000 } } });

    at('2026-03-10T15:00:00Z');
    const payment = await pay(id, 40_000, `after-${id}`);
    expect(payment.balance).toEqual(USD(260_000));
    expect(await balanceOf(id)).toEqual(USD(260_000));
    expect(await statusOf(id)).toBe(ACCOUNT_STATUS_CHARGED_OFF);
  });

  it('itemizes from the charge-off date: the kept balance opens, the payments since are the activity', async () => {
    at('2026-03-02T15:00:00Z');
    const id = await newAccount();
    await keep(id);
    at('2026-03-12T15:00:00Z');
    await pay(id, 25_000, `after-${id}`);

    const answer = await client.getAccountActivity(
      { accountId: id, fromDate: '', from: [ledger.ActivityFrom.ACTIVITY_FROM_CHARGE_OFF] },
      md(),
    );
    expect(answer).toMatchObject({
      fromDate: '2026-03-02',
      fromReference: ledger.ActivityFrom.ACTIVITY_FROM_CHARGE_OFF,
      opening: { asOfDate: '2026-03-02', total: USD(300_000) },
      closing: { asOfDate: '2026-03-12', total: USD(275_000) },
    });
    expect(answer.entries.map((e) => [e.kind, e.amount?.amountMinor, e.effectiveDate])).toEqual([
      [ENTRY_KIND_PAYMENT, 25_000, '2026-03-12'],
    ]);
  });

  it('settles what is left later, or writes it off with a charge-off without the flag', async () => {
    at('2026-03-02T15:00:00Z');
    const settled = await newAccount();
    await keep(settled);
    at('2026-03-20T15:00:00Z');
    await pay(settled, 100_000, `part-${settled}`);
    const settlement = await lifecycle.settleAccount(
      { accountId: settled, idempotencyKey: `settle-${settled}`, reason: 'settled at 1,000.00' },
      md(),
    );
    expect(settlement).toMatchObject({ status: ACCOUNT_STATUS_SETTLED, replayed: false });
    expect(settlement.balance?.total).toEqual(USD(0));
    expect(await eventsOf(settled, 'collections.ledger.v1.AccountSettled')).toMatchObject([
      { discount: USD(200_000), previousStatus: ACCOUNT_STATUS_CHARGED_OFF, effectiveDate: '2026-03-20' },
    ]);
    expect(await chargedOffOn(settled)).toBe('2026-03-02');

    at('2026-03-02T15:00:00Z');
    const written = await newAccount();
    await keep(written);
    at('2026-03-20T15:00:00Z');
    await pay(written, 100_000, `part-${written}`);
    const writeOff = await lifecycle.chargeOffAccount(
      { accountId: written, idempotencyKey: `wo-${written}`, reason: 'agency returned it' },
      md(),
    );
    expect(writeOff).toMatchObject({ status: ACCOUNT_STATUS_CHARGED_OFF, replayed: false });
    expect(writeOff.entryId).not.toBe('');
    expect(await balanceOf(written)).toEqual(USD(0));
    expect(await eventsOf(written, 'collections.ledger.v1.AdjustmentPosted')).toMatchObject([
      { entryId: writeOff.entryId, kind: ENTRY_KIND_WRITE_OFF, amount: USD(200_000) },
    ]);
    // Charged off once, on 2 March: the write-off of what was left moves no status.
    expect(await eventsOf(written, 'collections.ledger.v1.AccountChargedOff')).toMatchObject([
      { balanceKept: true, effectiveDate: '2026-03-02' },
    ]);
    expect(await chargedOffOn(written)).toBe('2026-03-02');
  });
});
