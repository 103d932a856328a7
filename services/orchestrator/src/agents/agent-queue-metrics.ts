import { ServiceContext, registerQueueGauges } from '@collections/runtime';

export const AGENT_TASKS_OPEN_METRIC = 'collections_agent_tasks_open';
export const AGENT_TASKS_OLDEST_DUE_METRIC = 'collections_agent_tasks_oldest_due_seconds';

interface OpenTasks {
  tenant_id: string;
  queue: string;
  open: string;
  oldest_due: string;
}

/**
 * The human agents' work queues as a call-centre supervisor watches them: the tasks no agent has
 * claimed yet (calls after a broken promise or a failed bot call, replies to review, negotiations),
 * by tenant and queue.
 *
 * - `collections_agent_tasks_open`: how many wait, whether due yet or not;
 * - `collections_agent_tasks_oldest_due_seconds`: the earliest due time among them (Unix
 *   seconds), absent while none waits: `time() - …` is how long the most overdue one has waited
 *   (negative while every one is due later).
 *
 * Read from `agent_task` on every scrape (its open rows, which a partial index holds), as
 * `registerQueueGauges` reads a queue: a claim shows at the next scrape whichever replica took it,
 * and a queue that empties reads 0 (no due time). No account, agent or reason: the tasks
 * themselves are ListAgentTasks.
 */
export function registerAgentQueueMetrics(ctx: Pick<ServiceContext, 'metrics' | 'dataSource'>): void {
  registerQueueGauges<'tenant_id' | 'queue', OpenTasks>(ctx, {
    sql: `SELECT tenant_id, queue, count(*)::bigint AS open, floor(extract(epoch FROM min(due_at)))::bigint AS oldest_due
            FROM agent_task WHERE state = 'open'
           GROUP BY tenant_id, queue`,
    labels: ['tenant_id', 'queue'],
    gauges: [
      {
        name: AGENT_TASKS_OPEN_METRIC,
        help: 'Agent tasks no agent has claimed yet (calls, replies to review, negotiations), due or not, by tenant and queue',
        value: (r) => Number(r.open),
        emptied: 0,
      },
      {
        name: AGENT_TASKS_OLDEST_DUE_METRIC,
        help: 'Earliest due time (Unix seconds) of the agent tasks no agent has claimed yet, by tenant and queue; absent while none waits',
        value: (r) => Number(r.oldest_due),
      },
    ],
  });
}
