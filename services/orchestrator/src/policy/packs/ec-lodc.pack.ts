import { RulePack } from '../domain';
import {
  ALL_CHANNELS,
  PLATFORM_CO_PARTY_HOLDS,
  coPartyHoldRules,
  holdRules,
  mondayToFriday,
  schedule,
} from './pack-parts';

const LODC = 'Ley Orgánica de Defensa del Consumidor, art. 49 (reformed 2022)';

/** Ecuador: collection calls and messages under the Organic Consumer Defence Law as reformed in 2022. */
export const EC_LODC_PACK: RulePack = {
  jurisdiction: 'EC',
  // 2026.1: another party's dispute of the shared account's debt stops contact about it (EC-CO-PARTY-HOLD-DISPUTE).
  version: '2026.1',
  name: 'Ecuador — Ley Orgánica de Defensa del Consumidor art. 49',
  holidayCountry: 'EC',
  contactHours: [
    {
      id: 'EC-HOURS',
      text: 'Collection contact only Monday to Friday between 07:00 and 20:00; never at weekends',
      citation: LODC,
      channels: ALL_CHANNELS,
      weekly: schedule(mondayToFriday('07:00', '20:00')),
    },
  ],
  publicHolidays: [
    {
      id: 'EC-HOLIDAYS',
      text: 'No collection contact on public holidays',
      citation: LODC,
      channels: ALL_CHANNELS,
    },
  ],
  frequencyCaps: [
    {
      id: 'EC-ONCE-A-DAY',
      text:
        'At most one collection contact a day, across channels (some summaries read it per channel; the pack takes ' +
        'the stricter reading)',
      citation: LODC,
      appliesTo: ALL_CHANNELS,
      counts: ALL_CHANNELS,
      window: { kind: 'calendar-day' },
      max: 1,
      perDebt: false,
      trigger: 'always',
    },
  ],
  minimumSpacing: [],
  channelMix: [],
  quietPeriods: [],
  consent: {
    id: 'EC-CONSENT',
    text: 'The law requires no prior authorisation per channel',
    citation: LODC,
    required: false,
  },
  optOut: {
    id: 'EC-OPT-OUT',
    text: 'A channel the debtor refused is not used',
    citation: 'platform policy',
  },
  holds: holdRules('EC', {}),
  // A co-party's dispute stops the shared account as platform policy; its insolvency does not (pack-parts.ts).
  coPartyHolds: coPartyHoldRules('EC', {}, PLATFORM_CO_PARTY_HOLDS),
  auditRetention: {
    minimumDays: null,
    text: 'No retention period for contact records found in the law',
    citation: LODC,
  },
  openDimensions: [
    { dimension: 'consent', channels: ALL_CHANNELS, note: 'No per-channel authorisation requirement found.' },
    {
      dimension: 'audit-retention',
      channels: ALL_CHANNELS,
      note: 'No retention period found; the platform default applies.',
    },
  ],
};
