import { randomUUID } from 'node:crypto';
import { promises } from '@collections/contracts';
import { ServiceUnderTest } from '@collections/testing';
import { PlansRepository } from '../src/plans/plans.repository';
import { DailyPlanRunScheduler } from '../src/plans/usecases/daily-plan-run.usecase';
import { deliver, deliverBatch, published } from './support/events';
import { PromisesApi, startPromisesApi } from './support/promises-api';

const USD = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
const { InstalmentState, PlanState } = promises;
const at = (date: string) => new Date(`${date}T15:00:00Z`);

/**
 * Plans followed from the ledger's payment events and the daily run, with the default rules:
 * 3 grace days, default after 2 missed instalments, reminders 2 days before a due date.
 */
describe('payment plans tracked from ledger events and the daily run (real PostgreSQL, in-process events)', () => {
  let api: PromisesApi;
  let sut: ServiceUnderTest;
  let client: PromisesApi['client'];
  let md: PromisesApi['md'];
  let n = 0;

  beforeAll(async () => {
    api = await startPromisesApi(at('2026-03-02'));
    ({ sut, client, md } = api);
  });
  afterAll(() => api?.close());

  /** A 3-instalment weekly plan of 300.00 USD, due 2026-03-10, -17 and -24. */
  async function newPlan(): Promise<{ planId: string; accountId: string }> {
    sut.clock.set(at('2026-03-02'));
    const accountId = `acct-${++n}-${randomUUID().slice(0, 8)}`;
    const { plan } = await client.createPlan(
      {
        accountId,
        total: USD(30_000),
        downPayment: undefined,
        instalments: 3,
        frequency: promises.PlanFrequency.PLAN_FREQUENCY_WEEKLY,
        firstDate: '2026-03-10',
        channel: promises.PlanChannel.PLAN_CHANNEL_CALL,
        takenBy: promises.TakenBy.TAKEN_BY_BOT,
        agentId: '',
        idempotencyKey: `plan-${accountId}`,
      },
      md(),
    );
    return { planId: plan!.planId, accountId };
  }

  const pay = (accountId: string, amountMinor: number, date: string, paymentId = randomUUID(), eventId?: string) => {
    sut.clock.set(at(date));
    return deliver(
      sut,
      'collections.ledger.v1.PaymentPosted',
      {
        paymentId,
        accountId,
        amount: USD(amountMinor),
        balanceAfter: USD(0),
        postedAt: at(date),
        reference: '',
        effectiveDate: '',
      },
      eventId,
    ).then(() => paymentId);
  };

  const reverse = (accountId: string, paymentId: string, date: string) => {
    sut.clock.set(at(date));
    return deliver(sut, 'collections.ledger.v1.PaymentReversed', {
      entryId: randomUUID(),
      paymentId,
      accountId,
      amount: USD(0),
      reason: 'NSF',
    });
  };

  const runDaily = async (date: string) => {
    sut.clock.set(at(date));
    return client.runDaily({ asOfDate: '' }, md());
  };

  const plan = async (planId: string) => (await client.getPlan({ planId }, md())).plan!;
  const paidOf = async (planId: string) => (await plan(planId)).instalments.map((i) => i.paid!.amountMinor);
  const eventsFor = async <T extends Parameters<typeof published>[1]>(type: T, planId: string) =>
    (await published(sut, type)).filter((e) => (e as { planId?: string }).planId === planId);

  it('allocates a payment to the earliest open instalments, carrying the rest forward', async () => {
    const { planId, accountId } = await newPlan();
    await pay(accountId, 15_000, '2026-03-05');
    expect(await paidOf(planId)).toEqual([10_000, 5_000, 0]);
    await pay(accountId, 20_000, '2026-03-06');
    const p = await plan(planId);
    expect(p.instalments.map((i) => i.paid!.amountMinor)).toEqual([10_000, 10_000, 10_000]);
    expect(p.credit).toEqual(USD(5_000));
    expect(p.state).toBe(PlanState.PLAN_STATE_COMPLETED);
    expect(await eventsFor('collections.promises.v1.PlanCompleted', planId)).toHaveLength(1);
  });

  it('changes nothing when the same payment event is delivered twice', async () => {
    const { planId, accountId } = await newPlan();
    const eventId = randomUUID();
    const paymentId = randomUUID();
    await pay(accountId, 12_000, '2026-03-05', paymentId, eventId);
    await pay(accountId, 12_000, '2026-03-05', paymentId, eventId);
    expect(await paidOf(planId)).toEqual([10_000, 2_000, 0]);
    // The same payment under a new event id (a ledger replay) is recognised by its payment id.
    await pay(accountId, 12_000, '2026-03-05', paymentId);
    expect(await paidOf(planId)).toEqual([10_000, 2_000, 0]);
    expect(await eventsFor('collections.promises.v1.PromiseKept', planId)).toHaveLength(1);
  });

  it('undoes exactly the reversed payment, leaving the others where they were', async () => {
    const { planId, accountId } = await newPlan();
    const first = await pay(accountId, 6_000, '2026-03-04');
    await pay(accountId, 7_000, '2026-03-05');
    expect(await paidOf(planId)).toEqual([10_000, 3_000, 0]);
    await reverse(accountId, first, '2026-03-06');
    expect(await paidOf(planId)).toEqual([7_000, 0, 0]);
    await reverse(accountId, first, '2026-03-06');
    expect(await paidOf(planId)).toEqual([7_000, 0, 0]);
  });

  it('counts an instalment paid late but within the grace days as kept, once', async () => {
    const { planId, accountId } = await newPlan();
    await runDaily('2026-03-11');
    await pay(accountId, 10_000, '2026-03-12'); // due 03-10, grace until 03-13
    await runDaily('2026-03-14');
    await runDaily('2026-03-14');
    const kept = await eventsFor('collections.promises.v1.PromiseKept', planId);
    expect(kept.map((e) => [e.promiseId, e.instalmentSeq, e.amount])).toEqual([[`${planId}/1`, 1, USD(10_000)]]);
    expect(await eventsFor('collections.promises.v1.PromiseBroken', planId)).toEqual([]);
    expect((await plan(planId)).instalments[0].state).toBe(InstalmentState.INSTALMENT_STATE_PAID);
  });

  it('breaks the promise of a missed instalment once, for the orchestrator to call, and defaults after two', async () => {
    const { planId, accountId } = await newPlan();
    await runDaily('2026-03-08');
    const dueSoon = await eventsFor('collections.promises.v1.InstalmentDueSoon', planId);
    expect(dueSoon.map((e) => [e.seq, e.dueDate, e.daysUntilDue, e.amountDue])).toEqual([
      [1, '2026-03-10', 2, USD(10_000)],
    ]);
    await runDaily('2026-03-14'); // 03-10 + 3 grace days has passed
    await runDaily('2026-03-14');
    const broken = await eventsFor('collections.promises.v1.PromiseBroken', planId);
    expect(broken.map((e) => [e.accountId, e.instalmentSeq, e.dueDate, e.amount, e.paid])).toEqual([
      [accountId, 1, '2026-03-10', USD(10_000), USD(0)],
    ]);
    const missed = await eventsFor('collections.promises.v1.InstalmentMissed', planId);
    expect(missed.map((e) => [e.seq, e.missedInstalments])).toEqual([[1, 1]]);
    expect((await plan(planId)).instalments[0].state).toBe(InstalmentState.INSTALMENT_STATE_MISSED);

    await runDaily('2026-03-21');
    await runDaily('2026-03-30');
    expect((await eventsFor('collections.promises.v1.InstalmentMissed', planId)).map((e) => e.seq)).toEqual([1, 2]);
    const defaulted = await eventsFor('collections.promises.v1.PlanDefaulted', planId);
    expect(defaulted.map((e) => [e.missedInstalments, e.unpaid])).toEqual([[2, USD(30_000)]]);
    expect((await plan(planId)).state).toBe(PlanState.PLAN_STATE_DEFAULTED);
  });

  it('reopens a kept instalment when its payment is reversed, and breaks it when the grace days pass', async () => {
    const { planId, accountId } = await newPlan();
    const payment = await pay(accountId, 10_000, '2026-03-09');
    expect(await eventsFor('collections.promises.v1.PromiseKept', planId)).toHaveLength(1);
    await reverse(accountId, payment, '2026-03-12');
    expect((await plan(planId)).instalments[0]).toMatchObject({
      paid: USD(0),
      state: InstalmentState.INSTALMENT_STATE_OPEN,
    });
    await runDaily('2026-03-14');
    expect((await eventsFor('collections.promises.v1.PromiseBroken', planId)).map((e) => e.instalmentSeq)).toEqual([1]);
    // Paid again later: paid, but not kept a second time on time.
    await pay(accountId, 10_000, '2026-03-15');
    expect(await eventsFor('collections.promises.v1.PromiseKept', planId)).toHaveLength(1);
  });

  it('runs the daily review from the timer at most once per clock hour, on the injected clock', async () => {
    const { planId } = await newPlan();
    const scheduler = sut.app.app.get(DailyPlanRunScheduler);
    sut.clock.set(new Date('2026-03-08T05:10:00Z'));
    expect(await scheduler.tick()).toMatchObject({ eventsEmitted: expect.any(Number) });
    sut.clock.set(new Date('2026-03-08T05:50:00Z'));
    expect(await scheduler.tick()).toBeUndefined();
    expect((await eventsFor('collections.promises.v1.InstalmentDueSoon', planId)).map((e) => e.seq)).toEqual([1]);
    sut.clock.set(new Date('2026-03-14T00:05:00Z'));
    expect(await scheduler.tick()).toBeDefined();
    expect((await eventsFor('collections.promises.v1.PromiseBroken', planId)).map((e) => e.instalmentSeq)).toEqual([1]);
  });

  it("takes today, a payment's day and the only currency from the account the ledger opened", async () => {
    const accountId = `bogota-${randomUUID().slice(0, 8)}`;
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
    sut.clock.set(new Date('2026-03-02T03:00:00Z')); // still 1 March in Bogotá
    const request = {
      accountId,
      total: { amountMinor: 300_000, currency: 'COP' },
      downPayment: undefined,
      instalments: 3,
      frequency: promises.PlanFrequency.PLAN_FREQUENCY_MONTHLY,
      firstDate: '2026-03-01',
      channel: promises.PlanChannel.PLAN_CHANNEL_WHATSAPP,
      takenBy: promises.TakenBy.TAKEN_BY_SELF_SERVICE,
      agentId: '',
      idempotencyKey: `tz-${accountId}`,
    };
    const { plan: created } = await client.createPlan(request, md());
    expect(created!.instalments[0].dueDate).toBe('2026-03-01');
    const refused = (r: typeof request) =>
      client.createPlan(r, md()).then(
        () => 'created',
        (err: { details: string }) => err.details,
      );
    // The same date is already past for an account the ledger never announced (UTC).
    expect(await refused({ ...request, accountId: 'unknown-account', idempotencyKey: `tz-utc-${accountId}` })).toMatch(
      /in the past/,
    );
    expect(
      await refused({
        ...request,
        total: USD(300_000),
        idempotencyKey: `tz-usd-${accountId}`,
        firstDate: '2026-03-05',
      }),
    ).toMatch(/is in COP/);

    // Paid at 03:00 UTC on 5 March: 4 March in Bogotá, the last day of the 3 days' grace, so
    // the first instalment is kept (in UTC it would be a day late, paid but not kept).
    sut.clock.set(new Date('2026-03-05T03:00:00Z'));
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', {
      paymentId: randomUUID(),
      accountId,
      amount: { amountMinor: 100_000, currency: 'COP' },
      balanceAfter: { amountMinor: 200_000, currency: 'COP' },
      postedAt: new Date('2026-03-05T03:00:00Z'),
      reference: '',
      effectiveDate: '',
    });
    const planId = created!.planId;
    expect((await eventsFor('collections.promises.v1.PromiseKept', planId)).map((e) => e.instalmentSeq)).toEqual([1]);
    expect(await eventsFor('collections.promises.v1.InstalmentMissed', planId)).toEqual([]);
  });

  it('reads a schedule back from the database exactly as it was agreed, down payment included', async () => {
    // What a payment to a plan no longer in the service's memory (a restart, a plan paid weeks
    // apart) allocates against: the read itself, checked against the plan's own view.
    sut.clock.set(at('2026-03-02'));
    const accountId = `read-back-${randomUUID().slice(0, 8)}`;
    const { plan: agreed } = await client.createPlan(
      {
        accountId,
        total: USD(100_000),
        downPayment: USD(10_000),
        instalments: 4,
        frequency: promises.PlanFrequency.PLAN_FREQUENCY_MONTHLY,
        firstDate: '2026-03-31',
        channel: promises.PlanChannel.PLAN_CHANNEL_CALL,
        takenBy: promises.TakenBy.TAKEN_BY_AGENT,
        agentId: 'ana',
        idempotencyKey: `read-back-${accountId}`,
      },
      md(),
    );
    const planId = agreed!.planId;
    const { schedules } = await new PlansRepository().paymentState(
      sut.dataSource.manager,
      sut.tenant,
      [planId],
      [planId],
    );
    const read = schedules.get(planId)!;
    expect(read.map((i) => i.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(read).toEqual(
      agreed!.instalments.map((i) => ({ seq: i.seq, dueDate: i.dueDate, amountMinor: i.amount!.amountMinor })),
    );
    expect(read[0]).toEqual({ seq: 0, dueDate: '2026-03-31', amountMinor: 10_000 });
    expect(read.reduce((sum, i) => sum + i.amountMinor, 0)).toBe(100_000);

    // And its live payments, in the order they were posted (a reversed one left out).
    const first = await pay(accountId, 10_000, '2026-03-05');
    const reversed = await pay(accountId, 7_000, '2026-03-06');
    const last = await pay(accountId, 25_000, '2026-04-02');
    await reverse(accountId, reversed, '2026-04-03');
    const { payments } = await new PlansRepository().paymentState(sut.dataSource.manager, sut.tenant, [planId], []);
    expect(payments.get(planId)).toEqual([
      { paymentId: first, amountMinor: 10_000, date: '2026-03-05' },
      { paymentId: last, amountMinor: 25_000, date: '2026-04-02' },
    ]);
  });

  it('announces a single promise made over gRPC once (PromiseMade), however often the request is retried', async () => {
    sut.clock.set(at('2026-03-02'));
    const accountId = `made-${randomUUID().slice(0, 8)}`;
    const request = { accountId, amount: USD(7_500), dueDate: '2026-03-12', idempotencyKey: `made-${accountId}` };
    const { promise } = await client.createPromise(request, md());
    const { promise: again } = await client.createPromise(request, md());
    expect(again!.promiseId).toBe(promise!.promiseId);
    const made = (await published(sut, 'collections.promises.v1.PromiseMade')).filter((e) => e.accountId === accountId);
    expect(made).toEqual([
      { promiseId: promise!.promiseId, accountId, amount: USD(7_500), dueDate: '2026-03-12', madeAt: at('2026-03-02') },
    ]);
  });

  it('breaks a single promise still unpaid after its due date plus the grace days, once', async () => {
    sut.clock.set(at('2026-03-02'));
    const accountId = `single-${randomUUID().slice(0, 8)}`;
    const make = (key: string, amountMinor: number) =>
      client.createPromise(
        { accountId, amount: USD(amountMinor), dueDate: '2026-03-10', idempotencyKey: `${key}-${accountId}` },
        md(),
      );
    const { promise: kept } = await make('a', 2_000);
    const { promise: short } = await make('b', 5_000);
    await pay(accountId, 4_000, '2026-03-09'); // 2 000 keep the first, 2 000 go to the second
    await runDaily('2026-03-13');
    expect(
      (await published(sut, 'collections.promises.v1.PromiseBroken')).filter((e) => e.accountId === accountId),
    ).toEqual([]);
    await runDaily('2026-03-14');
    await runDaily('2026-03-15');
    const broken = (await published(sut, 'collections.promises.v1.PromiseBroken')).filter(
      (e) => e.accountId === accountId,
    );
    expect(broken.map((e) => [e.promiseId, e.amount, e.paid, e.planId])).toEqual([
      [short!.promiseId, USD(5_000), USD(2_000), ''],
    ]);
    expect((await client.getPromise({ promiseId: short!.promiseId }, md())).promise!.state).toBe(
      promises.PromiseState.PROMISE_STATE_BROKEN,
    );
    expect((await client.getPromise({ promiseId: kept!.promiseId }, md())).promise!.state).toBe(
      promises.PromiseState.PROMISE_STATE_KEPT,
    );
  });

  describe('payments arriving together, in one batch of the consumer', () => {
    /** A payment posted on `date`; `effectiveDate` empty as from a ledger before that field. */
    const posted = (
      accountId: string,
      amountMinor: number,
      date: string,
      paymentId = randomUUID(),
      effectiveDate = '',
    ) => ({
      type: 'collections.ledger.v1.PaymentPosted' as const,
      payload: {
        paymentId,
        accountId,
        amount: USD(amountMinor),
        balanceAfter: USD(0),
        postedAt: at(date),
        reference: '',
        effectiveDate,
      },
    });
    const reversed = (accountId: string, paymentId: string) => ({
      type: 'collections.ledger.v1.PaymentReversed' as const,
      payload: { entryId: randomUUID(), paymentId, accountId, amount: USD(0), reason: 'NSF' },
    });

    it('applies two payments of one account in order and a redelivered one once', async () => {
      const { planId, accountId } = await newPlan();
      const other = await newPlan();
      sut.clock.set(at('2026-03-05'));
      const first = { ...posted(accountId, 12_000, '2026-03-05'), id: randomUUID() };
      const second = posted(accountId, 9_000, '2026-03-05');
      await deliverBatch(sut, [
        first,
        posted(other.accountId, 10_000, '2026-03-05'),
        first, // the same event again
        { ...first, id: randomUUID() }, // the same payment under a new event id (a ledger replay)
        second,
      ]);
      expect(await paidOf(planId)).toEqual([10_000, 10_000, 1_000]);
      expect(await paidOf(other.planId)).toEqual([10_000, 0, 0]);
      const kept = await eventsFor('collections.promises.v1.PromiseKept', planId);
      expect(kept.map((e) => e.instalmentSeq)).toEqual([1, 2]);
      // Delivered again later, the whole batch changes nothing.
      await deliverBatch(sut, [first, second]);
      expect(await paidOf(planId)).toEqual([10_000, 10_000, 1_000]);
      expect(await eventsFor('collections.promises.v1.PromiseKept', planId)).toHaveLength(2);
      // The plan remembers what it announced (in its row), and its payments in posting order.
      const [stored] = (await sut.dataSource.query(
        `SELECT announced, (SELECT array_agg(payment_id ORDER BY received_seq) FROM promises.plan_payment
                             WHERE tenant_id = p.tenant_id AND plan_id = p.id) AS payments
           FROM promises.payment_plan p WHERE id = $1`,
        [planId],
      )) as { announced: string[]; payments: string[] }[];
      expect([...stored.announced].sort()).toEqual(['kept:1', 'kept:2']);
      expect(stored.payments).toEqual([first.payload.paymentId, second.payload.paymentId]);
    });

    it('undoes exactly a payment reversed in the same batch', async () => {
      const { planId, accountId } = await newPlan();
      sut.clock.set(at('2026-03-05'));
      const a = posted(accountId, 6_000, '2026-03-04');
      const b = posted(accountId, 7_000, '2026-03-05');
      await deliverBatch(sut, [a, b]);
      expect(await paidOf(planId)).toEqual([10_000, 3_000, 0]);
      const c = posted(accountId, 5_000, '2026-03-05');
      sut.clock.set(at('2026-03-06'));
      await deliverBatch(sut, [reversed(accountId, a.payload.paymentId), c, reversed(accountId, c.payload.paymentId)]);
      expect(await paidOf(planId)).toEqual([7_000, 0, 0]);
      expect((await plan(planId)).credit).toEqual(USD(0));
    });

    it('sees a reversal handled between two batches (what a batch remembers of a plan is not used after it)', async () => {
      const { planId, accountId } = await newPlan();
      sut.clock.set(at('2026-03-05'));
      const a = posted(accountId, 10_000, '2026-03-05');
      await deliverBatch(sut, [a]);
      expect(await paidOf(planId)).toEqual([10_000, 0, 0]);
      await reverse(accountId, a.payload.paymentId, '2026-03-06');
      expect(await paidOf(planId)).toEqual([0, 0, 0]);
      sut.clock.set(at('2026-03-07'));
      await deliverBatch(sut, [posted(accountId, 4_000, '2026-03-07')]);
      expect(await paidOf(planId)).toEqual([4_000, 0, 0]);
      await runDaily('2026-03-15');
      sut.clock.set(at('2026-03-15'));
      await deliverBatch(sut, [posted(accountId, 6_000, '2026-03-15')]);
      expect(await paidOf(planId)).toEqual([10_000, 0, 0]);
      expect((await plan(planId)).credit).toEqual(USD(0));
      // Instalment 1 was missed on the daily run (due 03-10, 3 days' grace) and broken once.
      expect(await eventsFor('collections.promises.v1.InstalmentMissed', planId)).toHaveLength(1);
      expect((await eventsFor('collections.promises.v1.PromiseKept', planId)).map((e) => e.instalmentSeq)).toEqual([1]);
      // The daily run reminded of instalment 2 (due 03-17); the batch after it does not again.
      expect((await eventsFor('collections.promises.v1.InstalmentDueSoon', planId)).map((e) => e.seq)).toEqual([2]);
    });

    it('keeps an instalment paid inside its grace days that the ledger posted after them (a bank file)', async () => {
      const { planId, accountId } = await newPlan();
      // Instalment 1 is due 03-10 with 3 days' grace; paid at the bank on 03-12, posted on 03-15.
      sut.clock.set(at('2026-03-15'));
      await deliverBatch(sut, [posted(accountId, 10_000, '2026-03-15', randomUUID(), '2026-03-12')]);
      await runDaily('2026-03-15');
      expect(await paidOf(planId)).toEqual([10_000, 0, 0]);
      expect((await eventsFor('collections.promises.v1.PromiseKept', planId)).map((e) => e.instalmentSeq)).toEqual([1]);
      expect(await eventsFor('collections.promises.v1.InstalmentMissed', planId)).toEqual([]);
    });

    it('forgets what a batch that failed did to a plan: its payments apply once, when retried', async () => {
      const { planId, accountId } = await newPlan();
      sut.clock.set(at('2026-03-05'));
      await deliverBatch(sut, [posted(accountId, 10_000, '2026-03-05')]);
      // The batch's write of this plan's payments fails once (after the batch worked it out in memory).
      await sut.dataSource.query(`CREATE SEQUENCE promises.fail_once`);
      await sut.dataSource.query(
        `CREATE FUNCTION promises.fail_once() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN IF nextval('promises.fail_once') = 1 THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$`,
      );
      await sut.dataSource.query(
        `CREATE TRIGGER fail_once BEFORE INSERT ON promises.plan_payment FOR EACH ROW
           WHEN (NEW.plan_id = '${planId}') EXECUTE FUNCTION promises.fail_once()`,
      );
      try {
        await deliverBatch(sut, [posted(accountId, 10_000, '2026-03-06'), posted(accountId, 1_000, '2026-03-06')]);
        expect(await paidOf(planId)).toEqual([10_000, 10_000, 1_000]);
        const [failures] = (await sut.dataSource.query(`SELECT last_value FROM promises.fail_once`)) as {
          last_value: string;
        }[];
        expect(Number(failures.last_value)).toBeGreaterThan(1); // it did fail, and the retry wrote them
      } finally {
        await sut.dataSource.query(`DROP TRIGGER fail_once ON promises.plan_payment`);
        await sut.dataSource.query(`DROP FUNCTION promises.fail_once(); DROP SEQUENCE promises.fail_once`);
      }
      await deliverBatch(sut, [posted(accountId, 9_000, '2026-03-07')]);
      expect(await paidOf(planId)).toEqual([10_000, 10_000, 10_000]);
      expect((await eventsFor('collections.promises.v1.PromiseKept', planId)).map((e) => e.instalmentSeq)).toEqual([
        1, 2, 3,
      ]);
    });

    it("sends the payments after the one that completes a plan to the account's single promises", async () => {
      const { planId, accountId } = await newPlan();
      sut.clock.set(at('2026-03-02'));
      const { promise } = await client.createPromise(
        { accountId, amount: USD(2_000), dueDate: '2026-03-20', idempotencyKey: `after-plan-${accountId}` },
        md(),
      );
      sut.clock.set(at('2026-03-05'));
      await deliverBatch(sut, [
        posted(accountId, 15_000, '2026-03-05'),
        posted(accountId, 15_000, '2026-03-05'),
        posted(accountId, 2_000, '2026-03-05'),
      ]);
      expect((await plan(planId)).state).toBe(PlanState.PLAN_STATE_COMPLETED);
      expect(await eventsFor('collections.promises.v1.PlanCompleted', planId)).toHaveLength(1);
      expect((await client.getPromise({ promiseId: promise!.promiseId }, md())).promise!.state).toBe(
        promises.PromiseState.PROMISE_STATE_KEPT,
      );
    });
  });
});
