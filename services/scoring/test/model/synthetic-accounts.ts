import { AccountHistory, MonthlyStatement } from '../../src/model/domain/features';
import { sigmoid } from '../../src/model/domain/metrics';
import { SeededRandom } from '../../src/model/domain/seeded-random';
import { LabelledAccount } from '../../src/model/domain/uci';

/**
 * Credit-card accounts whose default follows a known rule, so tests can check that a model finds
 * it: the risk of default grows with how far behind the latest statement is and shrinks with the
 * share of the last bill that was paid. Everything else is noise. Deterministic for a seed.
 */
export function syntheticAccounts(count: number, seed: number): LabelledAccount[] {
  const random = new SeededRandom(seed);
  const accounts: LabelledAccount[] = [];
  for (let i = 0; i < count; i++) {
    const creditLimit = 10_000 * (1 + random.nextInt(50));
    const trouble = random.next();
    const statements: MonthlyStatement[] = [];
    for (let k = 0; k < 6; k++) {
      const bill = Math.round(creditLimit * random.next() * 0.9);
      const delayed = random.next() < trouble * 0.6;
      const status = delayed ? 1 + random.nextInt(3) : [-2, -1, 0, 0][random.nextInt(4)];
      const shareOfPrevious = delayed ? random.next() * 0.2 : random.next();
      statements.push({ bill, paid: 0, status });
      statements[k].paid = Math.round(shareOfPrevious * bill);
    }
    // the payment of cycle k pays the bill of cycle k + 1 (see MonthlyStatement.paid)
    for (let k = 0; k < 5; k++)
      statements[k].paid = Math.round(statements[k].paid * (statements[k + 1].bill / Math.max(1, statements[k].bill)));
    const latestShare = statements[1].bill > 0 ? Math.min(1, statements[0].paid / statements[1].bill) : 1;
    const risk = sigmoid(-1.6 + 1.1 * Math.max(0, statements[0].status) - 1.8 * latestShare);
    const history: AccountHistory = {
      creditLimit,
      statements,
      ...(random.next() < 0.9
        ? { education: (['graduate_school', 'university', 'high_school', 'other'] as const)[random.nextInt(4)] }
        : {}),
    };
    accounts.push({ id: `synthetic-${seed}-${i}`, history, defaulted: random.next() < risk ? 1 : 0 });
  }
  return accounts;
}

/** A history as an agent would describe it: limit, then up to six (bill, paid, status), latest first. */
export function historyOf(
  creditLimit: number,
  ...months: Array<[bill: number, paid: number, status: number]>
): AccountHistory {
  return {
    creditLimit,
    statements: months.map(([bill, paid, status]) => ({ bill, paid, status })),
    education: 'university',
  };
}
