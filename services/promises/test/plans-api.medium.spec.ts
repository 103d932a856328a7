import { Metadata, ServiceError, status } from '@grpc/grpc-js';
import { promises } from '@collections/contracts';
import { API_KEY_HEADER, grpcClient, metadataFromPrincipalHeaders } from '@collections/platform';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { promisesService } from '../src/promises.service';
import { published } from './support/events';

const USD = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
const { PlanFrequency, PlanChannel, TakenBy, InstalmentState, PlanState } = promises;

describe('payment plans API (gRPC and REST, real PostgreSQL)', () => {
  let sut: ServiceUnderTest;
  let client: ReturnType<typeof grpcClient<typeof promises.PromisesServiceService>>;
  let md: () => Metadata;
  let mdOther: () => Metadata;
  let n = 0;

  beforeAll(async () => {
    sut = await startServiceUnderTest(promisesService); // today is 2026-03-02 (UTC)
    client = grpcClient(promises.PromisesServiceService, sut.app.grpcAddress);
    md = () => metadataFromPrincipalHeaders({ apiKey: sut.apiKey });
    mdOther = () => metadataFromPrincipalHeaders({ apiKey: sut.otherApiKey });
  });
  afterAll(async () => {
    client.close();
    await sut.close();
  });

  const planRequest = (over: Partial<promises.CreatePlanRequest> = {}): promises.CreatePlanRequest => ({
    accountId: `acct-${++n}`,
    total: USD(100_000),
    downPayment: USD(10_000),
    instalments: 3,
    frequency: PlanFrequency.PLAN_FREQUENCY_MONTHLY,
    firstDate: '2026-03-10',
    channel: PlanChannel.PLAN_CHANNEL_CALL,
    takenBy: TakenBy.TAKEN_BY_AGENT,
    agentId: 'agent-7',
    idempotencyKey: `plan-${n}`,
    ...over,
  });

  const errorOf = (p: Promise<unknown>) =>
    p.then(
      () => ({ code: status.OK, details: '' }),
      (err: ServiceError) => ({ code: err.code, details: err.details }),
    );

  const planRows = async () =>
    Number((await sut.dataSource.query(`SELECT count(*)::int AS n FROM promises.payment_plan`))[0].n) +
    Number((await sut.dataSource.query(`SELECT count(*)::int AS n FROM promises.plan_instalment`))[0].n);

  it('agrees a plan with a down payment and monthly instalments adding up to the total, and shows it', async () => {
    const { plan } = await client.createPlan(planRequest(), md());
    expect(plan).toMatchObject({
      total: USD(100_000),
      downPayment: USD(10_000),
      state: PlanState.PLAN_STATE_ACTIVE,
      takenBy: TakenBy.TAKEN_BY_AGENT,
      agentId: 'agent-7',
      paid: USD(0),
    });
    expect(plan!.instalments.map((i) => [i.seq, i.dueDate, i.amount!.amountMinor, i.state])).toEqual([
      [0, '2026-03-10', 10_000, InstalmentState.INSTALMENT_STATE_OPEN],
      [1, '2026-04-10', 30_000, InstalmentState.INSTALMENT_STATE_OPEN],
      [2, '2026-05-10', 30_000, InstalmentState.INSTALMENT_STATE_OPEN],
      [3, '2026-06-10', 30_000, InstalmentState.INSTALMENT_STATE_OPEN],
    ]);
    expect((await client.getPlan({ planId: plan!.planId }, md())).plan).toEqual(plan);
  });

  it('answers a retried create with the first plan, and lists an account plans newest first', async () => {
    const request = planRequest({ downPayment: undefined, frequency: PlanFrequency.PLAN_FREQUENCY_WEEKLY });
    const [a, b] = await Promise.all([client.createPlan(request, md()), client.createPlan(request, md())]);
    expect(a.plan!.planId).toBe(b.plan!.planId);
    sut.clock.advance(60_000);
    const second = await client.createPlan({ ...request, idempotencyKey: `${request.idempotencyKey}-2` }, md());
    const { plans } = await client.listPlans({ accountId: request.accountId }, md());
    expect(plans.map((p) => p.planId)).toEqual([second.plan!.planId, a.plan!.planId]);
    expect(plans[1].instalments.map((i) => i.dueDate)).toEqual(['2026-03-10', '2026-03-17', '2026-03-24']);
  });

  it('announces an agreed plan once, with its whole schedule, however often the create is retried', async () => {
    const request = planRequest();
    await Promise.all([client.createPlan(request, md()), client.createPlan(request, md())]);
    const { plan } = await client.createPlan(request, md());
    const agreed = (await published(sut, 'collections.promises.v1.PlanAgreed')).filter(
      (e) => e.planId === plan!.planId,
    );
    expect(agreed).toHaveLength(1);
    expect(agreed[0]).toMatchObject({ accountId: request.accountId, total: USD(100_000) });
    expect(agreed[0].instalments.map((i) => [i.seq, i.dueDate, i.amount!.amountMinor])).toEqual(
      plan!.instalments.map((i) => [i.seq, i.dueDate, i.amount!.amountMinor]),
    );
  });

  it('refuses bad plans with INVALID_ARGUMENT and stores nothing of them', async () => {
    const before = await planRows();
    const bad: [Partial<promises.CreatePlanRequest>, RegExp][] = [
      [{ total: USD(0) }, /total/],
      [{ total: USD(-5_000) }, /total/],
      [{ downPayment: USD(-1) }, /down_payment/],
      [{ downPayment: USD(100_000) }, /down payment/],
      [{ firstDate: '2026-03-01' }, /in the past/],
      [{ firstDate: '2026-02-30' }, /first_date/],
      [{ downPayment: { amountMinor: 10_000, currency: 'EUR' } }, /currency/],
      [{ instalments: 0 }, /between 1 and 120/],
      [{ instalments: 121 }, /between 1 and 120/],
      [{ frequency: PlanFrequency.PLAN_FREQUENCY_UNSPECIFIED }, /frequency/],
      [{ takenBy: TakenBy.TAKEN_BY_AGENT, agentId: '' }, /agent_id/],
      [{ accountId: '' }, /account_id/],
      [{ idempotencyKey: '' }, /idempotency_key/],
    ];
    for (const [over, message] of bad) {
      const answer = await errorOf(client.createPlan(planRequest(over), md()));
      expect({ over, code: answer.code }).toEqual({ over, code: status.INVALID_ARGUMENT });
      expect(answer.details).toMatch(message);
    }
    const tooLong = await errorOf(
      client.createPlan(planRequest({ takenBy: TakenBy.TAKEN_BY_SELF_SERVICE, instalments: 12 }), md()),
    );
    expect(tooLong).toEqual({
      code: status.PERMISSION_DENIED,
      details: expect.stringMatching(/at most 6 instalments/),
    });
    expect(await planRows()).toBe(before);
  });

  it('keeps tenants apart and answers NOT_FOUND for a plan that does not exist', async () => {
    const { plan } = await client.createPlan(planRequest(), md());
    expect((await errorOf(client.getPlan({ planId: plan!.planId }, mdOther()))).code).toBe(status.NOT_FOUND);
    expect((await client.listPlans({ accountId: plan!.accountId }, mdOther())).plans).toEqual([]);
    expect((await errorOf(client.getPlan({ planId: 'nope' }, md()))).code).toBe(status.NOT_FOUND);
  });

  it('offers the same plan API over REST under /v1/promises', async () => {
    const headers = { [API_KEY_HEADER]: sut.apiKey, 'content-type': 'application/json' };
    const body = promises.CreatePlanRequest.toJSON(planRequest({ channel: PlanChannel.PLAN_CHANNEL_WEB }));
    const created = await fetch(`${sut.app.httpUrl}/v1/promises/plans`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ ...(body as object), takenBy: 'TAKEN_BY_SELF_SERVICE' }),
    });
    expect(created.status).toBe(201);
    const { plan } = (await created.json()) as { plan: { planId: string; accountId: string; takenBy: number } };
    expect(plan.takenBy).toBe(TakenBy.TAKEN_BY_SELF_SERVICE);
    const got = await fetch(`${sut.app.httpUrl}/v1/promises/plans/${plan.planId}`, { headers });
    expect(((await got.json()) as { plan: { planId: string } }).plan.planId).toBe(plan.planId);
    const listed = await fetch(`${sut.app.httpUrl}/v1/promises/plans?accountId=${plan.accountId}`, { headers });
    expect(((await listed.json()) as { plans: unknown[] }).plans).toHaveLength(1);
    const bad = await fetch(`${sut.app.httpUrl}/v1/promises/plans`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ ...(body as object), instalments: 0 }),
    });
    expect(bad.status).toBe(400);
  });
});
