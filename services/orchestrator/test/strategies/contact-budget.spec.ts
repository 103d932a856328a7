import {
  ContactBudget,
  DueContact,
  formatViolation,
  heldBackByBudget,
  validateStrategy,
} from '../../src/strategies/domain';
import { retailStrategy, templateExists } from './strategy.fixture';

const contact = (id: string, over: Partial<DueContact> = {}): DueContact => ({
  id,
  strategyKey: 's',
  armId: 'ai',
  currency: 'USD',
  priority: 0,
  daysPastDue: 0,
  dueAt: 0,
  ...over,
});

const sent = (held: Set<string>, due: DueContact[]) => due.map((c) => c.id).filter((id) => !held.has(id));

describe('daily contact budgets of strategy arms', () => {
  const ai: ContactBudget = { perDay: 2, rankBy: 'expected_recovery' };
  const dpd: ContactBudget = { perDay: 2, rankBy: 'days_past_due' };
  const budgets = (_: string, arm: string) => (arm === 'ai' ? ai : arm === 'dpd' ? dpd : undefined);

  it('spends the AI arm on the highest expected recovery and the baseline on the most days past due', () => {
    const due = [
      contact('a1', { priority: 10, daysPastDue: 30 }),
      contact('a2', { priority: 500, daysPastDue: 1 }),
      contact('a3', { priority: 90, daysPastDue: 5 }),
      contact('d1', { armId: 'dpd', priority: 10, daysPastDue: 30 }),
      contact('d2', { armId: 'dpd', priority: 500, daysPastDue: 1 }),
      contact('d3', { armId: 'dpd', priority: 90, daysPastDue: 5 }),
    ];
    expect(
      sent(
        heldBackByBudget(due, budgets, () => 0),
        due,
      ),
    ).toEqual(['a2', 'a3', 'd1', 'd3']);
  });

  it('counts what was already sent today, and never holds back an arm without a budget', () => {
    const due = [contact('a1'), contact('a2'), contact('x1', { armId: 'free' }), contact('x2', { armId: 'free' })];
    const used = (_: string, arm: string) => (arm === 'ai' ? 1 : 99);
    expect(sent(heldBackByBudget(due, budgets, used), due)).toEqual(['a1', 'x1', 'x2']);
    expect(
      sent(
        heldBackByBudget(due, budgets, () => 5),
        due,
      ),
    ).toEqual(['x1', 'x2']);
  });

  it('compares expected recovery within a currency, so pesos do not outrank dollars, and unscored come last', () => {
    const due = [
      contact('cop-low', { currency: 'COP', priority: 1_000_000 }),
      contact('cop-high', { currency: 'COP', priority: 9_000_000 }),
      contact('usd-high', { currency: 'USD', priority: 900 }),
      contact('usd-low', { currency: 'USD', priority: 100 }),
      contact('unscored', { currency: 'USD', priority: null }),
    ];
    const held = heldBackByBudget(due, budgets, () => 0);
    expect(sent(held, due).sort()).toEqual(['cop-high', 'usd-high']);
    const four = heldBackByBudget(
      due,
      () => ({ perDay: 4, rankBy: 'expected_recovery' }),
      () => 0,
    );
    expect([...four]).toEqual(['unscored']);
  });

  it('is accepted in a strategy document, and refused with its path when malformed', () => {
    const doc = structuredClone(retailStrategy()) as unknown as { arms: Record<string, unknown>[] };
    doc.arms[0].contactBudget = { perDay: 100, rankBy: 'expected_recovery' };
    expect(validateStrategy(doc, { templateExists }).valid).toBe(true);
    doc.arms[0].contactBudget = { perDay: -1, rankBy: 'balance' };
    const result = validateStrategy(doc, { templateExists });
    expect(result.valid ? [] : result.violations.map(formatViolation)).toEqual([
      '/arms/0/contactBudget/perDay: must be >= 0',
      '/arms/0/contactBudget/rankBy: must be one of expected_recovery, days_past_due',
    ]);
  });
});
