import { RulePack } from '../domain';
import { ALL_CHANNELS, DOCUMENTS, PLATFORM_CO_PARTY_HOLDS, coPartyHoldRules, holdRules } from './pack-parts';

const CDC = 'Lei 8.078/1990 (Código de Defesa do Consumidor), arts. 42 and 42-A';

/** Brazil: the Consumer Defence Code forbids abusive collection but fixes no hours or frequency. */
export const BR_CDC_PACK: RulePack = {
  jurisdiction: 'BR',
  // 2026.1: another party's dispute of the shared account's debt stops contact about it (BR-CO-PARTY-HOLD-DISPUTE).
  version: '2026.1',
  name: 'Brazil — Código de Defesa do Consumidor art. 42 / 42-A',
  holidayCountry: 'BR',
  contactHours: [],
  publicHolidays: [],
  frequencyCaps: [],
  minimumSpacing: [],
  channelMix: [],
  quietPeriods: [],
  consent: {
    id: 'BR-CONSENT',
    text: 'The code requires no prior authorisation per channel',
    citation: CDC,
    required: false,
  },
  optOut: {
    id: 'BR-OPT-OUT',
    text: 'A channel the debtor refused or whose consent was revoked is not used',
    citation: 'Lei 13.709/2018 (LGPD), art. 18, IX; platform policy',
  },
  creditorIdentification: {
    id: 'BR-IDENTIFY-CREDITOR',
    text: 'Every collection document names the creditor and its CPF/CNPJ',
    citation: 'Lei 8.078/1990 (Código de Defesa do Consumidor), art. 42-A',
    channels: ALL_CHANNELS,
    taxIdKinds: ['CNPJ', 'CPF'],
    // Letters and e-mails carry the creditor's address and phone as well (platform policy, so a
    // debtor can answer the document in writing); SMS and WhatsApp name and tax id only.
    alsoRequires: [{ channels: DOCUMENTS, details: ['postal-address', 'phone'] }],
    missing: "the creditor's name and CNPJ/CPF are not configured",
  },
  holds: holdRules('BR', {}),
  // A co-party's dispute stops the shared account as platform policy; its insolvency does not (pack-parts.ts).
  coPartyHolds: coPartyHoldRules('BR', {}, PLATFORM_CO_PARTY_HOLDS),
  auditRetention: {
    minimumDays: null,
    text: 'No retention period for contact records found in the code',
    citation: CDC,
  },
  openDimensions: [
    {
      dimension: 'hours',
      channels: ALL_CHANNELS,
      note: 'Art. 42 forbids ridicule, embarrassment and threats but fixes no hours; tenants should add their own.',
    },
    { dimension: 'days', channels: ALL_CHANNELS, note: 'The code closes no day of the week and no holiday.' },
    { dimension: 'frequency', channels: ALL_CHANNELS, note: 'The code sets no contact-frequency limit.' },
    { dimension: 'consent', channels: ALL_CHANNELS, note: 'No per-channel authorisation requirement in the code.' },
    {
      dimension: 'audit-retention',
      channels: ALL_CHANNELS,
      note: 'No retention period found; the platform default applies.',
    },
  ],
};
