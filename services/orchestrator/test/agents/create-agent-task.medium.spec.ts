import { orchestratorAgents } from '@collections/contracts';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { createAgentTask } from '../../src/agents';
import { orchestratorService } from '../../src/orchestrator.service';
import { published } from '../support/outbox-events';

describe('createAgentTask (real PostgreSQL)', () => {
  let sut: ServiceUnderTest;

  beforeAll(async () => {
    sut = await startServiceUnderTest(orchestratorService);
  });

  afterAll(async () => {
    await sut?.close();
  });

  const create = (input: Partial<Parameters<typeof createAgentTask>[2]> & { causedByEventId: string }) =>
    sut.dataSource.transaction((tx) =>
      createAgentTask(tx, sut.context.backbone.outbox, {
        tenantId: sut.tenant,
        accountId: 'acc-1',
        kind: 'call',
        queue: 'early-stage',
        reason: 'strategy step: agent call',
        now: sut.clock.now(),
        ...input,
      }),
    );

  it('queues a call task and publishes AgentTaskCreated in the same transaction', async () => {
    const dueAt = new Date('2026-03-03T14:00:00Z');
    const { task, created } = await create({
      causedByEventId: 'evt-1',
      segment: 'needs_negotiation',
      language: 'ES',
      dueAt,
    });
    expect(created).toBe(true);
    expect(task).toMatchObject({ state: 'open', agent_id: null, language: 'es', due_at: dueAt });
    expect(await published(sut, 'collections.orchestrator.v1.AgentTaskCreated')).toEqual([
      {
        taskId: task.id,
        accountId: 'acc-1',
        kind: orchestratorAgents.AgentTaskKind.AGENT_TASK_KIND_CALL,
        queue: 'early-stage',
        segment: 'needs_negotiation',
        language: 'es',
        reason: 'strategy step: agent call',
        causedByEventId: 'evt-1',
        dueAt,
        createdAt: sut.clock.now(),
      },
    ]);
  });

  it('creates one task per tenant and cause, however often the cause is delivered', async () => {
    const first = await create({ causedByEventId: 'evt-2', kind: 'negotiate' });
    const again = await create({ causedByEventId: 'evt-2', kind: 'negotiate' });
    expect(again).toEqual({ task: first.task, created: false });
    const events = await published(sut, 'collections.orchestrator.v1.AgentTaskCreated');
    expect(events.filter((e) => e.causedByEventId === 'evt-2')).toHaveLength(1);
    // The same cause in another tenant is another task.
    const other = await create({ causedByEventId: 'evt-2', kind: 'negotiate', tenantId: 'another-tenant' });
    expect(other.created).toBe(true);
    expect(other.task.id).not.toBe(first.task.id);
  });

  it('rolls the task back with the caller when the caller fails', async () => {
    await expect(
      sut.dataSource.transaction(async (tx) => {
        await createAgentTask(tx, sut.context.backbone.outbox, {
          tenantId: sut.tenant,
          accountId: 'acc-3',
          kind: 'call',
          queue: 'q',
          reason: 'r',
          causedByEventId: 'evt-3',
          now: sut.clock.now(),
        });
        throw new Error('the caller failed');
      }),
    ).rejects.toThrow('the caller failed');
    expect(await sut.dataSource.query(`SELECT * FROM agent_task WHERE caused_by_event_id = 'evt-3'`)).toEqual([]);
    const events = await published(sut, 'collections.orchestrator.v1.AgentTaskCreated');
    expect(events.filter((e) => e.causedByEventId === 'evt-3')).toEqual([]);
  });

  it('refuses a task without an account, queue or cause, naming each', async () => {
    await expect(create({ causedByEventId: '', accountId: '', queue: ' ' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      details: { errors: ['accountId is required', 'queue is required', 'causedByEventId is required'] },
    });
  });
});
