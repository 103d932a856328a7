import { RulePack } from '../domain';
import {
  ALL_CHANNELS,
  PLATFORM_CO_PARTY_HOLDS,
  coPartyHoldRules,
  holdRules,
  mondayToFriday,
  range,
  schedule,
} from './pack-parts';

const LEY_2300 = 'Ley 2300 de 2023, art. 3';

/** Colombia: Ley 2300 de 2023 ("dejen de fregar"), for collectors of any kind. */
export const CO_LEY_2300_PACK: RulePack = {
  jurisdiction: 'CO',
  // 2026.1: another party's dispute of the shared account's debt stops contact about it (CO-CO-PARTY-HOLD-DISPUTE).
  version: '2026.1',
  name: 'Colombia — Ley 2300 de 2023',
  holidayCountry: 'CO',
  contactHours: [
    {
      id: 'CO-HOURS',
      text: 'Contact only Monday to Friday 07:00–19:00 and Saturday 08:00–15:00; never on Sundays',
      citation: LEY_2300,
      channels: ALL_CHANNELS,
      weekly: schedule({ ...mondayToFriday('07:00', '19:00'), sat: [range('08:00', '15:00')] }),
    },
  ],
  publicHolidays: [
    {
      id: 'CO-HOLIDAYS',
      text: 'No contact on public holidays (festivos)',
      citation: LEY_2300,
      channels: ALL_CHANNELS,
    },
  ],
  frequencyCaps: [
    {
      id: 'CO-ONE-CONTACT-A-DAY',
      text: 'After a direct contact with the consumer, at most one contact a day',
      citation: LEY_2300,
      appliesTo: ALL_CHANNELS,
      counts: ALL_CHANNELS,
      window: { kind: 'calendar-day' },
      max: 1,
      perDebt: false,
      trigger: 'after-direct-contact-in-window',
    },
  ],
  minimumSpacing: [],
  channelMix: [
    {
      id: 'CO-ONE-CHANNEL-A-WEEK',
      text: 'After a direct contact, not through several channels in the same week',
      citation: LEY_2300,
      appliesTo: ALL_CHANNELS,
      counts: ALL_CHANNELS,
      window: { kind: 'calendar-week' },
      maxChannels: 1,
      perDebt: false,
      trigger: 'after-direct-contact-in-window',
    },
  ],
  quietPeriods: [],
  consent: {
    id: 'CO-AUTHORISED-CHANNELS',
    text: 'Contact only through the channels the consumer authorised',
    citation: LEY_2300,
    required: true,
  },
  optOut: {
    id: 'CO-OPT-OUT',
    text: 'The consumer may revoke the authorisation of a channel; a revoked channel is not used',
    citation: `${LEY_2300}; Ley 1581 de 2012, art. 8(e)`,
  },
  holds: holdRules('CO', {}),
  // A co-party's dispute stops the shared account as platform policy; its insolvency does not (pack-parts.ts).
  coPartyHolds: coPartyHoldRules('CO', {}, PLATFORM_CO_PARTY_HOLDS),
  auditRetention: {
    minimumDays: null,
    text: 'Ley 2300 sets no retention period for contact records',
    citation: LEY_2300,
  },
  openDimensions: [
    {
      dimension: 'hours',
      channels: ALL_CHANNELS,
      note:
        "Other hours are lawful with the consumer's separate written consent; the case input does not carry it, " +
        'so the pack never widens the hours.',
    },
    {
      dimension: 'frequency',
      channels: ALL_CHANNELS,
      note:
        'Before any direct contact the law sets no numeric cap. Some summaries read the one-a-day and one-channel-a-week ' +
        "limits as unconditional; a tenant can make them so with trigger: 'always'.",
    },
    {
      dimension: 'audit-retention',
      channels: ALL_CHANNELS,
      note: 'No retention period found in the rule; the platform default applies.',
    },
  ],
};
