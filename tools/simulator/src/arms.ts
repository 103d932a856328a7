/** The id of the strategy `--compare-arms` puts for its tenant instead of the default one. */
export const COMPARE_ARMS_STRATEGY_ID = 'simulator-compare-arms';

/** The arm driven by the scoring service (priority by expected recovery) and the days-past-due baseline. */
export const AI_ARM = 'ai';
export const DPD_ARM = 'dpd';

/**
 * The experiment: the default cadence in two arms of one strategy, half the accounts each (the
 * orchestrator's stable hash of tenant, strategy and account), each with the same daily contact
 * budget. The orchestrator spends the AI arm's budget on the accounts due a contact with the
 * highest scoring priority (expected recovery), the baseline's on those most days past due.
 * Nothing else differs, and the debtors do not know which arm they are in.
 */
export function compareArmsStrategy<S extends { arms: readonly { steps: readonly unknown[] }[] }>(
  base: S,
  contactsPerDayPerArm: number,
) {
  const steps = base.arms[0].steps;
  return {
    ...base,
    name: 'Simulator experiment: scoring priority versus days past due, equal daily contacts',
    arms: [
      { id: AI_ARM, weight: 50, steps, contactBudget: { perDay: contactsPerDayPerArm, rankBy: 'expected_recovery' } },
      { id: DPD_ARM, weight: 50, steps, contactBudget: { perDay: contactsPerDayPerArm, rankBy: 'days_past_due' } },
    ],
  };
}

/**
 * What a contact costs, in US cents: the reporting service's default channel costs
 * (`services/reporting/docs/kpis.md`, channel costs), which are cents-scale figures.
 */
export const CONTACT_COST_USD_CENTS: Readonly<Record<string, number>> = {
  email: 1,
  whatsapp: 3,
  sms: 5,
  call: 150,
  letter: 80,
  visit: 1_500,
};

export interface ArmFigures {
  arm: string;
  /** Accounts the orchestrator placed in the arm. */
  accounts: number;
  /** Contacts sent under the arm, as the orchestrator counts them. */
  contacts: number;
  /** Contacts the simulator's catchers saw arrive for the arm's debtors, per channel. */
  contactsObserved: Record<string, number>;
  /** Everything the arm's debtors paid during the run, in US dollars at the simulator's rates. */
  recoveredUsd: number;
  /** The part paid in answer to a contact (the simulator knows which payments those were). */
  recoveredAfterContactUsd: number;
  /** Contacts × the reporting service's default channel costs, in US dollars. */
  costUsd: number;
  recoveredPerContactUsd: number | null;
  recoveredAfterContactPerContactUsd: number | null;
}

export interface ArmComparison {
  strategyId: string;
  contactsPerDayPerArm: number;
  ai: ArmFigures;
  dpd: ArmFigures;
  /** (AI − baseline) ÷ baseline on recovered, in percent; null when the baseline recovered nothing. */
  upliftPercent: number | null;
  /** The same on what was paid in answer to contacts. */
  upliftAfterContactPercent: number | null;
  /** On recovered per account: the hash split does not give the arms the same number of accounts. */
  upliftPerAccountPercent: number | null;
  /** |AI − baseline contacts| ÷ the larger, in percent. */
  contactsDifferencePercent: number;
  /** The target: the AI arm recovers at least 15% more than the baseline at equal contacts. */
  target: { upliftPercent: number; met: boolean };
}

export const UPLIFT_TARGET_PERCENT = 15;

const pct = (a: number, b: number) => (b === 0 ? null : ((a - b) / b) * 100);

export function compareArms(
  strategyId: string,
  contactsPerDayPerArm: number,
  figures: { ai: ArmFigures; dpd: ArmFigures },
): ArmComparison {
  const { ai, dpd } = figures;
  const uplift = pct(ai.recoveredUsd, dpd.recoveredUsd);
  const larger = Math.max(ai.contacts, dpd.contacts);
  return {
    strategyId,
    contactsPerDayPerArm,
    ai,
    dpd,
    upliftPercent: uplift,
    upliftAfterContactPercent: pct(ai.recoveredAfterContactUsd, dpd.recoveredAfterContactUsd),
    upliftPerAccountPercent:
      ai.accounts === 0 || dpd.accounts === 0
        ? null
        : pct(ai.recoveredUsd / ai.accounts, dpd.recoveredUsd / dpd.accounts),
    contactsDifferencePercent: larger === 0 ? 0 : (Math.abs(ai.contacts - dpd.contacts) / larger) * 100,
    target: { upliftPercent: UPLIFT_TARGET_PERCENT, met: uplift !== null && uplift >= UPLIFT_TARGET_PERCENT },
  };
}
