import { CreditRiskScore, FEATURE_NAMES } from '../../model';

/**
 * The reasons stored and returned with a score. The model marks a reason that rests on an imputed
 * feature; when features were imputed but none of them is among the top reasons, one more reason
 * says so, so that a score on a thin history is never presented as if the history were complete.
 */
export function reasonTexts(score: CreditRiskScore): string[] {
  const texts = score.reasons.map((r) => r.text);
  const imputed = score.imputedFeatures.length;
  if (imputed > 0 && !score.reasons.some((r) => r.imputed)) {
    texts.push(
      `${imputed} of ${FEATURE_NAMES.length} features estimated with documented defaults (not enough history)`,
    );
  }
  return texts;
}
