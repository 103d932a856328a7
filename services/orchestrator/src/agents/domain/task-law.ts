import { orchestratorAgents } from '@collections/contracts';
import { PastContact } from '../../policy/domain';
import { RULE_PACKS } from '../../policy/packs';
import { DebtorContactFacts, PolicyVerdict, checkPolicy } from '../../planning/domain/contact-plan';
import { AgentTaskKindName, contactChannelOf } from './agent-task';

/**
 * The contact law on an agent's task at `at`: the call or visit it makes (`contactChannelOf`),
 * under the facts of the account's debtor and their contacts on every account — the dispatcher's
 * send-time check (`checkPolicy`). Undefined for a task that contacts no one (a reply review).
 * Every path that asks the law of a task asks it here: a claim, the open-task listing, a fact
 * about the debtor arriving, a release, and an escalation about to queue a call.
 */
export function taskVerdict(
  kind: AgentTaskKindName,
  facts: DebtorContactFacts,
  history: readonly PastContact[],
  at: Date,
  accountId: string,
): PolicyVerdict | undefined {
  const channel = contactChannelOf(kind);
  return channel ? checkPolicy(channel, facts, history, at, accountId) : undefined;
}

/**
 * The number the ledger would have a call made on now, as the dispatcher picks it
 * (`dispatch/contact-directory.ts` `addressesFrom`: another number before one at a workplace whose
 * employer forbids contact); `workplaceForbidden`: the one picked is such a workplace (the debtor
 * has no other). Absent `phone`: the ledger has none.
 */
export interface NumberToDial {
  readonly phone?: string;
  readonly workplaceForbidden: boolean;
}

/** The law on an agent's task, and for a call it allows, the number the agent is offered. */
export interface DialVerdict {
  readonly verdict: PolicyVerdict;
  /** Only when the law allows the call: the number picked (never a forbidden workplace where the law bars it). */
  readonly phone?: string;
}

/**
 * `taskVerdict` on the facts as the ledger knows them at the claim: a call whose only number is at
 * a workplace that forbids contact is put to the law as such (the facts the orchestrator keeps may
 * lag the ledger), so the pack's workplace rule (US-WORKPLACE) refuses it with its words, as it
 * refuses the dispatcher's contacts; a pack without one lets the number be dialled. `number`
 * absent: the ledger was not asked (a visit, a listing), the facts alone decide.
 */
export function dialVerdict(
  kind: AgentTaskKindName,
  facts: DebtorContactFacts,
  history: readonly PastContact[],
  at: Date,
  accountId: string,
  number?: NumberToDial,
): DialVerdict | undefined {
  const channel = contactChannelOf(kind);
  const barred = channel === 'call' && number?.workplaceForbidden && !facts.workplaceForbidden?.includes(channel);
  const asKnown = barred ? { ...facts, workplaceForbidden: [...(facts.workplaceForbidden ?? []), channel] } : facts;
  const verdict = taskVerdict(kind, asKnown, history, at, accountId);
  if (!verdict) return undefined;
  return verdict.allowed && channel === 'call' && number?.phone ? { verdict, phone: number.phone } : { verdict };
}

/**
 * Refused for good: no time will ever allow the contact until something about the debtor changes
 * (a hold, an opt-out or no consent for the channel, no rule pack, the creditor not identified
 * where the pack requires it, the only number at a workplace that forbids contact). A refusal with a next permitted time is only for now.
 */
export function refusedForGood(verdict: Pick<PolicyVerdict, 'allowed' | 'nextPermittedAt'>): boolean {
  return !verdict.allowed && verdict.nextPermittedAt === null;
}

/** A reason as stored (`rule-id: words`) to its rule code (`CO-HOLD-BANKRUPTCY`, `no-rule-pack`, `erased`). */
export function ruleCodeOf(reason: string): string {
  const colon = reason.indexOf(':');
  return (colon < 0 ? reason : reason.slice(0, colon)).trim();
}

/** The distinct rule codes of a refusal's reasons, in their order. */
export function ruleCodesOf(reasons: readonly string[]): string[] {
  return [...new Set(reasons.map(ruleCodeOf))];
}

/**
 * The rule codes that make a refusal for good: the debtor's holds (and the account's other parties'
 * that stop contact about it), the opt-out and consent rules,
 * the creditor's identification, a workplace that forbids contact, no rule pack — not the hours, holidays or caps that also refused
 * it at that instant (those alone would only defer it). All the refusal's codes when none of those
 * is among them (a time rule that no date within the engine's horizon satisfies).
 */
export function forGoodRuleCodes(verdict: Pick<PolicyVerdict, 'reasons'>, facts: DebtorContactFacts): string[] {
  const codes = ruleCodesOf(verdict.reasons);
  const pack = facts.jurisdiction ? (facts.rules?.pack ?? RULE_PACKS[facts.jurisdiction]) : undefined;
  const lasting = new Set(['no-rule-pack']);
  if (pack) {
    for (const hold of [...pack.holds, ...(pack.coPartyHolds ?? [])]) lasting.add(hold.id);
    lasting.add(pack.optOut.id);
    lasting.add(pack.consent.id);
    if (pack.creditorIdentification) lasting.add(pack.creditorIdentification.id);
    if (pack.workplace) lasting.add(pack.workplace.id);
  }
  const forGood = codes.filter((c) => lasting.has(c));
  return forGood.length ? forGood : codes;
}

/** The refusal an erased debtor's calls and visits are cancelled with: the law is not asked (no facts are left). */
export const ERASED_REFUSAL = 'erased: the ledger erased the debtor; no call or visit is made to them';

/** What led to a task's cancellation (AgentTaskCancelled.cause). */
export const CANCEL_CAUSES = [
  'claim',
  'listing',
  'release',
  'hold',
  'consent-withdrawn',
  'opt-out',
  'erasure',
  'debtor-facts',
] as const;
export type CancelCause = (typeof CANCEL_CAUSES)[number];

const CAUSE_TO_PROTO: Record<CancelCause, orchestratorAgents.AgentTaskCancelCause> = {
  claim: orchestratorAgents.AgentTaskCancelCause.AGENT_TASK_CANCEL_CAUSE_CLAIM,
  listing: orchestratorAgents.AgentTaskCancelCause.AGENT_TASK_CANCEL_CAUSE_LISTING,
  release: orchestratorAgents.AgentTaskCancelCause.AGENT_TASK_CANCEL_CAUSE_RELEASE,
  hold: orchestratorAgents.AgentTaskCancelCause.AGENT_TASK_CANCEL_CAUSE_HOLD,
  'consent-withdrawn': orchestratorAgents.AgentTaskCancelCause.AGENT_TASK_CANCEL_CAUSE_CONSENT_WITHDRAWN,
  'opt-out': orchestratorAgents.AgentTaskCancelCause.AGENT_TASK_CANCEL_CAUSE_OPT_OUT,
  erasure: orchestratorAgents.AgentTaskCancelCause.AGENT_TASK_CANCEL_CAUSE_ERASURE,
  'debtor-facts': orchestratorAgents.AgentTaskCancelCause.AGENT_TASK_CANCEL_CAUSE_DEBTOR_FACTS,
};

export function cancelCauseToProto(cause: CancelCause): orchestratorAgents.AgentTaskCancelCause {
  return CAUSE_TO_PROTO[cause];
}

/** Why a task is being looked at again: the cause, and the event or request behind it ('' for a claim or a listing). */
export interface CancelWhy {
  readonly cause: CancelCause;
  readonly causedBy: string;
}
