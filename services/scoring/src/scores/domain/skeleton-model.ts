import { scoring } from '@collections/contracts';

/**
 * Placeholder model of the walking skeleton, replaced by trained models in the scoring issue:
 * the share of the exposure already paid is the probability to pay. Pure and deterministic.
 */
export const SKELETON_MODEL_VERSION = 'skeleton-v0';

export interface SkeletonScore {
  probabilityToPay: number;
  segment: scoring.Segment;
  reasons: string[];
}

export function scoreAfterPayment(paidMinor: number, balanceAfterMinor: number): SkeletonScore {
  const exposure = paidMinor + Math.max(0, balanceAfterMinor);
  const probabilityToPay = exposure === 0 ? 1 : paidMinor / exposure;
  const segment =
    probabilityToPay >= 0.6
      ? scoring.Segment.SEGMENT_SELF_CURE
      : probabilityToPay >= 0.3
        ? scoring.Segment.SEGMENT_NEGOTIATE
        : probabilityToPay >= 0.1
          ? scoring.Segment.SEGMENT_HARDSHIP
          : scoring.Segment.SEGMENT_LEGAL_OR_HUMAN;
  const reasons =
    balanceAfterMinor <= 0
      ? ['the balance is fully paid']
      : [`the last payment covered ${Math.round(probabilityToPay * 100)}% of the exposure`];
  return { probabilityToPay, segment, reasons };
}
