import { orchestratorAgents } from '@collections/contracts';

/** Call outcome codes; the same words as the `outcome` columns. */
export const CALL_OUTCOMES = [
  'right_party_contact',
  'no_answer',
  'wrong_party',
  'promise',
  'refusal',
  'dispute',
] as const;
export type CallOutcomeName = (typeof CALL_OUTCOMES)[number];

/**
 * The outcomes in which the debtor was reached and spoke about the debt: a `conversation` in the
 * contact law's words (Regulation F's "telephone conversation", Ley 2300's "contacto directo").
 * `no_answer` and `wrong_party` were placed but reached nobody who owes it: an `attempted` call.
 */
export const REACHED_OUTCOMES: readonly CallOutcomeName[] = ['right_party_contact', 'promise', 'refusal', 'dispute'];

/** What a recorded call or visit outcome is to the contact law's history. */
export function contactOutcomeOf(outcome: CallOutcomeName): 'conversation' | 'attempted' {
  return REACHED_OUTCOMES.includes(outcome) ? 'conversation' : 'attempted';
}

const OUTCOME_TO_PROTO: Record<CallOutcomeName, orchestratorAgents.CallOutcome> = {
  right_party_contact: orchestratorAgents.CallOutcome.CALL_OUTCOME_RIGHT_PARTY_CONTACT,
  no_answer: orchestratorAgents.CallOutcome.CALL_OUTCOME_NO_ANSWER,
  wrong_party: orchestratorAgents.CallOutcome.CALL_OUTCOME_WRONG_PARTY,
  promise: orchestratorAgents.CallOutcome.CALL_OUTCOME_PROMISE,
  refusal: orchestratorAgents.CallOutcome.CALL_OUTCOME_REFUSAL,
  dispute: orchestratorAgents.CallOutcome.CALL_OUTCOME_DISPUTE,
};

export function callOutcomeToProto(outcome: CallOutcomeName): orchestratorAgents.CallOutcome {
  return OUTCOME_TO_PROTO[outcome];
}

export function callOutcomeFromProto(outcome: orchestratorAgents.CallOutcome): CallOutcomeName | undefined {
  return CALL_OUTCOMES.find((o) => OUTCOME_TO_PROTO[o] === outcome);
}
