import { CHANNELS, Channel, ContactCase, ContactOutcome, PastContact } from '../../../src/policy/domain';

/** What a scenario may set besides the instant, which scenarios write as an ISO string. */
export type CaseFields = Omit<Partial<ContactCase>, 'at'>;

/**
 * A contact about debt-1 with no history, restrictions or holds, from a debtor who authorised
 * every channel (as Colombia requires), unless the test says otherwise.
 */
export function contactCase(fields: CaseFields & { at: string; timezone: string; channel: Channel }): ContactCase {
  return {
    debtId: 'debt-1',
    history: [],
    consent: [...CHANNELS],
    optedOut: [],
    holds: [],
    ...fields,
    at: new Date(fields.at),
  };
}

export function pastContact(
  channel: Channel,
  at: string,
  outcome: ContactOutcome = 'attempted',
  debtId = 'debt-1',
): PastContact {
  return { channel, at: new Date(at), outcome, debtId };
}
