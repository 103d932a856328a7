import { EU_MEMBER_STATES, EuMemberState, RulePack } from '../domain';
import { ALL_CHANNELS, PLATFORM_CO_PARTY_HOLDS, coPartyHoldRules, holdRules } from './pack-parts';

const CCD = 'Directive (EU) 2023/2225 (Consumer Credit Directive), art. 35';
const GDPR = 'Regulation (EU) 2016/679 (GDPR)';

const COUNTRY_NAMES: Readonly<Record<EuMemberState, string>> = {
  AT: 'Austria',
  BE: 'Belgium',
  BG: 'Bulgaria',
  HR: 'Croatia',
  CY: 'Cyprus',
  CZ: 'Czechia',
  DK: 'Denmark',
  EE: 'Estonia',
  FI: 'Finland',
  FR: 'France',
  DE: 'Germany',
  GR: 'Greece',
  IE: 'Ireland',
  IT: 'Italy',
  LV: 'Latvia',
  LT: 'Lithuania',
  LU: 'Luxembourg',
  MT: 'Malta',
  NL: 'Netherlands',
  PL: 'Poland',
  PT: 'Portugal',
  RO: 'Romania',
  SK: 'Slovakia',
  SI: 'Slovenia',
  ES: 'Spain',
  SE: 'Sweden',
  HU: 'Hungary',
};

/**
 * A member state's pack from the EU rules: the Consumer Credit Directive (EU) 2023/2225, applicable
 * from 20 November 2026, and the GDPR. The directive fixes no hours, days or frequency of contact:
 * like the Brazil pack, the pack leaves them open and says so (`openDimensions`). National law is
 * the tenant's override (hours, holidays from the debtor's own country and region, caps) until the
 * state has a pack of its own.
 */
export function euConsumerCreditPack(country: EuMemberState): RulePack {
  const name = COUNTRY_NAMES[country];
  return {
    jurisdiction: country,
    // 2026.2: another party's dispute of the shared account's debt stops contact about it (<state>-CO-PARTY-HOLD-DISPUTE).
    version: '2026.2',
    name: `${name} — Consumer Credit Directive (EU) 2023/2225 art. 35; GDPR`,
    holidayCountry: country,
    // The directive fixes no hours, closes no day and caps no frequency: open, as the Brazil pack
    // leaves what its code does not fix (CONTACT-RULES.md). A tenant adds its national rules
    // (override `add`: hours, the debtor's holidays, caps); an override may only tighten, so a
    // platform default here would bind lenders to figures no law asks for.
    contactHours: [],
    publicHolidays: [],
    frequencyCaps: [],
    minimumSpacing: [],
    channelMix: [],
    quietPeriods: [],
    consent: {
      id: `${country}-CONSENT`,
      text: 'The credit agreement is the lawful basis for contacting the debtor about it; no consent per channel is required',
      citation: `${GDPR}, art. 6(1)(b)`,
      required: false,
    },
    optOut: {
      id: `${country}-OPT-OUT`,
      text: 'A channel the debtor objected to or opted out of is not used',
      citation: `${GDPR}, art. 21; platform policy`,
    },
    enforcement: {
      forbearanceFirst: {
        id: `${country}-FORBEARANCE-FIRST`,
        text:
          "Reasonable forbearance fitted to the consumer's situation (refinancing, a longer term, deferral, partial " +
          'write-off) comes before enforcement: the account is referred for legal action only once a forbearance ' +
          'measure is on record for it (a payment plan or settlement agreed, or a negotiation completed by an agent). ' +
          'The referral is a recommendation recorded for people to act on; the platform files nothing, so no ' +
          'enforcement is decided solely by automated means',
        citation: `${CCD}(1); ${GDPR}, art. 22`,
      },
    },
    holds: holdRules(country, {}),
    // A co-party's dispute stops the shared account as platform policy; its insolvency does not (pack-parts.ts).
    coPartyHolds: coPartyHoldRules(country, {}, PLATFORM_CO_PARTY_HOLDS),
    auditRetention: {
      minimumDays: null,
      text: 'No retention period for contact records in the directive; GDPR keeps them no longer than needed',
      citation: `${CCD}; ${GDPR}, art. 5(1)(e)`,
    },
    openDimensions: [
      {
        dimension: 'hours',
        channels: ALL_CHANNELS,
        note: "The directive fixes no hours; national law may: tenants add theirs (override add.contactHours, the debtor's local time).",
      },
      {
        dimension: 'days',
        channels: ALL_CHANNELS,
        note: "The directive closes no day and no holiday; tenants add them (override add.publicHolidays: the debtor's country and region calendar).",
      },
      {
        dimension: 'frequency',
        channels: ALL_CHANNELS,
        note: 'The directive sets no contact-frequency limit; tenants add theirs (override add.frequencyCaps).',
      },
      {
        dimension: 'consent',
        channels: ALL_CHANNELS,
        note: 'The contract is the lawful basis (GDPR art. 6(1)(b)); opt-outs and objections are honoured.',
      },
      {
        dimension: 'audit-retention',
        channels: ALL_CHANNELS,
        note: 'No retention period found; the platform default applies.',
      },
    ],
  };
}

/** One pack per member state, each from the same EU rules. */
export const EU_CONSUMER_CREDIT_PACKS: Readonly<Record<EuMemberState, RulePack>> = Object.fromEntries(
  EU_MEMBER_STATES.map((country) => [country, euConsumerCreditPack(country)]),
) as Record<EuMemberState, RulePack>;
