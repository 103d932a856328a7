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
 * points' values) and the callers' free texts that may hold it (journal memos, holds' sources and
 * lift reasons, erasure reasons). No clear value and no fingerprint of one is stored, since the
 * ledger never compares, orders or looks up these values in SQL.
 */
export class PiiCipher extends SharedPiiCipher {
  /** One secret (key id `legacy`), or the configured keys, the current one first. */
  constructor(keys: string | readonly PiiKey[]) {
    super(keys, 'LEDGER_PII_KEY');
  }
}

/**
 * A caller's free text (a journal memo, a hold's source or lift reason, an erasure's reason)
 * encrypted for storage: null when there is none (''), so an empty memo costs nothing.
 */
export const encryptFreeText = (cipher: PiiCipher, text: string): Buffer | null =>
  text === '' ? null : cipher.encrypt(text);

/** A stored free text in clear: '' when none was stored (`encryptFreeText`). */
export const decryptFreeText = (cipher: PiiCipher, stored: Buffer | null): string =>
  stored ? cipher.decrypt(stored) : '';

/**
 * An encrypted value in PostgreSQL's bytea text form (`\x<hex>`), or null for none: as an element
 * of an array literal (`arrayOf`) or a value in JSON (`jsonb_to_recordset`).
 */
export const byteaText = (stored: Buffer | null): string | null => (stored ? `\\x${stored.toString('hex')}` : null);

/** An encrypted value as a COPY text field (`\\x<hex>`), or `\N` for none. */
export const copyBytea = (stored: Buffer | null): string => (stored ? `\\\\x${stored.toString('hex')}` : '\\N');
