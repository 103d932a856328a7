import fc from 'fast-check';
import { AppError, ErrorCode } from '@collections/platform';
import {
  AgingBucket,
  Credit,
  agingBucket,
  coverDues,
  daysBetween,
  delinquencyAsOf,
  validateAgingBuckets,
  withCurrentBucket,
} from '../src/ledger/domain/delinquency';
import { Instalment, instalmentDues, validateSchedule } from '../src/ledger/domain/instalments';
import { AccountStatus, mayClose, transitionAfterPosting } from '../src/ledger/domain/lifecycle';
import { EntryKind } from '../src/ledger/domain/journal';
import { evaluateAccount } from '../src/ledger/usecases/daily-delinquency.usecase';

const DAY = 86_400_000;
const dateAt = (n: number) => new Date(Date.UTC(2025, 0, 1) + n * DAY).toISOString().slice(0, 10);
const isoDate = fc.integer({ min: 0, max: 500 }).map(dateAt);

/** A loan schedule: strictly later due dates, numbered 1..N, something due on each. */
const schedule: fc.Arbitrary<Instalment[]> = fc
  .array(
    fc.record({
      gap: fc.integer({ min: 1, max: 45 }),
      principal: fc.integer({ min: 0, max: 200_000 }),
      interest: fc.integer({ min: 0, max: 20_000 }),
    }),
    { minLength: 1, maxLength: 24 },
  )
  .map((rows) => {
    let day = 0;
    return rows.map((r, i) => {
      day += r.gap;
      return {
        number: i + 1,
        dueDate: dateAt(day),
        principal: r.principal,
        interest: r.principal + r.interest === 0 ? 1 : r.interest,
      };
    });
  });

const credits: fc.Arbitrary<Credit[]> = fc.array(
  fc.record({ date: isoDate, amount: fc.integer({ min: -30_000, max: 250_000 }) }),
  { maxLength: 15 },
);

/** A schedule with payments that often land on, or a unit either side of, an instalment boundary. */
const loanAndPayments: fc.Arbitrary<[Instalment[], Credit[]]> = schedule.chain((instalments) => {
  let running = 0;
  const boundaries = instalments.map((i) => (running += i.principal + i.interest));
  const nearBoundary = fc
    .constantFrom(...boundaries)
    .chain((b) => fc.integer({ min: b - 1, max: b + 1 }))
    .map((amount) => [{ date: dateAt(0), amount }]);
  return fc.tuple(fc.constant(instalments), fc.oneof(credits, nearBoundary));
});

/**
 * Independent oracle, by cumulative sums rather than allocation: what is past due is whatever
 * the fallen instalments add up to beyond what was paid; days count from the first instalment
 * whose running total of dues exceeds the payments.
 */
function oracle(instalments: Instalment[], paidCredits: Credit[], asOf: string) {
  const paid = Math.max(
    0,
    paidCredits.filter((c) => c.date <= asOf).reduce((s, c) => s + c.amount, 0),
  );
  const fallen = instalments.filter((i) => i.dueDate < asOf);
  const fallenTotal = fallen.reduce((s, i) => s + i.principal + i.interest, 0);
  let running = 0;
  const firstUnpaid = fallen.find((i) => (running += i.principal + i.interest) > paid);
  return {
    daysPastDue: firstUnpaid ? daysBetween(firstUnpaid.dueDate, asOf) : 0,
    pastDue: Math.max(0, fallenTotal - paid),
  };
}

describe('loan instalment schedules', () => {
  it('give the days past due and past-due amount of an independent oracle, for any payments and date', () => {
    fc.assert(
      fc.property(loanAndPayments, isoDate, ([instalments, paid], asOf) => {
        expect(delinquencyAsOf(instalmentDues(instalments), paid, asOf)).toEqual(oracle(instalments, paid, asOf));
      }),
    );
  });

  it('pay the oldest instalment first: an instalment is only touched once every earlier one is paid', () => {
    fc.assert(
      fc.property(loanAndPayments, isoDate, ([instalments, paid], asOf) => {
        const covered = coverDues(instalmentDues(instalments), paid, asOf);
        const netPaid = Math.max(
          0,
          paid.filter((c) => c.date <= asOf).reduce((s, c) => s + c.amount, 0),
        );
        const dueTotal = instalments.reduce((s, i) => s + i.principal + i.interest, 0);
        expect(covered.reduce((s, d) => s + d.covered, 0)).toBe(Math.min(netPaid, dueTotal));
        covered.forEach((d, i) => {
          if (i > 0 && d.covered > 0) expect(covered[i - 1].covered).toBe(covered[i - 1].amount);
        });
      }),
    );
  });

  it('is one definition with statements: the same dues give the same delinquency whatever their source', () => {
    fc.assert(
      fc.property(schedule, credits, isoDate, (instalments, paid, asOf) => {
        const asStatements = instalments.map((i) => ({ dueDate: i.dueDate, amount: i.principal + i.interest }));
        expect(delinquencyAsOf(instalmentDues(instalments), paid, asOf)).toEqual(
          delinquencyAsOf(asStatements, paid, asOf),
        );
      }),
    );
  });

  it('accepts a schedule whose principals sum to the loan, and nothing else', () => {
    fc.assert(
      fc.property(schedule, fc.integer({ min: 1, max: 1_000 }), (instalments, off) => {
        const principal = instalments.reduce((s, i) => s + i.principal, 0);
        expect(validateSchedule(instalments, principal)).toEqual([]);
        expect(validateSchedule(instalments, principal + off)).toEqual([
          `the instalment principals sum to ${principal}, the loan principal is ${principal + off}`,
        ]);
      }),
    );
  });

  it('refuses schedules out of date order, misnumbered or with negative amounts', () => {
    const a = { number: 1, dueDate: '2026-03-05', principal: 100, interest: 5 };
    const b = { number: 2, dueDate: '2026-04-05', principal: 100, interest: 5 };
    expect(validateSchedule([a, b], 200)).toEqual([]);
    expect(validateSchedule([], 0)).toEqual(['a schedule needs at least one instalment']);
    expect(validateSchedule([a, { ...b, dueDate: '2026-03-05' }], 200)).toEqual([
      'instalment 2 must fall due after instalment 1',
    ]);
    expect(validateSchedule([a, { ...b, number: 3 }], 200)[0]).toMatch(/number them 1..N/);
    expect(validateSchedule([a, { ...b, interest: -1 }], 200)[0]).toMatch(/non-negative/);
  });
});

describe(evaluateAccount.name, () => {
  it('announces each bucket move once over any sequence of daily runs, re-runs and missed days', () => {
    fc.assert(
      fc.property(
        loanAndPayments,
        fc.uniqueArray(fc.integer({ min: 0, max: 500 }), { maxLength: 40 }),
        fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
        ([instalments, paid], days, rerun) => {
          let stored = { daysPastDue: 0, bucket: 'current' };
          let announced = 0;
          let expected = 0;
          [...days]
            .sort((a, b) => a - b)
            .forEach((day, i) => {
              const row = {
                tenant_id: 't',
                id: 'a',
                currency: 'USD',
                days_past_due: stored.daysPastDue,
                aging_bucket: stored.bucket,
                as_of: dateAt(day),
                evaluated_later: false,
                dues: instalments.map((d) => [d.dueDate, d.principal + d.interest] as [string, number]),
                credits: paid.map((c) => [c.date, c.amount] as [string, number]),
                aging_buckets: null,
              };
              const truth = agingBucket(oracle(instalments, paid, dateAt(day)).daysPastDue);
              if (truth !== stored.bucket) expected++;
              const { update } = evaluateAccount(row);
              if (update) {
                if (update.bucket !== stored.bucket) announced++;
                stored = { daysPastDue: update.daysPastDue, bucket: update.bucket };
              }
              expect(stored.bucket).toBe(truth);
              if (rerun[i % rerun.length]) {
                const again = evaluateAccount({
                  ...row,
                  days_past_due: stored.daysPastDue,
                  aging_bucket: stored.bucket,
                });
                expect(again.update).toBeUndefined();
              }
            });
          expect(announced).toBe(expected);
        },
      ),
    );
  });

  it('leaves an account alone when it was already evaluated for a later date', () => {
    const row = {
      tenant_id: 't',
      id: 'a',
      currency: 'USD',
      days_past_due: 40,
      aging_bucket: '31-60',
      as_of: '2026-03-10',
      evaluated_later: true,
      dues: [['2026-01-01', 100] as [string, number]],
      credits: [],
      aging_buckets: null,
    };
    expect(evaluateAccount(row).update).toBeUndefined();
    expect(evaluateAccount({ ...row, evaluated_later: false }).update).toMatchObject({
      daysPastDue: 68,
      bucket: '61-90',
    });
  });
});

/** Random contiguous bucket configurations: cut points after a start at 0 or 1. */
const bucketConfig: fc.Arbitrary<AgingBucket[]> = fc
  .record({
    start: fc.constantFrom(0, 1),
    widths: fc.array(fc.integer({ min: 1, max: 90 }), { maxLength: 8 }),
  })
  .map(({ start, widths }) => {
    let min = start;
    const buckets: AgingBucket[] = widths.map((w, i) => {
      const b = { name: `b${i}`, min, max: min + w - 1 };
      min += w;
      return b;
    });
    buckets.push({ name: 'last', min, max: null });
    return buckets;
  });

describe('aging bucket configuration', () => {
  it('accepts any contiguous configuration and buckets every day count into the range that holds it', () => {
    fc.assert(
      fc.property(bucketConfig, fc.integer({ min: 0, max: 2_000 }), (buckets, days) => {
        expect(validateAgingBuckets(buckets)).toEqual([]);
        const effective = withCurrentBucket(buckets);
        const expected =
          days === 0 && buckets[0].min === 1
            ? 'current'
            : buckets.find((b) => days >= b.min && (b.max === null || days <= b.max))!.name;
        expect(agingBucket(days, effective)).toBe(expected);
      }),
    );
  });

  it('refuses any gap or overlap between neighbouring buckets', () => {
    fc.assert(
      fc.property(
        bucketConfig.filter((b) => b.length >= 2),
        fc.nat(),
        fc.integer({ min: -3, max: 3 }).filter((n) => n !== 0),
        (buckets, which, shift) => {
          const i = 1 + (which % (buckets.length - 1));
          const broken = buckets.map((b, at) => (at === i ? { ...b, min: b.min + shift } : b));
          expect(validateAgingBuckets(broken)).toContain(`bucket ${broken[i].name} must start at ${buckets[i].min}`);
        },
      ),
    );
  });

  it('refuses a wrong start, duplicate or empty labels and a closed end', () => {
    expect(validateAgingBuckets([{ name: 'a', min: 2, max: null }])).toEqual([
      'the first bucket must start at 0 or 1 days',
    ]);
    expect(
      validateAgingBuckets([
        { name: 'a', min: 0, max: 5 },
        { name: 'a', min: 6, max: null },
      ]),
    ).toEqual(['label a is used twice']);
    expect(validateAgingBuckets([{ name: '', min: 0, max: null }])).toEqual([
      'every bucket needs a label of 1 to 40 characters',
    ]);
    expect(validateAgingBuckets([{ name: 'current', min: 1, max: null }])).toEqual([
      'label current is reserved for 0 days past due',
    ]);
    expect(validateAgingBuckets([{ name: 'a', min: 0, max: 3 }])).toEqual(['the last bucket must be open-ended']);
  });
});

describe('account lifecycle', () => {
  it('charges an account off on a write-off, once', () => {
    expect(transitionAfterPosting(AccountStatus.Current, EntryKind.WriteOff, 500)).toEqual({
      status: AccountStatus.ChargedOff,
      event: 'charged_off',
    });
    expect(transitionAfterPosting(AccountStatus.ChargedOff, EntryKind.WriteOff, 0)).toBeUndefined();
  });

  it('settles an account when a settlement discount brings the balance to exactly zero', () => {
    expect(transitionAfterPosting(AccountStatus.Delinquent, EntryKind.SettlementDiscount, 0)).toEqual({
      status: AccountStatus.Settled,
      event: 'settled',
    });
    expect(transitionAfterPosting(AccountStatus.ChargedOff, EntryKind.SettlementDiscount, 0)?.status).toBe(
      AccountStatus.Settled,
    );
    expect(transitionAfterPosting(AccountStatus.Current, EntryKind.SettlementDiscount, 100)).toBeUndefined();
    expect(transitionAfterPosting(AccountStatus.Current, EntryKind.Payment, 0)).toBeUndefined();
  });

  it('never moves a closed account', () => {
    for (const kind of [EntryKind.WriteOff, EntryKind.SettlementDiscount, EntryKind.Payment])
      expect(transitionAfterPosting(AccountStatus.Closed, kind, 0)).toBeUndefined();
  });

  it('reopens a settled or closed account that a reversed payment leaves owing, to the status its debt has', () => {
    const owing = (daysPastDue: number, chargedOff = false) => ({ daysPastDue, chargedOff });
    for (const ended of [AccountStatus.Settled, AccountStatus.Closed]) {
      expect(transitionAfterPosting(ended, EntryKind.PaymentReversal, 5_000, owing(0))).toEqual({
        status: AccountStatus.Current,
        event: 'reopened',
      });
      expect(transitionAfterPosting(ended, EntryKind.PaymentReversal, 5_000, owing(45))?.status).toBe(
        AccountStatus.Delinquent,
      );
      // Charged off before it was settled: charged off again, whatever its days past due.
      expect(transitionAfterPosting(ended, EntryKind.PaymentReversal, 5_000, owing(0, true))?.status).toBe(
        AccountStatus.ChargedOff,
      );
      // A reversal that leaves nothing owed (the account was in credit) ends nothing.
      expect(transitionAfterPosting(ended, EntryKind.PaymentReversal, 0, owing(0))).toBeUndefined();
      expect(transitionAfterPosting(ended, EntryKind.PaymentReversal, -100, owing(0))).toBeUndefined();
    }
    // An account that never ended moves on its days past due alone, not here.
    for (const open of [AccountStatus.Current, AccountStatus.Delinquent, AccountStatus.ChargedOff])
      expect(transitionAfterPosting(open, EntryKind.PaymentReversal, 5_000, owing(45))).toBeUndefined();
  });

  it('closes only at a zero balance, with a clear failed precondition otherwise', () => {
    expect(mayClose(AccountStatus.Settled, 0)).toBe(true);
    expect(mayClose(AccountStatus.Closed, 0)).toBe(false);
    let error: unknown;
    try {
      mayClose(AccountStatus.Current, 1_250);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe(ErrorCode.FailedPrecondition);
    expect((error as AppError).message).toMatch(/zero balance/);
  });
});
