import fc from 'fast-check';
import { AppError } from '@collections/platform';
import {
  Components,
  EntryKind,
  Line,
  ZERO,
  add,
  creditTowardsDues,
  creditedComponents,
  post,
  total,
} from '../src/ledger/domain/journal';
import {
  DEFAULT_AGING_BUCKETS,
  Due,
  agingBucket,
  daysBetween,
  delinquencyAsOf,
  validateAgingBuckets,
} from '../src/ledger/domain/delinquency';

type Op =
  | {
      kind:
        | EntryKind.Charge
        | EntryKind.Interest
        | EntryKind.Fee
        | EntryKind.Payment
        | EntryKind.SettlementDiscount
        | EntryKind.WriteOff;
      amount: number;
    }
  | { kind: EntryKind.Adjustment; amount: number }
  | { kind: EntryKind.PaymentReversal; which: number };

const amount = fc.integer({ min: 1, max: 5_000_000 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constantFrom(EntryKind.Charge, EntryKind.Interest, EntryKind.Fee), amount }),
  fc.record({ kind: fc.constant(EntryKind.Payment), amount }),
  fc.record({ kind: fc.constantFrom(EntryKind.SettlementDiscount, EntryKind.WriteOff), amount }),
  fc.record({
    kind: fc.constant(EntryKind.Adjustment),
    amount: fc.integer({ min: -5_000_000, max: 5_000_000 }).filter((n) => n !== 0),
  }),
  fc.record({ kind: fc.constant(EntryKind.PaymentReversal), which: fc.nat() }),
) as fc.Arbitrary<Op>;

/** Replays operations the way the ledger does: cached balance updated posting by posting. */
function replay(ops: Op[]) {
  let cached: Components = { ...ZERO };
  const journal: { kind: EntryKind; lines: Line[] }[] = [];
  const payments: { lines: Line[]; reversed: boolean }[] = [];
  for (const o of ops) {
    if (o.kind === EntryKind.PaymentReversal) {
      const open = payments.filter((p) => !p.reversed);
      if (open.length === 0) continue;
      const target = open[o.which % open.length];
      target.reversed = true;
      const posting = post(o.kind, 0, cached, creditedComponents(target.lines));
      cached = add(cached, posting.delta);
      journal.push({ kind: o.kind, lines: posting.lines });
      continue;
    }
    const posting = post(o.kind, o.amount, cached);
    cached = add(cached, posting.delta);
    journal.push({ kind: o.kind, lines: posting.lines });
    if (o.kind === EntryKind.Payment) payments.push({ lines: posting.lines, reversed: false });
  }
  return { cached, journal };
}

function receivableFromLines(journal: { lines: Line[] }[]): Components {
  const c = { ...ZERO };
  for (const { lines } of journal) {
    for (const l of lines) {
      if (l.account === 'receivable:principal') c.principal += l.debit - l.credit;
      if (l.account === 'receivable:interest') c.interest += l.debit - l.credit;
      if (l.account === 'receivable:fees') c.fees += l.debit - l.credit;
    }
  }
  return c;
}

describe('double-entry ledger', () => {
  it('balances every posting: debits equal credits, over any sequence of operations', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const { journal } = replay(ops);
        for (const { lines } of journal) {
          const debits = lines.reduce((s, l) => s + l.debit, 0);
          const credits = lines.reduce((s, l) => s + l.credit, 0);
          expect(debits).toBe(credits);
          for (const l of lines)
            expect(l.debit >= 0 && l.credit >= 0 && Number.isSafeInteger(l.debit + l.credit)).toBe(true);
        }
      }),
    );
  });

  it('keeps the cached balance equal to the sum of its entries', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const { cached, journal } = replay(ops);
        expect(cached).toEqual(receivableFromLines(journal));
      }),
    );
  });

  it('restores the balance exactly when a payment is reversed right after it', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), amount, (ops, paid) => {
        const before = replay(ops).cached;
        const payment = post(EntryKind.Payment, paid, before);
        const after = add(before, payment.delta);
        const reversal = post(EntryKind.PaymentReversal, 0, after, creditedComponents(payment.lines));
        expect(add(after, reversal.delta)).toEqual(before);
      }),
    );
  });

  it('pays fees first, then interest, then principal', () => {
    const balance = { principal: 10_000, interest: 300, fees: 500 };
    expect(post(EntryKind.Payment, 600, balance).delta).toEqual({ principal: 0, interest: -100, fees: -500 });
    expect(total(add(balance, post(EntryKind.Payment, 12_000, balance).delta))).toBe(-1_200);
  });

  it('refuses zero and negative amounts where they make no sense', () => {
    for (const kind of [EntryKind.Charge, EntryKind.Payment, EntryKind.WriteOff, EntryKind.SettlementDiscount]) {
      expect(() => post(kind, 0, ZERO)).toThrow(AppError);
      expect(() => post(kind, -5, ZERO)).toThrow(/positive amount/);
    }
    expect(() => post(EntryKind.Adjustment, 0, ZERO)).toThrow(/non-zero/);
  });

  it('counts credits towards dues and charges not', () => {
    const payment = post(EntryKind.Payment, 700, { principal: 1000, interest: 0, fees: 0 });
    expect(creditTowardsDues(EntryKind.Payment, payment.delta)).toBe(700);
    expect(creditTowardsDues(EntryKind.Charge, post(EntryKind.Charge, 700, ZERO).delta)).toBe(0);
  });
});

/** Independent oracle: the earliest due date whose cumulative dues exceed all credits made by asOf. */
function oracleDaysPastDue(dues: Due[], credits: { date: string; amount: number }[], asOf: string): number {
  const paid = Math.max(
    0,
    credits.filter((c) => c.date <= asOf).reduce((s, c) => s + c.amount, 0),
  );
  const dates = [...new Set(dues.filter((d) => d.dueDate < asOf && d.amount > 0).map((d) => d.dueDate))].sort();
  for (const date of dates) {
    const cumulative = dues.filter((d) => d.dueDate <= date && d.amount > 0).reduce((s, d) => s + d.amount, 0);
    if (cumulative > paid) return daysBetween(date, asOf);
  }
  return 0;
}

const isoDate = fc
  .integer({ min: 0, max: 400 })
  .map((n) => new Date(Date.UTC(2025, 0, 1) + n * 86_400_000).toISOString().slice(0, 10));

describe('days past due and aging', () => {
  it('agree with an independent oracle for any dues, credits and date', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ dueDate: isoDate, amount: fc.integer({ min: 0, max: 100_000 }) }), { maxLength: 12 }),
        fc.array(fc.record({ date: isoDate, amount: fc.integer({ min: -50_000, max: 100_000 }) }), { maxLength: 12 }),
        isoDate,
        (dues, credits, asOf) => {
          const sut = delinquencyAsOf(dues, credits, asOf);
          expect(sut.daysPastDue).toBe(oracleDaysPastDue(dues, credits, asOf));
          expect(agingBucket(sut.daysPastDue)).toBe(
            DEFAULT_AGING_BUCKETS.find((b) => sut.daysPastDue >= b.min && (b.max === null || sut.daysPastDue <= b.max))!
              .name,
          );
          expect(sut.pastDue >= 0).toBe(true);
          expect(sut.pastDue === 0).toBe(sut.daysPastDue === 0);
        },
      ),
    );
  });

  it('counts days from the oldest unpaid due date', () => {
    const dues = [
      { dueDate: '2026-01-20', amount: 1000 },
      { dueDate: '2026-02-20', amount: 1000 },
    ];
    expect(delinquencyAsOf(dues, [], '2026-01-20')).toEqual({ daysPastDue: 0, pastDue: 0 });
    expect(delinquencyAsOf(dues, [], '2026-01-21')).toEqual({ daysPastDue: 1, pastDue: 1000 });
    expect(delinquencyAsOf(dues, [{ date: '2026-02-01', amount: 1000 }], '2026-03-01')).toEqual({
      daysPastDue: 9,
      pastDue: 1000,
    });
    expect(agingBucket(9)).toBe('1-30');
    expect(agingBucket(400)).toBe('181+');
  });

  it('rejects bucket configurations with gaps, overlaps or a closed end', () => {
    expect(validateAgingBuckets(DEFAULT_AGING_BUCKETS)).toEqual([]);
    expect(
      validateAgingBuckets([
        { name: 'a', min: 0, max: 10 },
        { name: 'b', min: 12, max: null },
      ]),
    ).toEqual(['bucket b must start at 11']);
    expect(validateAgingBuckets([{ name: 'a', min: 0, max: 10 }])).toEqual(['the last bucket must be open-ended']);
  });
});
