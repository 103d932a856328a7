import { RulePack } from '../domain';
import {
  ALL_CHANNELS,
  CALLS_AND_VISITS,
  OTHER_MEDIA,
  PLATFORM_CO_PARTY_HOLDS,
  coPartyHoldRules,
  holdRules,
  range,
  schedule,
} from './pack-parts';

const ART_37 = 'Ley 19.496, art. 37, as amended by Ley 21.320';
const WORKING_HOURS = `${ART_37}; Código de Procedimiento Civil, art. 59`;

/** Chile: extrajudicial collection under Ley 19.496 art. 37 as amended by Ley 21.320 (2021). */
export const CL_LEY_21320_PACK: RulePack = {
  jurisdiction: 'CL',
  // 2026.1: another party's dispute of the shared account's debt stops contact about it (CL-CO-PARTY-HOLD-DISPUTE).
  version: '2026.1',
  name: 'Chile — Ley 21.320 (art. 37 Ley 19.496)',
  holidayCountry: 'CL',
  contactHours: [
    {
      id: 'CL-HOURS-CALLS-VISITS',
      text: 'Calls and visits only on working days, Monday to Saturday, between 08:00 and 20:00',
      citation: WORKING_HOURS,
      channels: CALLS_AND_VISITS,
      weekly: schedule({
        mon: [range('08:00', '20:00')],
        tue: [range('08:00', '20:00')],
        wed: [range('08:00', '20:00')],
        thu: [range('08:00', '20:00')],
        fri: [range('08:00', '20:00')],
        sat: [range('08:00', '20:00')],
      }),
    },
  ],
  publicHolidays: [
    {
      id: 'CL-HOLIDAYS-CALLS-VISITS',
      text: 'No calls or visits on public holidays (not working days)',
      citation: WORKING_HOURS,
      channels: CALLS_AND_VISITS,
    },
  ],
  frequencyCaps: [
    {
      id: 'CL-CALLS-VISITS-ONE-A-WEEK',
      text:
        'At most one phone contact or visit a week (read as any seven consecutive days, which also keeps the ' +
        'calendar-week reading)',
      citation: ART_37,
      appliesTo: CALLS_AND_VISITS,
      counts: CALLS_AND_VISITS,
      window: { kind: 'rolling-days', days: 7 },
      max: 1,
      perDebt: false,
      trigger: 'always',
    },
    {
      id: 'CL-OTHER-MEDIA-TWO-A-WEEK',
      text: 'By mail, SMS, e-mail or messaging apps at most two collection actions a week (any seven consecutive days)',
      citation: ART_37,
      appliesTo: OTHER_MEDIA,
      counts: OTHER_MEDIA,
      window: { kind: 'rolling-days', days: 7 },
      max: 2,
      perDebt: false,
      trigger: 'always',
    },
  ],
  minimumSpacing: [
    {
      id: 'CL-OTHER-MEDIA-TWO-DAYS-APART',
      text: 'Actions by other media at least two days apart (local dates: Monday, then Wednesday at the earliest)',
      citation: ART_37,
      appliesTo: OTHER_MEDIA,
      counts: OTHER_MEDIA,
      minDaysBetween: 2,
      perDebt: false,
    },
  ],
  channelMix: [],
  quietPeriods: [],
  consent: {
    id: 'CL-CONSENT',
    text: 'Art. 37 requires no prior authorisation per channel',
    citation: ART_37,
    required: false,
  },
  optOut: {
    id: 'CL-OPT-OUT',
    text: 'A channel the debtor refused is not used',
    citation: 'platform policy',
  },
  holds: holdRules('CL', {
    litigation: {
      text: 'Extrajudicial collection stops at once when the debtor is served in a collection suit',
      citation: ART_37,
    },
    bankruptcy: {
      text: 'Extrajudicial collection stops at once when insolvency proceedings (procedimiento concursal) start',
      citation: ART_37,
    },
  }),
  // A co-party's dispute stops the shared account as platform policy; its insolvency does not (pack-parts.ts).
  coPartyHolds: coPartyHoldRules('CL', {}, PLATFORM_CO_PARTY_HOLDS),
  auditRetention: {
    minimumDays: 2 * 365 + 1,
    text: 'Keep a record of the type and frequency of each collection action per debtor for at least two years',
    citation: ART_37,
  },
  openDimensions: [
    {
      dimension: 'hours',
      channels: OTHER_MEDIA,
      note: 'Art. 37 ties hours and working days to calls and visits only; other media have no hour or day limit in it.',
    },
    { dimension: 'consent', channels: ALL_CHANNELS, note: 'No per-channel authorisation requirement found.' },
  ],
};
