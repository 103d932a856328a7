import {
  BankruptcyChapter,
  CHANNELS,
  Channel,
  CoPartyHoldRule,
  HOLDS,
  Hold,
  HoldRule,
  Jurisdiction,
  LocalTimeRange,
  WeeklySchedule,
} from '../domain';

/** Building blocks the jurisdiction packs share, so each pack file reads like its rule table row. */

export const ALL_CHANNELS: readonly Channel[] = CHANNELS;
export const CALLS_AND_VISITS: readonly Channel[] = ['call', 'visit'];
export const OTHER_MEDIA: readonly Channel[] = ['sms', 'whatsapp', 'email', 'letter'];
/** Written documents with room for the creditor's full identification. */
export const DOCUMENTS: readonly Channel[] = ['email', 'letter'];

export function range(from: string, to: string): LocalTimeRange {
  return { from, to };
}

export function schedule(days: Partial<WeeklySchedule>): WeeklySchedule {
  return {
    sun: days.sun ?? [],
    mon: days.mon ?? [],
    tue: days.tue ?? [],
    wed: days.wed ?? [],
    thu: days.thu ?? [],
    fri: days.fri ?? [],
    sat: days.sat ?? [],
  };
}

export function everyDay(from: string, to: string): WeeklySchedule {
  const hours = [range(from, to)];
  return schedule({ sun: hours, mon: hours, tue: hours, wed: hours, thu: hours, fri: hours, sat: hours });
}

export function mondayToFriday(from: string, to: string): Partial<WeeklySchedule> {
  const hours = [range(from, to)];
  return { mon: hours, tue: hours, wed: hours, thu: hours, fri: hours };
}

const PLATFORM_HOLD_TEXT: Readonly<Record<Hold, string>> = {
  dispute: 'No collection contact while the debt is disputed and the dispute is unresolved',
  bankruptcy: 'No collection contact once insolvency or bankruptcy proceedings have started',
  deceased: 'No collection contact addressed to a deceased debtor; the estate is handled apart',
  attorney: 'No direct contact with a debtor represented by an attorney about the debt',
  cease_communication: 'No contact after the debtor asked collectors to stop communicating',
  litigation: 'No extrajudicial contact once the debtor is served in a collection suit; counsel takes over',
};

export type LawfulHolds = Partial<Record<Hold, { text: string; citation: string }>>;

/**
 * One hold rule per hold. Where the jurisdiction's rule imposes the stop it is cited as law;
 * elsewhere the platform stops anyway and says it is platform policy, not the law's demand.
 */
export function holdRules(jurisdiction: Jurisdiction, lawful: LawfulHolds): HoldRule[] {
  return HOLDS.map((hold) => {
    const law = lawful[hold];
    return {
      id: `${jurisdiction}-HOLD-${hold.toUpperCase().replace('_', '-')}`,
      hold,
      basis: law ? 'law' : 'platform-policy',
      text: law?.text ?? PLATFORM_HOLD_TEXT[hold],
      citation: law?.citation ?? 'platform policy (not imposed by the cited rules themselves)',
    };
  });
}

const PLATFORM_CO_PARTY_HOLD_TEXT: Readonly<Partial<Record<Hold, string>>> = {
  dispute:
    'No collection contact about a shared account while another party to it (a co-obligor, a guarantor) disputes ' +
    'the debt and the dispute is unresolved: the debt itself is disputed',
};

/**
 * Where the pack's own law says nothing of the account's other parties: a co-party's dispute stops
 * contact about the shared account as platform policy, because the platform's dispute stop
 * (`PLATFORM_HOLD_TEXT.dispute`) is about the debt, and a co-party disputes that same debt. Not a
 * co-party's insolvency: the insolvency stops these packs cite or make (Chile's art. 37, the
 * platform's own) are the proceedings of the debtor contacted, and no cited rule extends them to
 * the other parties to the debt; a rule that did would be a new pack version citing it.
 */
export const PLATFORM_CO_PARTY_HOLDS: readonly Hold[] = ['dispute'];

/** A co-party hold the law imposes; a bankruptcy's may reach the other parties only under some chapters. */
export type LawfulCoPartyHolds = Partial<
  Record<Hold, { text: string; citation: string; bankruptcyChapters?: readonly BankruptcyChapter[] }>
>;

/**
 * The holds of another party to the account that stop contact about it: those of `lawful`, cited
 * as law, and those of `platform` not among them, as platform policy.
 */
export function coPartyHoldRules(
  jurisdiction: Jurisdiction,
  lawful: LawfulCoPartyHolds,
  platform: readonly Hold[] = [],
): CoPartyHoldRule[] {
  return HOLDS.flatMap((hold): CoPartyHoldRule[] => {
    const law = lawful[hold];
    const policy = PLATFORM_CO_PARTY_HOLD_TEXT[hold];
    if (!law && !(platform.includes(hold) && policy)) return [];
    return [
      {
        id: `${jurisdiction}-CO-PARTY-HOLD-${hold.toUpperCase().replace('_', '-')}`,
        hold,
        basis: law ? 'law' : 'platform-policy',
        text: law?.text ?? policy!,
        citation: law?.citation ?? 'platform policy (not imposed by the cited rules themselves)',
        ...(law?.bankruptcyChapters ? { bankruptcyChapters: law.bankruptcyChapters } : {}),
      },
    ];
  });
}
