import { Metadata, ServiceError, status } from '@grpc/grpc-js';
import { ledger, orchestratorAgents as pb } from '@collections/contracts';
import { debtorFactHandlersOf } from '../../src/decisions/debtor-facts.consumer';
import { API_KEY_HEADER, grpcClient, metadataFromPrincipalHeaders } from '@collections/platform';
import { ServiceUnderTest, scrapeSeries, startServiceUnderTest } from '@collections/testing';
import { AGENT_TASKS_OLDEST_DUE_METRIC, AGENT_TASKS_OPEN_METRIC } from '../../src/agents/agent-queue-metrics';
import { createAgentTask, NewAgentTask } from '../../src/agents';
import { createOrchestratorService } from '../../src/orchestrator.service';
import { noNumbersInLedger } from '../support/ledger-directory-stand-in';
import { published } from '../support/outbox-events';

const {
  AGENT_TASK_KIND_CALL: CALL,
  AGENT_TASK_KIND_NEGOTIATE: NEGOTIATE,
  AGENT_TASK_KIND_REVIEW_REPLY: REVIEW,
} = pb.AgentTaskKind;

describe('agent work queues (gRPC and REST, real PostgreSQL)', () => {
  let sut: ServiceUnderTest;
  let client: ReturnType<typeof grpcClient<typeof pb.AgentQueueServiceService>>;
  let md: () => Metadata;
  let mdOther: () => Metadata;
  let cause = 0;

  beforeAll(async () => {
    sut = await startServiceUnderTest(createOrchestratorService({ directory: noNumbersInLedger }));
    client = grpcClient(pb.AgentQueueServiceService, sut.app.grpcAddress);
    md = () => metadataFromPrincipalHeaders({ apiKey: sut.apiKey });
    mdOther = () => metadataFromPrincipalHeaders({ apiKey: sut.otherApiKey });
    // A debtor in Bogotá owns acc-bog: promise dates are checked against their local day.
    // Reached once by phone (the promise below), a Colombian debtor may be contacted once that day:
    // the promise is made by a debtor of their own (deb-med) so the other tests' calls stay lawful.
    for (const [debtor, account] of [
      ['deb-bog', 'acc-bog'],
      ['deb-med', 'acc-med'],
    ]) {
      await sut.dataSource.query(
        `INSERT INTO debtor_profile (tenant_id, debtor_id, time_zone, country, consented_channels)
         VALUES ($1, $2, 'America/Bogota', 'CO', '{call}')`,
        [sut.tenant, debtor],
      );
      await sut.dataSource.query(
        `INSERT INTO account_party (tenant_id, account_id, debtor_id, role) VALUES ($1, $2, $3, 1)`,
        [sut.tenant, account, debtor],
      );
    }
  });
  afterAll(async () => {
    client.close();
    await sut.close();
  });

  const failure = (p: Promise<unknown>) =>
    p.then(
      () => ({ code: status.OK, details: '' }),
      (err: ServiceError) => ({ code: err.code, details: err.details }),
    );

  const queueTask = async (over: Partial<NewAgentTask> = {}) =>
    (
      await sut.dataSource.transaction((tx) =>
        createAgentTask(tx, sut.context.backbone.outbox, {
          tenantId: sut.tenant,
          accountId: 'acc-bog',
          kind: 'call',
          queue: 'early',
          reason: 'strategy step',
          causedByEventId: `cause-${++cause}`,
          now: sut.clock.now(),
          ...over,
        }),
      )
    ).task;

  const putAgent = (agent: Partial<pb.Agent> & { agentId: string }, metadata = md()) =>
    client.putAgent(
      {
        agent: {
          name: '',
          skills: [CALL],
          languages: [],
          segments: [],
          queues: [],
          capacity: 1,
          active: true,
          claimed: 0,
          ...agent,
        },
      },
      metadata,
    );

  it('gives each agent the oldest due task that fits its skills, language and segment', async () => {
    await putAgent({
      agentId: 'ana',
      skills: [CALL, NEGOTIATE],
      languages: ['es'],
      segments: ['hardship'],
      queues: ['q1'],
      capacity: 5,
    });
    await putAgent({ agentId: 'bob', skills: [REVIEW], languages: ['en'], queues: ['q1'], capacity: 5 });
    const ptCall = await queueTask({ queue: 'q1', language: 'pt' });
    const esLater = await queueTask({
      queue: 'q1',
      language: 'es',
      segment: 'hardship',
      dueAt: new Date('2026-03-02T14:30:00Z'),
    });
    const esEarlier = await queueTask({
      queue: 'q1',
      language: 'es-CO',
      segment: 'hardship',
      dueAt: new Date('2026-03-02T14:00:00Z'),
    });
    const notYetDue = await queueTask({ queue: 'q1', language: 'es', dueAt: new Date('2026-03-03T14:00:00Z') });
    const review = await queueTask({ queue: 'q1', kind: 'review_reply', language: 'en' });

    const first = await client.claimAgentTask({ agentId: 'ana', taskId: '' }, md());
    expect(first).toMatchObject({
      found: true,
      task: { taskId: esEarlier.id, agentId: 'ana', state: pb.AgentTaskState.AGENT_TASK_STATE_CLAIMED },
    });
    expect((await client.claimAgentTask({ agentId: 'ana', taskId: '' }, md())).task?.taskId).toBe(esLater.id);
    // The Portuguese call and the review are not for Ana; tomorrow's task is not due yet.
    expect(await client.claimAgentTask({ agentId: 'ana', taskId: '' }, md())).toEqual({ found: false, phone: '' });
    expect((await client.claimAgentTask({ agentId: 'bob', taskId: '' }, md())).task?.taskId).toBe(review.id);

    const named = await failure(client.claimAgentTask({ agentId: 'ana', taskId: ptCall.id }, md()));
    expect(named).toEqual({
      code: status.FAILED_PRECONDITION,
      details: `agent task ${ptCall.id} does not fit agent ana`,
    });
    const { tasks } = await client.listAgentTasks({ state: 0, queue: 'q1', agentId: '', limit: 0 }, md());
    expect(tasks.map((t) => t.taskId)).toEqual([ptCall.id, notYetDue.id]);
  });

  it('respects capacity: an agent holding its capacity claims nothing more until it completes one', async () => {
    await putAgent({ agentId: 'cap', queues: ['q-cap'], capacity: 1 });
    const a = await queueTask({ queue: 'q-cap' });
    const b = await queueTask({ queue: 'q-cap' });
    // Two claims at once by the same agent: its row is locked per claim, so only one is granted.
    const both = await Promise.all([
      failure(client.claimAgentTask({ agentId: 'cap', taskId: a.id }, md())),
      failure(client.claimAgentTask({ agentId: 'cap', taskId: b.id }, md())),
    ]);
    expect(both.map((r) => r.code).sort()).toEqual([status.OK, status.FAILED_PRECONDITION].sort());
    expect((await client.getAgent({ agentId: 'cap' }, md())).agent).toMatchObject({ capacity: 1, claimed: 1 });
    const held = (
      await client.listAgentTasks(
        { state: pb.AgentTaskState.AGENT_TASK_STATE_CLAIMED, queue: 'q-cap', agentId: 'cap', limit: 0 },
        md(),
      )
    ).tasks[0];
    await client.completeAgentTask(
      { agentId: 'cap', taskId: held.taskId, outcome: pb.CallOutcome.CALL_OUTCOME_NO_ANSWER, promisedDate: '' },
      md(),
    );
    expect((await client.claimAgentTask({ agentId: 'cap', taskId: '' }, md())).found).toBe(true);
  });

  it('gives a task to exactly one of two agents claiming it at the same moment', async () => {
    await putAgent({ agentId: 'race-1', queues: ['q-race'], capacity: 10 });
    await putAgent({ agentId: 'race-2', queues: ['q-race'], capacity: 10 });
    for (let round = 0; round < 5; round++) {
      const t = await queueTask({ queue: 'q-race' });
      const named = await Promise.all([
        failure(client.claimAgentTask({ agentId: 'race-1', taskId: t.id }, md())),
        failure(client.claimAgentTask({ agentId: 'race-2', taskId: t.id }, md())),
      ]);
      expect(named.filter((r) => r.code === status.OK)).toHaveLength(1);
      expect(named.find((r) => r.code !== status.OK)).toEqual({
        code: status.FAILED_PRECONDITION,
        details: `agent task ${t.id} is claimed`,
      });

      const next = await queueTask({ queue: 'q-race' });
      const claims = await Promise.all([
        client.claimAgentTask({ agentId: 'race-1', taskId: '' }, md()),
        client.claimAgentTask({ agentId: 'race-2', taskId: '' }, md()),
      ]);
      expect(claims.filter((c) => c.found).map((c) => c.task?.taskId)).toEqual([next.id]);
    }
  });

  it('records a promise outcome and publishes it with its amount and date', async () => {
    await putAgent({ agentId: 'closer', skills: [NEGOTIATE], queues: ['q-promise'], capacity: 3 });
    const t = await queueTask({ queue: 'q-promise', kind: 'negotiate', accountId: 'acc-med' });
    await client.claimAgentTask({ agentId: 'closer', taskId: t.id }, md());
    const money = { amountMinor: 50_000_00, currency: 'COP' };
    // 15:00Z is 10:00 in Bogotá, 2 March: yesterday is refused, today is accepted.
    const early = await failure(
      client.completeAgentTask(
        {
          agentId: 'closer',
          taskId: t.id,
          outcome: pb.CallOutcome.CALL_OUTCOME_PROMISE,
          promisedAmount: money,
          promisedDate: '2026-03-01',
        },
        md(),
      ),
    );
    expect(early.code).toBe(status.INVALID_ARGUMENT);
    const done = await client.completeAgentTask(
      {
        agentId: 'closer',
        taskId: t.id,
        outcome: pb.CallOutcome.CALL_OUTCOME_PROMISE,
        promisedAmount: money,
        promisedDate: '2026-03-06',
      },
      md(),
    );
    expect(done.task).toMatchObject({
      state: pb.AgentTaskState.AGENT_TASK_STATE_COMPLETED,
      outcome: pb.CallOutcome.CALL_OUTCOME_PROMISE,
    });
    const events = await published(sut, 'collections.orchestrator.v1.CallOutcomeRecorded');
    expect(events.filter((e) => e.taskId === t.id)).toEqual([
      expect.objectContaining({
        accountId: 'acc-med',
        agentId: 'closer',
        source: pb.CallOutcomeSource.CALL_OUTCOME_SOURCE_AGENT,
        outcome: pb.CallOutcome.CALL_OUTCOME_PROMISE,
        promisedAmount: money,
        promisedDate: '2026-03-06',
      }),
    ]);
    // Completing twice is refused: the task is no longer held.
    const again = await failure(
      client.completeAgentTask(
        { agentId: 'closer', taskId: t.id, outcome: pb.CallOutcome.CALL_OUTCOME_REFUSAL, promisedDate: '' },
        md(),
      ),
    );
    expect(again.code).toBe(status.FAILED_PRECONDITION);
  });

  it('puts the debtor on a dispute hold when the call outcome is a dispute, and cancels their other open calls at once', async () => {
    await putAgent({ agentId: 'disp', queues: ['q-dispute'], capacity: 3 });
    const t = await queueTask({ queue: 'q-dispute' });
    const followUp = await queueTask({ queue: 'q-dispute-later' });
    await client.claimAgentTask({ agentId: 'disp', taskId: t.id }, md());
    const completed = await client.completeAgentTask(
      { agentId: 'disp', taskId: t.id, outcome: pb.CallOutcome.CALL_OUTCOME_DISPUTE, promisedDate: '' },
      md(),
    );
    expect(completed.task?.state).toBe(pb.AgentTaskState.AGENT_TASK_STATE_COMPLETED);
    expect(
      (await published(sut, 'collections.orchestrator.v1.AgentTaskCancelled')).filter((e) => e.taskId === followUp.id),
    ).toEqual([
      expect.objectContaining({
        cause: pb.AgentTaskCancelCause.AGENT_TASK_CANCEL_CAUSE_HOLD,
        causedBy: `agent-task:${t.id}`,
        reasons: [expect.stringMatching(/-HOLD-DISPUTE$/)],
      }),
    ]);
    expect(
      await sut.dataSource.query(
        `SELECT debtor_id, kind, active FROM debtor_hold_state WHERE tenant_id = $1 AND hold_id LIKE 'call-dispute:%'`,
        [sut.tenant],
      ),
    ).toEqual([{ debtor_id: 'deb-bog', kind: 1, active: true }]);
    // The ledger resolves the debtor's dispute: our call-dispute hold ends with it.
    const debtorFactHandlers = debtorFactHandlersOf({ clock: sut.context.clock, logger: sut.context.logger });
    await sut.dataSource.transaction((tx) =>
      debtorFactHandlers['collections.ledger.v1.HoldChanged']!(
        {
          id: 'hold-event-1',
          type: 'collections.ledger.v1.HoldChanged',
          tenantId: sut.tenant,
          payload: {
            holdId: 'ledger-hold-1',
            debtorId: 'deb-bog',
            kind: ledger.HoldKind.HOLD_KIND_DISPUTE,
            active: false,
          },
        } as unknown as Parameters<NonNullable<(typeof debtorFactHandlers)['collections.ledger.v1.HoldChanged']>>[0],
        { tx, outbox: sut.context.backbone.outbox },
      ),
    );
    expect(
      await sut.dataSource.query(
        `SELECT active FROM debtor_hold_state WHERE tenant_id = $1 AND debtor_id = 'deb-bog' AND active`,
        [sut.tenant],
      ),
    ).toEqual([]);
  });

  it("shows each queue's waiting tasks and the most overdue on /metrics, as ListAgentTasks lists them", async () => {
    /** This tenant's two gauges, as `metric queue` → value. */
    const scrape = async () => {
      const out: Record<string, number> = {};
      for (const metric of [AGENT_TASKS_OPEN_METRIC, AGENT_TASKS_OLDEST_DUE_METRIC])
        for (const [labels, value] of Object.entries(
          await scrapeSeries(sut.app.httpUrl, metric, ['tenant_id', 'queue']),
        )) {
          const [tenant, queue] = labels.split(' ');
          if (tenant === sut.tenant) out[`${metric} ${queue}`] = value;
        }
      return out;
    };
    /** The open tasks ListAgentTasks lists, in the gauges' terms. */
    const fromList = async () => {
      const { tasks } = await client.listAgentTasks({ state: 0, queue: '', agentId: '', limit: 1000 }, md());
      const out: Record<string, number> = {};
      for (const t of tasks) {
        const due = Math.floor(t.dueAt!.getTime() / 1000);
        out[`${AGENT_TASKS_OPEN_METRIC} ${t.queue}`] = (out[`${AGENT_TASKS_OPEN_METRIC} ${t.queue}`] ?? 0) + 1;
        const oldest = out[`${AGENT_TASKS_OLDEST_DUE_METRIC} ${t.queue}`];
        out[`${AGENT_TASKS_OLDEST_DUE_METRIC} ${t.queue}`] = oldest === undefined ? due : Math.min(oldest, due);
      }
      return out;
    };

    // A debtor in Bogotá no other test calls, so the law lets their calls be worked now.
    await sut.dataSource.query(
      `INSERT INTO debtor_profile (tenant_id, debtor_id, time_zone, country, consented_channels)
       VALUES ($1, 'deb-watch', 'America/Bogota', 'CO', '{call}')`,
      [sut.tenant],
    );
    await sut.dataSource.query(
      `INSERT INTO account_party (tenant_id, account_id, debtor_id, role) VALUES ($1, 'acc-watch', 'deb-watch', 1)`,
      [sut.tenant],
    );
    await putAgent({ agentId: 'mia', queues: ['q-watch'], capacity: 5 });
    const accountId = 'acc-watch';
    const overdue = await queueTask({ accountId, queue: 'q-watch', dueAt: new Date('2026-03-01T09:00:00Z') });
    await queueTask({ accountId, queue: 'q-watch' });
    await queueTask({ accountId, queue: 'q-watch-later', dueAt: new Date('2026-03-05T09:00:00Z') });
    // The listing first: it puts the due calls to the law, which may move a refused one's due time.
    const listed = await fromList();
    const watched = await scrape();
    expect(watched).toEqual(listed);
    expect({
      open: watched[`${AGENT_TASKS_OPEN_METRIC} q-watch`],
      oldestDue: watched[`${AGENT_TASKS_OLDEST_DUE_METRIC} q-watch`],
      later: watched[`${AGENT_TASKS_OLDEST_DUE_METRIC} q-watch-later`],
    }).toEqual({
      open: 2,
      oldestDue: Date.parse('2026-03-01T09:00:00Z') / 1000,
      later: Date.parse('2026-03-05T09:00:00Z') / 1000,
    });

    // Mia claims the overdue call, then the other: the queue reads 0, with no due time.
    expect((await client.claimAgentTask({ agentId: 'mia', taskId: '' }, md())).task?.taskId).toBe(overdue.id);
    expect((await scrape())[`${AGENT_TASKS_OPEN_METRIC} q-watch`]).toBe(1);
    await client.claimAgentTask({ agentId: 'mia', taskId: '' }, md());
    const listedAfter = await fromList();
    const emptied = await scrape();
    expect(emptied).toEqual({ ...listedAfter, [`${AGENT_TASKS_OPEN_METRIC} q-watch`]: 0 });
    expect(emptied[`${AGENT_TASKS_OLDEST_DUE_METRIC} q-watch`]).toBeUndefined();
  });

  it("never shows or hands out another tenant's agents and tasks", async () => {
    await putAgent({ agentId: 'mine', queues: ['q-tenancy'], capacity: 3 });
    const t = await queueTask({ queue: 'q-tenancy' });
    expect((await failure(client.getAgent({ agentId: 'mine' }, mdOther()))).code).toBe(status.NOT_FOUND);
    expect((await failure(client.getAgentTask({ taskId: t.id }, mdOther()))).code).toBe(status.NOT_FOUND);
    await putAgent({ agentId: 'mine', queues: ['q-tenancy'], capacity: 3 }, mdOther());
    expect(await client.claimAgentTask({ agentId: 'mine', taskId: '' }, mdOther())).toEqual({
      found: false,
      phone: '',
    });
    expect(
      (await client.listAgentTasks({ state: 0, queue: 'q-tenancy', agentId: '', limit: 0 }, mdOther())).tasks,
    ).toEqual([]);
  });

  it('works the same over REST, in the domain words', async () => {
    const rest = (method: string, path: string, body?: unknown) =>
      fetch(`${sut.app.httpUrl}/v1/orchestrator/${path}`, {
        method,
        headers: { [API_KEY_HEADER]: sut.apiKey, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const put = await rest('PUT', 'agents/rita', {
      skills: ['review_reply'],
      languages: ['pt'],
      queues: ['q-rest'],
      capacity: 2,
    });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ agentId: 'rita', skills: ['AGENT_TASK_KIND_REVIEW_REPLY'], capacity: 2 });
    expect((await rest('PUT', 'agents/bad', { skills: ['juggling'], capacity: 1 })).status).toBe(400);
    const t = await queueTask({ queue: 'q-rest', kind: 'review_reply', language: 'pt' });
    const claim = await rest('POST', 'agents/rita/claims', {});
    expect(await claim.json()).toMatchObject({
      found: true,
      task: { taskId: t.id, agentId: 'rita', state: 'AGENT_TASK_STATE_CLAIMED' },
    });
    const done = await rest('POST', `agent-tasks/${t.id}/complete`, { agentId: 'rita' });
    expect(done.status).toBe(200);
    expect(await done.json()).toMatchObject({ state: 'AGENT_TASK_STATE_COMPLETED' });
    const list = await rest('GET', 'agent-tasks?state=completed&queue=q-rest');
    expect(((await list.json()) as { tasks: { taskId: string }[] }).tasks.map((x) => x.taskId)).toEqual([t.id]);
  });
});
