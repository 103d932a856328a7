import { Random } from '../random';
import { FULL_PAYMENT_SHARE } from './calibration';
import { Channel, SimDebtor } from './portfolio';

/** What a debtor does, which the simulator then carries out through the platform's APIs. */
export type Action =
  | { kind: 'pay'; amountMinor: number }
  | { kind: 'promise'; amountMinor: number; dueDay: number }
  | { kind: 'dispute' }
  | { kind: 'opt-out'; channel: Channel };

/** A contact the platform sent, as the simulator observed it arrive (SMTP catcher, SMS/WhatsApp stand-ins). */
export interface ObservedContact {
  channel: Channel;
  debtorId: string;
}

/** A statement cycle as the debtor lives it: what is owed by when. */
interface Cycle {
  day: number;
  dueDay: number;
  amountMinor: number;
  minimumMinor: number;
  /** Decided when the statement arrives: pays its minimum by the due date, and on which day. */
  plannedPayDay?: number;
  plannedAmountMinor?: number;
}

/**
 * One debtor's state over the run, and the behaviour that moves it: paying (on time, late,
 * after a promise), promising, disputing, opting out, going silent, income shocks. Every draw
 * comes from the debtor's own random stream, in day order, so the same seed repeats exactly.
 */
export class DebtorBehaviour {
  readonly cycles: Cycle[] = [];
  owedMinor = 0;
  paidMinor = 0;
  private shockUntil = -1;
  private silent = false;
  private disputed = false;
  private readonly optedOut = new Set<Channel>();
  private promise?: { dueDay: number; amountMinor: number; keeps: boolean };

  constructor(
    readonly debtor: SimDebtor,
    private readonly rng: Random,
  ) {}

  /** A statement arrives on `day`: decide now whether (and when) its minimum gets paid on time. */
  statement(day: number, amountMinor: number): Cycle {
    const minimumMinor = Math.max(1, Math.min(amountMinor, Math.round(amountMinor * 0.1)));
    const cycle: Cycle = { day, dueDay: day + this.debtor.dueInDays, amountMinor, minimumMinor };
    this.owedMinor += amountMinor;
    if (this.rng.chance(this.debtor.propensity * this.shockFactor(day))) {
      cycle.plannedPayDay = this.rng.int(day + 1, Math.max(day + 1, cycle.dueDay - 3));
      cycle.plannedAmountMinor = this.rng.chance(FULL_PAYMENT_SHARE / this.debtor.propensity)
        ? amountMinor
        : minimumMinor + Math.round((amountMinor - minimumMinor) * this.rng.next() * 0.5);
    }
    this.cycles.push(cycle);
    return cycle;
  }

  /** Minimums whose due date has passed and that payments have not covered. */
  pastDueMinor(day: number): number {
    const due = this.cycles.filter((c) => c.dueDay < day).reduce((s, c) => s + c.minimumMinor, 0);
    return Math.max(0, Math.min(this.owedMinor - this.paidMinor, due - this.paidMinor));
  }

  /** What the debtor does on a business day, unprompted. */
  businessDay(day: number): Action[] {
    if (this.rng.chance(0.004)) this.shockUntil = day + this.rng.int(10, 40);
    const actions: Action[] = [];
    const balance = this.owedMinor - this.paidMinor;
    if (balance <= 0) return actions;

    for (const c of this.cycles) {
      if (c.plannedPayDay !== undefined && c.plannedPayDay <= day && c.plannedAmountMinor !== undefined) {
        actions.push(this.pay(c.plannedAmountMinor));
        c.plannedPayDay = undefined;
      }
    }
    if (this.promise && this.promise.dueDay <= day) {
      if (this.promise.keeps) actions.push(this.pay(this.promise.amountMinor));
      this.promise = undefined;
    }
    const pastDue = this.pastDueMinor(day);
    if (pastDue > 0 && actions.length === 0) {
      if (!this.silent && this.rng.chance(0.15 * (1 - this.debtor.propensity) * 0.1)) this.silent = true;
      const shock = this.shockFactor(day);
      if (this.rng.chance((0.01 + 0.05 * this.debtor.propensity) * shock)) {
        actions.push(this.pay(this.rng.chance(0.5) ? pastDue : balance));
      } else if (!this.silent && !this.promise && this.rng.chance(0.02)) {
        actions.push(this.makePromise(day, pastDue));
      } else if (!this.disputed && this.rng.chance(0.0005)) {
        this.disputed = true;
        actions.push({ kind: 'dispute' });
      }
    }
    return actions.filter((a) => a.kind !== 'pay' || a.amountMinor > 0);
  }

  /** How the debtor answers a contact: pays, promises, ignores, disputes, opts out or goes silent. */
  contacted(day: number, contact: ObservedContact): Action[] {
    if (this.silent || this.optedOut.has(contact.channel)) return [];
    const pastDue = this.pastDueMinor(day);
    const balance = this.owedMinor - this.paidMinor;
    const preferred = contact.channel === this.debtor.preferredChannel;
    const p = this.debtor.propensity * this.shockFactor(day) * (preferred ? 1 : 0.4);
    const reaction = this.rng.weighted<'pay' | 'promise' | 'ignore' | 'dispute' | 'opt-out' | 'silent'>([
      ['pay', balance > 0 ? 0.25 * p : 0],
      ['promise', pastDue > 0 && !this.promise ? 0.25 * p : 0],
      ['ignore', 0.45],
      ['dispute', this.disputed ? 0 : 0.01],
      ['opt-out', preferred ? 0.02 : 0.08],
      ['silent', 0.02],
    ]);
    switch (reaction) {
      case 'pay':
        return [this.pay(pastDue > 0 ? pastDue : balance)];
      case 'promise':
        return [this.makePromise(day, pastDue)];
      case 'dispute':
        this.disputed = true;
        return [{ kind: 'dispute' }];
      case 'opt-out':
        this.optedOut.add(contact.channel);
        return [{ kind: 'opt-out', channel: contact.channel }];
      case 'silent':
        this.silent = true;
        return [];
      case 'ignore':
        return [];
    }
  }

  private pay(amountMinor: number): Action {
    const amount = Math.max(0, Math.min(amountMinor, this.owedMinor - this.paidMinor));
    this.paidMinor += amount;
    return { kind: 'pay', amountMinor: amount };
  }

  private makePromise(day: number, amountMinor: number): Action {
    const dueDay = day + this.rng.int(3, 10);
    const keeps = this.rng.chance(0.3 + 0.6 * this.debtor.propensity);
    this.promise = { dueDay, amountMinor, keeps };
    return { kind: 'promise', amountMinor, dueDay };
  }

  private shockFactor(day: number): number {
    return day <= this.shockUntil ? 0.3 : 1;
  }
}
