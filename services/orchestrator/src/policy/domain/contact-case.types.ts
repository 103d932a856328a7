import { BankruptcyChapterNumber } from '@collections/contracts';

/** The words the contact-policy engine speaks; the same words as the CLI's JSON lines. */

export const CHANNELS = ['call', 'sms', 'whatsapp', 'email', 'letter', 'visit'] as const;
export type Channel = (typeof CHANNELS)[number];

/** What came of an earlier contact. A `conversation` is a direct contact: the debtor was reached. */
export const CONTACT_OUTCOMES = ['attempted', 'delivered', 'conversation'] as const;
export type ContactOutcome = (typeof CONTACT_OUTCOMES)[number];

/**
 * Account states that stop collection contact until someone lifts them. `litigation` is the
 * debtor being served in a collection suit (Chile, art. 37 Ley 19.496).
 */
export const HOLDS = ['dispute', 'bankruptcy', 'deceased', 'attorney', 'cease_communication', 'litigation'] as const;
export type Hold = (typeof HOLDS)[number];

/**
 * The chapters of the US Bankruptcy Code (title 11 U.S.C.) a `bankruptcy` hold may record, as the
 * ledger's `BankruptcyChapter` numbers them (the contracts' list, the ledger's too). The automatic
 * stay (§362) protects the debtor in every chapter; only chapters 12 and 13 stay collection from
 * those liable on the debt with the debtor.
 */
export { BANKRUPTCY_CHAPTERS } from '@collections/contracts';
export type BankruptcyChapter = BankruptcyChapterNumber;

/**
 * The 27 member states of the European Union (ISO 3166-1 alpha-2; Greece is `GR`, not `EL`), each
 * its own jurisdiction: one pack per state, made from the EU rules (`packs/eu-consumer-credit.pack.ts`).
 */
export const EU_MEMBER_STATES = [
  'AT',
  'BE',
  'BG',
  'HR',
  'CY',
  'CZ',
  'DK',
  'EE',
  'FI',
  'FR',
  'DE',
  'GR',
  'IE',
  'IT',
  'LV',
  'LT',
  'LU',
  'MT',
  'NL',
  'PL',
  'PT',
  'RO',
  'SK',
  'SI',
  'ES',
  'SE',
  'HU',
] as const;
export type EuMemberState = (typeof EU_MEMBER_STATES)[number];

export const JURISDICTIONS = ['US', 'CO', 'MX', 'CL', 'PE', 'BR', 'EC', ...EU_MEMBER_STATES] as const;
export type Jurisdiction = (typeof JURISDICTIONS)[number];

/** The kinds of tax id a creditor or collector is identified by (CNPJ/CPF in Brazil, RFC in Mexico). */
export const TAX_ID_KINDS = ['CNPJ', 'CPF', 'RFC', 'EIN', 'OTHER'] as const;
export type TaxIdKind = (typeof TAX_ID_KINDS)[number];

/**
 * What the tenant has on record to name the creditor in its messages to this debtor (its creditor
 * profile for the debtor's country, else its default one): a legal name and a tax id of `taxIdKind`
 * always, and whether a postal address and a contact phone are there too.
 */
export interface CreditorOnRecord {
  readonly taxIdKind: TaxIdKind;
  readonly postalAddress: boolean;
  readonly phone: boolean;
}

/**
 * The validation notice of the account a contact is about, where the tenant collects the debt for
 * its creditor (its creditor profile names a collector): when it was sent, null while it was not.
 */
export interface ValidationNoticeOnRecord {
  readonly sentAt: Date | null;
}

/** The days of the week, as inconvenient times and weekly schedules name them. */
export type WeekdayName = 'sun' | 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat';

/**
 * A weekly window of the debtor's local time in which the debtor said not to be contacted. `from`
 * and `to` are `HH:MM` (`to` exclusive, may be `24:00`); a `to` earlier than `from` runs past
 * midnight into the next day. `channels` absent or empty: the pack's default channels (calls and
 * visits in the US).
 */
export interface InconvenientWindow {
  readonly day: WeekdayName;
  readonly from: string;
  readonly to: string;
  readonly channels?: readonly Channel[];
}

export interface PastContact {
  channel: Channel;
  at: Date;
  outcome: ContactOutcome;
  debtId: string;
}

/** One proposed contact with one debtor about one debt, with what is known of the debtor. */
export interface ContactCase {
  /** The debtor's IANA time zone: every hour and day rule is read in it. */
  timezone: string;
  /** Subdivision for regional public holidays (date-holidays state code, e.g. `SP` in Brazil). */
  region?: string;
  channel: Channel;
  at: Date;
  debtId: string;
  history: readonly PastContact[];
  /**
   * Channels the debtor authorised, as on record; empty when none is. Only a pack that requires
   * consent reads it, and there an empty list authorises no channel.
   */
  consent: readonly Channel[];
  optedOut: readonly Channel[];
  holds: readonly Hold[];
  /**
   * The active holds of the account's other parties (co-obligors, guarantors), of every kind; only
   * those the pack's `coPartyHolds` name stop the contact. Absent: none on record, or the caller
   * does not know (the policy CLI's cases).
   */
  coPartyHolds?: readonly Hold[];
  /**
   * The chapter of each of those parties' active `bankruptcy` holds, `null` where none is on record.
   * Absent or empty while `coPartyHolds` has a `bankruptcy`: no chapter on record (the policy CLI's
   * cases, a ledger before chapters). Only a `coPartyHolds` rule with `bankruptcyChapters` reads it.
   */
  coPartyBankruptcyChapters?: readonly (BankruptcyChapter | null)[];
  /**
   * The creditor's identification on record for the debtor's tenant and country; `null` when there
   * is none. Only a pack with a `creditorIdentification` rule reads it, and there `null` refuses.
   * Absent: the caller does not know the tenant (the policy CLI's cases), and the rule is not checked;
   * the orchestrator always passes it.
   */
  creditor?: CreditorOnRecord | null;
  /**
   * The account's validation notice, where the tenant is a debt collector for the debtor's
   * country; `null` when it is not (no creditor profile, or one without a collector: a creditor
   * collecting its own debts). Only a pack with a `validationNotice` rule reads it. Absent: the
   * caller does not know (the policy CLI's cases), and the rule is not checked.
   */
  validationNotice?: ValidationNoticeOnRecord | null;
  /**
   * Times the debtor said are inconvenient; absent or empty: none on record. Only a pack with a
   * `debtorInconvenience` rule reads them.
   */
  inconvenient?: readonly InconvenientWindow[];
  /**
   * The contact point this contact would use is at the debtor's workplace, whose employer forbids
   * collection contact there; absent: not. Only a pack with a `workplace` rule reads it.
   */
  workplaceForbidden?: boolean;
}

export interface DecisionReason {
  ruleId: string;
  message: string;
}

export interface ContactDecision {
  allowed: boolean;
  /** Why the contact is refused; empty when it is allowed. */
  reasons: DecisionReason[];
  /**
   * The earliest instant at or after `at` that the same pack allows for this channel, given the
   * same history: `at` itself when allowed, `null` when no time ever will be (a hold, an opt-out,
   * no consent) until something about the debtor changes.
   */
  nextPermittedAt: Date | null;
}
