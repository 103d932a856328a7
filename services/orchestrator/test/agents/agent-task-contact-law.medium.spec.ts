import fc from 'fast-check';
import { AgentTaskContactLaw } from '../../src/agents/usecases/agent-task-contact-law';
import { ledger } from '@collections/contracts';
import { runWithPrincipal } from '@collections/platform';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { NewAgentTask, createAgentTask } from '../../src/agents';
import { AgentQueueUseCase } from '../../src/agents/usecases/agent-queue.usecase';
import { recordCallOutcome } from '../../src/agents/record-call-outcome';
import { debtorFactHandlersOf } from '../../src/decisions/debtor-facts.consumer';
import { createOrchestratorService } from '../../src/orchestrator.service';
import { noNumbersInLedger } from '../support/ledger-directory-stand-in';
import { checkPolicy } from '../../src/planning/domain/contact-plan';
import { PlannerRepository } from '../../src/planning/planner.repository';

/** Bogotá is UTC-5 all year. */
const bogota = (date: string, time: string) => new Date(`${date}T${time}:00-05:00`);
/** New York on standard time (before 8 March 2026): UTC-5. */
const newYork = (date: string, time: string) => new Date(`${date}T${time}:00-05:00`);

describe('agent calls and visits under the contact law (real PostgreSQL)', () => {
  let sut: ServiceUnderTest;
  let queue: AgentQueueUseCase;
  let n = 0;

  beforeAll(async () => {
    sut = await startServiceUnderTest(
      createOrchestratorService({ directory: noNumbersInLedger }),
      bogota('2026-03-07', '14:55'),
    );
    queue = sut.app.app.get(AgentQueueUseCase);
  });
  afterAll(async () => {
    await sut?.close();
  });

  /** A debtor of their own with one account; Colombian (consented to calls, visits and SMS) unless told. */
  const debtor = async (country = 'CO', zone = 'America/Bogota') => {
    const id = `${++n}`;
    await sut.dataSource.query(
      `INSERT INTO debtor_profile (tenant_id, debtor_id, time_zone, country, consented_channels)
       VALUES ($1, $2, $3, $4, '{call,visit,sms}')`,
      [sut.tenant, `deb-${id}`, zone, country],
    );
    await sut.dataSource.query(
      `INSERT INTO account_party (tenant_id, account_id, debtor_id, role) VALUES ($1, $2, $3, 1)`,
      [sut.tenant, `acc-${id}`, `deb-${id}`],
    );
    return { debtorId: `deb-${id}`, accountId: `acc-${id}`, queue: `q-${id}` };
  };

  const queueTask = async (d: { accountId: string; queue: string }, over: Partial<NewAgentTask> = {}) =>
    (
      await sut.dataSource.transaction((tx) =>
        createAgentTask(tx, sut.context.backbone.outbox, {
          tenantId: sut.tenant,
          accountId: d.accountId,
          kind: 'call',
          queue: d.queue,
          reason: 'strategy escalation',
          causedByEventId: `cause-${++n}`,
          now: sut.clock.now(),
          ...over,
        }),
      )
    ).task;

  /** Set up as the tenant's integration (an API key): agents are the tenant's configuration. */
  const agent = (d: { queue: string }, skills: NewAgentTask['kind'][] = ['call']) =>
    runWithPrincipal({ tenantId: sut.tenant, subject: 'test', kind: 'api-key', roles: [] }, () =>
      queue.putAgent(sut.tenant, {
        agentId: `agent-${d.queue}`,
        name: '',
        skills,
        languages: [],
        segments: [],
        queues: [d.queue],
        capacity: 100,
        active: true,
      }),
    );
  const claimNext = (d: { queue: string }) => queue.claim(sut.tenant, `agent-${d.queue}`);
  const complete = (d: { queue: string }, taskId: string, outcome: 'no_answer' | 'right_party_contact') =>
    queue.complete(sut.tenant, `agent-${d.queue}`, taskId, { outcome });

  it('a Colombian debtor escalated late on a Saturday is not called that evening or on Sunday, and is on Monday at 07:00', async () => {
    const d = await debtor();
    await agent(d);
    sut.clock.set(bogota('2026-03-07', '14:55'));
    const task = await queueTask(d);

    sut.clock.set(bogota('2026-03-07', '21:00'));
    expect(await claimNext(d)).toBeUndefined();
    // The agents' listing shows when it may be worked, and why not before.
    const [listed] = await queue.listTasks(sut.tenant, { queue: d.queue });
    expect(listed).toMatchObject({ id: task.id, state: 'open', due_at: bogota('2026-03-09', '07:00') });
    expect(listed.refusal_reasons.join(' ')).toMatch(/^CO-/);

    sut.clock.set(bogota('2026-03-08', '10:00'));
    expect(await claimNext(d)).toBeUndefined();
    sut.clock.set(bogota('2026-03-09', '06:59'));
    expect(await claimNext(d)).toBeUndefined();

    sut.clock.set(bogota('2026-03-09', '07:00'));
    expect(await claimNext(d)).toMatchObject({ id: task.id, state: 'claimed', agent_id: `agent-${d.queue}` });
  });

  it('a call due on a Colombian public holiday waits for the next working day; a named claim is refused with the reason', async () => {
    const d = await debtor();
    await agent(d);
    // Monday 23 March 2026: San José (19 March), moved to the Monday.
    sut.clock.set(bogota('2026-03-23', '10:00'));
    const task = await queueTask(d);
    await expect(queue.claim(sut.tenant, `agent-${d.queue}`, task.id)).rejects.toThrow(
      /may not be worked before 2026-03-24T12:00:00.000Z: CO-HOLIDAYS/,
    );
    expect(await claimNext(d)).toBeUndefined();
    sut.clock.set(bogota('2026-03-24', '07:00'));
    expect(await claimNext(d)).toMatchObject({ id: task.id, state: 'claimed' });
  });

  it('a bankruptcy hold arriving after a call was queued cancels it: never handed out, the reason shown, at the service clock’s instant', async () => {
    const d = await debtor();
    await agent(d, ['call', 'field_visit']);
    sut.clock.set(bogota('2026-03-10', '09:00'));
    const call = await queueTask(d);
    const visit = await queueTask(d, { kind: 'field_visit' });
    // The handlers as the service wires them: its clock (simulated here, months from the machine's).
    const debtorFactHandlers = debtorFactHandlersOf({
      clock: sut.context.clock,
      logger: sut.context.logger,
      repo: sut.app.app.get(PlannerRepository),
    });
    await sut.dataSource.transaction((tx) =>
      debtorFactHandlers['collections.ledger.v1.HoldChanged']!(
        {
          id: `hold-${d.debtorId}`,
          type: 'collections.ledger.v1.HoldChanged',
          tenantId: sut.tenant,
          payload: {
            holdId: `bk-${d.debtorId}`,
            debtorId: d.debtorId,
            kind: ledger.HoldKind.HOLD_KIND_BANKRUPTCY,
            active: true,
          },
        } as unknown as Parameters<NonNullable<(typeof debtorFactHandlers)['collections.ledger.v1.HoldChanged']>>[0],
        { tx, outbox: sut.context.backbone.outbox },
      ),
    );

    expect(await claimNext(d)).toBeUndefined();
    for (const t of [call, visit]) {
      const cancelled = await queue.getTask(sut.tenant, t.id);
      expect(cancelled).toMatchObject({ state: 'cancelled', refusal_next_permitted_at: null });
      expect(cancelled.refusal_reasons.join(' ')).toMatch(/bankruptcy/i);
      // Refused, and the refusal on record, when the service's clock says the hold arrived.
      expect(cancelled.refused_at).toEqual(bogota('2026-03-10', '09:00'));
      expect(
        await sut.dataSource.query(`SELECT decided_at FROM contact_decision WHERE caused_by_event = $1`, [
          `agent-task:${t.id}`,
        ]),
      ).toEqual([{ decided_at: bogota('2026-03-10', '09:00') }]);
    }
    expect(await queue.listTasks(sut.tenant, { queue: d.queue })).toEqual([]);
  });

  it('counts agents’ calls towards Regulation F’s seven calls in seven days: the eighth is not handed out', async () => {
    const d = await debtor('US', 'America/New_York');
    await agent(d);
    for (let day = 2; day <= 5; day++)
      for (const time of ['10:00', '15:00']) {
        if (day === 5 && time === '15:00') break; // seven calls: 2, 3, 4 March twice, 5 March once
        sut.clock.set(newYork(`2026-03-0${day}`, time));
        const t = await queueTask(d);
        expect(await claimNext(d)).toMatchObject({ id: t.id });
        await complete(d, t.id, 'no_answer');
      }
    sut.clock.set(newYork('2026-03-06', '10:00'));
    const eighth = await queueTask(d);
    expect(await claimNext(d)).toBeUndefined();
    const refused = await queue.getTask(sut.tenant, eighth.id);
    expect(refused.refusal_reasons.join(' ')).toMatch(/US-CALLS-7-IN-7/);
    // Due again when the first call leaves the seven days.
    expect(refused.state).toBe('open');
    expect(refused.due_at.getTime()).toBeGreaterThan(sut.clock.now().getTime());
  });

  it('a US debtor reached by an agent yesterday is not called again today (a call within 7 days of a conversation)', async () => {
    const d = await debtor('US', 'America/New_York');
    await agent(d);
    sut.clock.set(newYork('2026-03-02', '11:00'));
    const first = await queueTask(d);
    await claimNext(d);
    await complete(d, first.id, 'right_party_contact');
    sut.clock.set(newYork('2026-03-03', '11:00'));
    const again = await queueTask(d);
    expect(await claimNext(d)).toBeUndefined();
    expect((await queue.getTask(sut.tenant, again.id)).refusal_reasons.join(' ')).toMatch(/US-CALL-AFTER-CONVERSATION/);
  });

  it('never hands out a call at a moment the contact law refuses, and always one it allows (property)', async () => {
    const repo = new PlannerRepository();
    // Any minute of two weeks around Colombian holidays (19–23 March 2026: San José on Monday 23).
    const start = bogota('2026-03-14', '00:00').getTime();
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 14 * 24 * 60 - 1 }), async (minute) => {
        const d = await debtor();
        await agent(d);
        const at = new Date(start + minute * 60_000);
        sut.clock.set(at);
        const task = await queueTask(d);
        const claimed = await claimNext(d);
        const facts = (await repo.debtorOf(sut.dataSource, sut.tenant, d.accountId))!;
        const verdict = checkPolicy('call', facts, [], at, d.accountId);
        expect(claimed?.id === task.id).toBe(verdict.allowed);
        if (!verdict.allowed)
          expect((await queue.getTask(sut.tenant, task.id)).due_at).toEqual(verdict.nextPermittedAt);
      }),
      { numRuns: 25 },
    );
  });

  it('shows a cancelled task over the API with its state and the contact law’s reasons', async () => {
    const d = await debtor();
    await agent(d);
    sut.clock.set(bogota('2026-03-10', '09:00'));
    const t = await queueTask(d);
    await sut.dataSource.query(
      `INSERT INTO debtor_channel_opt_out (tenant_id, debtor_id, channel, recorded_at) VALUES ($1, $2, 'call', $3)`,
      [sut.tenant, d.debtorId, sut.clock.now()],
    );
    const res = await fetch(`${sut.app.httpUrl}/v1/orchestrator/agent-tasks?state=open&queue=${d.queue}`, {
      headers: { 'x-api-key': sut.apiKey },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { tasks: unknown[] }).tasks).toEqual([]);
    const one = await fetch(`${sut.app.httpUrl}/v1/orchestrator/agent-tasks/${t.id}`, {
      headers: { 'x-api-key': sut.apiKey },
    });
    const body = (await one.json()) as { state: string; refusal: { reasons: string[] } };
    expect(body.state).toBe('AGENT_TASK_STATE_CANCELLED');
    expect(body.refusal.reasons.join(' ')).toMatch(/CO-OPT-OUT/);
  });

  it('records the voice bot’s and agents’ calls with the debtor called', async () => {
    const d = await debtor();
    await sut.dataSource.transaction((tx) =>
      recordCallOutcome(
        tx,
        sut.context.backbone.outbox,
        {
          tenantId: sut.tenant,
          accountId: d.accountId,
          source: 'voice_bot',
          outcome: 'right_party_contact',
          causedBy: `call:CA-${d.debtorId}`,
          now: sut.clock.now(),
        },
        sut.app.app.get(AgentTaskContactLaw),
      ),
    );
    expect(
      await sut.dataSource.query(`SELECT debtor_id, channel FROM agent_call_outcome WHERE caused_by = $1`, [
        `call:CA-${d.debtorId}`,
      ]),
    ).toEqual([{ debtor_id: d.debtorId, channel: 'call' }]);
  });
});
