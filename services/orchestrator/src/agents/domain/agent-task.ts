import { orchestratorAgents } from '@collections/contracts';
import { AppError } from '@collections/platform';

/** What an agent is asked to do; the same words as the table's `kind` column. */
export const AGENT_TASK_KINDS = ['call', 'review_reply', 'negotiate', 'field_visit', 'review_settlement'] as const;
export type AgentTaskKindName = (typeof AGENT_TASK_KINDS)[number];

/** `cancelled`: the contact law refused the call or visit for good (`agent_task.refusal_reasons` says why). */
export type AgentTaskStateName = 'open' | 'claimed' | 'completed' | 'cancelled';

/**
 * The contact a task makes with the debtor, which the contact law must allow at the moment it is
 * handed out: a call (`call`, and `negotiate`, a negotiation on the phone), or a visit
 * (`field_visit`); none for a `review_reply` (reading a reply reaches no one) or a
 * `review_settlement` (deciding on a settlement a person must look at).
 */
export function contactChannelOf(kind: AgentTaskKindName): 'call' | 'visit' | undefined {
  return kind === 'call' || kind === 'negotiate' ? 'call' : kind === 'field_visit' ? 'visit' : undefined;
}

/** The kinds `contactChannelOf` gives a channel. */
export const CONTACT_TASK_KINDS = ['call', 'negotiate', 'field_visit'] as const satisfies readonly AgentTaskKindName[];

/** The kinds `contactChannelOf` gives a channel, as SQL's `kind IN (...)` list. */
export const CONTACT_TASK_KINDS_SQL = CONTACT_TASK_KINDS.map((k) => `'${k}'`).join(', ');

/** A channel as agents' tasks make contact on it (`call`, `visit`); undefined for one they do not (sms, e-mail…). */
export function agentContactChannel(channel: string): 'call' | 'visit' | undefined {
  return channel === 'call' || channel === 'visit' ? channel : undefined;
}

/** The kinds whose contact is made on `channel` (none for a channel no agent works). */
export function contactKindsOf(channel: string): AgentTaskKindName[] {
  return CONTACT_TASK_KINDS.filter((k) => contactChannelOf(k) === channel);
}

/** A task to put in a queue, as any consumer or use case asks for it. */
export interface NewAgentTask {
  tenantId: string;
  /** Empty only for a reply review whose sender matches no account of ours. */
  accountId: string;
  kind: AgentTaskKindName;
  queue: string;
  segment?: string;
  language?: string;
  /** A rule id or short words; never PII. */
  reason: string;
  /** The event (or command id) that caused it: one task per tenant and cause. */
  causedByEventId: string;
  /** When it should be worked; defaults to `now`. */
  dueAt?: Date;
  /** The injected clock's time of creation. */
  now: Date;
}

/** Checks a new task and fills its defaults; throws INVALID_ARGUMENT naming every bad field. */
export function validateNewAgentTask(task: NewAgentTask): Required<NewAgentTask> {
  const errors: string[] = [];
  if (!task.tenantId) errors.push('tenantId is required');
  if (!AGENT_TASK_KINDS.includes(task.kind)) errors.push(`kind must be one of ${AGENT_TASK_KINDS.join(', ')}`);
  if (!task.accountId && task.kind !== 'review_reply') errors.push('accountId is required');
  if (!task.queue?.trim()) errors.push('queue is required');
  if (!task.reason?.trim()) errors.push('reason is required');
  if (!task.causedByEventId) errors.push('causedByEventId is required');
  if (!(task.now instanceof Date) || Number.isNaN(task.now.getTime())) errors.push('now must be a date');
  if (task.dueAt !== undefined && Number.isNaN(task.dueAt.getTime())) errors.push('dueAt must be a date');
  if (errors.length) throw AppError.invalid(`invalid agent task: ${errors.join('; ')}`, { errors });
  return {
    ...task,
    queue: task.queue.trim(),
    reason: task.reason.trim(),
    segment: task.segment ?? '',
    language: (task.language ?? '').toLowerCase(),
    dueAt: task.dueAt ?? task.now,
  };
}

const KIND_TO_PROTO: Record<AgentTaskKindName, orchestratorAgents.AgentTaskKind> = {
  call: orchestratorAgents.AgentTaskKind.AGENT_TASK_KIND_CALL,
  review_reply: orchestratorAgents.AgentTaskKind.AGENT_TASK_KIND_REVIEW_REPLY,
  negotiate: orchestratorAgents.AgentTaskKind.AGENT_TASK_KIND_NEGOTIATE,
  field_visit: orchestratorAgents.AgentTaskKind.AGENT_TASK_KIND_FIELD_VISIT,
  review_settlement: orchestratorAgents.AgentTaskKind.AGENT_TASK_KIND_REVIEW_SETTLEMENT,
};

export function kindToProto(kind: AgentTaskKindName): orchestratorAgents.AgentTaskKind {
  return KIND_TO_PROTO[kind];
}

export function kindFromProto(kind: orchestratorAgents.AgentTaskKind): AgentTaskKindName | undefined {
  return AGENT_TASK_KINDS.find((k) => KIND_TO_PROTO[k] === kind);
}

const STATE_TO_PROTO: Record<AgentTaskStateName, orchestratorAgents.AgentTaskState> = {
  open: orchestratorAgents.AgentTaskState.AGENT_TASK_STATE_OPEN,
  claimed: orchestratorAgents.AgentTaskState.AGENT_TASK_STATE_CLAIMED,
  completed: orchestratorAgents.AgentTaskState.AGENT_TASK_STATE_COMPLETED,
  cancelled: orchestratorAgents.AgentTaskState.AGENT_TASK_STATE_CANCELLED,
};

export function stateToProto(state: AgentTaskStateName): orchestratorAgents.AgentTaskState {
  return STATE_TO_PROTO[state];
}

export function stateFromProto(state: orchestratorAgents.AgentTaskState): AgentTaskStateName | undefined {
  return (Object.keys(STATE_TO_PROTO) as AgentTaskStateName[]).find((s) => STATE_TO_PROTO[s] === state);
}
