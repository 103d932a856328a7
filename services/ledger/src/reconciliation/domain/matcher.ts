/**
 * Matching a credit to an account: first by reference, then by account number and amount.
 * Pure: the candidates (with what they owe) are loaded by the caller.
 */

export interface CandidateAccount {
  accountId: string;
  externalRef: string;
  currency: string;
  /**
   * Amounts the debtor might plausibly pay, in minor units: total balance, last statement's
   * amount due and minimum due, amount past due. A credit within tolerance of one of them
   * confirms a match by account number.
   */
  owed: number[];
}

export interface CreditToMatch {
  reference: string;
  amountMinor: number;
  currency: string;
}

export type MatchRule = 'reference' | 'account_number_amount';

export type MatchDecision =
  { status: 'matched'; accountId: string; rule: MatchRule } | { status: 'unmatched'; reason: string };

/** Fewer digits than this are too common in free text to name an account. */
export const MIN_ACCOUNT_NUMBER_DIGITS = 4;

const ALNUM = /[\p{L}\p{N}]/u;

/** True when `token` appears in `text` (case-insensitive) not glued to other letters or digits. */
export function containsToken(text: string, token: string): boolean {
  if (!token) return false;
  const haystack = text.toLowerCase();
  const needle = token.toLowerCase();
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) {
    const before = at === 0 ? '' : haystack[at - 1];
    const after = haystack[at + needle.length] ?? '';
    if (!ALNUM.test(before) && !ALNUM.test(after)) return true;
  }
  return false;
}

/**
 * Every substring of the reference, lower-cased, that starts and ends where a token may
 * (`containsToken`: not glued to letters or digits on either side): the only strings an account's
 * external reference or id can be for the matcher to accept it, looked up by index.
 */
export function tokenSpans(reference: string): string[] {
  const text = reference.toLowerCase();
  const chars = [...text];
  const starts: number[] = [];
  const ends: number[] = [];
  for (let i = 0; i <= chars.length; i++) {
    if (i < chars.length && (i === 0 || !ALNUM.test(chars[i - 1]))) starts.push(i);
    if (i > 0 && (i === chars.length || !ALNUM.test(chars[i]))) ends.push(i);
  }
  const spans = new Set<string>();
  for (const s of starts)
    for (const e of ends)
      if (e > s) {
        const span = chars.slice(s, e).join('');
        if (span.trim()) spans.add(span);
      }
  return [...spans];
}

/** The account number of an account: the digits of its external reference, when long enough. */
export function accountNumberOf(externalRef: string): string | undefined {
  const digits = externalRef.replace(/\D/g, '');
  return digits.length >= MIN_ACCOUNT_NUMBER_DIGITS ? digits : undefined;
}

/**
 * Numbers written in a reference: every run of digits, and runs written next to each other
 * joined up ("4111-0001" or "4111 0001" -> "41110001"), as payers split long numbers.
 */
export function numbersIn(reference: string): string[] {
  const runs = reference.match(/\d+/g) ?? [];
  const numbers: string[] = [];
  for (let i = 0; i < runs.length; i++) {
    for (let j = i; j < Math.min(runs.length, i + 4); j++) numbers.push(runs.slice(i, j + 1).join(''));
  }
  return numbers;
}

/**
 * Decides which account a credit pays. A unique account whose external reference or id is
 * written in the reference wins; otherwise a unique account whose number is written there and
 * whose owed amounts include one within `toleranceMinor` of the credit. Two or more
 * candidates under the same rule are ambiguous: a person decides, never the order of rows.
 */
export function matchCredit(
  credit: CreditToMatch,
  candidates: readonly CandidateAccount[],
  toleranceMinor: number,
): MatchDecision {
  const byReference = candidates.filter(
    (c) => containsToken(credit.reference, c.externalRef) || containsToken(credit.reference, c.accountId),
  );
  if (byReference.length > 1) {
    return { status: 'unmatched', reason: `ambiguous: the reference names ${byReference.length} accounts` };
  }
  if (byReference.length === 1) {
    const [account] = byReference;
    if (account.currency !== credit.currency) {
      return {
        status: 'unmatched',
        reason: `the reference names an account in ${account.currency}, the credit is in ${credit.currency}`,
      };
    }
    return { status: 'matched', accountId: account.accountId, rule: 'reference' };
  }
  const numbers = new Set(numbersIn(credit.reference));
  const byNumber = candidates.filter((c) => {
    const n = accountNumberOf(c.externalRef);
    return n !== undefined && numbers.has(n) && c.currency === credit.currency;
  });
  const confirmed = byNumber.filter((c) =>
    c.owed.some((owed) => owed > 0 && Math.abs(owed - credit.amountMinor) <= toleranceMinor),
  );
  if (confirmed.length > 1) {
    return {
      status: 'unmatched',
      reason: `ambiguous: ${confirmed.length} accounts have this number and owe about this amount`,
    };
  }
  if (confirmed.length === 1) {
    return { status: 'matched', accountId: confirmed[0].accountId, rule: 'account_number_amount' };
  }
  if (byNumber.length > 0) {
    return {
      status: 'unmatched',
      reason: 'the reference carries an account number but the amount is not within tolerance of what it owes',
    };
  }
  return { status: 'unmatched', reason: 'no account reference or account number in the payment reference' };
}
