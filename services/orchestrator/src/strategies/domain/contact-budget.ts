import { ContactBudget } from './strategy.types';

/** A contact that is due, with what the arm's ranking needs to know about its account. */
export interface DueContact {
  readonly id: string;
  readonly strategyKey: string;
  readonly armId: string;
  readonly currency: string;
  /** The scoring service's priority by expected recovery (minor units of `currency`); null: not scored. */
  readonly priority: number | null;
  readonly daysPastDue: number;
  /** Epoch milliseconds. */
  readonly dueAt: number;
}

const armKey = (strategyKey: string, armId: string) => `${strategyKey}\u0000${armId}`;

/**
 * Which due contacts wait for another day because their arm's daily budget is spent: per arm
 * with a budget, the `perDay − used` best-ranked due contacts go, the others are held back.
 * Contacts of arms without a budget are never held.
 *
 * - `days_past_due`: most days past due first.
 * - `expected_recovery`: highest priority first. Priorities are minor units of each account's own
 *   currency, which do not compare across currencies (a peso is not a dollar), so an account
 *   ranks by its place among the due accounts of its currency (its rank ÷ their number): the
 *   budget goes to the top of every currency alike. Unscored accounts come last.
 *
 * Ties go to the contact due first, then by id, so the same inputs hold back the same contacts.
 */
export function heldBackByBudget(
  due: readonly DueContact[],
  budgetOf: (strategyKey: string, armId: string) => ContactBudget | undefined,
  usedToday: (strategyKey: string, armId: string) => number,
): Set<string> {
  const byArm = new Map<string, DueContact[]>();
  for (const c of due) {
    if (!budgetOf(c.strategyKey, c.armId)) continue;
    const key = armKey(c.strategyKey, c.armId);
    byArm.set(key, [...(byArm.get(key) ?? []), c]);
  }
  const held = new Set<string>();
  for (const contacts of byArm.values()) {
    const { strategyKey, armId } = contacts[0];
    const budget = budgetOf(strategyKey, armId)!;
    const remaining = Math.max(0, budget.perDay - usedToday(strategyKey, armId));
    const ranked = rank(contacts, budget);
    for (const c of ranked.slice(remaining)) held.add(c.id);
  }
  return held;
}

const tieBreak = (a: DueContact, b: DueContact) => a.dueAt - b.dueAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function rank(contacts: readonly DueContact[], budget: ContactBudget): DueContact[] {
  if (budget.rankBy === 'days_past_due')
    return [...contacts].sort((a, b) => b.daysPastDue - a.daysPastDue || tieBreak(a, b));
  const byCurrency = new Map<string, DueContact[]>();
  for (const c of contacts) byCurrency.set(c.currency, [...(byCurrency.get(c.currency) ?? []), c]);
  const place = new Map<string, number>();
  for (const group of byCurrency.values()) {
    const scored = group.filter((c) => c.priority !== null);
    scored.sort((a, b) => b.priority! - a.priority! || tieBreak(a, b));
    scored.forEach((c, i) => place.set(c.id, i / scored.length));
  }
  return [...contacts].sort(
    (a, b) =>
      (place.get(a.id) ?? 2) - (place.get(b.id) ?? 2) || (b.priority ?? 0) - (a.priority ?? 0) || tieBreak(a, b),
  );
}
