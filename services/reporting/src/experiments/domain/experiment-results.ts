/**
 * Champion versus challenger: the recovery of two arms of an experiment over one placement
 * cohort, and whether their difference is real. Pure; formulas in services/reporting/docs/kpis.md.
 *
 * The unit randomised is the account, so every test below treats accounts as the independent
 * observations. Both tests rest on the normal approximation, which is why an arm needs at least
 * MIN_ACCOUNTS_PER_ARM accounts before a difference may be called significant.
 */

/** One account of an arm: what it owed at placement and what it paid since (net of reversals). */
export interface ArmAccount {
  placedMinor: number;
  collectedMinor: number;
}

export interface ArmSummary {
  arm: string;
  accounts: number;
  placedMinor: number;
  collectedMinor: number;
  /** Σ collected ÷ Σ placed; null when nothing was placed. */
  recoveryRate: number | null;
  /** Accounts with a positive net collection. */
  payingAccounts: number;
  payingRate: number | null;
}

export interface Comparison {
  metric: 'recovery_rate' | 'paying_rate';
  test: 'delta_method_z' | 'two_proportion_z';
  /** Challenger minus champion. */
  difference: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  z: number | null;
  /** Two-sided. */
  pValue: number | null;
  significant: boolean;
}

export type Verdict = 'challenger_better' | 'champion_better' | 'no_significant_difference' | 'insufficient_data';

export interface ExperimentResult {
  champion: ArmSummary;
  challenger: ArmSummary;
  comparisons: Comparison[];
  confidenceLevel: number;
  verdict: Verdict;
  minAccountsPerArm: number;
}

export const CONFIDENCE_LEVEL = 0.95;
/** z such that Φ(z) = 0.975: the two-sided 95% quantile. */
export const Z_95 = 1.959963984540054;
export const MIN_ACCOUNTS_PER_ARM = 30;

/**
 * Complementary error function (Numerical Recipes `erfcc`, Chebyshev fit, fractional error below
 * 1.2e-7 everywhere).
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Two-sided p-value of a standard normal statistic: P(|Z| ≥ |z|) = erfc(|z| ÷ √2). */
export const twoSidedP = (z: number) => erfc(Math.abs(z) / Math.SQRT2);

export function summariseArm(arm: string, accounts: ArmAccount[]): ArmSummary {
  const placedMinor = accounts.reduce((s, a) => s + a.placedMinor, 0);
  const collectedMinor = accounts.reduce((s, a) => s + a.collectedMinor, 0);
  const payingAccounts = accounts.filter((a) => a.collectedMinor > 0).length;
  return {
    arm,
    accounts: accounts.length,
    placedMinor,
    collectedMinor,
    recoveryRate: placedMinor === 0 ? null : collectedMinor / placedMinor,
    payingAccounts,
    payingRate: accounts.length === 0 ? null : payingAccounts / accounts.length,
  };
}

/**
 * Variance of an arm's recovery rate R = Σc ÷ Σp by the delta method (ratio estimator):
 * Var(R) ≈ Σ (cᵢ − R·pᵢ)² ÷ ((n − 1) · n · p̄²), p̄ = Σp ÷ n. Null with fewer than 2 accounts
 * or nothing placed.
 */
export function recoveryRateVariance(accounts: ArmAccount[]): number | null {
  const n = accounts.length;
  const placed = accounts.reduce((s, a) => s + a.placedMinor, 0);
  if (n < 2 || placed === 0) return null;
  const r = accounts.reduce((s, a) => s + a.collectedMinor, 0) / placed;
  const meanPlaced = placed / n;
  const residuals = accounts.reduce((s, a) => s + (a.collectedMinor - r * a.placedMinor) ** 2, 0);
  return residuals / ((n - 1) * n * meanPlaced ** 2);
}

const undefinedTest = (
  metric: Comparison['metric'],
  test: Comparison['test'],
  difference: number | null,
): Comparison => ({
  metric,
  test,
  difference,
  ciLow: null,
  ciHigh: null,
  z: null,
  pValue: null,
  significant: false,
});

/**
 * Difference of recovery rates, challenger − champion: D = R₂ − R₁, SE = √(Var(R₁) + Var(R₂)),
 * CI = D ± 1.96·SE, z = D ÷ SE, p = 2·(1 − Φ(|z|)).
 */
export function compareRecoveryRates(champion: ArmAccount[], challenger: ArmAccount[], enough: boolean): Comparison {
  const r1 = summariseArm('', champion).recoveryRate;
  const r2 = summariseArm('', challenger).recoveryRate;
  const v1 = recoveryRateVariance(champion);
  const v2 = recoveryRateVariance(challenger);
  const difference = r1 === null || r2 === null ? null : r2 - r1;
  if (difference === null || v1 === null || v2 === null || v1 + v2 === 0) {
    return undefinedTest('recovery_rate', 'delta_method_z', difference);
  }
  const se = Math.sqrt(v1 + v2);
  const z = difference / se;
  const pValue = twoSidedP(z);
  return {
    metric: 'recovery_rate',
    test: 'delta_method_z',
    difference,
    ciLow: difference - Z_95 * se,
    ciHigh: difference + Z_95 * se,
    z,
    pValue,
    significant: enough && pValue < 1 - CONFIDENCE_LEVEL,
  };
}

/**
 * Two-proportion z-test on the share of paying accounts, challenger − champion: D = p₂ − p₁,
 * pooled p̂ = (x₁ + x₂) ÷ (n₁ + n₂), z = D ÷ √(p̂(1 − p̂)(1/n₁ + 1/n₂)), p = 2·(1 − Φ(|z|)); the
 * interval uses the unpooled SE = √(p₁(1 − p₁)/n₁ + p₂(1 − p₂)/n₂): CI = D ± 1.96·SE.
 */
export function comparePayingRates(
  champion: { paying: number; accounts: number },
  challenger: { paying: number; accounts: number },
  enough: boolean,
): Comparison {
  const { paying: x1, accounts: n1 } = champion;
  const { paying: x2, accounts: n2 } = challenger;
  if (n1 === 0 || n2 === 0) return undefinedTest('paying_rate', 'two_proportion_z', null);
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const difference = p2 - p1;
  const pooled = (x1 + x2) / (n1 + n2);
  const se0 = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (se0 === 0) return undefinedTest('paying_rate', 'two_proportion_z', difference);
  const se = Math.sqrt((p1 * (1 - p1)) / n1 + (p2 * (1 - p2)) / n2);
  const z = difference / se0;
  const pValue = twoSidedP(z);
  return {
    metric: 'paying_rate',
    test: 'two_proportion_z',
    difference,
    ciLow: difference - Z_95 * se,
    ciHigh: difference + Z_95 * se,
    z,
    pValue,
    significant: enough && pValue < 1 - CONFIDENCE_LEVEL,
  };
}

/** Both arms summarised and compared; the verdict is on the recovery rate. */
export function experimentResult(
  championArm: string,
  champion: ArmAccount[],
  challengerArm: string,
  challenger: ArmAccount[],
): ExperimentResult {
  const a = summariseArm(championArm, champion);
  const b = summariseArm(challengerArm, challenger);
  const enough = a.accounts >= MIN_ACCOUNTS_PER_ARM && b.accounts >= MIN_ACCOUNTS_PER_ARM;
  const recovery = compareRecoveryRates(champion, challenger, enough);
  const paying = comparePayingRates(
    { paying: a.payingAccounts, accounts: a.accounts },
    { paying: b.payingAccounts, accounts: b.accounts },
    enough,
  );
  const verdict: Verdict = !enough
    ? 'insufficient_data'
    : !recovery.significant
      ? 'no_significant_difference'
      : recovery.difference! > 0
        ? 'challenger_better'
        : 'champion_better';
  return {
    champion: a,
    challenger: b,
    comparisons: [recovery, paying],
    confidenceLevel: CONFIDENCE_LEVEL,
    verdict,
    minAccountsPerArm: MIN_ACCOUNTS_PER_ARM,
  };
}
