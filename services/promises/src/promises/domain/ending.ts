import { AppError, Principal } from '@collections/platform';

/** Why a person ends a plan or a promise or takes back a settlement: a short free text (no control characters), never logged. */
export const MAX_ENDING_REASON_LENGTH = 500;

/** A person's CancelPlan, CancelPromise or WithdrawSettlement, checked (or the ledger's ending of a plan). */
export interface Ending {
  id: string;
  reason: string;
  /** Who ends it: a user's subject, or for an API key the request's agent (`ledger` for an account's end). */
  by: string;
  idempotencyKey: string;
}

/** How a refusal names what ends: its id field, and the missing reason's and agent's words. */
export interface EndingWords {
  idField: string;
  why: string;
  who: string;
}

/**
 * Who ends a plan, a promise or a settlement: a user is recorded as themselves (whatever the
 * request's agent says); a system calling with the tenant's API key must name the agent it acts for
 * (the key names no person): `validateEnding` refuses it without one.
 */
export function endedBy(principal: Principal, agentId: string): string {
  return principal.kind === 'user' ? principal.subject : agentId;
}

/**
 * Checks a CancelPlan, CancelPromise or WithdrawSettlement before anything is read. Every refusal
 * is INVALID_ARGUMENT naming the field.
 */
export function validateEnding(
  input: { id: string; reason: string; idempotencyKey: string },
  by: string,
  words: EndingWords,
): Ending {
  if (!input.id) throw AppError.invalid(`${words.idField} is required`, { field: words.idField });
  const reason = input.reason.trim();
  if (!reason) throw AppError.invalid(`reason is required: ${words.why}`, { field: 'reason' });
  if (reason.length > MAX_ENDING_REASON_LENGTH)
    throw AppError.invalid(`reason must be at most ${MAX_ENDING_REASON_LENGTH} characters`, { field: 'reason' });
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(reason))
    throw AppError.invalid('reason must be one line of text, without control characters', { field: 'reason' });
  if (!by) throw AppError.invalid(`agent_id is required: ${words.who}`, { field: 'agent_id' });
  if (!input.idempotencyKey) throw AppError.invalid('idempotency_key is required', { field: 'idempotency_key' });
  return { id: input.id, reason, by, idempotencyKey: input.idempotencyKey };
}
