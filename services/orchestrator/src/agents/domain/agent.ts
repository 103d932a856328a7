import { AppError } from '@collections/platform';
import { AGENT_TASK_KINDS, AgentTaskKindName } from './agent-task';

/** A human agent as registered by a tenant. Empty languages, segments or queues mean "any". */
export interface AgentProfile {
  agentId: string;
  name: string;
  skills: AgentTaskKindName[];
  languages: string[];
  segments: string[];
  queues: string[];
  capacity: number;
  active: boolean;
}

/** What of a task decides who may work it. */
export interface TaskRouting {
  kind: AgentTaskKindName;
  queue: string;
  segment: string;
  language: string;
}

const AGENT_ID = /^[A-Za-z0-9._:@-]{1,128}$/;
const MAX_CAPACITY = 1000;

/** Checks and normalises an agent profile; throws INVALID_ARGUMENT naming every bad field. */
export function validateAgent(agent: AgentProfile): AgentProfile {
  const errors: string[] = [];
  if (!AGENT_ID.test(agent.agentId)) errors.push('agentId must be 1-128 letters, digits or ._:@-');
  if (agent.skills.length === 0) errors.push('skills must name at least one task kind');
  for (const s of agent.skills)
    if (!AGENT_TASK_KINDS.includes(s)) errors.push(`skills: ${String(s)} is not one of ${AGENT_TASK_KINDS.join(', ')}`);
  if (!Number.isInteger(agent.capacity) || agent.capacity < 0 || agent.capacity > MAX_CAPACITY)
    errors.push(`capacity must be an integer from 0 to ${MAX_CAPACITY}`);
  if (errors.length) throw AppError.invalid(`invalid agent: ${errors.join('; ')}`, { errors });
  const clean = (xs: string[], lower = false) => [
    ...new Set(xs.map((x) => (lower ? x.trim().toLowerCase() : x.trim())).filter((x) => x !== '')),
  ];
  return {
    ...agent,
    name: agent.name.trim(),
    skills: [...new Set(agent.skills)],
    languages: clean(agent.languages, true),
    segments: clean(agent.segments),
    queues: clean(agent.queues),
  };
}

/**
 * Whether an agent may work a task: it handles the kind, works the queue, and speaks the language
 * and works the segment the task asks for (a task without a language or segment fits anyone).
 * The SQL that picks the next task for an agent says the same (agent-queue.repository.ts).
 */
export function taskFitsAgent(agent: AgentProfile, task: TaskRouting): boolean {
  if (!agent.active || !agent.skills.includes(task.kind)) return false;
  if (agent.queues.length > 0 && !agent.queues.includes(task.queue)) return false;
  if (task.language && agent.languages.length > 0 && !agent.languages.includes(languageOf(task.language))) return false;
  if (task.segment && agent.segments.length > 0 && !agent.segments.includes(task.segment)) return false;
  return true;
}

/** "es-CO" is worked by an agent speaking "es". */
export function languageOf(tag: string): string {
  return tag.toLowerCase().split('-')[0];
}
