import { EventPayload, EventType, ledger, orchestratorAgents } from '@collections/contracts';
import { ServiceUnderTest, deliverInProcess, scrapeSeries, startServiceUnderTest } from '@collections/testing';
import { NewAgentTask, createAgentTask } from '../../src/agents';
import { AgentQueueRepository } from '../../src/agents/agent-queue.repository';
import { AgentQueueUseCase } from '../../src/agents/usecases/agent-queue.usecase';
import { AgentTaskContactLaw } from '../../src/agents/usecases/agent-task-contact-law';
import { recordAddressOwner } from '../../src/dispatch/address-owners';
import { addressHash } from '../../src/dispatch/addresses';
import { recordAddressOwnersOptOut, recordContactOutcomes } from '../../src/dispatch/contact-outcomes';
import { createOrchestratorService } from '../../src/orchestrator.service';
import { ledgerErasure } from '../support/accounts';
import { directoryOf } from '../support/channel-stand-ins';
import { JOB_TIMERS_OFF } from '../support/dispatch-deps';
import { published, startConsumers } from '../support/events';
import { openedAccountFacts, scoredFact } from '../support/planner-facts';
import { colombianEarlyStage, putStrategies } from '../support/strategies';

/** Bogotá is UTC-5 all year. */
const bogota = (date: string, time: string) => new Date(`${date}T${time}:00-05:00`);
const { AgentTaskCancelCause: Cause, AgentTaskKind: Kind } = orchestratorAgents;
const CANCELLED = 'collections.orchestrator.v1.AgentTaskCancelled';

/**
 * A fact that stops contact for good — a hold, a consent withdrawn, an opt-out, an erasure — cancels
 * the debtor's open calls and visits the moment the orchestrator learns it, in the transaction that
 * records it, with AgentTaskCancelled; and an escalation the contact law refuses for good queues no
 * call. The ledger's facts arrive through the service's own consumers.
 */
describe('agent tasks the contact law stops for good (real PostgreSQL)', () => {
  let sut: ServiceUnderTest;
  let queue: AgentQueueUseCase;
  let n = 0;
  const saved = { ...process.env };

  beforeAll(async () => {
    Object.assign(process.env, JOB_TIMERS_OFF);
    const service = createOrchestratorService({ directory: directoryOf(new Map()) });
    sut = await startServiceUnderTest(service, bogota('2026-03-10', '10:00'));
    await startConsumers(sut, service);
    queue = sut.app.app.get(AgentQueueUseCase);
  });
  afterAll(async () => {
    await sut?.context.backbone.stop();
    await sut?.close();
    process.env = saved;
  });

  /** What the ledger publishes, consumed by the orchestrator (`id`: the event's, to deliver one again). */
  const ledgerSays = async <T extends EventType>(type: T, payload: EventPayload<T>, key: string, id?: string) =>
    (
      await deliverInProcess(sut, [{ type, payload, key, id }], {
        group: 'orchestrator',
        source: '/collections/ledger',
      })
    )[0];
  const holdSet = (debtorId: string, kind = ledger.HoldKind.HOLD_KIND_BANKRUPTCY, id?: string) =>
    ledgerSays(
      'collections.ledger.v1.HoldChanged',
      {
        holdId: `hold-${debtorId}`,
        debtorId,
        kind,
        active: true,
        source: 'court',
        startsOn: '',
        endsOn: '',
        bankruptcyChapter: 0,
      },
      debtorId,
      id,
    );

  /** A Colombian debtor (consented to calls, visits and SMS unless told) with one account of their own. */
  const debtor = async (consents = ['call', 'visit', 'sms']) => {
    const id = `${++n}`;
    await sut.dataSource.query(
      `INSERT INTO debtor_profile (tenant_id, debtor_id, time_zone, country, consented_channels)
       VALUES ($1, $2, 'America/Bogota', 'CO', $3)`,
      [sut.tenant, `deb-${id}`, consents],
    );
    await sut.dataSource.query(
      `INSERT INTO account_party (tenant_id, account_id, debtor_id, role) VALUES ($1, $2, $3, 1)`,
      [sut.tenant, `acc-${id}`, `deb-${id}`],
    );
    return { debtorId: `deb-${id}`, accountId: `acc-${id}`, queue: `q-${id}`, agentId: `agent-${id}` };
  };
  type Debtor = Awaited<ReturnType<typeof debtor>>;

  const queueTask = async (d: Debtor, kind: NewAgentTask['kind'] = 'call') =>
    (
      await sut.dataSource.transaction((tx) =>
        createAgentTask(tx, sut.context.backbone.outbox, {
          tenantId: sut.tenant,
          accountId: d.accountId,
          kind,
          queue: d.queue,
          reason: 'strategy escalation',
          causedByEventId: `cause-${++n}`,
          now: sut.clock.now(),
        }),
      )
    ).task;
  const task = (id: string) => queue.getTask(sut.tenant, id);
  /** The debtor's agent, working calls and visits in their queue. */
  const agent = (d: Debtor) =>
    new AgentQueueRepository().putAgent(
      sut.dataSource.manager,
      sut.tenant,
      {
        agentId: d.agentId,
        name: '',
        skills: ['call', 'field_visit'],
        languages: [],
        segments: [],
        queues: [d.queue],
        capacity: 10,
        active: true,
      },
      sut.clock.now(),
    );
  const cancellations = async (taskId: string) => (await published(sut, CANCELLED)).filter((e) => e.taskId === taskId);
  /** The contact law's decisions on the task, oldest first. */
  const decisions = (taskId: string) =>
    sut.dataSource.query(
      `SELECT id, allowed, reasons, decided_at FROM contact_decision WHERE tenant_id = $1 AND caused_by_event = $2
        ORDER BY decided_at, allowed DESC`,
      [sut.tenant, `agent-task:${taskId}`],
    ) as Promise<{ id: string; allowed: boolean; reasons: string[]; decided_at: Date }[]>;

  it('a bankruptcy hold cancels the debtor’s open call at once, with AgentTaskCancelled naming the hold’s rule; another debtor’s call and a call refused only for now stay as they were', async () => {
    // Saturday 21:00 in Bogotá: no call is lawful before Monday 07:00 (a refusal for now).
    sut.clock.set(bogota('2026-03-07', '21:00'));
    const held = await debtor();
    const other = await debtor();
    const call = await queueTask(held);
    const othersCall = await queueTask(other);

    const holdEvent = await holdSet(held.debtorId);

    // Nobody claimed or listed it: the hold alone cancelled it.
    expect(await task(call.id)).toMatchObject({ state: 'cancelled', refusal_next_permitted_at: null });
    expect((await task(call.id)).refusal_reasons.join(' ')).toMatch(/^CO-HOLD-BANKRUPTCY: /);
    const [event] = await cancellations(call.id);
    expect(event).toMatchObject({
      taskId: call.id,
      accountId: held.accountId,
      kind: Kind.AGENT_TASK_KIND_CALL,
      queue: held.queue,
      cause: Cause.AGENT_TASK_CANCEL_CAUSE_HOLD,
      causedBy: holdEvent,
      cancelledAt: sut.clock.now(),
    });
    expect(event.reasons).toContain('CO-HOLD-BANKRUPTCY');
    expect(event.reasons.every((r) => !r.includes(':'))).toBe(true);
    // The refusal is on record as the contact law's decision, which the event names.
    expect(
      await sut.dataSource.query(`SELECT caused_by_event, allowed, stage FROM contact_decision WHERE id = $1`, [
        event.decisionId,
      ]),
    ).toEqual([{ caused_by_event: `agent-task:${call.id}`, allowed: false, stage: 'send' }]);

    // The other debtor's call, refused at this hour only for now, is untouched: still open, due
    // when it was, no refusal written (the claim defers it when its time comes).
    expect(await task(othersCall.id)).toMatchObject({
      state: 'open',
      due_at: othersCall.due_at,
      refused_at: null,
      refusal_reasons: [],
    });
    expect(await cancellations(othersCall.id)).toEqual([]);
  });

  it('new facts of the debtor cancel the visit they no longer consent to, and leave their call refused only for now untouched', async () => {
    sut.clock.set(bogota('2026-03-07', '21:00'));
    const d = await debtor();
    const call = await queueTask(d);
    const visit = await queueTask(d, 'field_visit');

    await ledgerSays(
      'collections.ledger.v1.DebtorUpserted',
      {
        debtorId: d.debtorId,
        timeZone: 'America/Bogota',
        language: 'es',
        country: 'CO',
        region: '',
        consentedChannels: ['call', 'sms'],
        erased: false,
      },
      d.debtorId,
    );

    expect(await task(visit.id)).toMatchObject({ state: 'cancelled' });
    expect((await cancellations(visit.id)).map((e) => [e.reasons, e.cause])).toEqual([
      [['CO-AUTHORISED-CHANNELS'], Cause.AGENT_TASK_CANCEL_CAUSE_DEBTOR_FACTS],
    ]);
    expect(await task(call.id)).toMatchObject({ state: 'open', due_at: call.due_at, refused_at: null });
  });

  it('a Colombian debtor withdrawing consent to calls has their open call cancelled, their visit kept', async () => {
    sut.clock.set(bogota('2026-03-10', '10:00'));
    const d = await debtor();
    const call = await queueTask(d);
    const visit = await queueTask(d, 'field_visit');

    const withdrawal = await ledgerSays(
      'collections.ledger.v1.ConsentChanged',
      { debtorId: d.debtorId, channel: 'call', granted: false, consentedChannels: ['visit', 'sms'] },
      d.debtorId,
    );

    expect(await task(call.id)).toMatchObject({ state: 'cancelled' });
    const [event] = await cancellations(call.id);
    expect(event).toMatchObject({ cause: Cause.AGENT_TASK_CANCEL_CAUSE_CONSENT_WITHDRAWN, causedBy: withdrawal });
    expect(event.reasons).toContain('CO-AUTHORISED-CHANNELS');
    expect(await task(visit.id)).toMatchObject({ state: 'open', refused_at: null });
    expect(await cancellations(visit.id)).toEqual([]);
  });

  it('an opt-out (a STOP reply) cancels the debtor’s tasks on that channel only', async () => {
    sut.clock.set(bogota('2026-03-10', '10:00'));
    const d = await debtor();
    const call = await queueTask(d);
    const visit = await queueTask(d, 'field_visit');
    const phone = `+57300555${String(n).padStart(4, '0')}`;
    await recordAddressOwner(sut.dataSource, sut.tenant, 'sms', phone, d.debtorId);
    const stop = (channel: 'sms' | 'call', messageId: string) =>
      sut.dataSource.transaction((tx) =>
        recordAddressOwnersOptOut(
          tx,
          sut.context.backbone.outbox,
          sut.tenant,
          channel,
          addressHash(sut.tenant, channel, phone),
          sut.clock.now(),
          messageId,
          sut.app.app.get(AgentTaskContactLaw),
        ),
      );

    // STOP by SMS: no more SMS; calls and visits are another channel.
    await stop('sms', 'SM-stop');
    expect([(await task(call.id)).state, (await task(visit.id)).state]).toEqual(['open', 'open']);

    await stop('call', 'CA-stop');
    expect(await task(call.id)).toMatchObject({ state: 'cancelled' });
    expect((await cancellations(call.id)).map((e) => [e.reasons, e.cause, e.causedBy])).toEqual([
      [['CO-OPT-OUT'], Cause.AGENT_TASK_CANCEL_CAUSE_OPT_OUT, 'CA-stop'],
    ]);
    expect(await task(visit.id)).toMatchObject({ state: 'open', refused_at: null });
  });

  it('the ledger erasing a debtor cancels their open calls and visits', async () => {
    sut.clock.set(bogota('2026-03-10', '10:00'));
    const d = await debtor();
    const other = await debtor();
    await agent(d);
    const call = await queueTask(d);
    const visit = await queueTask(d, 'field_visit');
    const held = await queueTask(d);
    await queue.claim(sut.tenant, d.agentId, held.id);
    const othersCall = await queueTask(other);

    const erasure = await ledgerSays('collections.ledger.v1.DebtorUpserted', ledgerErasure(d.debtorId), d.debtorId);

    for (const t of [call, visit]) {
      expect(await task(t.id)).toMatchObject({ state: 'cancelled' });
      expect((await cancellations(t.id)).map((e) => [e.reasons, e.cause, e.causedBy, e.decisionId])).toEqual([
        [['erased'], Cause.AGENT_TASK_CANCEL_CAUSE_ERASURE, erasure, ''],
      ]);
    }
    expect(await task(othersCall.id)).toMatchObject({ state: 'open' });
    // The call an agent holds stays theirs; given back, it is cancelled as erased.
    expect(await task(held.id)).toMatchObject({
      state: 'claimed',
      refusal_reasons: [expect.stringMatching(/^erased: /)],
    });
    expect(await queue.release(sut.tenant, d.agentId, held.id)).toMatchObject({ state: 'cancelled' });
    expect((await cancellations(held.id)).map((e) => [e.reasons, e.cause])).toEqual([
      [['erased'], Cause.AGENT_TASK_CANCEL_CAUSE_RELEASE],
    ]);
  });

  it('a call an agent holds when a hold arrives stays theirs to finish and record; one they release is cancelled, not queued again', async () => {
    sut.clock.set(bogota('2026-03-10', '10:00'));
    const d = await debtor();
    await agent(d);
    const first = await queueTask(d);
    const second = await queueTask(d);
    expect(await queue.claim(sut.tenant, d.agentId, first.id)).toMatchObject({ state: 'claimed' });
    expect(await queue.claim(sut.tenant, d.agentId, second.id)).toMatchObject({ state: 'claimed' });

    await holdSet(d.debtorId, ledger.HoldKind.HOLD_KIND_LITIGATION);

    // Not taken from the agent mid-call; the refusal is on the task for the agent to see.
    for (const t of [first, second]) {
      const held = await task(t.id);
      expect(held).toMatchObject({ state: 'claimed', agent_id: d.agentId, refusal_next_permitted_at: null });
      expect(held.refusal_reasons.join(' ')).toMatch(/^CO-HOLD-LITIGATION: /);
      expect(await cancellations(t.id)).toEqual([]);
    }

    // The call under way ends and its outcome is recorded.
    expect(await queue.complete(sut.tenant, d.agentId, first.id, { outcome: 'right_party_contact' })).toMatchObject({
      state: 'completed',
      outcome: 'right_party_contact',
    });

    // The other is given back: cancelled, never handed out again.
    expect(await queue.release(sut.tenant, d.agentId, second.id)).toMatchObject({ state: 'cancelled', agent_id: null });
    expect((await cancellations(second.id)).map((e) => [e.reasons, e.cause, e.causedBy])).toEqual([
      [['CO-HOLD-LITIGATION'], Cause.AGENT_TASK_CANCEL_CAUSE_RELEASE, d.agentId],
    ]);
    expect(await queue.claim(sut.tenant, d.agentId)).toBeUndefined();
  });

  it('a hold arriving while an agent holds the call is one refusal on record at that instant; the release cancels the call on it, at the release’s instant', async () => {
    sut.clock.set(bogota('2026-03-10', '10:00'));
    const d = await debtor();
    await agent(d);
    const call = await queueTask(d);
    await queue.claim(sut.tenant, d.agentId, call.id);

    sut.clock.set(bogota('2026-03-10', '10:20'));
    await holdSet(d.debtorId, ledger.HoldKind.HOLD_KIND_LITIGATION);

    // The claim's decision allowed it; the hold's is on record the moment it arrived, though the
    // call is still the agent's.
    const [claimed, refusal] = await decisions(call.id);
    expect(claimed).toMatchObject({ allowed: true, decided_at: bogota('2026-03-10', '10:00') });
    expect(refusal).toMatchObject({ allowed: false, decided_at: bogota('2026-03-10', '10:20') });
    expect(refusal.reasons.join(' ')).toMatch(/^CO-HOLD-LITIGATION: /);
    expect(await task(call.id)).toMatchObject({
      state: 'claimed',
      refused_at: bogota('2026-03-10', '10:20'),
      refusal_reasons: refusal.reasons,
    });

    // Given back later: cancelled on that refusal, not on a second decision of the same law.
    sut.clock.set(bogota('2026-03-10', '10:40'));
    expect(await queue.release(sut.tenant, d.agentId, call.id)).toMatchObject({
      state: 'cancelled',
      refused_at: bogota('2026-03-10', '10:20'),
      refusal_reasons: refusal.reasons,
    });
    expect(await decisions(call.id)).toEqual([claimed, refusal]);
    expect((await cancellations(call.id)).map((e) => [e.cause, e.decisionId, e.cancelledAt])).toEqual([
      [Cause.AGENT_TASK_CANCEL_CAUSE_RELEASE, refusal.id, bogota('2026-03-10', '10:40')],
    ]);
  });

  it('a release for other reasons than the held refusal’s is a decision of its own', async () => {
    sut.clock.set(bogota('2026-03-10', '10:00'));
    const d = await debtor();
    await agent(d);
    const call = await queueTask(d);
    await queue.claim(sut.tenant, d.agentId, call.id);
    await holdSet(d.debtorId, ledger.HoldKind.HOLD_KIND_LITIGATION);
    // At 19:30 Colombia's calling hours are over too: the law refuses for more than the hold.
    sut.clock.set(bogota('2026-03-10', '19:30'));

    await queue.release(sut.tenant, d.agentId, call.id);

    const [, held, released] = await decisions(call.id);
    expect(released).toMatchObject({ allowed: false, decided_at: bogota('2026-03-10', '19:30') });
    expect(released.reasons).not.toEqual(held.reasons);
    expect(await task(call.id)).toMatchObject({ state: 'cancelled', refusal_reasons: released.reasons });
    expect((await cancellations(call.id)).map((e) => e.decisionId)).toEqual([released.id]);
  });

  it('a STOP that cancels an agent’s call is counted as a refusal by opt_out in collections_contact_refusals_total', async () => {
    sut.clock.set(bogota('2026-03-10', '10:00'));
    const d = await debtor();
    const call = await queueTask(d);
    const phone = `+57300666${String(n).padStart(4, '0')}`;
    await recordAddressOwner(sut.dataSource, sut.tenant, 'sms', phone, d.debtorId);
    const optOutRefusals = async () =>
      (await scrapeSeries(sut.app.httpUrl, 'collections_contact_refusals_total', ['channel', 'rule', 'outcome']))[
        'call opt_out refused'
      ];
    const before = await optOutRefusals();

    // What the channel webhooks do with a STOP, on the service's contact law.
    await sut.dataSource.transaction((tx) =>
      recordContactOutcomes(
        tx,
        sut.context.backbone.outbox,
        sut.tenant,
        'call',
        [{ kind: 'inbound', providerMessageId: 'CA-stop-counted', from: phone, text: 'STOP' }],
        sut.clock.now(),
        sut.app.app.get(AgentTaskContactLaw),
      ),
    );

    expect(await task(call.id)).toMatchObject({ state: 'cancelled' });
    expect(await optOutRefusals()).toBe(before + 1);
  });

  it('a claim or the open listing that finds a call refused for good cancels it with AgentTaskCancelled too', async () => {
    sut.clock.set(bogota('2026-03-10', '10:00'));
    const claimed = await debtor();
    const listed = await debtor();
    await agent(claimed);
    const claimedCall = await queueTask(claimed);
    const listedCall = await queueTask(listed);
    // Opt-outs on record that no fact of this service's swept for (written before it did).
    for (const d of [claimed, listed])
      await sut.dataSource.query(
        `INSERT INTO debtor_channel_opt_out (tenant_id, debtor_id, channel, recorded_at) VALUES ($1, $2, 'call', $3)`,
        [sut.tenant, d.debtorId, sut.clock.now()],
      );

    await expect(queue.claim(sut.tenant, claimed.agentId, claimedCall.id)).rejects.toThrow(/is cancelled/);
    expect(await queue.listTasks(sut.tenant, { queue: listed.queue })).toEqual([]);

    expect((await cancellations(claimedCall.id)).map((e) => [e.reasons, e.cause, e.causedBy])).toEqual([
      [['CO-OPT-OUT'], Cause.AGENT_TASK_CANCEL_CAUSE_CLAIM, ''],
    ]);
    expect((await cancellations(listedCall.id)).map((e) => [e.reasons, e.cause])).toEqual([
      [['CO-OPT-OUT'], Cause.AGENT_TASK_CANCEL_CAUSE_LISTING],
    ]);
  });

  it('a call released while the contact law allows it goes back to its queue', async () => {
    sut.clock.set(bogota('2026-03-10', '10:00'));
    const d = await debtor();
    await agent(d);
    const t = await queueTask(d);
    await queue.claim(sut.tenant, d.agentId, t.id);
    expect(await queue.release(sut.tenant, d.agentId, t.id)).toMatchObject({ state: 'open', agent_id: null });
    expect(await cancellations(t.id)).toEqual([]);
  });

  it('a hold told again — the same event redelivered, or the ledger publishing it anew — cancels nothing twice and publishes no second event', async () => {
    sut.clock.set(bogota('2026-03-10', '10:00'));
    const d = await debtor();
    const call = await queueTask(d);
    const id = await holdSet(d.debtorId);
    const cancelled = await task(call.id);
    expect(cancelled.state).toBe('cancelled');

    sut.clock.set(bogota('2026-03-10', '11:00'));
    await holdSet(d.debtorId, ledger.HoldKind.HOLD_KIND_BANKRUPTCY, id);
    await holdSet(d.debtorId);

    expect(await task(call.id)).toEqual(cancelled);
    expect(await cancellations(call.id)).toHaveLength(1);
    expect(
      await sut.dataSource.query(`SELECT count(*)::int AS n FROM contact_decision WHERE caused_by_event = $1`, [
        `agent-task:${call.id}`,
      ]),
    ).toEqual([{ n: 1 }]);
  });

  describe('escalating a broken promise to an agent', () => {
    const COP = (amountMinor: number) => ({ amountMinor, currency: 'COP' });
    const strategyQueue = 'late-agents';

    beforeAll(async () => {
      // Escalates at 10 days past due; stops only on payment and promise (a hold does not stop it).
      await putStrategies(sut, {
        escalating: colombianEarlyStage(
          'Escalating',
          [{ id: 'd+1', channel: 'sms', template: 'overdue', offset: { from: 'due_date', days: 1 } }],
          { escalation: { atDaysPastDue: 10, queue: strategyQueue }, stopConditions: ['payment', 'promise'] },
        ),
      });
    });

    /** A Colombian account due on 12 March whose debtor consents to `consents`, scored, with a promise made on the 14th. */
    const account = async (name: string, consents: string[]) => {
      const accountId = `esc-acc-${name}`;
      const debtorId = `esc-deb-${name}`;
      sut.clock.set(bogota('2026-03-02', '10:00'));
      for (const fact of openedAccountFacts(accountId, debtorId)) {
        const payload =
          fact.type === 'collections.ledger.v1.DebtorUpserted'
            ? { ...fact.payload, consentedChannels: consents }
            : fact.payload;
        await ledgerSays(fact.type, payload as never, fact.key);
      }
      const scored = scoredFact(accountId, 250_000_00, sut.clock.now(), -10);
      await deliverInProcess(sut, [{ type: scored.type, payload: scored.payload as never, key: scored.key }], {
        group: 'orchestrator',
        source: '/collections/scoring',
      });
      sut.clock.set(bogota('2026-03-14', '10:00'));
      await deliverInProcess(
        sut,
        [
          {
            type: 'collections.promises.v1.PromiseMade',
            payload: {
              promiseId: `p-${name}`,
              accountId,
              amount: COP(250_000_00),
              dueDate: '2026-03-20',
              madeAt: sut.clock.now(),
            },
            key: accountId,
          },
        ],
        { group: 'orchestrator', source: '/collections/promises' },
      );
      return { accountId, debtorId };
    };
    /** The promise broken on Monday 23 March (11 days past due): the strategy escalates. */
    const promiseBroken = (a: { accountId: string }, name: string) => {
      sut.clock.set(bogota('2026-03-23', '10:00'));
      return deliverInProcess(
        sut,
        [
          {
            type: 'collections.promises.v1.PromiseBroken',
            payload: {
              promiseId: `p-${name}`,
              accountId: a.accountId,
              amount: COP(250_000_00),
              paid: COP(0),
              dueDate: '2026-03-20',
              brokenAt: sut.clock.now(),
              planId: '',
              instalmentSeq: 0,
            },
            key: a.accountId,
          },
        ],
        { group: 'orchestrator', source: '/collections/promises' },
      );
    };
    const tasksOf = (accountId: string) =>
      sut.dataSource.query(`SELECT kind, queue, state FROM agent_task WHERE tenant_id = $1 AND account_id = $2`, [
        sut.tenant,
        accountId,
      ]) as Promise<{ kind: string; queue: string; state: string }[]>;
    const created = async (accountId: string) =>
      (await published(sut, 'collections.orchestrator.v1.AgentTaskCreated')).filter((e) => e.accountId === accountId);
    const decisionsSince = (accountId: string, since: Date) =>
      sut.dataSource.query(
        `SELECT channel, allowed, reasons FROM contact_decision WHERE tenant_id = $1 AND account_id = $2 AND decided_at >= $3 ORDER BY decided_at, id`,
        [sut.tenant, accountId, since],
      ) as Promise<{ channel: number; allowed: boolean; reasons: string[] }[]>;

    it('queues a call for a debtor the contact law lets us call', async () => {
      const a = await account('ok', ['call', 'sms', 'whatsapp', 'email', 'letter', 'visit']);
      await promiseBroken(a, 'ok');
      expect(await tasksOf(a.accountId)).toEqual([{ kind: 'call', queue: strategyQueue, state: 'open' }]);
    });

    it('hands out no call for a Colombian debtor with no consent to calls on record: the refusal is recorded; consent given later escalates', async () => {
      const a = await account('no-consent', ['sms', 'email']);
      const broken = bogota('2026-03-23', '10:00');
      await promiseBroken(a, 'no-consent');

      expect(await tasksOf(a.accountId)).toEqual([]);
      expect(await created(a.accountId)).toEqual([]);
      const refusals = (await decisionsSince(a.accountId, broken)).filter((r) => !r.allowed);
      expect(refusals.map((r) => r.reasons.join(' '))).toEqual([expect.stringMatching(/^CO-AUTHORISED-CHANNELS: /)]);

      // The debtor authorises calls: the escalation owed is made then.
      sut.clock.set(bogota('2026-03-24', '10:00'));
      await ledgerSays(
        'collections.ledger.v1.ConsentChanged',
        { debtorId: a.debtorId, channel: 'call', granted: true, consentedChannels: ['sms', 'email', 'call'] },
        a.debtorId,
      );
      expect(await tasksOf(a.accountId)).toEqual([{ kind: 'call', queue: strategyQueue, state: 'open' }]);
    });

    it('hands out no call for a debtor under a bankruptcy hold', async () => {
      const a = await account('bankrupt', ['call', 'sms', 'whatsapp', 'email', 'letter', 'visit']);
      sut.clock.set(bogota('2026-03-16', '10:00'));
      await holdSet(a.debtorId);
      const broken = bogota('2026-03-23', '10:00');
      await promiseBroken(a, 'bankrupt');

      expect(await tasksOf(a.accountId)).toEqual([]);
      expect(await created(a.accountId)).toEqual([]);
      const refusals = (await decisionsSince(a.accountId, broken)).filter((r) => !r.allowed);
      expect(refusals.map((r) => r.reasons.join(' '))).toEqual([expect.stringMatching(/^CO-HOLD-BANKRUPTCY: /)]);
    });
  });
});
