import { rocAuc } from '../../model/domain/metrics';
import { calibrationReport } from './calibration-error';

/**
 * A matured outcome: what became of an account that was scored when a statement was issued.
 *
 * The observation is the score the account received when the feature store took in its statement
 * (StatementIssued), at the statement's event time t, together with the statement's minimum due.
 * The outcome window is the horizon's days after the statement's day (t's day), in the account's
 * calendar. The account *paid* when the payments made in that window (PaymentPosted, by the day
 * they were made: their effective date, else their posting day in the account's time zone) add up
 * to at least the minimum due; otherwise it *defaulted* — the event the model predicts ("the next
 * payment is missed"). The outcome is
 * *matured* once t + horizon has passed; until then the observation is left out. A statement with
 * nothing due (minimum due 0 or less) asks for no payment and gives no outcome.
 */
export const DEFAULT_OUTCOME_HORIZON_DAYS = 30;

const DAY_MS = 86_400_000;

export interface ScoreObservation {
  /** Event time of the statement the score was given at. */
  readonly observedAt: Date;
  readonly probabilityToPay: number;
  readonly minimumDueMinor: number;
  /** Sum of the payments made in the horizon's days after the statement's day (see above). */
  readonly paidInWindowMinor: number;
}

export function outcomeWindowEnd(observedAt: Date, horizonDays = DEFAULT_OUTCOME_HORIZON_DAYS): Date {
  return new Date(observedAt.getTime() + horizonDays * DAY_MS);
}

export function isMatured(observedAt: Date, now: Date, horizonDays = DEFAULT_OUTCOME_HORIZON_DAYS): boolean {
  return outcomeWindowEnd(observedAt, horizonDays).getTime() <= now.getTime();
}

/** 1 when the account defaulted (paid less than the minimum due within the window), 0 when it paid. */
export function defaultedWithinWindow(
  observation: Pick<ScoreObservation, 'minimumDueMinor' | 'paidInWindowMinor'>,
): 0 | 1 {
  return observation.paidInWindowMinor >= observation.minimumDueMinor ? 0 : 1;
}

export interface MaturedPerformance {
  /** Matured observations with something due. */
  readonly n: number;
  readonly defaults: number;
  /** AUC of the probability of default (1 - probability to pay) against defaults; NaN with one class only. */
  readonly auc: number;
  /** Expected calibration error of the probability of default; NaN without observations. */
  readonly calibrationError: number;
  /** Mean predicted probability of default minus the observed default rate. */
  readonly meanBias: number;
}

/**
 * How well the scores given at statement time ranked and matched what happened. The caller passes
 * only matured observations (see `isMatured`); those with nothing due are skipped here.
 */
export function maturedPerformance(observations: readonly ScoreObservation[]): MaturedPerformance {
  const due = observations.filter((o) => o.minimumDueMinor > 0);
  const labels = due.map(defaultedWithinWindow);
  const probabilities = due.map((o) => 1 - o.probabilityToPay);
  const calibration = calibrationReport(labels, probabilities);
  return {
    n: due.length,
    defaults: labels.reduce<number>((sum, l) => sum + l, 0),
    auc: rocAuc(labels, probabilities),
    calibrationError: calibration.expectedCalibrationError,
    meanBias: calibration.meanBias,
  };
}
