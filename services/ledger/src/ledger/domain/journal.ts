import { AppError } from '@collections/platform';

/** What moves money on an account. Corrections are new entries; entries are never changed. */
export enum EntryKind {
  Charge = 1,
  Interest = 2,
  Fee = 3,
  Payment = 4,
  PaymentReversal = 5,
  Adjustment = 6,
  SettlementDiscount = 7,
  WriteOff = 8,
}

/** The account's receivable, split as collections needs it. Negative principal = a credit balance. */
export interface Components {
  principal: number;
  interest: number;
  fees: number;
}

export const ZERO: Components = Object.freeze({ principal: 0, interest: 0, fees: 0 });

/** Ledger accounts of the double entry (per account and currency). */
export type LedgerAccount =
  | 'receivable:principal'
  | 'receivable:interest'
  | 'receivable:fees'
  | 'cash'
  | 'funding'
  | 'income:interest'
  | 'income:fees'
  | 'adjustments'
  | 'settlement-discounts'
  | 'write-offs';

export interface Line {
  account: LedgerAccount;
  debit: number;
  credit: number;
}

const RECEIVABLE: Record<keyof Components, LedgerAccount> = {
  principal: 'receivable:principal',
  interest: 'receivable:interest',
  fees: 'receivable:fees',
};

export function total(c: Components): number {
  return c.principal + c.interest + c.fees;
}

/**
 * Splits a credit over the receivable: fees first, then interest, then principal (the usual
 * order in consumer credit); whatever is left lands on principal as a credit balance.
 */
export function allocateCredit(balance: Components, amount: number): Components {
  let left = amount;
  const take = (owed: number) => {
    const part = Math.min(Math.max(owed, 0), left);
    left -= part;
    return part;
  };
  const fees = take(balance.fees);
  const interest = take(balance.interest);
  const principal = left;
  return { principal, interest, fees };
}

export interface Posting {
  lines: Line[];
  /** Change of each receivable component (debit positive). */
  delta: Components;
}

function receivableLines(delta: Components, side: 'debit' | 'credit'): Line[] {
  return (Object.keys(RECEIVABLE) as (keyof Components)[])
    .filter((k) => delta[k] !== 0)
    .map((k) => ({
      account: RECEIVABLE[k],
      debit: side === 'debit' ? delta[k] : 0,
      credit: side === 'credit' ? delta[k] : 0,
    }));
}

function requirePositive(amount: number, what: string): void {
  if (!Number.isSafeInteger(amount) || amount <= 0) {
    throw AppError.invalid(`${what} must be a positive amount in minor units`, { amountMinor: amount });
  }
}

/**
 * The double entry of one posting. `amount` is positive except for adjustments, where a
 * positive amount is a debit (more owed) and a negative one a credit. `reversed` is the
 * component split of the payment being reversed.
 */
export function post(kind: EntryKind, amount: number, balance: Components, reversed?: Components): Posting {
  switch (kind) {
    case EntryKind.Charge:
    case EntryKind.Interest:
    case EntryKind.Fee: {
      requirePositive(amount, 'a charge');
      const component: keyof Components =
        kind === EntryKind.Charge ? 'principal' : kind === EntryKind.Interest ? 'interest' : 'fees';
      const counter: LedgerAccount =
        kind === EntryKind.Charge ? 'funding' : kind === EntryKind.Interest ? 'income:interest' : 'income:fees';
      const delta = { ...ZERO, [component]: amount };
      return { delta, lines: [...receivableLines(delta, 'debit'), { account: counter, debit: 0, credit: amount }] };
    }
    case EntryKind.Payment:
    case EntryKind.SettlementDiscount:
    case EntryKind.WriteOff: {
      requirePositive(amount, kind === EntryKind.Payment ? 'a payment' : 'a credit');
      const split = allocateCredit(balance, amount);
      const counter: LedgerAccount =
        kind === EntryKind.Payment
          ? 'cash'
          : kind === EntryKind.SettlementDiscount
            ? 'settlement-discounts'
            : 'write-offs';
      return {
        delta: negate(split),
        lines: [{ account: counter, debit: amount, credit: 0 }, ...receivableLines(split, 'credit')],
      };
    }
    case EntryKind.PaymentReversal: {
      if (!reversed) throw AppError.internal('a reversal needs the split of the payment it reverses');
      const reversedTotal = total(reversed);
      requirePositive(reversedTotal, 'a reversed payment');
      return {
        delta: { ...reversed },
        lines: [...receivableLines(reversed, 'debit'), { account: 'cash', debit: 0, credit: reversedTotal }],
      };
    }
    case EntryKind.Adjustment: {
      if (!Number.isSafeInteger(amount) || amount === 0)
        throw AppError.invalid('an adjustment must be a non-zero amount in minor units');
      if (amount > 0) {
        const delta = { ...ZERO, principal: amount };
        return {
          delta,
          lines: [...receivableLines(delta, 'debit'), { account: 'adjustments', debit: 0, credit: amount }],
        };
      }
      const split = allocateCredit(balance, -amount);
      return {
        delta: negate(split),
        lines: [{ account: 'adjustments', debit: -amount, credit: 0 }, ...receivableLines(split, 'credit')],
      };
    }
  }
}

export function negate(c: Components): Components {
  return { principal: 0 - c.principal, interest: 0 - c.interest, fees: 0 - c.fees }; // 0 - x: never -0
}

export function add(a: Components, b: Components): Components {
  return { principal: a.principal + b.principal, interest: a.interest + b.interest, fees: a.fees + b.fees };
}

/** The receivable split recorded on a posting's lines (credits positive), e.g. to reverse a payment. */
export function creditedComponents(lines: Line[]): Components {
  const c = { ...ZERO };
  for (const l of lines) {
    if (l.account === 'receivable:principal') c.principal += l.credit - l.debit;
    if (l.account === 'receivable:interest') c.interest += l.credit - l.debit;
    if (l.account === 'receivable:fees') c.fees += l.credit - l.debit;
  }
  return c;
}

/** How much a posting reduces what is owed, for days-past-due (negative when it adds back). */
export function creditTowardsDues(kind: EntryKind, delta: Components): number {
  return kind === EntryKind.Charge || kind === EntryKind.Interest || kind === EntryKind.Fee ? 0 : -total(delta);
}
