import { promises } from '@collections/contracts';
import { AppError, isCalendarDate, money } from '@collections/platform';
import { Frequency, Instalment, buildSchedule } from './schedule';

export interface NewPlan {
  accountId: string;
  currency: string;
  totalMinor: number;
  downPaymentMinor: number;
  instalments: number;
  frequency: promises.PlanFrequency;
  firstDate: string;
  channel: promises.PlanChannel;
  takenBy: promises.TakenBy;
  agentId: string;
  idempotencyKey: string;
  schedule: Instalment[];
}

const FREQUENCIES: Partial<Record<promises.PlanFrequency, Frequency>> = {
  [promises.PlanFrequency.PLAN_FREQUENCY_WEEKLY]: 'weekly',
  [promises.PlanFrequency.PLAN_FREQUENCY_BIWEEKLY]: 'biweekly',
  [promises.PlanFrequency.PLAN_FREQUENCY_MONTHLY]: 'monthly',
};

/** A value the enum names, other than UNSPECIFIED (0) and ts-proto's UNRECOGNIZED (-1, a name sent over REST it does not know). */
const known = <E extends Record<string, string | number>>(e: E, v: number) => v > 0 && Object.values(e).includes(v);

/**
 * Checks a payment plan before anything is stored and builds its schedule; `today` is the
 * account's local date. Every refusal is INVALID_ARGUMENT naming the field.
 */
export function validatePlan(input: promises.CreatePlanRequest, today: string): NewPlan {
  if (!input.accountId) throw AppError.invalid('account_id is required');
  if (!input.idempotencyKey) throw AppError.invalid('idempotency_key is required');
  if (!input.total) throw AppError.invalid('total is required');
  const total = money(input.total.amountMinor, input.total.currency);
  if (total.amountMinor <= 0) throw AppError.invalid('total must be a positive amount');
  const down = input.downPayment;
  const downPayment = down ? money(down.amountMinor, down.currency || total.currency) : money(0, total.currency);
  if (downPayment.currency !== total.currency) {
    throw AppError.invalid(
      `down_payment is in ${downPayment.currency} but the plan total is in ${total.currency}: one currency per plan`,
    );
  }
  if (downPayment.amountMinor < 0) throw AppError.invalid('down_payment must not be negative');
  const frequency = FREQUENCIES[input.frequency];
  if (!frequency) throw AppError.invalid('frequency must be WEEKLY, BIWEEKLY or MONTHLY');
  if (!known(promises.PlanChannel, input.channel)) throw AppError.invalid('channel is required');
  if (!known(promises.TakenBy, input.takenBy)) throw AppError.invalid('taken_by must be AGENT, BOT or SELF_SERVICE');
  if (input.takenBy === promises.TakenBy.TAKEN_BY_AGENT && !input.agentId) {
    throw AppError.invalid('agent_id is required when an agent took the plan');
  }
  if (!isCalendarDate(input.firstDate)) {
    throw AppError.invalid('first_date must be a calendar date YYYY-MM-DD');
  }
  if (input.firstDate < today)
    throw AppError.invalid(`first_date ${input.firstDate} is in the past (today is ${today})`);
  const schedule = buildSchedule({
    totalMinor: total.amountMinor,
    downPaymentMinor: downPayment.amountMinor,
    instalments: input.instalments,
    frequency,
    firstDate: input.firstDate,
  });
  return {
    accountId: input.accountId,
    currency: total.currency,
    totalMinor: total.amountMinor,
    downPaymentMinor: downPayment.amountMinor,
    instalments: input.instalments,
    frequency: input.frequency,
    firstDate: input.firstDate,
    channel: input.channel,
    takenBy: input.takenBy,
    agentId: input.agentId,
    idempotencyKey: input.idempotencyKey,
    schedule,
  };
}
