import { EntityManager } from 'typeorm';
import { Outbox } from '@collections/messaging';
import { CancelWhy, cancelCauseToProto, kindToProto } from './domain';
import { AgentTaskRow } from './agent-task.row';

/**
 * AgentTaskCancelled for a task just cancelled (its row as the cancelling update returned it), in
 * the same transaction's outbox. Every path that cancels a task comes here, once per task: the
 * cancelling updates only take a task that is not cancelled yet. `cancelledAt`: the instant of the
 * service's clock the task was cancelled at (a release may cancel on a refusal recorded earlier,
 * so it is not the task's `refused_at`).
 */
export async function publishAgentTaskCancelled(
  tx: EntityManager,
  outbox: Outbox,
  task: AgentTaskRow,
  cancelledAt: Date,
  why: CancelWhy,
  refusal: {
    /** The rule codes that refuse it for good (`forGoodRuleCodes`, or `erased`). */
    codes: readonly string[];
    /** The ContactDecision that refused it; null where the law was not asked (an erased debtor). */
    decisionId: string | null;
  },
): Promise<void> {
  await outbox.add(tx, {
    type: 'collections.orchestrator.v1.AgentTaskCancelled',
    key: task.account_id || task.id,
    tenantId: task.tenant_id,
    time: cancelledAt,
    payload: {
      taskId: task.id,
      accountId: task.account_id,
      kind: kindToProto(task.kind),
      queue: task.queue,
      reasons: [...refusal.codes],
      cancelledAt,
      cause: cancelCauseToProto(why.cause),
      causedBy: why.causedBy,
      decisionId: refusal.decisionId ?? '',
    },
  });
}
