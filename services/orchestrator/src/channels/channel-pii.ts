import { createHmac, hkdfSync } from 'node:crypto';
import { PiiCipher, PiiKey, loadConfig, piiKeys } from '@collections/platform';
import { addressHash } from '../dispatch/addresses';

/** Development default only: production sets ORCHESTRATOR_PII_KEY (the boot log says which is used). */
export const DEV_ORCHESTRATOR_PII_KEY = 'collections-dev-only-orchestrator-pii-key';

/**
 * The orchestrator's PII keys, as the service, its migration and its key rotation read them: one
 * key, or `<id>:<secret>,...` with the current key first (`parsePiiKeys`).
 */
export const orchestratorPiiKeyConfig = () => piiKeys('ORCHESTRATOR_PII_KEY', { default: DEV_ORCHESTRATOR_PII_KEY });

/** Whether new values are written under the development key (the service warns at boot). */
export const writesUnderDevKey = (keys: readonly PiiKey[]) => keys[0].secret === DEV_ORCHESTRATOR_PII_KEY;

/**
 * What the channels' records keep of a debtor's addresses and words (`channel_delivery`,
 * `channel_address`, `channel_inbound`, `channel_opt_out`): the values no query compares are
 * encrypted (`encrypt`, AES-256-GCM, `PiiCipher`); an address that rows are found by is stored as
 * `addressKey`, an HMAC-SHA256 under a key derived from the same secret over the address's
 * `addressHash` (its normal form, per tenant and channel), so a lookup never reads the clear value
 * and a hash the dispatcher kept (`contact_address_owner`, an opt-out link) finds the rows too.
 * Without the secret no one can test a guessed phone number against the table.
 *
 * With several keys (a rotation), values and address keys are written under the current (first)
 * one; a row's address key and its encrypted values are always under one key. Until the rotation
 * job has rewritten every row, an address is looked up under each configured key (`addressKeys`).
 */
export class ChannelPii {
  readonly cipher: PiiCipher;
  /** Each configured key's HMAC key, the current one first. */
  private readonly hashKeys: readonly Buffer[];

  constructor(keys: string | readonly PiiKey[]) {
    this.cipher = new PiiCipher(keys, 'ORCHESTRATOR_PII_KEY');
    const secrets = typeof keys === 'string' ? [keys] : keys.map((k) => k.secret);
    this.hashKeys = secrets.map((secret) =>
      Buffer.from(hkdfSync('sha256', secret, 'collections-orchestrator', 'channel-address-key', 32)),
    );
  }

  encrypt(plain: string): Buffer {
    return this.cipher.encrypt(plain);
  }

  decrypt(stored: Buffer): string {
    return this.cipher.decrypt(stored);
  }

  /** The key an address is stored under in `channel`'s records of the tenant (the current key's). */
  addressKey(tenantId: string, channel: string, address: string): string {
    return this.addressKeyOfHash(addressHash(tenantId, channel, address));
  }

  /** `addressKey` of the address whose `addressHash` this is. */
  addressKeyOfHash(hash: string): string {
    return hmac(this.hashKeys[0], hash);
  }

  /** The keys an address may be stored under: each configured key's, the current one first (lookups). */
  addressKeys(tenantId: string, channel: string, address: string): string[] {
    return this.addressKeysOfHash(addressHash(tenantId, channel, address));
  }

  /** `addressKeys` of the address whose `addressHash` this is. */
  addressKeysOfHash(hash: string): string[] {
    return this.hashKeys.map((key) => hmac(key, hash));
  }
}

const hmac = (key: Buffer, hash: string) => createHmac('sha256', key).update(hash).digest('hex');

let configured: ChannelPii | undefined;

/** The service's ChannelPii (ORCHESTRATOR_PII_KEY, else the development key), built once. */
export function channelPii(): ChannelPii {
  return (configured ??= new ChannelPii(loadConfig({ piiKey: orchestratorPiiKeyConfig() }).piiKey));
}

/** Makes the next `channelPii()` read ORCHESTRATOR_PII_KEY again (tests that change the keys). */
export function reloadChannelPii(): void {
  configured = undefined;
}
