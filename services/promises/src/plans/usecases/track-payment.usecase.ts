import { randomUUID } from 'node:crypto';
import { EventType, promises } from '@collections/contracts';
import { ConsumedEvent, HandlerContext, NewEvent } from '@collections/messaging';
import { ServiceContext } from '@collections/runtime';
import { AccountProfilesRepository, paymentDay, safeLocalDate } from '../../accounts/account-profiles.repository';
import { Allocator, Payment } from '../domain/allocation';
import { announcementKey } from '../domain/announcements';
import { Instalment } from '../domain/schedule';
import { LockedPlan, PlansRepository } from '../plans.repository';
import { PlanCache, PlanPaymentState, ScheduleCache } from '../plan-cache';
import { UnallocatedPayment } from '../../promises/applied-payments.repository';
import { PlanTracker } from './plan-tracker';

type PaymentPosted = ConsumedEvent<'collections.ledger.v1.PaymentPosted'>;

/** Where one plan stands while a batch of payments is applied to it in memory. */
interface PlanInBatch {
  plan: LockedPlan;
  state: number;
  /** How many times the plan completed, as the batch goes. */
  completions: number;
  schedule: readonly Instalment[];
  /** The plan's live payments, extended by the batch's (the cache's entry, taken out of it, or read). */
  payments: Payment[];
  /** Their allocation, extended payment by payment. */
  allocation: Allocator;
  /** What each instalment had paid before the batch (by position in seq order). */
  paidBefore: number[];
  added: Set<string>;
  /** What the plan has announced (`announcementKey`s), as the batch goes. */
  announced: Set<string>;
}

/** What the caller read, in one go, before a batch of payments goes to plans. */
export interface PlanPaymentFacts {
  /** Each (account, currency)'s oldest active plan, locked for the transaction. */
  plans: LockedPlan[];
  /** Payment ids a settlement, a plan or single promises already counted (a replay under a new event id). */
  applied: ReadonlySet<string>;
  /** (account, currency) pairs, as `paymentKey` gives them, with an open settlement. */
  settled: ReadonlySet<string>;
  /** (account, currency) pairs with an open single promise. */
  promised: ReadonlySet<string>;
  /** Each account's time zone. */
  zones: ReadonlyMap<string, string>;
}

/** An (account, currency) pair: a plan, a settlement and single promises are each in one currency. */
export const paymentKey = (accountId: string, currency: string) => `${accountId}\u0000${currency}`;

/**
 * Follows the ledger's payments on plans. A posted payment goes to the account's oldest active
 * plan in its currency (false when there is none, so the caller can offer it to single
 * promises); a reversal takes exactly that payment out again. Both recompute the plan's
 * allocation from its live payments, so replaying either changes nothing.
 */
export class TrackPaymentUseCase {
  private readonly profiles = new AccountProfilesRepository();
  private readonly schedules: ScheduleCache = new PlanCache();
  private readonly states = new PlanCache<PlanPaymentState>();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly repo: PlansRepository,
    private readonly tracker: PlanTracker,
  ) {}

  /** Days after a due date a payment still keeps a promise (the plans' rule, single promises' too). */
  get graceDays(): number {
    return this.tracker.rules.graceDays;
  }

  async posted(event: ConsumedEvent<'collections.ledger.v1.PaymentPosted'>, hc: HandlerContext): Promise<boolean> {
    const { amount, accountId, paymentId } = event.payload;
    if (!amount || amount.amountMinor <= 0 || !paymentId) return false;
    const plan = await this.repo.lockOldestInState(
      hc.tx,
      event.tenantId,
      accountId,
      amount.currency,
      promises.PlanState.PLAN_STATE_ACTIVE,
    );
    if (!plan) return false;
    const now = this.ctx.clock.now();
    const { timeZone } = await this.profiles.find(hc.tx, event.tenantId, accountId);
    const today = safeLocalDate(now, timeZone);
    const paidOn = paymentDay(event.payload, timeZone, now);
    await this.repo.addPayment(hc.tx, event.tenantId, plan.id, { paymentId, amountMinor: amount.amountMinor, paidOn });
    await this.tracker.review(hc.tx, hc.outbox, plan, paidOn > today ? paidOn : today, now);
    return true;
  }

  /**
   * A batch of one tenant's payments, in their partition's order, set-based: given the plans the
   * caller locked (each (account, currency)'s oldest active one), their payments, schedules and
   * announcements are read in one statement, each payment is then applied in memory exactly as
   * `posted` would (allocate, review as of its date, announce), and everything is written in one
   * more statement with the events. Returns, in order, the payments this did not take, for the
   * caller to handle one by one after it: those of accounts without an active plan, or with a
   * settlement (`facts.settled`, which takes them first), or whose plan completed or defaulted
   * earlier in the batch (the next payment looks for the next plan), and malformed ones. Payments
   * counted before (`facts.applied`: a replay under a new event id) or earlier in the batch are skipped.
   * A payment of a pair with nothing to count it (no active plan, no settlement, no open promise) is
   * recorded as counted towards nothing, in the same statement, so a replay of it is skipped too.
   */
  async postedMany(
    tenantId: string,
    events: PaymentPosted[],
    hc: HandlerContext,
    facts: PlanPaymentFacts,
  ): Promise<PaymentPosted[]> {
    const valid = (e: PaymentPosted) => !!e.payload.amount && e.payload.amount.amountMinor > 0 && !!e.payload.paymentId;
    const keyOf = (e: PaymentPosted) => paymentKey(e.payload.accountId, e.payload.amount!.currency);
    const locked = facts.plans.filter((p) => !facts.settled.has(paymentKey(p.account_id, p.currency.trim())));
    // What each plan's payments changed: remembered from this consumer's last batch while the
    // plan's revision is the one it wrote, read for the others (and the schedules not known yet).
    // A remembered state is taken out of the cache and extended in place: it goes back under the
    // batch's revision once the batch is stored, and should the batch fail it is read again.
    const known = new Map<string, PlanPaymentState>();
    const schedules = new Map<string, readonly Instalment[]>();
    for (const plan of locked) {
      const state = plan.revision ? this.states.take(tenantId, plan.id) : undefined;
      if (state && state.revision === plan.revision) known.set(plan.id, state);
      const schedule = this.schedules.get(tenantId, plan.id);
      if (schedule) schedules.set(plan.id, schedule);
    }
    const toRead = locked.filter((p) => !known.has(p.id)).map((p) => p.id);
    const withSchedule = locked.filter((p) => !schedules.has(p.id)).map((p) => p.id);
    const read =
      toRead.length + withSchedule.length > 0
        ? await this.repo.paymentState(hc.tx, tenantId, toRead, withSchedule)
        : undefined;
    for (const [id, schedule] of read?.schedules ?? []) {
      if (schedule.length > 0) this.schedules.set(tenantId, id, schedule);
      schedules.set(id, schedule);
    }
    const byKey = new Map<string, PlanInBatch>();
    for (const plan of locked) {
      const schedule = schedules.get(plan.id) ?? [];
      const cached = known.get(plan.id);
      const payments = cached?.payments ?? [...(read?.payments.get(plan.id) ?? [])];
      // What each instalment has paid is a function of the live payments (it is stored as such).
      const allocation = cached?.allocation ?? new Allocator(schedule, payments);
      byKey.set(paymentKey(plan.account_id, plan.currency.trim()), {
        plan,
        state: plan.state,
        completions: plan.completions,
        schedule,
        payments,
        allocation,
        paidBefore: allocation.paidByPosition(),
        added: new Set(),
        announced: cached?.announced ?? new Set(read?.announced.get(plan.id)),
      });
    }
    const now = this.ctx.clock.now();
    const today = new Map<string, string>();
    const rest: PaymentPosted[] = [];
    /** Keys whose later payments go one by one: their plan left ACTIVE, or one of theirs did. */
    const oneByOne = new Set<string>();
    const taken = new Set<string>();
    const outbox: NewEvent<EventType>[] = [];
    const unallocated: UnallocatedPayment[] = [];
    for (const e of events) {
      if (!valid(e)) {
        rest.push(e);
        continue;
      }
      const { paymentId, amount } = e.payload;
      if (facts.applied.has(paymentId) || taken.has(paymentId)) continue; // counted before: changes nothing
      const key = keyOf(e);
      const p = byKey.get(key);
      const timeZone = facts.zones.get(e.payload.accountId) ?? 'UTC';
      if (!p && !oneByOne.has(key) && !facts.settled.has(key) && !facts.promised.has(key)) {
        // Nothing of the account's could count it, before or after it in the batch.
        const { accountId } = e.payload;
        const paidOn = paymentDay(e.payload, timeZone, now);
        unallocated.push({
          paymentId,
          accountId,
          amountMinor: amount!.amountMinor,
          currency: amount!.currency,
          paidOn,
        });
        taken.add(paymentId);
        continue;
      }
      if (!p || oneByOne.has(key)) {
        oneByOne.add(key);
        rest.push(e);
        continue;
      }
      if (!today.has(timeZone)) today.set(timeZone, safeLocalDate(now, timeZone));
      const paidOn = paymentDay(e.payload, timeZone, now);
      const asOf = paidOn > today.get(timeZone)! ? paidOn : today.get(timeZone)!;
      const payment = { paymentId, amountMinor: amount!.amountMinor, date: paidOn };
      p.payments.push(payment);
      p.allocation.add(payment);
      p.added.add(paymentId);
      taken.add(paymentId);
      const plan = p.completions === p.plan.completions ? p.plan : { ...p.plan, completions: p.completions };
      const step = this.tracker.stepOn(plan, p.state, p.schedule, p.allocation, p.announced, asOf, now);
      for (const a of step.review.withdraw) p.announced.delete(announcementKey(a));
      for (const a of step.review.announce) p.announced.add(announcementKey(a));
      outbox.push(...step.events);
      p.state = step.state;
      p.completions = step.completions;
      if (p.state !== promises.PlanState.PLAN_STATE_ACTIVE) oneByOne.add(key);
    }
    await this.store(tenantId, [...byKey.values()], unallocated, outbox, hc);
    return rest;
  }

  /**
   * Writes the batch's outcome: its payments, the instalments whose paid amount they changed,
   * each plan's state and announcements, and the payments that counted towards nothing.
   */
  private async store(
    tenantId: string,
    plans: PlanInBatch[],
    unallocated: UnallocatedPayment[],
    events: NewEvent<EventType>[],
    hc: HandlerContext,
  ): Promise<void> {
    const w: Parameters<PlansRepository['applyPayments']>[2] = {
      payments: [],
      paid: [],
      states: [],
      unallocated,
      revision: randomUUID(),
    };
    for (const p of plans) {
      if (p.added.size === 0) continue;
      const planId = p.plan.id;
      // The batch's payments are the last ones of the plan's list, in posting order.
      for (let i = p.payments.length - p.added.size; i < p.payments.length; i++) {
        const pay = p.payments[i];
        w.payments.push({ planId, paymentId: pay.paymentId, amountMinor: pay.amountMinor, paidOn: pay.date });
      }
      for (const { seq, paidMinor } of p.allocation.paidChangedSince(p.paidBefore))
        w.paid.push({ planId, seq, paidMinor });
      w.states.push({ planId, state: p.state, completions: p.completions, announced: p.announced });
    }
    if (w.payments.length > 0 || w.unallocated.length > 0)
      await this.repo.applyPayments(
        hc.tx,
        tenantId,
        w,
        events.length > 0 ? (first) => hc.outbox.statement(hc.tx, events, first) : undefined,
      );
    // Remembered under the new revision: should this transaction roll back, the plans keep their
    // old one and the next batch reads them again. A plan the batch did not change keeps its own.
    for (const p of plans) {
      const revision = p.added.size > 0 ? w.revision : p.plan.revision;
      if (!revision) continue;
      this.states.set(tenantId, p.plan.id, {
        revision,
        payments: p.payments,
        allocation: p.allocation,
        announced: p.announced,
      });
    }
  }

  /** Takes a reversed payment off its plan; false when it was not a plan's payment. */
  async reversed(event: ConsumedEvent<'collections.ledger.v1.PaymentReversed'>, hc: HandlerContext): Promise<boolean> {
    const planId = await this.repo.planOfPayment(hc.tx, event.tenantId, event.payload.paymentId);
    if (!planId) return false;
    const plan = await this.repo.find(hc.tx, event.tenantId, planId, true);
    if (!plan || !(await this.repo.reversePayment(hc.tx, event.tenantId, event.payload.paymentId))) return true;
    const now = this.ctx.clock.now();
    const today = await this.profiles.localDate(hc.tx, event.tenantId, plan.account_id, now);
    await this.tracker.review(hc.tx, hc.outbox, plan, today, now, event.payload.paymentId);
    return true;
  }
}
