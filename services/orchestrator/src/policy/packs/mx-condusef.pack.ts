import { RulePack } from '../domain';
import { ALL_CHANNELS, DOCUMENTS, PLATFORM_CO_PARTY_HOLDS, coPartyHoldRules, everyDay, holdRules } from './pack-parts';

const CONDUSEF =
  'CONDUSEF, Disposiciones de carácter general aplicables a las entidades financieras en materia de Despachos de Cobranza (DOF 2014)';

/** Mexico: CONDUSEF's general provisions for collection firms (DOF 2014). */
export const MX_CONDUSEF_PACK: RulePack = {
  jurisdiction: 'MX',
  // 2026.1: another party's dispute of the shared account's debt stops contact about it (MX-CO-PARTY-HOLD-DISPUTE).
  version: '2026.1',
  name: 'Mexico — CONDUSEF collection-firm provisions (DOF 2014)',
  holidayCountry: 'MX',
  contactHours: [
    {
      id: 'MX-HOURS',
      text: "Collection contact only between 07:00 and 22:00 at the debtor's location",
      citation: CONDUSEF,
      channels: ALL_CHANNELS,
      weekly: everyDay('07:00', '22:00'),
    },
  ],
  publicHolidays: [],
  frequencyCaps: [],
  minimumSpacing: [],
  channelMix: [],
  quietPeriods: [],
  consent: {
    id: 'MX-CONSENT',
    text: 'The provisions require no prior authorisation per channel',
    citation: CONDUSEF,
    required: false,
  },
  optOut: {
    id: 'MX-OPT-OUT',
    text: 'A channel the debtor refused is not used',
    citation: 'platform policy',
  },
  creditorIdentification: {
    id: 'MX-IDENTIFY-FIRM',
    text: 'Every collection contact identifies the collection firm and the creditor it collects for',
    citation: CONDUSEF,
    channels: ALL_CHANNELS,
    taxIdKinds: ['RFC'],
    // Letters and e-mails carry the firm's address and phone as well, so the debtor can reach it.
    alsoRequires: [{ channels: DOCUMENTS, details: ['postal-address', 'phone'] }],
    missing: "the creditor's name and RFC are not configured",
  },
  holds: holdRules('MX', {}),
  // A co-party's dispute stops the shared account as platform policy; its insolvency does not (pack-parts.ts).
  coPartyHolds: coPartyHoldRules('MX', {}, PLATFORM_CO_PARTY_HOLDS),
  auditRetention: {
    minimumDays: null,
    text: 'No retention period for contact records found in the provisions',
    citation: CONDUSEF,
  },
  openDimensions: [
    { dimension: 'days', channels: ALL_CHANNELS, note: 'The provisions close no day of the week and no holiday.' },
    { dimension: 'frequency', channels: ALL_CHANNELS, note: 'No contact-frequency limit found in the provisions.' },
    { dimension: 'consent', channels: ALL_CHANNELS, note: 'No per-channel authorisation requirement found.' },
    {
      dimension: 'audit-retention',
      channels: ALL_CHANNELS,
      note: 'No retention period found; the platform default applies.',
    },
  ],
};
