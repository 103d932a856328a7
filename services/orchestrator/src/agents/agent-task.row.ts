import { orchestratorAgents } from '@collections/contracts';
import { channelPii } from '../channels/channel-pii';
import { ERASED } from '../decisions/erased';
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
  /** The contact law's last refusal of the task (`rule-id: words`); empty when it never refused. */
  refusal_reasons: string[];
  refused_at: Date | null;
  /** When the refused task may next be worked (its due_at); null when refused for good. */
  refusal_next_permitted_at: Date | null;
  /** The contact_decision that allowed the claim. */
  decision_id: string | null;
  /**
   * Only where the query joins the reply (TASK_COLUMNS): its text as stored, encrypted
   * (`channel-pii.ts`); empty when the reply's debtor was erased.
   */
  reply_text_enc?: Buffer | null;
}

/**
 * agent_task columns for an agent's eyes: a reply review carries the reply it is about (its cause
 * is `reply:<channel>:<provider message id>`, see handle-reply.ts).
 */
export const TASK_COLUMNS = `t.*, CASE WHEN t.kind = 'review_reply' AND t.caused_by_event_id LIKE 'reply:%' THEN
  (SELECT COALESCE(i.text_enc, ''::bytea) FROM channel_inbound i WHERE i.tenant_id = t.tenant_id
      AND i.channel = split_part(t.caused_by_event_id, ':', 2)
      AND i.provider_message_id = substr(t.caused_by_event_id, length(split_part(t.caused_by_event_id, ':', 2)) + 8))
  END AS reply_text_enc`;

/** The reply a review is about, in clear for the agent: `erased` once its debtor was erased. */
function replyText(stored: Buffer | null | undefined): string {
  if (!stored) return '';
  return stored.length === 0 ? ERASED : channelPii().decrypt(stored);
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
    replyText: replyText(row.reply_text_enc),
    refusal: row.refused_at
      ? {
          reasons: row.refusal_reasons,
          decidedAt: row.refused_at,
          nextPermittedAt: row.refusal_next_permitted_at ?? undefined,
        }
      : undefined,
  };
}
