import { Channel, Hold, Jurisdiction } from '../../policy/domain';

/** The words of a strategy document; the same words as its published JSON Schema. */

export const STOP_CONDITIONS = ['payment', 'promise', 'dispute', 'opt_out', 'hold'] as const;
export type StopCondition = (typeof STOP_CONDITIONS)[number];

export const OFFSET_ANCHORS = ['due_date', 'entry'] as const;

/** How an arm with a daily contact budget chooses among its accounts due a contact. */
export const RANK_KEYS = ['expected_recovery', 'days_past_due'] as const;
export type RankKey = (typeof RANK_KEYS)[number];

/**
 * At most `perDay` contacts a day (UTC day of the clock) under the arm, spent on the accounts due
 * a contact ranked by `rankBy`: the scoring service's priority by expected recovery, or days past
 * due. What does not fit waits, pending, for the next day's budget.
 */
export interface ContactBudget {
  readonly perDay: number;
  readonly rankBy: RankKey;
}
export type OffsetAnchor = (typeof OFFSET_ANCHORS)[number];

export interface Range {
  readonly min?: number;
  readonly max?: number;
}

/** Every present condition must hold; an absent one does not constrain. */
export interface EntryConditions {
  readonly segments?: readonly string[];
  /** Negative before the due date: D-3 is `-3`. */
  readonly daysPastDue?: Range;
  /** Outstanding balance in minor units of `currency`. */
  readonly balanceMinor?: Range;
  readonly currency?: string;
  readonly products?: readonly string[];
  readonly jurisdictions?: readonly Jurisdiction[];
}

export interface StrategyStep {
  readonly id: string;
  readonly channel: Channel;
  readonly template: string;
  /** Days from the due date (D-3 is `-3`) or from the account's entry into the strategy. */
  readonly offset: { readonly from: OffsetAnchor; readonly days: number };
  /** `HH:MM` in the debtor's local time, `to` exclusive. */
  readonly preferredWindow?: { readonly from: string; readonly to: string };
  readonly fallbackChannel?: Channel;
}

/** Champion/challenger: each arm carries its own cadence; weights are percentages summing to 100. */
export interface StrategyArm {
  readonly id: string;
  readonly weight: number;
  readonly steps: readonly StrategyStep[];
  readonly contactBudget?: ContactBudget;
}

export interface StrategyDocument {
  readonly name: string;
  readonly description?: string;
  /** Lower runs first when several strategies of a tenant admit an account. */
  readonly priority: number;
  readonly entry: EntryConditions;
  readonly arms: readonly StrategyArm[];
  readonly stopConditions: readonly StopCondition[];
  /** Hand the account to a human queue once it is this many days past due. */
  readonly escalation?: { readonly atDaysPastDue: number; readonly queue: string };
  /** Refer the account for legal action once it is this many days past due. */
  readonly legalReferral?: { readonly atDaysPastDue: number };
}

/** What the strategy needs to know about an account on a given local day. */
export interface AccountSnapshot {
  readonly tenantId: string;
  readonly accountId: string;
  readonly segment: string;
  readonly product: string;
  readonly jurisdiction: Jurisdiction;
  readonly balanceMinor: number;
  readonly currency: string;
  /** `YYYY-MM-DD`, the latest statement's due date: step offsets (`due_date`) count from it. */
  readonly dueDate: string;
  /**
   * `YYYY-MM-DD`, the ledger's oldest unpaid due date (its as-of date minus its days past due),
   * when the ledger has told one; absent or null while it has not, or says the account is current.
   * Days past due (entry, escalation, legal referral) count from it: see `accountDaysPastDue`.
   */
  readonly oldestUnpaidDueDate?: string | null;
}

/** Live facts that stop the cadence. */
export interface AccountStatus {
  readonly paidInFull: boolean;
  readonly promiseActive: boolean;
  readonly disputed: boolean;
  readonly optedOut: boolean;
  readonly holds: readonly Hold[];
}

export interface StrategyProgress {
  /** `YYYY-MM-DD`, the local day the account entered the strategy. */
  readonly enteredOn: string;
  readonly armId: string;
  /** Ids of steps already taken (sent, or sent on their fallback channel, or given up on). */
  readonly stepsDone: readonly string[];
  /** Ids of steps whose send on their own channel failed; their fallback channel is next. */
  readonly stepsFailed?: readonly string[];
  readonly escalated: boolean;
  readonly referredToLegal: boolean;
}

export type NextAction =
  | { readonly kind: 'stopped'; readonly because: readonly StopCondition[] }
  | { readonly kind: 'legal-referral' }
  | { readonly kind: 'escalate'; readonly queue: string }
  | {
      readonly kind: 'step';
      readonly step: StrategyStep;
      /** The step's channel, or its fallback after a failure. */
      readonly channel: Channel;
      readonly fallback: boolean;
      readonly scheduledOn: string;
    }
  | { readonly kind: 'wait'; readonly nextOn: string | null };
