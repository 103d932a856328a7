import { RulePack } from '../domain';
import { ALL_CHANNELS, coPartyHoldRules, everyDay, holdRules } from './pack-parts';

const REG_F = '12 CFR 1006 (CFPB Regulation F)';

/** United States: FDCPA as implemented by CFPB Regulation F, 12 CFR part 1006. */
export const US_REGULATION_F_PACK: RulePack = {
  jurisdiction: 'US',
  // 2026.1: no suit on a time-barred debt (US-TIME-BARRED, §1006.26(b)), the debtor's inconvenient
  // times (US-INCONVENIENT, §1006.6(b)(1)(i)) and a workplace that forbids contact (US-WORKPLACE,
  // §1006.6(b)(3)). Decisions record the version they were made under: a new rule is a new version.
  // 2026.2: a co-obligor's or guarantor's dispute (US-CO-PARTY-HOLD-DISPUTE) or bankruptcy
  // (US-CO-PARTY-HOLD-BANKRUPTCY) stops collection of the shared account from every party to it.
  // 2026.3: a co-party's bankruptcy stops the shared account only under chapter 12 or 13 (the
  // co-debtor stays, 11 U.S.C. 1201 and 1301), or when its chapter is not on record; a chapter 7 or
  // 11 case stays collection from the debtor in bankruptcy alone (US-CO-PARTY-HOLD-BANKRUPTCY).
  version: '2026.3',
  name: 'United States — Regulation F (12 CFR 1006)',
  holidayCountry: 'US',
  contactHours: [
    {
      id: 'US-HOURS',
      text: "Communication before 08:00 or after 21:00 at the consumer's location is presumed inconvenient",
      citation: `${REG_F} §1006.6(b)(1)(i)`,
      channels: ALL_CHANNELS,
      weekly: everyDay('08:00', '21:00'),
    },
  ],
  publicHolidays: [],
  frequencyCaps: [
    {
      id: 'US-CALLS-7-IN-7',
      text: 'Placing more than seven telephone calls about a debt within seven consecutive days is presumed harassment',
      citation: `${REG_F} §1006.14(b)(2)(i)(A)`,
      appliesTo: ['call'],
      counts: ['call'],
      window: { kind: 'rolling-days', days: 7 },
      max: 7,
      perDebt: true,
      trigger: 'always',
    },
  ],
  minimumSpacing: [],
  channelMix: [],
  quietPeriods: [
    {
      id: 'US-CALL-AFTER-CONVERSATION',
      text:
        'A telephone call within seven consecutive days after a telephone conversation about the debt is presumed ' +
        'harassment; the day of the conversation is the first of the seven',
      citation: `${REG_F} §1006.14(b)(2)(i)(B)`,
      appliesTo: ['call'],
      after: { channels: ['call'], outcomes: ['conversation'] },
      days: 7,
      perDebt: true,
    },
  ],
  consent: {
    id: 'US-CONSENT',
    text: 'Regulation F requires no prior authorisation per channel; media the consumer refuses are opt-outs',
    citation: `${REG_F} §1006.14(h)`,
    required: false,
  },
  optOut: {
    id: 'US-OPT-OUT',
    text: 'No communication through a medium the consumer asked not to be used; electronic messages carry an opt-out',
    citation: `${REG_F} §1006.14(h)(1), §1006.6(e)`,
  },
  optOutNotice: {
    id: 'US-OPT-OUT-NOTICE',
    text: 'Every e-mail, text message or other electronic communication states a simple way to opt out of it',
    citation: `${REG_F} §1006.6(e)`,
    channels: ['email', 'sms', 'whatsapp'],
  },
  // Only for a tenant collecting for its creditor (its creditor profile names a collector); with no
  // profile, or none with a collector, the tenant is a creditor collecting its own debts and the rule
  // is not checked. 5 calendar days after the first communication (§1006.34(a)(1)(i)(B)); receipt
  // assumed 5 business days after sending and the period 30 days after receipt (§1006.34(b)(5)).
  // Disputes within the period are the ledger's dispute hold (US-HOLD-DISPUTE below).
  validationNotice: {
    id: 'US-VALIDATION-NOTICE',
    text:
      'A debt collector sends the consumer the validation information in its initial communication or within five ' +
      'days after it; no other contact about the debt after those five days until it is sent',
    citation: `15 U.S.C. 1692g(a); ${REG_F} §1006.34(a)(1)`,
    noticeChannels: ['letter', 'email'],
    appliesTo: ['call', 'sms', 'whatsapp', 'visit'],
    withinDays: 5,
    receiptBusinessDays: 5,
    periodDays: 30,
  },
  // Limitation periods are State law, and differ by state and debt type: the pack carries none
  // (openDimensions), a tenant adds its states' periods by override (shorter or added only).
  enforcement: {
    noSuitWhenTimeBarred: {
      id: 'US-TIME-BARRED',
      text:
        'A debt collector must not bring or threaten to bring a legal action against a consumer to collect a ' +
        "time-barred debt: one whose limitation period under the consumer's State law has expired",
      citation: `${REG_F} §1006.26(b)`,
      limitationPeriods: {},
    },
  },
  // The debtor's own words, kept by the ledger: times they said are inconvenient (calls and visits
  // unless they named channels) and contact points at a workplace whose employer forbids contact.
  debtorInconvenience: {
    id: 'US-INCONVENIENT',
    text: 'No communication at a time the debt collector knows or should know is inconvenient to the consumer',
    citation: `${REG_F} §1006.6(b)(1)(i)`,
    defaultChannels: ['call', 'visit'],
  },
  workplace: {
    id: 'US-WORKPLACE',
    text:
      "No communication at the consumer's place of employment when the debt collector knows or has reason to " +
      "know that the consumer's employer prohibits the consumer from receiving it",
    citation: `${REG_F} §1006.6(b)(3)`,
    channels: ALL_CHANNELS,
  },
  holds: holdRules('US', {
    dispute: {
      text: 'After a written dispute within the validation period, collection stops until verification is sent',
      citation: `15 U.S.C. 1692g(b); ${REG_F} §1006.34(c)(3)`,
    },
    bankruptcy: {
      text: 'The automatic stay bars any act to collect a pre-petition debt from a debtor in bankruptcy',
      citation: '11 U.S.C. 362(a)(6)',
    },
    attorney: {
      text: 'No communication with a consumer known to be represented by an attorney about the debt',
      citation: `${REG_F} §1006.6(b)(2)`,
    },
    cease_communication: {
      text: 'After the consumer refuses to pay or asks the collector to stop, no further communication about the debt',
      citation: `${REG_F} §1006.6(c)(1)`,
    },
  }),
  // Holds about the debt itself, whoever on the account carries them. A dispute of "the debt, or any
  // portion thereof" ceases collection of the debt (§1692g(b)), not only from the party who
  // disputed. A bankruptcy: the co-debtor stays of chapters 12 and 13 (11 U.S.C. 1201(a),
  // 1301(a)) bar acts to collect a consumer debt from an individual liable on it with the debtor;
  // the automatic stay of chapters 7 and 11 (§362(a)) protects only the debtor in bankruptcy, so
  // their co-parties are collected from as before. A bankruptcy whose chapter the ledger has not
  // on record is read as a co-debtor stay (the conservative reading). A co-party's
  // cease-communication, attorney, deceased or litigation hold is theirs alone.
  coPartyHolds: coPartyHoldRules('US', {
    dispute: {
      text:
        'After a written dispute of the debt or any portion of it, by any party liable on the account, collection ' +
        'of the debt stops until verification is sent',
      citation: `15 U.S.C. 1692g(b); ${REG_F} §1006.34(c)(3), §1006.38(d)(2)`,
    },
    bankruptcy: {
      text:
        'A stay bars any act to collect a consumer debt from an individual liable on it with a debtor in a chapter 12 ' +
        'or 13 bankruptcy (the co-debtor stay; a bankruptcy whose chapter is not on record is read as one; a ' +
        'chapter 7 or 11 case stays collection from the debtor in bankruptcy alone)',
      citation: '11 U.S.C. 1201(a), 1301(a), 362(a)(6)',
      bankruptcyChapters: [12, 13],
    },
  }),
  auditRetention: {
    minimumDays: 3 * 365 + 1,
    text: "Keep records evidencing compliance for three years after the collector's last collection activity on the debt",
    citation: `${REG_F} §1006.100(a)`,
  },
  openDimensions: [
    {
      dimension: 'days',
      channels: ALL_CHANNELS,
      note:
        'Regulation F closes no weekday or holiday; the times the consumer said are inconvenient are ' +
        'US-INCONVENIENT, the workplace that forbids contact US-WORKPLACE.',
    },
    {
      dimension: 'frequency',
      channels: ['sms', 'whatsapp', 'email', 'letter', 'visit'],
      note: 'The 7-in-7 presumption and the post-conversation quiet period count telephone calls only.',
    },
    {
      dimension: 'consent',
      channels: ['call', 'sms'],
      note:
        'TCPA consent for autodialled or prerecorded calls and texts to mobile numbers (47 U.S.C. 227) is outside ' +
        'this pack; a tenant can require authorised channels with consent.required.',
    },
    {
      dimension: 'limitation-period',
      channels: ALL_CHANNELS,
      note:
        'Statutes of limitations (§1006.26(a)) are State law and differ by state and debt type; the pack holds no ' +
        'figures, so a legal referral is checked only where the tenant adds its periods (override ' +
        'enforcement.noSuitWhenTimeBarred.limitationPeriods, years per state and optionally per product).',
    },
  ],
};
