import { ServiceError, status } from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { promises } from '@collections/contracts';
import { API_KEY_HEADER } from '@collections/platform';
import { PromisesOnLedger, startPromisesOnLedger } from './support/with-ledger';

const USD = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
const { PlanFrequency, PlanChannel, TakenBy } = promises;

/** Bad input at the promises service's REST and gRPC edges: INVALID_ARGUMENT naming the field, never INTERNAL. */
describe('promises refuses bad input (REST and gRPC, real ledger, real PostgreSQL)', () => {
  let env: PromisesOnLedger;
  let n = 0;

  beforeAll(async () => {
    env = await startPromisesOnLedger(); // today is 2026-03-02 (UTC)
  });
  afterAll(() => env.close());

  async function newAccount(): Promise<string> {
    const id = `bad-input-${++n}-${randomUUID().slice(0, 6)}`;
    await env.openLedgerAccount(id, {
      amountMinor: 100_000,
      currency: 'USD',
      timeZone: 'UTC',
      openedOn: '2026-01-01',
      chargedOn: '2026-01-05',
    });
    return id;
  }

  const errorOf = (p: Promise<unknown>) =>
    p.then(
      () => ({ code: status.OK, details: '' }),
      (err: ServiceError) => ({ code: err.code, details: err.details }),
    );

  const count = async (table: string, accountId: string) =>
    Number(
      (
        await env.sut.dataSource.query(`SELECT count(*)::int AS n FROM promises.${table} WHERE account_id = $1`, [
          accountId,
        ])
      )[0].n,
    );

  const plan = (accountId: string, over: Partial<promises.CreatePlanRequest> = {}): promises.CreatePlanRequest => ({
    accountId,
    total: USD(90_000),
    downPayment: USD(9_000),
    instalments: 3,
    frequency: PlanFrequency.PLAN_FREQUENCY_MONTHLY,
    firstDate: '2026-03-10',
    channel: PlanChannel.PLAN_CHANNEL_CALL,
    takenBy: TakenBy.TAKEN_BY_AGENT,
    agentId: 'agent-7',
    idempotencyKey: `plan-${randomUUID()}`,
    ...over,
  });

  const settlement = (
    accountId: string,
    over: Partial<promises.CreateSettlementRequest> = {},
  ): promises.CreateSettlementRequest => ({
    accountId,
    amount: USD(90_000),
    dueDate: '2026-03-31',
    channel: PlanChannel.PLAN_CHANNEL_CALL,
    takenBy: TakenBy.TAKEN_BY_AGENT,
    agentId: 'agent-7',
    idempotencyKey: `settle-${randomUUID()}`,
    ...over,
  });

  it('refuses due dates that are not on the calendar (Apr 31, Feb 29 of a common year) naming the field, and stores nothing', async () => {
    const accountId = await newAccount();
    const { client, md } = env;
    const cases: [string, Promise<unknown>, RegExp][] = [
      [
        'plan first_date 2026-04-31',
        client.createPlan(plan(accountId, { firstDate: '2026-04-31' }), md()),
        /first_date/,
      ],
      [
        'plan first_date 2027-02-29',
        client.createPlan(plan(accountId, { firstDate: '2027-02-29', downPayment: undefined }), md()),
        /first_date/,
      ],
      [
        'promise due_date 2026-04-31',
        client.createPromise(
          { accountId, amount: USD(5_000), dueDate: '2026-04-31', idempotencyKey: `p-${accountId}` },
          md(),
        ),
        /due_date/,
      ],
      [
        'settlement due_date 2026-04-31',
        client.createSettlement(settlement(accountId, { dueDate: '2026-04-31' }), md()),
        /due_date/,
      ],
      [
        'offers first_date 2026-04-31',
        client.getOffers(
          {
            accountId,
            takenBy: TakenBy.TAKEN_BY_AGENT,
            frequency: PlanFrequency.PLAN_FREQUENCY_MONTHLY,
            firstDate: '2026-04-31',
          },
          md(),
        ),
        /first_date/,
      ],
      ['daily run as_of_date 2026-02-30', client.runDaily({ asOfDate: '2026-02-30' }, md()), /as_of_date/],
      ['daily run as_of_date 2026-13-45', client.runDaily({ asOfDate: '2026-13-45' }, md()), /as_of_date/],
    ];
    for (const [name, call, field] of cases) {
      expect({ name, ...(await errorOf(call)) }).toEqual({
        name,
        code: status.INVALID_ARGUMENT,
        details: expect.stringMatching(field),
      });
    }
    expect([
      await count('payment_plan', accountId),
      await count('promise', accountId),
      await count('settlement', accountId),
    ]).toEqual([0, 0, 0]);
  });

  it('refuses a plan whose schedule would run past the last representable date, instead of failing inside', async () => {
    const accountId = await newAccount();
    expect(await errorOf(env.client.createPlan(plan(accountId, { firstDate: '9999-12-31' }), env.md()))).toEqual({
      code: status.INVALID_ARGUMENT,
      details: expect.stringMatching(/first_date/),
    });
    expect(await count('payment_plan', accountId)).toBe(0);
  });

  it('refuses channels it does not know (a name over REST, a number over gRPC) instead of storing them', async () => {
    const accountId = await newAccount();
    const headers = { [API_KEY_HEADER]: env.sut.apiKey, 'content-type': 'application/json' };
    const overRest = await fetch(`${env.sut.app.httpUrl}/v1/promises/plans`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        ...(promises.CreatePlanRequest.toJSON(plan(accountId)) as object),
        channel: 'PLAN_CHANNEL_FAX',
      }),
    });
    expect({ status: overRest.status, body: await overRest.json() }).toEqual({
      status: 400,
      body: expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/channel/) }),
    });
    for (const channel of [PlanChannel.PLAN_CHANNEL_UNSPECIFIED, 99]) {
      expect({
        channel,
        ...(await errorOf(env.client.createSettlement(settlement(accountId, { channel }), env.md()))),
      }).toEqual({
        channel,
        code: status.INVALID_ARGUMENT,
        details: expect.stringMatching(/channel/),
      });
    }
    expect([await count('payment_plan', accountId), await count('settlement', accountId)]).toEqual([0, 0]);
  });

  it('answers a negotiation policy version beyond any that can exist with 400, not 500', async () => {
    const res = await fetch(`${env.sut.app.httpUrl}/v1/promises/negotiation-policy?version=1e40`, {
      headers: { [API_KEY_HEADER]: env.sut.apiKey },
    });
    expect({ status: res.status, body: await res.json() }).toEqual({
      status: 400,
      body: expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/version/) }),
    });
  });
});
