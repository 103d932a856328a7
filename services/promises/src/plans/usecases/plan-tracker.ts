import { EntityManager } from 'typeorm';
import { EventType, promises } from '@collections/contracts';
import { NewEvent, Outbox } from '@collections/messaging';
import { money } from '@collections/platform';
import { AllocationState, Payment, allocatePayments } from '../domain/allocation';
import { Announcement, PlanReview, PlanRules, reviewPlan } from '../domain/announcements';
import { Instalment } from '../domain/schedule';
import { PlanFacts, PlanRow, PlansRepository, scheduleOf } from '../plans.repository';

const STATE: Record<PlanReview['plan'], promises.PlanState> = {
  active: promises.PlanState.PLAN_STATE_ACTIVE,
  completed: promises.PlanState.PLAN_STATE_COMPLETED,
  defaulted: promises.PlanState.PLAN_STATE_DEFAULTED,
};

/**
 * Brings one plan up to date inside the caller's transaction: allocates its live payments
 * (earliest open instalment first), stores the allocations, and announces through the outbox
 * what changed since the last review — each announcement once, remembered in the same
 * transaction, so a re-run or a redelivered event announces nothing twice.
 */
export class PlanTracker {
  constructor(
    private readonly repo: PlansRepository,
    readonly rules: PlanRules,
  ) {}

  async review(
    tx: EntityManager,
    outbox: Outbox,
    plan: PlanRow,
    asOf: string,
    now: Date,
    reversedPaymentId = '',
  ): Promise<{ events: number; review: PlanReview }> {
    const tenantId = plan.tenant_id;
    const schedule = scheduleOf((await this.repo.instalments(tx, tenantId, [plan.id])).get(plan.id) ?? []);
    const payments = await this.repo.livePayments(tx, tenantId, plan.id);
    const announced = await this.repo.announced(tx, tenantId, plan.id);
    const step = this.step(plan, plan.state, schedule, payments, announced, asOf, now, reversedPaymentId);
    await this.repo.replacePaid(tx, tenantId, plan.id, step.allocation.paidBySeq);
    await this.repo.recordAnnouncements(tx, tenantId, plan.id, step.review.announce, step.review.withdraw);
    if (step.state !== plan.state || step.completions !== plan.completions)
      await this.repo.setState(tx, tenantId, plan.id, step.state, step.completions);
    await outbox.addMany(tx, step.events);
    return { events: step.events.length, review: step.review };
  }

  /**
   * The decision half of a review, without storage: where the payments go, what to announce
   * and withdraw, the plan's state and completions after it and the events to publish. `state` is
   * the plan's state before the review (a batch may have moved it since `plan` was read).
   */
  step(
    plan: PlanFacts,
    state: number,
    schedule: readonly Instalment[],
    payments: readonly Payment[],
    announced: ReadonlySet<string>,
    asOf: string,
    now: Date,
    reversedPaymentId = '',
  ): PlanStep {
    return this.stepOn(
      plan,
      state,
      schedule,
      allocatePayments(schedule, payments),
      announced,
      asOf,
      now,
      reversedPaymentId,
    );
  }

  /** `step` on payments already allocated (a batch extends one `Allocator` per plan payment by payment). */
  stepOn(
    plan: PlanFacts,
    state: number,
    schedule: readonly Instalment[],
    allocation: AllocationState,
    announced: ReadonlySet<string>,
    asOf: string,
    now: Date,
    reversedPaymentId = '',
  ): PlanStep {
    // A cancelled plan, like a defaulted one, announces nothing more: a reversal of a payment it
    // took before its cancellation only takes the payment off (and withdraws a PromiseKept it made
    // untrue), and the plan stays cancelled.
    const cancelled = state === promises.PlanState.PLAN_STATE_CANCELLED;
    const review = reviewPlan(
      schedule,
      allocation,
      asOf,
      this.rules,
      announced,
      cancelled || state === promises.PlanState.PLAN_STATE_DEFAULTED,
    );
    const events: NewEvent<EventType>[] = [];
    // Each completion is numbered (PlanCompleted and the PlanReopened that withdraws it carry it), so
    // a consumer tells a late PlanCompleted of an earlier completion from the plan's current one.
    let completions = plan.completions;
    // A kept instalment a reversal took back below its amount withdraws its PromiseKept first, so
    // a PromiseBroken announced below for it (past grace) comes after the withdrawal; a completed
    // plan it took back below its total is reopened (after its instalments' withdrawals, before any
    // InstalmentMissed, PromiseBroken or PlanDefaulted).
    for (const a of review.withdraw) {
      if (a.kind === 'kept') events.push(keptWithdrawn(a.seq, plan, allocation, now, reversedPaymentId));
      else if (a.kind === 'completed' && !cancelled)
        events.push(planReopened(plan, completions, allocation, now, reversedPaymentId));
    }
    for (const a of review.announce) {
      if (a.kind === 'completed') completions += 1;
      events.push(...eventsOf(a, { plan, schedule, allocation, missed: review.missed, now, asOf, completions }));
    }
    return { allocation, review, state: cancelled ? state : STATE[review.plan], completions, events };
  }
}

/** What one review of a plan decides (see `PlanTracker.step`). */
export interface PlanStep {
  allocation: AllocationState;
  review: PlanReview;
  state: promises.PlanState;
  /** How many times the plan completed, this review's completion included. */
  completions: number;
  events: NewEvent<EventType>[];
}

interface Facts {
  plan: PlanFacts;
  schedule: readonly Instalment[];
  /** Its `paidBySeq` is worked out only for the announcements that say what was paid. */
  allocation: AllocationState;
  missed: number;
  now: Date;
  asOf: string;
  /** The plan's completions, the one a 'completed' announcement makes included. */
  completions: number;
}

/** Each instalment is a promise of its own to the rest of the platform (reporting counts them apart). */
export const instalmentPromiseId = (planId: string, seq: number) => `${planId}/${seq}`;

const daysBetween = (from: string, to: string) =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);

/** The withdrawal of an instalment's PromiseKept: `paid` is what it has paid after the reversal. */
function keptWithdrawn(
  seq: number,
  plan: PlanFacts,
  allocation: AllocationState,
  now: Date,
  paymentId: string,
): NewEvent<'collections.promises.v1.PromiseKeptWithdrawn'> {
  return {
    key: plan.account_id,
    tenantId: plan.tenant_id,
    time: now,
    type: 'collections.promises.v1.PromiseKeptWithdrawn',
    payload: {
      promiseId: instalmentPromiseId(plan.id, seq),
      accountId: plan.account_id,
      planId: plan.id,
      instalmentSeq: seq,
      paymentId,
      paid: money(allocation.paidBySeq.get(seq) ?? 0, plan.currency.trim()),
      withdrawnAt: now,
    },
  };
}

/**
 * The withdrawal of a plan's PlanCompleted (its `completion`, the plan's last): `remaining` is what it
 * still expects after the reversal.
 */
function planReopened(
  plan: PlanFacts,
  completion: number,
  allocation: AllocationState,
  now: Date,
  paymentId: string,
): NewEvent<'collections.promises.v1.PlanReopened'> {
  let paid = 0;
  for (const x of allocation.paidBySeq.values()) paid += x;
  return {
    key: plan.account_id,
    tenantId: plan.tenant_id,
    time: now,
    type: 'collections.promises.v1.PlanReopened',
    payload: {
      planId: plan.id,
      accountId: plan.account_id,
      paymentId,
      remaining: money(Math.max(0, Number(plan.total_minor) - paid), plan.currency.trim()),
      reopenedAt: now,
      completion,
    },
  };
}

/** The events one announcement publishes (a missed instalment is also a broken promise). */
function eventsOf(a: Announcement, f: Facts): NewEvent<EventType>[] {
  const { plan, now } = f;
  const currency = plan.currency.trim();
  const base = { key: plan.account_id, tenantId: plan.tenant_id, time: now };
  const inst = f.schedule.find((i) => i.seq === a.seq);
  const paid = () => (inst ? (f.allocation.paidBySeq.get(inst.seq) ?? 0) : 0);
  const total = Number(plan.total_minor);
  switch (a.kind) {
    case 'kept':
      return [
        {
          ...base,
          type: 'collections.promises.v1.PromiseKept',
          payload: {
            promiseId: instalmentPromiseId(plan.id, a.seq),
            accountId: plan.account_id,
            amount: money(inst!.amountMinor, currency),
            keptAt: now,
            planId: plan.id,
            instalmentSeq: a.seq,
          },
        },
      ];
    case 'missed':
      return [
        {
          ...base,
          type: 'collections.promises.v1.InstalmentMissed',
          payload: {
            planId: plan.id,
            accountId: plan.account_id,
            seq: a.seq,
            dueDate: inst!.dueDate,
            amount: money(inst!.amountMinor, currency),
            paid: money(paid(), currency),
            missedInstalments: f.missed,
          },
        },
        {
          ...base,
          type: 'collections.promises.v1.PromiseBroken',
          payload: {
            promiseId: instalmentPromiseId(plan.id, a.seq),
            accountId: plan.account_id,
            amount: money(inst!.amountMinor, currency),
            paid: money(paid(), currency),
            dueDate: inst!.dueDate,
            brokenAt: now,
            planId: plan.id,
            instalmentSeq: a.seq,
          },
        },
      ];
    case 'due-soon':
      return [
        {
          ...base,
          type: 'collections.promises.v1.InstalmentDueSoon',
          payload: {
            planId: plan.id,
            accountId: plan.account_id,
            seq: a.seq,
            dueDate: inst!.dueDate,
            amountDue: money(inst!.amountMinor - paid(), currency),
            daysUntilDue: daysBetween(f.asOf, inst!.dueDate),
          },
        },
      ];
    case 'completed':
      return [
        {
          ...base,
          type: 'collections.promises.v1.PlanCompleted',
          payload: {
            planId: plan.id,
            accountId: plan.account_id,
            total: money(total, currency),
            completedAt: now,
            completion: f.completions,
          },
        },
      ];
    case 'defaulted': {
      const paidAll = [...f.allocation.paidBySeq.values()].reduce((s, x) => s + x, 0);
      return [
        {
          ...base,
          type: 'collections.promises.v1.PlanDefaulted',
          payload: {
            planId: plan.id,
            accountId: plan.account_id,
            missedInstalments: f.missed,
            unpaid: money(total - paidAll, currency),
            defaultedAt: now,
          },
        },
      ];
    }
  }
}
