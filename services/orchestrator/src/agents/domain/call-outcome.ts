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
