import { promises } from '@collections/contracts';

/** Relapse risk at or above which an account is followed up first. */
export const HIGH_RELAPSE_RISK = 0.5;
export const MEDIUM_RELAPSE_RISK = 0.25;

/**
 * How likely an account that just completed a plan is to fall behind again: the complement of
 * the scoring service's probability to pay, banded for the follow-up.
 */
export function relapseRisk(probabilityToPay: number): { risk: number; level: promises.RelapseRiskLevel } {
  const p = Math.min(1, Math.max(0, probabilityToPay));
  const risk = Math.round((1 - p) * 10_000) / 10_000;
  const level =
    risk >= HIGH_RELAPSE_RISK
      ? promises.RelapseRiskLevel.RELAPSE_RISK_LEVEL_HIGH
      : risk >= MEDIUM_RELAPSE_RISK
        ? promises.RelapseRiskLevel.RELAPSE_RISK_LEVEL_MEDIUM
        : promises.RelapseRiskLevel.RELAPSE_RISK_LEVEL_LOW;
  return { risk, level };
}
