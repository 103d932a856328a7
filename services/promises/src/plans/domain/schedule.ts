import { AppError, isCalendarDate } from '@collections/platform';

export type Frequency = 'weekly' | 'biweekly' | 'monthly';

export interface Instalment {
  seq: number;
  dueDate: string;
  amountMinor: number;
}

export interface PlanTerms {
  totalMinor: number;
  downPaymentMinor: number;
  instalments: number;
  frequency: Frequency;
  /** Due date of the down payment (or of the first instalment when there is none). */
  firstDate: string;
}

const DAY = 86_400_000;

const shifted = new Map<string, string>();
/**
 * A calendar date (YYYY-MM-DD) moved by whole days. Memoised: the daily run moves every plan's
 * due dates by the grace days, and across plans the due dates repeat.
 */
/** Whether `day` is after the grace days that follow `dueDate` (a payment that day is late; a run that day breaks). */
export function pastGrace(dueDate: string, graceDays: number, day: string): boolean {
  return addDays(dueDate, graceDays) < day;
}

export function addDays(date: string, days: number): string {
  const key = `${date}|${days}`;
  let out = shifted.get(key);
  if (out === undefined) {
    out = new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
    if (shifted.size >= 100_000) shifted.clear();
    shifted.set(key, out);
  }
  return out;
}

/**
 * A schedule in seq order with the dates its instalments are judged by (due date plus the grace
 * days, due date minus the reminder days), worked out once per schedule: a batch of payments
 * reviews each plan once per payment, always against the same schedule (cached per plan).
 * Schedules are treated as immutable, like everywhere else here.
 */
export class ScheduleDates {
  /** The instalments in seq order (the schedule itself when it already is). */
  readonly ordered: readonly Instalment[];
  private readonly positions = new Map<number, number>();
  private readonly ends = new Map<number, string[]>();

  constructor(private readonly schedule: readonly Instalment[]) {
    let sorted = true;
    for (let i = 1; i < schedule.length && sorted; i++) sorted = schedule[i - 1].seq <= schedule[i].seq;
    this.ordered = sorted ? schedule : [...schedule].sort((a, b) => a.seq - b.seq);
    this.ordered.forEach((inst, at) => this.positions.set(inst.seq, at));
  }

  /** Position of an instalment in `ordered`, undefined for a seq the schedule does not have. */
  positionOf(seq: number): number | undefined {
    return this.positions.get(seq);
  }

  /** Each instalment's due date moved by `days` (by position in `ordered`), e.g. the end of its grace days. */
  dueDatesPlus(days: number): readonly string[] {
    let dates = this.ends.get(days);
    if (!dates) {
      dates = this.ordered.map((inst) => addDays(inst.dueDate, days));
      this.ends.set(days, dates);
    }
    return dates;
  }

  /** Values by position in `ordered`, as `{ seq, status }` in the schedule's own order. */
  inScheduleOrder<T>(byPosition: readonly T[]): { seq: number; status: T }[] {
    return this.schedule.map((inst) => ({ seq: inst.seq, status: byPosition[this.positions.get(inst.seq)!] }));
  }
}

const datesOf = new WeakMap<readonly Instalment[], ScheduleDates>();

/** The `ScheduleDates` of a schedule, kept as long as the schedule is. */
export function scheduleDates(schedule: readonly Instalment[]): ScheduleDates {
  let dates = datesOf.get(schedule);
  if (!dates || dates.ordered.length !== schedule.length) {
    dates = new ScheduleDates(schedule);
    datesOf.set(schedule, dates);
  }
  return dates;
}

const parse = (date: string) => new Date(`${date}T00:00:00Z`);
const iso = (d: Date) => d.toISOString().slice(0, 10);

function addMonthsClamped(date: string, months: number): string {
  const d = parse(date);
  const day = d.getUTCDate();
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, lastDay));
  return iso(target);
}

/**
 * The schedule of a payment plan: an optional down payment, then N instalments whose amounts
 * differ by at most one minor unit and add up exactly to the rest (the first ones take the
 * remainder). Monthly instalments keep the day of the month, clamped to short months.
 */
export function buildSchedule(t: PlanTerms): Instalment[] {
  if (!Number.isSafeInteger(t.totalMinor) || t.totalMinor <= 0)
    throw AppError.invalid('the plan total must be a positive amount');
  if (!Number.isSafeInteger(t.downPaymentMinor) || t.downPaymentMinor < 0 || t.downPaymentMinor >= t.totalMinor) {
    throw AppError.invalid('the down payment must be at least zero and below the total');
  }
  if (!Number.isInteger(t.instalments) || t.instalments < 1 || t.instalments > 120)
    throw AppError.invalid('instalments must be between 1 and 120');
  if (!isCalendarDate(t.firstDate)) throw AppError.invalid('first_date must be a calendar date YYYY-MM-DD');
  const rest = t.totalMinor - t.downPaymentMinor;
  if (rest < t.instalments) throw AppError.invalid('each instalment must be at least one minor unit');
  const schedule: Instalment[] = [];
  if (t.downPaymentMinor > 0) schedule.push({ seq: 0, dueDate: t.firstDate, amountMinor: t.downPaymentMinor });
  const base = Math.floor(rest / t.instalments);
  const remainder = rest - base * t.instalments;
  const offset = t.downPaymentMinor > 0 ? 1 : 0;
  for (let i = 0; i < t.instalments; i++) {
    const k = i + offset;
    const dueDate =
      t.frequency === 'monthly'
        ? addMonthsClamped(t.firstDate, k)
        : iso(new Date(parse(t.firstDate).getTime() + k * (t.frequency === 'weekly' ? 7 : 14) * DAY));
    if (!isCalendarDate(dueDate))
      throw AppError.invalid(`first_date ${t.firstDate} is too far ahead: the schedule would run past 9999-12-31`);
    schedule.push({ seq: i + 1, dueDate, amountMinor: base + (i < remainder ? 1 : 0) });
  }
  return schedule;
}
