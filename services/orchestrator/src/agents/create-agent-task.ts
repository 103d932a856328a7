import { EntityManager } from 'typeorm';
import { Outbox } from '@collections/messaging';
import { NewAgentTask, kindToProto, validateNewAgentTask } from './domain';
import { AgentTaskRow } from './agent-task.row';

export interface CreatedAgentTask {
  task: AgentTaskRow;
  /** False when a task for this tenant and cause already existed (nothing new was published). */
  created: boolean;
}

/**
 * Puts a task in an agent queue inside the caller's transaction and adds AgentTaskCreated to the
 * same transaction's outbox. Idempotent on (tenant, cause): a redelivered cause returns the task it
 * created the first time and publishes nothing.
 */
export async function createAgentTask(
  tx: EntityManager,
  outbox: Outbox,
  input: NewAgentTask,
): Promise<CreatedAgentTask> {
  const t = validateNewAgentTask(input);
  const inserted = (await tx.query(
    `INSERT INTO agent_task (tenant_id, account_id, kind, queue, segment, language, reason, caused_by_event_id, due_at, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (tenant_id, caused_by_event_id) DO NOTHING RETURNING *`,
    [t.tenantId, t.accountId, t.kind, t.queue, t.segment, t.language, t.reason, t.causedByEventId, t.dueAt, t.now],
  )) as AgentTaskRow[];
  if (inserted.length === 0) {
    const [existing] = (await tx.query(`SELECT * FROM agent_task WHERE tenant_id = $1 AND caused_by_event_id = $2`, [
      t.tenantId,
      t.causedByEventId,
    ])) as AgentTaskRow[];
    return { task: existing, created: false };
  }
  const task = inserted[0];
  await outbox.add(tx, {
    type: 'collections.orchestrator.v1.AgentTaskCreated',
    key: task.account_id || task.id,
    tenantId: t.tenantId,
    time: t.now,
    payload: {
      taskId: task.id,
      accountId: task.account_id,
      kind: kindToProto(task.kind),
      queue: task.queue,
      segment: task.segment,
      language: task.language,
      reason: task.reason,
      causedByEventId: task.caused_by_event_id,
      dueAt: task.due_at,
      createdAt: task.created_at,
    },
  });
  return { task, created: true };
}
