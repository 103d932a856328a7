import fc from 'fast-check';
import {
  DebtItemization,
  LedgerActivity,
  LedgerEntry,
  LedgerEntryKind,
  isItemizationRefusal,
  itemizationDifference,
  itemizeDebt,
} from '../../src/policy/domain';

const ITEMIZATION_DATE = '2026-02-20';
const TODAY = '2026-03-22';
const DAY = 86_400_000;
const dayAt = (offset: number) =>
  new Date(Date.parse(`${ITEMIZATION_DATE}T00:00:00Z`) + offset * DAY).toISOString().slice(0, 10);

/** How an entry moves the debt, as the ledger posts it (services/ledger/src/ledger/domain/journal.ts). */
const effectOf = (e: LedgerEntry) =>
  e.kind === 'charge' || e.kind === 'interest' || e.kind === 'fee' || e.kind === 'payment-reversal'
    ? e.amountMinor
    : e.kind === 'adjustment'
      ? e.amountMinor
      : -e.amountMinor;

const KINDS: readonly LedgerEntryKind[] = [
  'charge',
  'interest',
  'fee',
  'payment',
  'payment-reversal',
  'adjustment',
  'settlement-discount',
  'write-off',
];

/** Any entry of the account from 30 days before the itemization date to today, in USD. */
const entryArbitrary = fc
  .record({
    kind: fc.constantFrom(...KINDS),
    amount: fc.integer({ min: 1, max: 500_000_00 }),
    debit: fc.boolean(),
    offset: fc.integer({ min: -30, max: 30 }),
  })
  .map(({ kind, amount, debit, offset }): LedgerEntry => ({
    kind,
    amountMinor: kind === 'adjustment' && !debit ? -amount : amount,
    currency: 'USD',
    effectiveDate: dayAt(offset),
  }));

/** What the ledger answers for a journal: the balance at the end of the itemization date, the entries after it, the balance today. */
function ledgerAnswer(journal: readonly LedgerEntry[]): LedgerActivity {
  const sum = (entries: readonly LedgerEntry[]) => entries.reduce((total, e) => total + effectOf(e), 0);
  const after = journal.filter((e) => e.effectiveDate > ITEMIZATION_DATE);
  return {
    itemizationDate: ITEMIZATION_DATE,
    reference: 'last-statement',
    currency: 'USD',
    openingMinor: sum(journal.filter((e) => e.effectiveDate <= ITEMIZATION_DATE)),
    asOfDate: TODAY,
    closingMinor: sum(journal),
    entries: after,
  };
}

const totalOf = (entries: readonly LedgerEntry[], ...kinds: LedgerEntryKind[]) =>
  entries.filter((e) => kinds.includes(e.kind)).reduce((t, e) => t + e.amountMinor, 0);

describe('itemizeDebt (Regulation F §1006.34(c)(2): amount then + interest + fees − payments − credits = amount now)', () => {
  it('prints only figures that add up to the ledger’s amount now, each as the ledger’s entries since the itemization date say', () => {
    fc.assert(
      fc.property(fc.array(entryArbitrary, { maxLength: 40 }), (journal) => {
        const activity = ledgerAnswer(journal);
        const sut = itemizeDebt(activity);
        const since = activity.entries;
        const payments = totalOf(since, 'payment') - totalOf(since, 'payment-reversal');
        const credits = totalOf(since, 'settlement-discount', 'write-off') - totalOf(since, 'adjustment');
        const printable = totalOf(since, 'charge') === 0 && payments >= 0 && credits >= 0 && activity.closingMinor > 0;
        expect(isItemizationRefusal(sut)).toBe(!printable);
        if (isItemizationRefusal(sut)) {
          expect(sut.detail).not.toEqual('');
          return;
        }
        expect(itemizationDifference(sut)).toBe(0);
        expect(sut).toEqual<DebtItemization>({
          itemizationDate: ITEMIZATION_DATE,
          reference: 'last-statement',
          currency: 'USD',
          amountOnItemizationDateMinor: activity.openingMinor,
          interestMinor: totalOf(since, 'interest'),
          feesMinor: totalOf(since, 'fee'),
          paymentsMinor: payments,
          creditsMinor: credits,
          currentAmountMinor: activity.closingMinor,
        });
        for (const amount of [sut.interestMinor, sut.feesMinor, sut.paymentsMinor, sut.creditsMinor])
          expect(amount).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 500 },
    );
  });

  it('itemizes every debt that only accrued interest and fees and received payments and credits since the date', () => {
    const itemizable = fc
      .record({
        before: fc.array(entryArbitrary, { maxLength: 10 }),
        interest: fc.array(fc.integer({ min: 1, max: 10_000_00 }), { maxLength: 5 }),
        fees: fc.array(fc.integer({ min: 1, max: 10_000_00 }), { maxLength: 5 }),
        payments: fc.array(fc.integer({ min: 1, max: 10_000_00 }), { maxLength: 5 }),
        credits: fc.array(fc.integer({ min: 1, max: 10_000_00 }), { maxLength: 5 }),
        owed: fc.integer({ min: 1, max: 1_000_000_00 }),
      })
      .map(({ before, interest, fees, payments, credits, owed }) => {
        const at = (i: number) => dayAt(1 + (i % 30));
        const entry = (kind: LedgerEntryKind, amountMinor: number, i: number): LedgerEntry => ({
          kind,
          amountMinor,
          currency: 'USD',
          effectiveDate: at(i),
        });
        const early = before.map((e, i) => ({ ...e, effectiveDate: dayAt(-(i % 30)) }));
        const since = [
          ...interest.map((a, i) => entry('interest', a, i)),
          ...fees.map((a, i) => entry('fee', a, i + 3)),
          ...payments.map((a, i) => entry('payment', a, i + 7)),
          ...credits.map((a, i) => entry(i % 2 ? 'adjustment' : 'settlement-discount', i % 2 ? -a : a, i + 11)),
        ];
        // Whatever was owed on the itemization date, the account owes `owed` today: a charge (or a
        // payment) on that date makes up the difference.
        const gap = owed - [...early, ...since].reduce((t, e) => t + effectOf(e), 0);
        const balancing: LedgerEntry[] =
          gap === 0
            ? []
            : [{ ...entry(gap > 0 ? 'charge' : 'payment', Math.abs(gap), 0), effectiveDate: ITEMIZATION_DATE }];
        return [...balancing, ...early, ...since];
      });
    fc.assert(
      fc.property(itemizable, (journal) => {
        const activity = ledgerAnswer(journal);
        const sut = itemizeDebt(activity);
        expect(sut).not.toHaveProperty('refused');
        expect(itemizationDifference(sut as DebtItemization)).toBe(0);
        expect((sut as DebtItemization).currentAmountMinor).toBe(activity.closingMinor);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses figures the ledger’s balances do not agree with, whatever the entries', () => {
    fc.assert(
      fc.property(
        fc.array(entryArbitrary, { maxLength: 30 }),
        fc.integer({ min: -1_000_00, max: 1_000_00 }).filter((d) => d !== 0),
        (journal, off) => {
          const activity = ledgerAnswer(journal);
          const sut = itemizeDebt({ ...activity, closingMinor: activity.closingMinor + off });
          expect(sut).toMatchObject({ refused: 'itemization-unreconciled' });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('says why: principal charged after the itemization date, an entry in another currency or outside the period', () => {
    const base: LedgerActivity = {
      itemizationDate: ITEMIZATION_DATE,
      reference: 'last-statement',
      currency: 'USD',
      openingMinor: 1_000_00,
      asOfDate: TODAY,
      closingMinor: 1_050_00,
      entries: [{ kind: 'charge', amountMinor: 50_00, currency: 'USD', effectiveDate: '2026-03-01' }],
    };
    expect(itemizeDebt(base)).toEqual({
      refused: 'itemization-unreconciled',
      detail:
        '5000 minor units of principal were charged after the itemization date 2026-02-20 (none of interest, fees, payments or credits)',
    });
    const fee = { kind: 'fee', amountMinor: 50_00, currency: 'USD', effectiveDate: '2026-03-01' } as const;
    expect(itemizeDebt({ ...base, entries: [{ ...fee, currency: 'EUR' }] })).toMatchObject({
      detail: 'an entry is in EUR, the account in USD',
    });
    expect(itemizeDebt({ ...base, entries: [{ ...fee, effectiveDate: '2026-02-20' }] })).toMatchObject({
      detail: 'an entry effective 2026-02-20 is outside 2026-02-20 (excluded) to 2026-03-22',
    });
    expect(itemizeDebt({ ...base, entries: [fee] })).toEqual({
      itemizationDate: ITEMIZATION_DATE,
      reference: 'last-statement',
      currency: 'USD',
      amountOnItemizationDateMinor: 1_000_00,
      interestMinor: 0,
      feesMinor: 50_00,
      paymentsMinor: 0,
      creditsMinor: 0,
      currentAmountMinor: 1_050_00,
    });
  });
});
