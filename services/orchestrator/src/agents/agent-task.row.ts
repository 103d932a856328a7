import { orchestratorAgents } from '@collections/contracts';
import {
  AgentTaskKindName,
  AgentTaskStateName,
  CallOutcomeName,
  callOutcomeToProto,
  kindToProto,
  stateToProto,
} from './domain';

/** One agent_task row as the queries return it. */
export interface AgentTaskRow {
  tenant_id: string;
  id: string;
  account_id: string;
  kind: AgentTaskKindName;
  queue: string;
  segment: string;
  language: string;
  reason: string;
  caused_by_event_id: string;
  state: AgentTaskStateName;
  agent_id: string | null;
  due_at: Date;
  created_at: Date;
  claimed_at: Date | null;
  completed_at: Date | null;
  outcome: CallOutcomeName | null;
}

export function mapAgentTask(row: AgentTaskRow): orchestratorAgents.AgentTask {
  return {
    taskId: row.id,
    accountId: row.account_id,
    kind: kindToProto(row.kind),
    queue: row.queue,
    segment: row.segment,
    language: row.language,
    reason: row.reason,
    state: stateToProto(row.state),
    agentId: row.agent_id ?? '',
    dueAt: row.due_at,
    createdAt: row.created_at,
    claimedAt: row.claimed_at ?? undefined,
    completedAt: row.completed_at ?? undefined,
    outcome: row.outcome ? callOutcomeToProto(row.outcome) : orchestratorAgents.CallOutcome.CALL_OUTCOME_UNSPECIFIED,
  };
}
