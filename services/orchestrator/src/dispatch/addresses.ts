import { createHash } from 'node:crypto';

/**
 * The channels an address sent to on `channel` is kept under (`contact_address_owner`): a phone
 * number is the debtor's on every phone channel, so a STOP on WhatsApp reaches them before any WhatsApp.
 */
export const ownedChannels = (channel: string): readonly string[] =>
  channel === 'email' ? ['email'] : ['sms', 'whatsapp', 'call'];

/**
 * An address's normal form, per tenant and channel, as a SHA-256: what its keys are computed from
 * (`ChannelPii.addressKeyOfHash`, HMAC under ORCHESTRATOR_PII_KEY). Never stored nor sent as it is:
 * a phone number is a small space, anyone could hash every number of a country and match them.
 * (Opt-out links of e-mails sent before 1763900016800 carry it; they still work.)
 */
export function addressHash(tenantId: string, channel: string, address: string): string {
  const normal = channel === 'email' ? address.trim().toLowerCase() : '+' + address.replace(/\D/g, '');
  return createHash('sha256').update(`${tenantId}\u0000${channel}\u0000${normal}`).digest('hex');
}
