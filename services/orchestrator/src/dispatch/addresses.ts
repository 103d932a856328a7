import { createHash } from 'node:crypto';

/**
 * The channels an address sent to on `channel` is kept under (`contact_address_owner`): a phone
 * number is the debtor's on every phone channel, so a STOP on WhatsApp reaches them before any WhatsApp.
 */
export const ownedChannels = (channel: string): readonly string[] =>
  channel === 'email' ? ['email'] : ['sms', 'whatsapp', 'call'];

/** What the dispatcher keeps of an address: a hash, so an opt-out from it finds its debtor without PII. */
export function addressHash(tenantId: string, channel: string, address: string): string {
  const normal = channel === 'email' ? address.trim().toLowerCase() : '+' + address.replace(/\D/g, '');
  return createHash('sha256').update(`${tenantId}\u0000${channel}\u0000${normal}`).digest('hex');
}
