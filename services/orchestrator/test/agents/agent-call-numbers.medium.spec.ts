import { Metadata, ServiceError, status } from '@grpc/grpc-js';
import { ledger, orchestratorAgents as pb } from '@collections/contracts';
import { grpcClient, metadataFromPrincipalHeaders } from '@collections/platform';
import { ServiceUnderTest, scrapeSeries, startServiceUnderTest, waitFor } from '@collections/testing';
import { createAgentTask } from '../../src/agents';
import { GrpcContactDirectory } from '../../src/dispatch/contact-directory';
import { createOrchestratorService } from '../../src/orchestrator.service';
import { LedgerDirectoryStandIn, ledgerDirectoryStandIn } from '../support/ledger-directory-stand-in';
import { published } from '../support/outbox-events';

/** Chicago on daylight time (from 8 March 2026): UTC−5. Tuesday 10 March 2026. */
const chicago = (time: string, date = '2026-03-10') => new Date(`${date}T${time}:00-05:00`);
const WORK = '+13125550101';
const HOME = '+13125550102';
const LEDGER_KEY = 'ledger-key-of-the-tenant';

const phone = (value: string, verified: boolean, workplaceForbidden: boolean): ledger.ContactPoint => ({
  type: 'phone',
  value,
  verified,
  consentedChannels: [],
  workplaceForbidden,
});

/**
 * An agent's call under Regulation F §1006.6(b): the number the claim hands the agent is never one at
 * a workplace whose employer forbids the call while the debtor has another, a debtor whose only
 * number is such a workplace is not called (US-WORKPLACE, the decision recorded and counted), and a
 * call inside the times the debtor said are inconvenient waits for their end (US-INCONVENIENT).
 * Through the real AgentQueueService over gRPC, real PostgreSQL, the ledger's ExportDebtor over gRPC.
 */
describe('the number an agent is given to call, under the debtor’s workplace and inconvenient times', () => {
  let sut: ServiceUnderTest;
  let ledgerStandIn: LedgerDirectoryStandIn;
  let directory: GrpcContactDirectory | undefined;
  let client: ReturnType<typeof grpcClient<typeof pb.AgentQueueServiceService>>;
  let md: () => Metadata;
  const debtors = new Map<string, ledger.Debtor>();
  /** Run while the ledger is being asked for a number, before it answers. */
  let whileLedgerAsked: (() => Promise<void>) | undefined;
  let n = 0;

  beforeAll(async () => {
    ledgerStandIn = await ledgerDirectoryStandIn(debtors, LEDGER_KEY);
    await ledgerStandIn.start();
    sut = await startServiceUnderTest(
      // The tenant is named when the service starts: the directory is made for it on first use.
      createOrchestratorService({
        directory: {
          addressesOf: async (tenantId, debtorId) => {
            await whileLedgerAsked?.();
            return (directory ??= new GrpcContactDirectory(
              ledgerStandIn.address,
              `${tenantId}:${LEDGER_KEY}`,
            )).addressesOf(tenantId, debtorId);
          },
          close: () => directory?.close(),
        },
      }),
      chicago('09:00'),
    );
    client = grpcClient(pb.AgentQueueServiceService, sut.app.grpcAddress);
    md = () => metadataFromPrincipalHeaders({ apiKey: sut.apiKey });
  });
  afterAll(async () => {
    client?.close();
    directory?.close();
    await sut?.close();
    ledgerStandIn?.stop();
  });

  const failure = (p: Promise<unknown>) =>
    p.then(
      () => ({ code: status.OK, details: '' }),
      (err: ServiceError) => ({ code: err.code, details: err.details }),
    );

  /**
   * A US debtor in Chicago with these numbers in the ledger, one account and a call task queued for
   * an agent of their own; `facts`: what the orchestrator was told (DebtorUpserted), by default no
   * inconvenient time and no channel barred (facts that lag the ledger's contact points); `task`:
   * the queue it is put in (by default one of its own) and when it is due (by default now).
   */
  async function callTaskFor(
    phones: ledger.ContactPoint[],
    facts: { inconvenient?: object[]; workplaceForbiddenChannels?: string[] } = {},
    task: { queue?: string; dueAt?: Date } = {},
  ) {
    const id = `${++n}`;
    const debtorId = `deb-num-${id}`;
    const accountId = `acc-num-${id}`;
    const queue = task.queue ?? `q-num-${id}`;
    debtors.set(debtorId, ledger.Debtor.fromPartial({ debtorId, displayName: 'Dana Night', contactPoints: phones }));
    await sut.dataSource.query(
      `INSERT INTO debtor_profile (tenant_id, debtor_id, time_zone, country, consented_channels, inconvenient_times,
                                   workplace_forbidden_channels)
       VALUES ($1, $2, 'America/Chicago', 'US', '{call}', $3, $4)`,
      [sut.tenant, debtorId, JSON.stringify(facts.inconvenient ?? []), facts.workplaceForbiddenChannels ?? []],
    );
    await sut.dataSource.query(
      `INSERT INTO account_party (tenant_id, account_id, debtor_id, role) VALUES ($1, $2, $3, 1)`,
      [sut.tenant, accountId, debtorId],
    );
    await client.putAgent(
      {
        agent: {
          agentId: `agent-${id}`,
          name: '',
          skills: [pb.AgentTaskKind.AGENT_TASK_KIND_CALL],
          languages: [],
          segments: [],
          queues: [queue],
          capacity: 5,
          active: true,
          claimed: 0,
        },
      },
      md(),
    );
    const { task: created } = await sut.dataSource.transaction((tx) =>
      createAgentTask(tx, sut.context.backbone.outbox, {
        tenantId: sut.tenant,
        accountId,
        kind: 'call',
        queue,
        reason: 'strategy escalation',
        causedByEventId: `num-cause-${id}`,
        ...(task.dueAt ? { dueAt: task.dueAt } : {}),
        now: sut.clock.now(),
      }),
    );
    const agentId = `agent-${id}`;
    return {
      task: created,
      accountId,
      queue,
      agentId,
      claimNext: () => client.claimAgentTask({ agentId, taskId: '' }, md()),
      claim: () => client.claimAgentTask({ agentId, taskId: created.id }, md()),
    };
  }

  /** The open tasks of a queue, as an agent's screen lists them. */
  const openTasks = async (queue: string, limit = 0) =>
    (await client.listAgentTasks({ queue, state: 0, agentId: '', limit }, md())).tasks;

  const decisions = (taskId: string) =>
    sut.dataSource.query(
      `SELECT allowed, reasons FROM contact_decision WHERE tenant_id = $1 AND caused_by_event = $2 ORDER BY decided_at`,
      [sut.tenant, `agent-task:${taskId}`],
    ) as Promise<{ allowed: boolean; reasons: string[] }[]>;

  it('hands the agent the debtor’s home number, not the verified work number whose employer forbids calls', async () => {
    sut.clock.set(chicago('11:00'));
    const { task, claimNext } = await callTaskFor([phone(WORK, true, true), phone(HOME, false, false)]);

    const claimed = await claimNext();

    expect(claimed).toMatchObject({ found: true, phone: HOME, task: { taskId: task.id } });
    expect(await decisions(task.id)).toEqual([{ allowed: true, reasons: [] }]);
  });

  it('does not give the call to any agent when the debtor’s only number is at a workplace that forbids it: refused as US-WORKPLACE, recorded and counted', async () => {
    sut.clock.set(chicago('11:00'));
    // The orchestrator's facts do not know it yet (DebtorUpserted not here): the ledger's number does.
    const { task, claim, claimNext } = await callTaskFor([phone(WORK, true, true)]);
    // The pack's workplace rule is counted as the dispatcher's refusals of it are: rule `other`, refused for good.
    const refusedAtWork = async () =>
      (await scrapeSeries(sut.app.httpUrl, 'collections_contact_refusals_total', ['channel', 'rule', 'outcome']))[
        'call other refused'
      ];
    const before = await refusedAtWork();

    const named = await failure(claim());

    expect(named.code).toBe(status.FAILED_PRECONDITION);
    expect(named.details).toMatch(/is cancelled: the contact law refuses it \(US-WORKPLACE: /);
    expect(named.details).not.toContain(WORK);
    expect(await claimNext()).toMatchObject({ found: false, phone: '' });
    const shown = await client.getAgentTask({ taskId: task.id }, md());
    expect(shown.task).toMatchObject({ state: pb.AgentTaskState.AGENT_TASK_STATE_CANCELLED });
    expect(shown.task?.refusal?.reasons.join(' ')).toMatch(/^US-WORKPLACE: /);
    expect(await decisions(task.id)).toEqual([{ allowed: false, reasons: [expect.stringMatching(/^US-WORKPLACE: /)] }]);
    const cancelled = (await published(sut, 'collections.orchestrator.v1.AgentTaskCancelled')).find(
      (e) => e.taskId === task.id,
    );
    expect(cancelled).toMatchObject({
      reasons: ['US-WORKPLACE'],
      cause: pb.AgentTaskCancelCause.AGENT_TASK_CANCEL_CAUSE_CLAIM,
    });
    expect((await refusedAtWork()) - before).toBe(1);
  });

  it('refuses a "next" claim of a call whose only number is at a workplace that forbids it once, on that number, and answers none', async () => {
    sut.clock.set(chicago('11:00'));
    const { task, claimNext } = await callTaskFor([phone(WORK, true, true)]);

    expect(await claimNext()).toMatchObject({ found: false, phone: '' });

    const shown = await client.getAgentTask({ taskId: task.id }, md());
    expect(shown.task).toMatchObject({ state: pb.AgentTaskState.AGENT_TASK_STATE_CANCELLED });
    expect(await decisions(task.id)).toEqual([{ allowed: false, reasons: [expect.stringMatching(/^US-WORKPLACE: /)] }]);
  });

  it('leaves out of the open listing a call whose debtor’s only number is a workplace that forbids calls by the orchestrator’s facts, and lists one whose debtor has another number', async () => {
    sut.clock.set(chicago('08:00'));
    const later = { dueAt: chicago('14:00') };
    const barredFacts = { workplaceForbiddenChannels: ['call', 'sms', 'whatsapp'] };
    // Queued for this afternoon (an escalation, a call deferred by the law): not due yet.
    const barred = await callTaskFor([phone(WORK, true, true)], barredFacts, later);
    const lawful = await callTaskFor([phone(WORK, true, true), phone(HOME, false, false)], {}, later);
    let ledgerAsked = 0;
    whileLedgerAsked = async () => void ledgerAsked++;
    try {
      expect(await openTasks(barred.queue)).toEqual([]);
      expect(await openTasks(lawful.queue)).toEqual([
        expect.objectContaining({
          taskId: lawful.task.id,
          state: pb.AgentTaskState.AGENT_TASK_STATE_OPEN,
          dueAt: chicago('14:00'),
        }),
      ]);
    } finally {
      whileLedgerAsked = undefined;
    }
    // The listing reads the orchestrator's own facts: no ledger call per task listed.
    expect(ledgerAsked).toBe(0);
    const shown = await client.getAgentTask({ taskId: barred.task.id }, md());
    expect(shown.task).toMatchObject({ state: pb.AgentTaskState.AGENT_TASK_STATE_CANCELLED });
    expect(shown.task?.refusal?.reasons.join(' ')).toMatch(/^US-WORKPLACE: /);
    expect(await decisions(barred.task.id)).toEqual([
      { allowed: false, reasons: [expect.stringMatching(/^US-WORKPLACE: /)] },
    ]);
    expect(
      (await published(sut, 'collections.orchestrator.v1.AgentTaskCancelled')).find((e) => e.taskId === barred.task.id),
    ).toMatchObject({ reasons: ['US-WORKPLACE'], cause: pb.AgentTaskCancelCause.AGENT_TASK_CANCEL_CAUSE_LISTING });
    expect(await decisions(lawful.task.id)).toEqual([]);
  });

  it('screens the call that takes the place of one the listing left out: a page of one shows the lawful call, not the next barred one', async () => {
    sut.clock.set(chicago('11:00'));
    const queue = `q-num-page-${n}`;
    const barredFacts = { workplaceForbiddenChannels: ['call', 'sms', 'whatsapp'] };
    const first = await callTaskFor([phone(WORK, true, true)], barredFacts, { queue, dueAt: chicago('10:00') });
    const second = await callTaskFor([phone(WORK, true, true)], barredFacts, { queue, dueAt: chicago('10:30') });
    const lawful = await callTaskFor([phone(HOME, true, false)], {}, { queue, dueAt: chicago('10:45') });

    expect((await openTasks(queue, 1)).map((t) => t.taskId)).toEqual([lawful.task.id]);
    for (const barred of [first, second])
      expect((await client.getAgentTask({ taskId: barred.task.id }, md())).task).toMatchObject({
        state: pb.AgentTaskState.AGENT_TASK_STATE_CANCELLED,
      });
  });

  it('defers a call inside the debtor’s "not before 10:00 on weekdays" until 10:00 in Chicago, then gives it with the home number', async () => {
    const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri'].map((day) => ({ day, from: '00:00', to: '10:00' }));
    sut.clock.set(chicago('09:00'));
    const { task, claim, claimNext } = await callTaskFor([phone(WORK, true, true), phone(HOME, false, false)], {
      inconvenient: weekdays,
    });

    const named = await failure(claim());
    expect(named).toEqual({
      code: status.FAILED_PRECONDITION,
      details: expect.stringMatching(/may not be worked before 2026-03-10T15:00:00.000Z: US-INCONVENIENT: /),
    });
    expect(await claimNext()).toMatchObject({ found: false });
    const [listed] = (await client.listAgentTasks({ queue: `q-num-${n}`, state: 0, agentId: '', limit: 0 }, md()))
      .tasks;
    expect(listed).toMatchObject({
      taskId: task.id,
      state: pb.AgentTaskState.AGENT_TASK_STATE_OPEN,
      dueAt: chicago('10:00'),
    });

    sut.clock.set(chicago('09:59'));
    expect(await claimNext()).toMatchObject({ found: false });
    sut.clock.set(chicago('10:00'));
    expect(await claimNext()).toMatchObject({ found: true, phone: HOME, task: { taskId: task.id } });
  });

  it('asks the ledger for the number with no transaction open: the agent and the task are not locked meanwhile', async () => {
    sut.clock.set(chicago('12:00'));
    const { task, agentId, claim, claimNext } = await callTaskFor([phone(HOME, true, false)]);
    const second = await callTaskFor([phone(HOME, true, false)]);
    const lockedWhileAsked: string[] = [];
    // From another connection: a claim holding its transaction across the ledger's answer would
    // hold these rows (and, embedded, the one database session the ledger needs to answer).
    whileLedgerAsked = async () => {
      for (const [what, sql, params] of [
        [
          'agent',
          `SELECT 1 FROM agent_profile WHERE tenant_id = $1 AND agent_id = $2 FOR UPDATE NOWAIT`,
          [sut.tenant, agentId],
        ],
        ['task', `SELECT 1 FROM agent_task WHERE tenant_id = $1 AND id = $2 FOR UPDATE NOWAIT`, [sut.tenant, task.id]],
        [
          'task',
          `SELECT 1 FROM agent_task WHERE tenant_id = $1 AND id = $2 FOR UPDATE NOWAIT`,
          [sut.tenant, second.task.id],
        ],
      ] as const)
        await sut.dataSource.query(sql, [...params]).catch(() => lockedWhileAsked.push(what));
    };
    try {
      expect(await claim()).toMatchObject({ found: true, phone: HOME, task: { taskId: task.id } });
      expect(await second.claimNext()).toMatchObject({ found: true, phone: HOME, task: { taskId: second.task.id } });
    } finally {
      whileLedgerAsked = undefined;
    }
    expect(lockedWhileAsked).toEqual([]);
    expect(await decisions(task.id)).toEqual([{ allowed: true, reasons: [] }]);
    expect(await decisions(second.task.id)).toEqual([{ allowed: true, reasons: [] }]);
    expect(await claimNext()).toMatchObject({ found: false });
  });

  it('refuses a claim while the ledger cannot be asked for the number, and leaves the task to be claimed', async () => {
    sut.clock.set(chicago('12:00'));
    const { task, claimNext } = await callTaskFor([phone(HOME, true, false)]);
    ledgerStandIn.stop();
    try {
      expect((await failure(claimNext())).code).toBe(status.UNAVAILABLE);
    } finally {
      await ledgerStandIn.start();
    }
    // The ledger back (the directory's channel reconnects on its own): the task is claimed with its number.
    const claimed = await waitFor(() => claimNext().catch(() => undefined), {
      message: 'a claim with the ledger back',
    });
    expect(claimed).toMatchObject({ found: true, phone: HOME, task: { taskId: task.id } });
  });
});
