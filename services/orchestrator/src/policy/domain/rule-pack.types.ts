import { BankruptcyChapter, Channel, ContactOutcome, Hold, Jurisdiction, TaxIdKind } from './contact-case.types';

/**
 * A jurisdiction's contact rules as data. The engine interprets packs; it has no branch per
 * country, so a new jurisdiction or a tenant's stricter variant is a new pack, not new code.
 */

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Every rule can be shown to a debtor, an agent or an auditor: a stable id, words and the law. */
export interface RuleSource {
  /** Stable: reasons, audit records and tenant overrides refer to it. */
  readonly id: string;
  readonly text: string;
  readonly citation: string;
}

/** `HH:MM` in the debtor's local time; `to` is exclusive and may be `24:00`. */
export interface LocalTimeRange {
  readonly from: string;
  readonly to: string;
}

export type WeeklySchedule = Readonly<Record<Weekday, readonly LocalTimeRange[]>>;

/** Contact on these channels only inside the weekly windows; a day with no window is closed. */
export interface ContactHoursRule extends RuleSource {
  readonly channels: readonly Channel[];
  readonly weekly: WeeklySchedule;
}

/** No contact on these channels on a public holiday of the pack's country (and debtor's region). */
export interface PublicHolidayRule extends RuleSource {
  readonly channels: readonly Channel[];
}

/**
 * - `calendar-day`: the debtor's local day of the contact.
 * - `calendar-week`: the debtor's local week, Monday to Sunday.
 * - `rolling-days`: the `days` consecutive local days that end on the day of the contact.
 * - `rolling-hours`: the `hours` before the contact.
 */
export type CapWindow =
  | { readonly kind: 'calendar-day' }
  | { readonly kind: 'calendar-week' }
  | { readonly kind: 'rolling-days'; readonly days: number }
  | { readonly kind: 'rolling-hours'; readonly hours: number };

/**
 * `always`: the rule binds whenever it applies. `after-direct-contact-in-window`: it binds only
 * once the window holds a conversation with the debtor (Colombia's "contacto directo").
 */
export type RuleTrigger = 'always' | 'after-direct-contact-in-window';

/** At most `max` contacts in the window, the proposed one included. */
export interface FrequencyCapRule extends RuleSource {
  /** Channels of the proposed contact this cap limits. */
  readonly appliesTo: readonly Channel[];
  /** Channels of past contacts that count towards it. */
  readonly counts: readonly Channel[];
  readonly window: CapWindow;
  readonly max: number;
  /** Count only contacts about the same debt (Regulation F counts per debt). */
  readonly perDebt: boolean;
  readonly trigger: RuleTrigger;
}

/** At least `minDaysBetween` local calendar days between two counted contacts (Chile's "dos días"). */
export interface MinimumSpacingRule extends RuleSource {
  readonly appliesTo: readonly Channel[];
  readonly counts: readonly Channel[];
  readonly minDaysBetween: number;
  readonly perDebt: boolean;
}

/** Contacts in one window may use at most `maxChannels` channels (Colombia: one channel a week). */
export interface ChannelMixRule extends RuleSource {
  readonly appliesTo: readonly Channel[];
  readonly counts: readonly Channel[];
  readonly window: { readonly kind: 'calendar-day' } | { readonly kind: 'calendar-week' };
  readonly maxChannels: number;
  readonly perDebt: boolean;
  readonly trigger: RuleTrigger;
}

/**
 * After a past contact on `after.channels` with one of `after.outcomes`, no contact on `appliesTo`
 * for `days` local calendar days, the day of that contact counted as the first (Regulation F).
 */
export interface QuietPeriodRule extends RuleSource {
  readonly appliesTo: readonly Channel[];
  readonly after: { readonly channels: readonly Channel[]; readonly outcomes: readonly ContactOutcome[] };
  readonly days: number;
  readonly perDebt: boolean;
}

/**
 * Whether only channels the debtor authorised may be used. Where required, a channel missing from
 * the debtor's consent on record is refused, and no consent on record refuses every channel.
 */
export interface ConsentRule extends RuleSource {
  readonly required: boolean;
}

export type HoldBasis = 'law' | 'platform-policy';

/** While the account carries `hold`, no contact on any channel. */
export interface HoldRule extends RuleSource {
  readonly hold: Hold;
  /** `platform-policy` where the cited rule does not itself impose the stop. */
  readonly basis: HoldBasis;
}

/**
 * While another party to the account the contact is about (a co-obligor, a guarantor: the ledger's
 * `account_party`) carries `hold`, no contact on any channel about that account, with any of its
 * parties. For holds about the debt itself (a dispute of it, a stay of its collection); a personal
 * hold (cease-communication, attorney, deceased, litigation) stays the party's own. The debtor's
 * other accounts, which that party is not on, are not touched.
 */
export interface CoPartyHoldRule extends RuleSource {
  readonly hold: Hold;
  /** `platform-policy` where the cited rule does not itself impose the stop. */
  readonly basis: HoldBasis;
  /**
   * Only for `bankruptcy`: the chapters whose stay reaches the other parties (the US co-debtor stay,
   * chapters 12 and 13). A co-party's bankruptcy under another chapter stops nothing; one whose
   * chapter is not on record stops contact (the conservative reading). Absent: every bankruptcy.
   */
  readonly bankruptcyChapters?: readonly BankruptcyChapter[];
}

export interface AuditRetention {
  /** Keep each contact record at least this long; `null` where the rule sets no period. */
  readonly minimumDays: number | null;
  readonly text: string;
  readonly citation: string;
}

export type PolicyDimension = 'hours' | 'days' | 'frequency' | 'consent' | 'audit-retention' | 'limitation-period';

/** A dimension the pack deliberately leaves unconstrained, and why. */
export interface OpenDimension {
  readonly dimension: PolicyDimension;
  readonly channels: readonly Channel[];
  readonly note: string;
}

/** Messages on these channels carry a line telling the debtor how to opt out of them. */
export interface OptOutNoticeRule extends RuleSource {
  readonly channels: readonly Channel[];
}

/** A detail of the creditor a message must carry. */
export type CreditorDetail = 'postal-address' | 'phone';

/**
 * Every message on `channels` names the creditor (legal name and a tax id of one of `taxIdKinds`),
 * and on the channels of each `alsoRequires` entry the given details too; a contact whose tenant has
 * not configured them is refused for good until it does (Brazil's art. 42-A, Mexico's CONDUSEF).
 */
export interface CreditorIdentificationRule extends RuleSource {
  readonly channels: readonly Channel[];
  readonly taxIdKinds: readonly TaxIdKind[];
  readonly alsoRequires: readonly {
    readonly channels: readonly Channel[];
    readonly details: readonly CreditorDetail[];
  }[];
  /** How the rule's refusal names what is missing, e.g. "the creditor's name and CNPJ/CPF are not configured". */
  readonly missing: string;
}

/**
 * A debt collector's validation notice (US Regulation F §1006.34): for a debtor of a tenant that
 * collects for someone else, the first communication about a debt is the notice (on one of
 * `noticeChannels`), or the notice is sent within `withinDays` after it; until it is, a contact on
 * `appliesTo` more than `withinDays` after the debt's first communication is refused. The notice's
 * validation period ends `periodDays` after the consumer is assumed to receive it, which is
 * `receiptBusinessDays` after it is sent, not counting Saturdays, Sundays and public holidays of
 * the pack's `holidayCountry`.
 */
export interface ValidationNoticeRule extends RuleSource {
  readonly noticeChannels: readonly Channel[];
  readonly appliesTo: readonly Channel[];
  readonly withinDays: number;
  readonly receiptBusinessDays: number;
  readonly periodDays: number;
}

/**
 * What must come before the platform refers an account for enforcement (legal action). With
 * `forbearanceFirst` (the EU's Consumer Credit Directive, art. 35), a strategy's legal referral is
 * made only once a forbearance measure is on record for the account (a payment plan or settlement
 * agreed for it, or a negotiation an agent completed on it); until then it is refused with this
 * rule, and one negotiation task is queued so that forbearance is offered.
 */
export interface EnforcementRules {
  readonly forbearanceFirst?: RuleSource;
  /** No legal action on a time-barred debt (US Regulation F §1006.26(b)): see `TimeBarredDebtRule`. */
  readonly noSuitWhenTimeBarred?: TimeBarredDebtRule;
}

/**
 * A limitation period of one US state, in whole years from the debt's default date: `years` for
 * every product, `products` for the account products (the ledger's product word, e.g. `credit_card`)
 * whose period differs. A product with no entry takes `years`; none at all: no period is known.
 */
export interface LimitationPeriod {
  readonly years?: number;
  readonly products?: Readonly<Record<string, number>>;
}

/**
 * Where the law forbids suing, or threatening to sue, on a time-barred debt: a strategy's legal
 * referral is refused once the debtor's state's limitation period (`limitationPeriods`, keyed by
 * the debtor's region, an ISO 3166-2:US subdivision code such as `CA`) has run from the default
 * date. The periods are State law: a pack carries none, a tenant adds its own by override.
 */
export interface TimeBarredDebtRule extends RuleSource {
  readonly limitationPeriods: Readonly<Record<string, LimitationPeriod>>;
}

/**
 * No contact inside a time the debtor said is inconvenient (`ContactCase.inconvenient`), on the
 * channels the debtor named for it, or on `defaultChannels` where they named none (Regulation F
 * §1006.6(b)(1)(i): a time the collector knows is inconvenient to the consumer).
 */
export interface DebtorInconvenienceRule extends RuleSource {
  readonly defaultChannels: readonly Channel[];
}

/**
 * No contact on `channels` through a contact point at the debtor's workplace whose employer forbids
 * such contact there (`ContactCase.workplaceForbidden`; Regulation F §1006.6(b)(3)).
 */
export interface WorkplaceRule extends RuleSource {
  readonly channels: readonly Channel[];
}

export interface RulePack {
  readonly jurisdiction: Jurisdiction;
  /** Changes with any rule; recorded beside every decision. */
  readonly version: string;
  readonly name: string;
  /** ISO 3166-1 country whose public holidays apply (date-holidays code). */
  readonly holidayCountry: string;
  readonly contactHours: readonly ContactHoursRule[];
  readonly publicHolidays: readonly PublicHolidayRule[];
  readonly frequencyCaps: readonly FrequencyCapRule[];
  readonly minimumSpacing: readonly MinimumSpacingRule[];
  readonly channelMix: readonly ChannelMixRule[];
  readonly quietPeriods: readonly QuietPeriodRule[];
  readonly consent: ConsentRule;
  readonly optOut: RuleSource;
  /** Where the law wants every electronic message to say how to opt out; absent where it does not. */
  readonly optOutNotice?: OptOutNoticeRule;
  /** Where the law wants every message to name the creditor; absent where it does not. */
  readonly creditorIdentification?: CreditorIdentificationRule;
  /** Where a debt collector must send a validation notice (US); absent where the law wants none. */
  readonly validationNotice?: ValidationNoticeRule;
  /** Where the law wants something before enforcement (EU: forbearance); absent where it does not. */
  readonly enforcement?: EnforcementRules;
  /** Where the law bars times the debtor said are inconvenient (US); absent where it does not. */
  readonly debtorInconvenience?: DebtorInconvenienceRule;
  /** Where the law bars contact at a workplace whose employer forbids it (US); absent where it does not. */
  readonly workplace?: WorkplaceRule;
  readonly holds: readonly HoldRule[];
  /**
   * The holds of another party to the account that stop contact about it (`CoPartyHoldRule`); each
   * also a hold of `holds`. Absent or empty: only the debtor's own holds stop contact.
   */
  readonly coPartyHolds?: readonly CoPartyHoldRule[];
  readonly auditRetention: AuditRetention;
  readonly openDimensions: readonly OpenDimension[];
}
