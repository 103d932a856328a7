import { Allocator, Payment } from './domain/allocation';
import { Instalment } from './domain/schedule';

/**
 * A bounded map of one tenant's plan facts kept in memory between batches of payments, each
 * entry under (tenant, plan): the plans used least recently are forgotten first, and whoever
 * misses reads the database.
 */
export class PlanCache<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly capacity = 10_000) {}

  get(tenantId: string, planId: string): V | undefined {
    const key = cacheKey(tenantId, planId);
    const value = this.entries.get(key);
    if (value !== undefined) {
      // Most recently used last: a Map keeps insertion order.
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  /** The entry, removed: the caller owns it (and may change it) until it sets it again. */
  take(tenantId: string, planId: string): V | undefined {
    const key = cacheKey(tenantId, planId);
    const value = this.entries.get(key);
    this.entries.delete(key);
    return value;
  }

  set(tenantId: string, planId: string, value: V): void {
    const key = cacheKey(tenantId, planId);
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }

  get size(): number {
    return this.entries.size;
  }
}

const cacheKey = (tenantId: string, planId: string) => `${tenantId}\u0000${planId}`;

/**
 * What a plan's payments changed as of one revision of the plan (payment_plan.revision, which
 * every write of its payments, allocations, paid amounts, announcements or state replaces with
 * a new random value in the same transaction): valid exactly while the locked plan row still
 * carries that revision, so a write by anyone else (a reversal, the daily run, another replica)
 * or a rolled-back batch is a miss, never a stale read.
 */
export interface PlanPaymentState {
  revision: string;
  /** The live payments, in posting order. */
  payments: Payment[];
  /** Their allocation to the plan's schedule. */
  allocation: Allocator;
  /** What was announced (announcementKey). */
  announced: Set<string>;
}

/**
 * Schedules (due dates and amounts) are written once, with their plan, and never change after:
 * payments change only what is paid. A cached schedule needs no revision.
 */
export type ScheduleCache = PlanCache<readonly Instalment[]>;
