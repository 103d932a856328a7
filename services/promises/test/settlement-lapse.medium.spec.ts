import { randomUUID } from 'node:crypto';
import { ledger, promises } from '@collections/contracts';
import { API_KEY_HEADER } from '@collections/platform';
import { ServiceUnderTest } from '@collections/testing';
import { deliver, published } from './support/events';
import { PromisesOnLedger, startPromisesOnLedger } from './support/with-ledger';

const USD = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
/** Bogotá is UTC-5 all year. */
const bogota = (date: string, hour: number) => new Date(Date.parse(`${date}T00:00:00Z`) + (hour + 5) * 3_600_000);

/**
 * A settlement due on Tuesday 10 March in Bogotá, with the default 3 grace days, takes payments
 * through Friday 13 March (the account's calendar). Unpaid by then, the daily run lapses it: what
 * it counted stays, later payments go to the account's plan, and its discount is never posted.
 */
describe('a settlement unpaid by its due date plus the grace days lapses (real ledger, real PostgreSQL)', () => {
  let env: PromisesOnLedger;
  let ledgerSut: ServiceUnderTest;
  let sut: ServiceUnderTest;

  beforeAll(async () => {
    env = await startPromisesOnLedger();
    ({ ledgerSut, sut } = env);
  });
  afterAll(() => env.close());

  const at = (instant: Date) => {
    sut.clock.set(instant);
    ledgerSut.clock.set(instant);
  };

  /** A Bogotá account owing 100,000 USD with a settlement of 75,000 due on `dueDate` (10 March), agreed on 2 March. */
  async function settlementDueOn10March(dueDate = '2026-03-10'): Promise<{ accountId: string; settlementId: string }> {
    at(bogota('2026-03-02', 10));
    const accountId = `lapse-${randomUUID().slice(0, 8)}`;
    await env.openLedgerAccount(accountId, {
      amountMinor: 100_000,
      currency: 'USD',
      timeZone: 'America/Bogota',
      openedOn: '2026-01-01',
      chargedOn: '2026-01-05',
    });
    // What the ledger announces when the account opens: its calendar for promises.
    await deliver(sut, 'collections.ledger.v1.AccountOpened', {
      accountId,
      externalRef: '',
      product: 0,
      currency: 'USD',
      creditLimitMinor: 0,
      openedOn: '2026-01-01',
      debtors: [],
      timeZone: 'America/Bogota',
    });
    const { settlement } = await env.client.createSettlement(
      {
        accountId,
        amount: USD(75_000),
        dueDate,
        channel: promises.PlanChannel.PLAN_CHANNEL_CALL,
        takenBy: promises.TakenBy.TAKEN_BY_AGENT,
        agentId: 'agent-1',
        idempotencyKey: `settle-${accountId}`,
      },
      env.md(),
    );
    return { accountId, settlementId: settlement!.settlementId };
  }

  /** The account's plan of 90,000 USD in three weekly instalments from 16 March. */
  const weeklyPlan = async (accountId: string) =>
    (
      await env.client.createPlan(
        {
          accountId,
          total: USD(90_000),
          downPayment: undefined,
          instalments: 3,
          frequency: promises.PlanFrequency.PLAN_FREQUENCY_WEEKLY,
          firstDate: '2026-03-16',
          channel: promises.PlanChannel.PLAN_CHANNEL_CALL,
          takenBy: promises.TakenBy.TAKEN_BY_AGENT,
          agentId: 'agent-1',
          idempotencyKey: `plan-${accountId}`,
        },
        env.md(),
      )
    ).plan!;

  /**
   * Pays in the ledger at `instant`, then hands its PaymentPosted to the promises consumer, with the
   * effective date a bank file gave it (none: as from a ledger before that field).
   */
  async function pay(
    accountId: string,
    amountMinor: number,
    instant: Date,
    eventId = randomUUID(),
    effectiveDate = '',
  ) {
    at(instant);
    const paid = await env.ledgerClient.postPayment(
      { accountId, amount: USD(amountMinor), idempotencyKey: `pay-${eventId}`, reference: '', effectiveDate: '' },
      env.ledgerMd(),
    );
    const event = {
      paymentId: paid.paymentId,
      accountId,
      amount: USD(amountMinor),
      balanceAfter: paid.balance,
      postedAt: instant,
      reference: '',
      effectiveDate,
    };
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', event, eventId);
    return { event, eventId };
  }

  const lapses = () => published(sut, 'collections.promises.v1.SettlementLapsed');
  /** Runs the daily job at `instant`; checks its lapsed count against the SettlementLapsed it announced. */
  const runDaily = async (instant: Date) => {
    at(instant);
    const before = (await lapses()).length;
    const answer = await env.client.runDaily({ asOfDate: '' }, env.md());
    expect(answer.settlementsLapsed).toBe((await lapses()).length - before);
  };
  const settlementOf = async (settlementId: string) =>
    (await env.client.getSettlement({ settlementId }, env.md())).settlement!;
  const discounts = async (accountId: string) =>
    (
      await ledgerSut.dataSource.query(
        `SELECT count(*)::int AS n FROM ledger.journal_entry WHERE account_id = $1 AND kind = $2`,
        [accountId, ledger.EntryKind.ENTRY_KIND_SETTLEMENT_DISCOUNT],
      )
    )[0].n as number;

  it('lapses at the daily run after the last grace day; a later payment posts no discount and goes to the plan', async () => {
    const { accountId, settlementId } = await settlementDueOn10March();
    const plan = await weeklyPlan(accountId);
    const planPaid = async () => (await env.client.getPlan({ planId: plan.planId }, env.md())).plan!.paid;
    // While open, the settlement takes the account's payments first.
    const partial = await pay(accountId, 10_000, bogota('2026-03-09', 12));
    expect(await settlementOf(settlementId)).toMatchObject({
      paid: USD(10_000),
      state: promises.SettlementState.SETTLEMENT_STATE_OPEN,
    });

    // 20:00 on the last grace day in Bogotá is already 14 March in UTC: still open.
    await runDaily(bogota('2026-03-13', 20));
    expect((await settlementOf(settlementId)).state).toBe(promises.SettlementState.SETTLEMENT_STATE_OPEN);

    await runDaily(bogota('2026-03-14', 1));
    expect(await settlementOf(settlementId)).toMatchObject({
      paid: USD(10_000),
      state: promises.SettlementState.SETTLEMENT_STATE_LAPSED,
      discountEntryId: '',
    });
    const rest = await fetch(`${sut.app.httpUrl}/v1/promises/settlements/${settlementId}`, {
      headers: { [API_KEY_HEADER]: sut.apiKey },
    });
    expect(rest.status).toBe(200);
    expect(((await rest.json()) as { settlement: { state: number } }).settlement.state).toBe(
      promises.SettlementState.SETTLEMENT_STATE_LAPSED,
    );
    await runDaily(bogota('2026-03-14', 2)); // a second run changes nothing
    expect(await settlementOf(settlementId)).toMatchObject({
      paid: USD(10_000),
      state: promises.SettlementState.SETTLEMENT_STATE_LAPSED,
    });
    expect((await lapses()).filter((e) => e.settlementId === settlementId)).toEqual([
      {
        settlementId,
        accountId,
        amount: USD(75_000),
        paid: USD(10_000),
        dueDate: '2026-03-10',
        lapsedAt: bogota('2026-03-14', 1),
      },
    ]);

    // The rest of the settlement's sum, paid late: the plan's, not the settlement's.
    const late = await pay(accountId, 65_000, bogota('2026-03-16', 9));
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', late.event, late.eventId); // redelivery
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', late.event); // same payment, new event id
    expect(await discounts(accountId)).toBe(0);
    expect(await settlementOf(settlementId)).toMatchObject({
      paid: USD(10_000),
      state: promises.SettlementState.SETTLEMENT_STATE_LAPSED,
      discountEntryId: '',
    });
    expect(await planPaid()).toEqual(USD(65_000));
    await runDaily(bogota('2026-03-17', 1));
    expect(await discounts(accountId)).toBe(0);
    expect((await settlementOf(settlementId)).state).toBe(promises.SettlementState.SETTLEMENT_STATE_LAPSED);

    // The partial payment bounces: it comes off the lapsed settlement, which stays lapsed; the plan keeps its own.
    const reversal = await env.ledgerClient.reversePayment(
      { paymentId: partial.event.paymentId, reason: 'nsf', idempotencyKey: `rev-${partial.eventId}` },
      env.ledgerMd(),
    );
    await deliver(sut, 'collections.ledger.v1.PaymentReversed', {
      entryId: reversal.entryId,
      paymentId: partial.event.paymentId,
      accountId,
      amount: USD(10_000),
      reason: 'nsf',
    });
    expect(await settlementOf(settlementId)).toMatchObject({
      paid: USD(0),
      state: promises.SettlementState.SETTLEMENT_STATE_LAPSED,
    });
    expect(await planPaid()).toEqual(USD(65_000));
    expect(await discounts(accountId)).toBe(0);
  });

  it('does not take a payment made after the last grace day before the daily run marked the settlement lapsed', async () => {
    const { accountId, settlementId } = await settlementDueOn10March();
    await env.client.createPromise(
      { accountId, amount: USD(75_000), dueDate: '2026-03-20', idempotencyKey: `p-${accountId}` },
      env.md(),
    );

    await pay(accountId, 75_000, bogota('2026-03-14', 0.5));

    expect(await discounts(accountId)).toBe(0);
    expect((await settlementOf(settlementId)).paid).toEqual(USD(0));
    const [{ state }] = await sut.dataSource.query(
      `SELECT state FROM promises.promise WHERE account_id = $1 AND idempotency_key = $2`,
      [accountId, `p-${accountId}`],
    );
    expect(state).toBe(promises.PromiseState.PROMISE_STATE_KEPT);
    await runDaily(bogota('2026-03-14', 1));
    expect((await settlementOf(settlementId)).state).toBe(promises.SettlementState.SETTLEMENT_STATE_LAPSED);
    expect(await discounts(accountId)).toBe(0);
  });

  it('completes a settlement paid in full on the last grace day, with one discount, though the daily run ran that day', async () => {
    const { accountId, settlementId } = await settlementDueOn10March();
    const dayEarlier = await settlementDueOn10March('2026-03-09');
    await runDaily(bogota('2026-03-13', 1));
    expect((await settlementOf(settlementId)).state).toBe(promises.SettlementState.SETTLEMENT_STATE_OPEN);
    // The same run lapsed the settlement whose grace days ended on the 12th.
    expect((await settlementOf(dayEarlier.settlementId)).state).toBe(promises.SettlementState.SETTLEMENT_STATE_LAPSED);

    // 20:00 in Bogotá on 13 March: 01:00 on the 14th in UTC, still the last grace day locally.
    const last = await pay(accountId, 75_000, bogota('2026-03-13', 20));
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', last.event); // same payment, new event id

    const paid = await settlementOf(settlementId);
    expect(paid).toMatchObject({ paid: USD(75_000), state: promises.SettlementState.SETTLEMENT_STATE_PAID });
    expect(paid.discountEntryId).not.toBe('');
    expect(await discounts(accountId)).toBe(1);
    await runDaily(bogota('2026-03-14', 1));
    expect((await settlementOf(settlementId)).state).toBe(promises.SettlementState.SETTLEMENT_STATE_PAID);
    expect(await discounts(accountId)).toBe(1);
  });

  it('counts payments made within the grace days but posted after the run lapsed it: the one that completes it posts the discount', async () => {
    const { accountId, settlementId } = await settlementDueOn10March();
    const plan = await weeklyPlan(accountId);
    await runDaily(bogota('2026-03-14', 1));
    expect((await settlementOf(settlementId)).state).toBe(promises.SettlementState.SETTLEMENT_STATE_LAPSED);

    // Paid at the bank on the last grace day in two parts; the file reaches the ledger on the 16th.
    await pay(accountId, 25_000, bogota('2026-03-16', 8), randomUUID(), '2026-03-13');
    expect(await settlementOf(settlementId)).toMatchObject({
      paid: USD(25_000),
      state: promises.SettlementState.SETTLEMENT_STATE_LAPSED,
    });
    const last = await pay(accountId, 50_000, bogota('2026-03-16', 8), randomUUID(), '2026-03-13');
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', last.event); // same payment, new event id

    const paid = await settlementOf(settlementId);
    expect(paid).toMatchObject({ paid: USD(75_000), state: promises.SettlementState.SETTLEMENT_STATE_PAID });
    expect(await discounts(accountId)).toBe(1);
    expect((await env.client.getPlan({ planId: plan.planId }, env.md())).plan!.paid).toEqual(USD(0));
    expect(
      (await published(sut, 'collections.promises.v1.SettlementPaid')).filter((e) => e.accountId === accountId),
    ).toEqual([
      expect.objectContaining({
        settlementId,
        paid: USD(75_000),
        paidOn: '2026-03-13',
        discountEntryId: paid.discountEntryId,
      }),
    ]);
    // A payment the bank dated after the grace days is not the settlement's, whenever it is posted.
    const other = await settlementDueOn10March();
    await runDaily(bogota('2026-03-14', 1));
    await pay(other.accountId, 75_000, bogota('2026-03-16', 8), randomUUID(), '2026-03-14');
    expect(await settlementOf(other.settlementId)).toMatchObject({
      paid: USD(0),
      state: promises.SettlementState.SETTLEMENT_STATE_LAPSED,
    });
    expect(await discounts(other.accountId)).toBe(0);
  });
});
