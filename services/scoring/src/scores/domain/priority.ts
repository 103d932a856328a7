/**
 * Priority by expected recovery (documented in services/scoring/docs/segments.md):
 *
 *   expected recovery = probability to pay x max(balance, 0)            (minor units, rounded)
 *   priority          = expected recovery x 2^(-days past due / 180)
 *
 * The discount halves every 180 days past due: an old debt is worth less effort per unit than a
 * fresh one of the same expected value (contact rates and recoveries both fall with age), beyond
 * what the probability already says. An account whose balance scoring has not heard of yet has no
 * expected recovery and priority 0: it sorts last until the ledger reports its balance.
 */
export const PRIORITY_HALF_LIFE_DAYS = 180;

export interface Priority {
  /** Minor units of the account's currency; undefined when the balance is unknown. */
  readonly expectedRecoveryMinor: number | undefined;
  readonly priority: number;
}

export function priorityOf(probabilityToPay: number, balanceMinor: number | undefined, daysPastDue: number): Priority {
  if (balanceMinor === undefined) return { expectedRecoveryMinor: undefined, priority: 0 };
  const expected = Math.round(probabilityToPay * Math.max(balanceMinor, 0));
  const discount = 2 ** (-Math.max(daysPastDue, 0) / PRIORITY_HALF_LIFE_DAYS);
  return { expectedRecoveryMinor: expected, priority: expected * discount };
}
