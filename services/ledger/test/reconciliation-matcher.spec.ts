import fc from 'fast-check';
import {
  CandidateAccount,
  accountNumberOf,
  containsToken,
  matchCredit,
  numbersIn,
} from '../src/reconciliation/domain/matcher';

const account = (accountId: string, externalRef: string, owed: number[] = [0], currency = 'USD'): CandidateAccount => ({
  accountId,
  externalRef,
  currency,
  owed,
});
const TOLERANCE = 100;

describe(matchCredit.name, () => {
  it('matches the account whose external reference is written in the payment reference', () => {
    const sut = matchCredit(
      { reference: 'Cuota LN-5001-0001 marzo', amountMinor: 25_000, currency: 'USD' },
      [account('a', 'LN-5001-0001'), account('b', 'LN-5001-0002')],
      TOLERANCE,
    );
    expect(sut).toEqual({ status: 'matched', accountId: 'a', rule: 'reference' });
  });

  it('matches by account id too, and ignores a reference glued to other characters', () => {
    expect(
      matchCredit({ reference: 'pago acct-d.', amountMinor: 1, currency: 'USD' }, [account('acct-d', 'X-1')], 0),
    ).toMatchObject({ status: 'matched', accountId: 'acct-d' });
    expect(
      matchCredit(
        { reference: 'pago LN-5001-00011', amountMinor: 1, currency: 'USD' },
        [account('a', 'LN-5001-0001')],
        0,
      ),
    ).toMatchObject({ status: 'unmatched' });
  });

  it('refuses to choose when the reference names two accounts', () => {
    expect(
      matchCredit(
        { reference: 'LN-5001-0001 y LN-5001-0002', amountMinor: 100, currency: 'USD' },
        [account('a', 'LN-5001-0001'), account('b', 'LN-5001-0002')],
        TOLERANCE,
      ),
    ).toEqual({ status: 'unmatched', reason: 'ambiguous: the reference names 2 accounts' });
  });

  it('never posts a credit to an account in another currency', () => {
    expect(
      matchCredit({ reference: 'LN-1', amountMinor: 100, currency: 'EUR' }, [account('a', 'LN-1')], TOLERANCE),
    ).toEqual({ status: 'unmatched', reason: 'the reference names an account in USD, the credit is in EUR' });
  });

  it('matches by account number when the amount is within tolerance of what the account owes', () => {
    const candidates = [account('b', 'LN-5001-0002', [50_000, 5_000, 12_000])];
    expect(matchCredit({ reference: 'pago 5001 0002', amountMinor: 12_050, currency: 'USD' }, candidates, 100)).toEqual(
      {
        status: 'matched',
        accountId: 'b',
        rule: 'account_number_amount',
      },
    );
    expect(matchCredit({ reference: 'pago 5001 0002', amountMinor: 12_101, currency: 'USD' }, candidates, 100)).toEqual(
      {
        status: 'unmatched',
        reason: 'the reference carries an account number but the amount is not within tolerance of what it owes',
      },
    );
  });

  it('leaves a credit with no reference to any account unmatched', () => {
    expect(matchCredit({ reference: 'transferencia', amountMinor: 7_770, currency: 'USD' }, [], TOLERANCE)).toEqual({
      status: 'unmatched',
      reason: 'no account reference or account number in the payment reference',
    });
  });

  it('decides the same whatever the order of the candidates', () => {
    const ref = fc.stringMatching(/^[A-Z]{2}-\d{4}$/);
    fc.assert(
      fc.property(
        fc.uniqueArray(ref, { minLength: 1, maxLength: 6 }),
        fc.nat({ max: 5 }),
        fc.string(),
        fc.nat({ max: 100_000 }),
        (refs, pick, noise, amountMinor) => {
          const candidates = refs.map((r, i) => account(`id-${i}`, r, [amountMinor]));
          const credit = { reference: `${noise} ${refs[pick % refs.length]} ${noise}`, amountMinor, currency: 'USD' };
          const forward = matchCredit(credit, candidates, TOLERANCE);
          expect(matchCredit(credit, [...candidates].reverse(), TOLERANCE)).toEqual(forward);
        },
      ),
    );
  });

  it('matches exactly the one account whose reference is written, among any others', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.stringMatching(/^REF\d{3,6}$/), { minLength: 1, maxLength: 8 }),
        fc.nat(),
        fc.stringMatching(/^[a-z ]{0,12}$/),
        (refs, pick, words) => {
          const chosen = refs[pick % refs.length];
          const candidates = refs.map((r) => account(`id-${r}`, r));
          expect(
            matchCredit({ reference: `${words} ${chosen} ${words}`, amountMinor: 1, currency: 'USD' }, candidates, 0),
          ).toEqual({ status: 'matched', accountId: `id-${chosen}`, rule: 'reference' });
        },
      ),
    );
  });

  it('matches by account number if and only if the amount is within tolerance', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.integer({ min: -1_000, max: 1_000 }),
        fc.nat({ max: 500 }),
        (owed, delta, tolerance) => {
          const amountMinor = owed + delta;
          fc.pre(amountMinor > 0);
          const decision = matchCredit(
            { reference: 'cuota 7788 9900', amountMinor, currency: 'USD' },
            [account('n', 'CC-7788-9900', [owed])],
            tolerance,
          );
          expect(decision.status === 'matched').toBe(Math.abs(delta) <= tolerance);
        },
      ),
    );
  });
});

describe(containsToken.name, () => {
  it('finds a reference between spaces or punctuation, case-insensitively, not inside a longer word', () => {
    expect(containsToken('Pago: ln-1/marzo', 'LN-1')).toBe(true);
    expect(containsToken('PagoLN-1', 'LN-1')).toBe(false);
    expect(containsToken('LN-12', 'LN-1')).toBe(false);
    expect(containsToken('anything', '')).toBe(false);
  });
});

describe(numbersIn.name, () => {
  it('joins numbers the payer split with spaces or dashes', () => {
    expect(numbersIn('pago 5001 0002')).toEqual(['5001', '50010002', '0002']);
    expect(numbersIn('abono 5001-0003, gracias')).toContain('50010003');
    expect(accountNumberOf('LN-5001-0003')).toBe('50010003');
    expect(accountNumberOf('A-12')).toBeUndefined();
  });
});
