import { USD, at, eventScript } from './event-script';
import { SeedEvent } from './portfolio-events';

/**
 * A portfolio for the forecast, the experiment and the report, computed by hand (the one of
 * cash-forecast.spec.ts, told as events), in two parts: what was known on Sunday 2026-02-22, when
 * a forecast snapshot is taken, and what happened after.
 *   A opened 01-05 owing 600.00, scored 0.5 (champion arm); 1-30 from 01-20. Pays nothing.
 *   B opened 01-05 owing 400.00, scored 0.2 (challenger arm); 31-60 from 02-10; agrees on 02-20 a
 *     plan of 10 × 100.00 due 03-02, 03-10, 03-24, 04-07; pays the first on 03-02 (kept).
 *   C opened 02-02 owing 500.00, scored 0 (champion); pays 50.00 on 02-25.
 *   D opened 02-03 owing 200.00, scored 0 (challenger); pays 100.00 on 03-03.
 *   E opened 01-05, never scored, had a plan (agreed 01-06) with instalments 1 and 2 kept and 3
 *     missed, then defaulted: the tenant's instalment history is 2 kept of 3 on 02-22, 3 of 4 later.
 */
export function forecastEvents(): { beforeSnapshot: SeedEvent[]; afterSnapshot: SeedEvent[] } {
  const script = eventScript('fc', { openingBalanceHour: 13 });
  const { add, open, pay, age, take } = script;
  const score = (accountId: string, day: string, probabilityToPay: number, modelArm: string) =>
    script.score(accountId, day, { probabilityToPay, modelArm });
  const agree = (planId: string, accountId: string, day: string, dues: string[]) =>
    add('collections.promises.v1.PlanAgreed', at(day, 11), {
      planId,
      accountId,
      total: USD(10_000 * dues.length),
      frequency: 0,
      instalments: dues.map((dueDate, i) => ({ seq: i + 1, dueDate, amount: USD(10_000) })),
      agreedAt: at(day, 11),
      channel: 0,
      takenBy: 0,
    });
  const kept = (planId: string, accountId: string, seq: number, day: string) =>
    add('collections.promises.v1.PromiseKept', at(day, 14), {
      promiseId: `${planId}/${seq}`,
      accountId,
      amount: USD(10_000),
      keptAt: at(day, 14),
      planId,
      instalmentSeq: seq,
    });

  open('A', '2026-01-05', 60_000);
  open('B', '2026-01-05', 40_000);
  open('E', '2026-01-05', 30_000);
  score('A', '2026-01-06', 0.5, 'champion');
  score('B', '2026-01-06', 0.2, 'challenger');
  agree('plan-E', 'E', '2026-01-06', ['2026-01-12', '2026-01-19', '2026-01-26']);
  kept('plan-E', 'E', 1, '2026-01-12');
  kept('plan-E', 'E', 2, '2026-01-19');
  add('collections.promises.v1.InstalmentMissed', at('2026-01-30'), {
    planId: 'plan-E',
    accountId: 'E',
    seq: 3,
    dueDate: '2026-01-26',
    amount: USD(10_000),
    paid: USD(0),
    missedInstalments: 1,
  });
  add('collections.promises.v1.PlanDefaulted', at('2026-01-30'), {
    planId: 'plan-E',
    accountId: 'E',
    missedInstalments: 1,
    unpaid: USD(10_000),
    defaultedAt: at('2026-01-30'),
  });
  age('A', '2026-01-20', 15, '1-30');
  open('C', '2026-02-02', 50_000);
  open('D', '2026-02-03', 20_000);
  score('C', '2026-02-03', 0, 'champion');
  score('D', '2026-02-04', 0, 'challenger');
  age('B', '2026-02-10', 36, '31-60');
  agree('plan-B', 'B', '2026-02-20', ['2026-03-02', '2026-03-10', '2026-03-24', '2026-04-07']);
  const beforeSnapshot = take();

  pay('C', 'pay-C1', '2026-02-25', 5_000, 45_000);
  add('collections.promises.v1.InstalmentDueSoon', at('2026-02-28'), {
    planId: 'plan-B',
    accountId: 'B',
    seq: 1,
    dueDate: '2026-03-02',
    amountDue: USD(10_000),
    daysUntilDue: 2,
  });
  pay('B', 'pay-B1', '2026-03-02', 10_000, 30_000);
  kept('plan-B', 'B', 1, '2026-03-02');
  pay('D', 'pay-D1', '2026-03-03', 10_000, 10_000);
  return { beforeSnapshot, afterSnapshot: take() };
}
