import { createHmac, hkdfSync } from 'node:crypto';
import { PiiCipher, loadConfig, str } from '@collections/platform';
import { addressHash } from '../dispatch/addresses';

/** Development default only: production sets ORCHESTRATOR_PII_KEY (the boot log says which is used). */
export const DEV_ORCHESTRATOR_PII_KEY = 'collections-dev-only-orchestrator-pii-key';

/** The orchestrator's PII key, as the service and its migration read it. */
export const orchestratorPiiKeyConfig = () => str('ORCHESTRATOR_PII_KEY', { default: DEV_ORCHESTRATOR_PII_KEY });

/**
 * What the channels' records keep of a debtor's addresses and words (`channel_delivery`,
 * `channel_address`, `channel_inbound`, `channel_opt_out`): the values no query compares are
 * encrypted (`encrypt`, AES-256-GCM, `PiiCipher`); an address that rows are found by is stored as
 * `addressKey`, an HMAC-SHA256 under a key derived from the same secret over the address's
 * `addressHash` (its normal form, per tenant and channel), so a lookup never reads the clear value
 * and a hash the dispatcher kept (`contact_address_owner`, an opt-out link) finds the rows too.
 * Without the secret no one can test a guessed phone number against the table.
 */
export class ChannelPii {
  readonly cipher: PiiCipher;
  private readonly hashKey: Buffer;

  constructor(secret: string) {
    this.cipher = new PiiCipher(secret, 'ORCHESTRATOR_PII_KEY');
    this.hashKey = Buffer.from(hkdfSync('sha256', secret, 'collections-orchestrator', 'channel-address-key', 32));
  }

  encrypt(plain: string): Buffer {
    return this.cipher.encrypt(plain);
  }

  decrypt(stored: Buffer): string {
    return this.cipher.decrypt(stored);
  }

  /** The key an address is stored and found under in `channel`'s records of the tenant. */
  addressKey(tenantId: string, channel: string, address: string): string {
    return this.addressKeyOfHash(addressHash(tenantId, channel, address));
  }

  /** `addressKey` of the address whose `addressHash` this is. */
  addressKeyOfHash(hash: string): string {
    return createHmac('sha256', this.hashKey).update(hash).digest('hex');
  }
}

let configured: ChannelPii | undefined;

/** The service's ChannelPii (ORCHESTRATOR_PII_KEY, else the development key), built once. */
export function channelPii(): ChannelPii {
  return (configured ??= new ChannelPii(loadConfig({ piiKey: orchestratorPiiKeyConfig() }).piiKey));
}
