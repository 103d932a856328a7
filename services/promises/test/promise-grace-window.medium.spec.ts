import { randomUUID } from 'node:crypto';
import { promises } from '@collections/contracts';
import { ServiceUnderTest } from '@collections/testing';
import { deliver, published } from './support/events';
import { PromisesApi, startPromisesApi } from './support/promises-api';

const COP = (amountMinor: number) => ({ amountMinor, currency: 'COP' });
/** Bogotá is UTC-5 all year. */
const bogota = (date: string, hour: number) => new Date(Date.parse(`${date}T00:00:00Z`) + (hour + 5) * 3_600_000);

/**
 * A single promise is kept when paid in full by its due date plus the grace days (3 by default),
 * on the account's own calendar, as a plan's instalment is. A payment that comes later, before the
 * daily run got round to breaking the promise (the run was down, or the payment was consumed
 * first after the debtor's midnight), is a late payment: the promise is broken, not kept.
 */
describe('a single promise paid around the end of its grace days (real PostgreSQL, in-process events)', () => {
  let api: PromisesApi;
  let sut: ServiceUnderTest;
  let client: PromisesApi['client'];
  let md: PromisesApi['md'];

  beforeAll(async () => {
    api = await startPromisesApi(bogota('2026-03-02', 10));
    ({ sut, client, md } = api);
  });
  afterAll(() => api?.close());

  /** A Bogotá account's promise of 50,000 COP due on Tuesday 10 March (grace to Friday 13 March). */
  async function promiseDueOn10March(): Promise<{ accountId: string; promiseId: string }> {
    const accountId = `grace-${randomUUID().slice(0, 8)}`;
    sut.clock.set(bogota('2026-03-02', 10));
    await deliver(sut, 'collections.ledger.v1.AccountOpened', {
      accountId,
      externalRef: '',
      product: 0,
      currency: 'COP',
      creditLimitMinor: 0,
      openedOn: '2026-01-01',
      debtors: [],
      timeZone: 'America/Bogota',
    });
    const { promise } = await client.createPromise(
      { accountId, amount: COP(50_000_00), dueDate: '2026-03-10', idempotencyKey: `p-${accountId}` },
      md(),
    );
    return { accountId, promiseId: promise!.promiseId };
  }

  /** A payment posted at `postedAt`; `effectiveDate` empty as from a ledger before that field. */
  const pay = (accountId: string, postedAt: Date, effectiveDate = '') => {
    sut.clock.set(postedAt);
    return deliver(sut, 'collections.ledger.v1.PaymentPosted', {
      paymentId: randomUUID(),
      accountId,
      amount: COP(50_000_00),
      balanceAfter: COP(0),
      postedAt,
      reference: '',
      effectiveDate,
    });
  };
  const stateOf = async (promiseId: string) => (await client.getPromise({ promiseId }, md())).promise!.state;
  const kept = async (promiseId: string) =>
    (await published(sut, 'collections.promises.v1.PromiseKept')).filter((e) => e.promiseId === promiseId);
  const broken = async (promiseId: string) =>
    (await published(sut, 'collections.promises.v1.PromiseBroken')).filter((e) => e.promiseId === promiseId);

  it('keeps a promise paid at 20:00 on the last grace day in Bogotá (already the next day in UTC)', async () => {
    const { accountId, promiseId } = await promiseDueOn10March();

    await pay(accountId, bogota('2026-03-13', 20));

    expect(await stateOf(promiseId)).toBe(promises.PromiseState.PROMISE_STATE_KEPT);
    expect(await kept(promiseId)).toHaveLength(1);
  });

  it('breaks, and does not keep, a promise paid the day after its grace days ended, before the daily run', async () => {
    const { accountId, promiseId } = await promiseDueOn10March();

    await pay(accountId, bogota('2026-03-14', 0.5));
    sut.clock.set(bogota('2026-03-14', 1));
    await client.runDaily({ asOfDate: '' }, md());

    expect(await kept(promiseId)).toEqual([]);
    expect(await stateOf(promiseId)).toBe(promises.PromiseState.PROMISE_STATE_BROKEN);
    expect((await broken(promiseId)).map((e) => e.dueDate)).toEqual(['2026-03-10']);
  });

  it('keeps a promise paid on its last grace day that the bank file brought to the ledger two days later', async () => {
    const { accountId, promiseId } = await promiseDueOn10March();

    // Paid at the bank on Friday 13 March, posted from its file on Sunday 15 March.
    await pay(accountId, bogota('2026-03-15', 6), '2026-03-13');
    sut.clock.set(bogota('2026-03-15', 7));
    await client.runDaily({ asOfDate: '' }, md());

    expect(await stateOf(promiseId)).toBe(promises.PromiseState.PROMISE_STATE_KEPT);
    expect(await kept(promiseId)).toHaveLength(1);
    expect(await broken(promiseId)).toEqual([]);
  });

  it('does not keep a promise with a payment the ledger dates after the grace days, though posted on time', async () => {
    const { accountId, promiseId } = await promiseDueOn10March();

    await pay(accountId, bogota('2026-03-13', 23), '2026-03-14');
    sut.clock.set(bogota('2026-03-14', 1));
    await client.runDaily({ asOfDate: '' }, md());

    expect(await kept(promiseId)).toEqual([]);
    expect(await stateOf(promiseId)).toBe(promises.PromiseState.PROMISE_STATE_BROKEN);
  });
});
