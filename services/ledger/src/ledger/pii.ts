import { loadConfig, PiiCipher as SharedPiiCipher, str } from '@collections/platform';

export { PiiUnreadableError } from '@collections/platform';

/** Development default only: production sets LEDGER_PII_KEY (the boot log says which is used). */
export const DEV_PII_KEY = 'collections-dev-only-pii-key';

/** The PII key's configuration, as the service, the import command and the importers read it. */
export const piiKeyConfig = () => str('LEDGER_PII_KEY', { default: DEV_PII_KEY });

/** The cipher of the configured key (LEDGER_PII_KEY, else the development key). */
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
  constructor(secret: string) {
    super(secret, 'LEDGER_PII_KEY');
  }
}
