import { AppError } from '@collections/platform';
import { AgentTaskKindName, contactChannelOf } from './agent-task';
import { CallOutcomeName } from './call-outcome';

/** How an agent closes a task. */
export interface TaskCompletion {
  outcome?: CallOutcomeName;
  promisedAmount?: { amountMinor: number; currency: string };
  /** YYYY-MM-DD in the account's time zone. */
  promisedDate?: string;
}

const CURRENCY = /^[A-Z]{3}$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isCalendarDate(text: string): boolean {
  const m = DATE.exec(text);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === text;
}

/**
 * A call, negotiation or field visit is closed with its outcome, a reply review with one or none,
 * a settlement review with none (it reaches no one); a promise carries a positive amount and a
 * calendar date not before the account's local today; only a promise carries them.
 */
export function validateCompletion(kind: AgentTaskKindName, c: TaskCompletion, localToday: string): TaskCompletion {
  const errors: string[] = [];
  if (!c.outcome && contactChannelOf(kind)) errors.push(`a ${kind} task is completed with its call outcome`);
  if (c.outcome && kind === 'review_settlement')
    errors.push('a review_settlement task reaches no one: it has no outcome');
  if (c.outcome === 'promise') {
    const amount = c.promisedAmount;
    if (!amount || !Number.isSafeInteger(amount.amountMinor) || amount.amountMinor <= 0)
      errors.push('promisedAmount must be a positive amount in minor units');
    if (amount && !CURRENCY.test(amount.currency)) errors.push('promisedAmount.currency must be an ISO 4217 code');
    if (!c.promisedDate || !isCalendarDate(c.promisedDate)) errors.push('promisedDate must be a date (YYYY-MM-DD)');
    else if (c.promisedDate < localToday) errors.push(`promisedDate ${c.promisedDate} is before today (${localToday})`);
  } else if (c.promisedAmount || c.promisedDate) {
    errors.push('only a promise outcome carries promisedAmount and promisedDate');
  }
  if (errors.length) throw AppError.invalid(`invalid completion: ${errors.join('; ')}`, { errors });
  return c;
}
