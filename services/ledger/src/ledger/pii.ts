import { loadConfig, PiiCipher as SharedPiiCipher, PiiKey, piiKeys } from '@collections/platform';

export { PiiKeyNotConfiguredError, PiiUnreadableError } from '@collections/platform';

/** Development default only: production sets LEDGER_PII_KEY (the boot log says which is used). */
export const DEV_PII_KEY = 'collections-dev-only-pii-key';

/**
 * The PII keys' configuration, as the service, the import and key-rotation commands and the
 * importers read it: one key, or `<id>:<secret>,...` with the current key first (`parsePiiKeys`).
 */
export const piiKeyConfig = () => piiKeys('LEDGER_PII_KEY', { default: DEV_PII_KEY });

/** Whether new values are written under the development key (the service warns at boot). */
export const writesUnderDevKey = (keys: readonly PiiKey[]) => keys[0].secret === DEV_PII_KEY;

/** The cipher of the configured keys (LEDGER_PII_KEY, else the development key). */
export function configuredPiiCipher(): PiiCipher {
  return new PiiCipher(loadConfig({ piiKey: piiKeyConfig() }).piiKey);
}

/**
 * The ledger's cipher (`@collections/platform`'s, under LEDGER_PII_KEY) for the debtor's personal
 * data stored at rest in fields that are never queried (the national id, the name, the contact
 * points' values). No clear value and no fingerprint of one is stored, since the ledger never
 * compares, orders or looks up these values in SQL.
 */
export class PiiCipher extends SharedPiiCipher {
  /** One secret (key id `legacy`), or the configured keys, the current one first. */
  constructor(keys: string | readonly PiiKey[]) {
    super(keys, 'LEDGER_PII_KEY');
  }
}
