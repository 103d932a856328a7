import { RulePack } from '../domain';
import {
  ALL_CHANNELS,
  CALLS_AND_VISITS,
  OTHER_MEDIA,
  PLATFORM_CO_PARTY_HOLDS,
  coPartyHoldRules,
  holdRules,
  mondayToFriday,
  schedule,
} from './pack-parts';

const ART_62 = 'Ley 29571 (Código de Protección y Defensa del Consumidor), art. 62(b)';

/** Peru: abusive collection methods, Consumer Protection Code art. 62. */
export const PE_LEY_29571_PACK: RulePack = {
  jurisdiction: 'PE',
  // 2026.1: another party's dispute of the shared account's debt stops contact about it (PE-CO-PARTY-HOLD-DISPUTE).
  version: '2026.1',
  name: 'Peru — Ley 29571 art. 62',
  holidayCountry: 'PE',
  contactHours: [
    {
      id: 'PE-HOURS-CALLS-VISITS',
      text: 'No visits or phone calls between 20:00 and 07:00, nor on Saturdays or Sundays',
      citation: ART_62,
      channels: CALLS_AND_VISITS,
      weekly: schedule(mondayToFriday('07:00', '20:00')),
    },
  ],
  publicHolidays: [
    {
      id: 'PE-HOLIDAYS-CALLS-VISITS',
      text: 'No visits or phone calls on public holidays',
      citation: ART_62,
      channels: CALLS_AND_VISITS,
    },
  ],
  frequencyCaps: [],
  minimumSpacing: [],
  channelMix: [],
  quietPeriods: [],
  consent: {
    id: 'PE-CONSENT',
    text: 'Art. 62 requires no prior authorisation per channel',
    citation: ART_62,
    required: false,
  },
  optOut: {
    id: 'PE-OPT-OUT',
    text: 'A channel the debtor refused is not used',
    citation: 'platform policy',
  },
  holds: holdRules('PE', {}),
  // A co-party's dispute stops the shared account as platform policy; its insolvency does not (pack-parts.ts).
  coPartyHolds: coPartyHoldRules('PE', {}, PLATFORM_CO_PARTY_HOLDS),
  auditRetention: {
    minimumDays: null,
    text: 'No retention period for contact records found in art. 62',
    citation: ART_62,
  },
  openDimensions: [
    {
      dimension: 'hours',
      channels: OTHER_MEDIA,
      note: 'Art. 62(b) names visits and phone calls; messages, e-mail and letters have no hour or day limit in it.',
    },
    { dimension: 'frequency', channels: ALL_CHANNELS, note: 'No contact-frequency limit found in art. 62.' },
    { dimension: 'consent', channels: ALL_CHANNELS, note: 'No per-channel authorisation requirement found.' },
    {
      dimension: 'audit-retention',
      channels: ALL_CHANNELS,
      note: 'No retention period found; the platform default applies.',
    },
  ],
};
