import { DataSource } from 'typeorm';
import { PiiRotationProgress, PiiRotationTable, rotatePiiKey } from '@collections/runtime';
import { PiiCipher } from './pii';

/** The ledger's columns encrypted under LEDGER_PII_KEY (`pii.ts`), as its key rotation walks them. */
const LEDGER_PII_TABLES: readonly PiiRotationTable[] = [
  {
    table: 'debtor',
    key: [
      ['tenant_id', 'text'],
      ['id', 'text'],
    ],
    encrypted: ['display_name_enc', 'national_id_enc'],
  },
  {
    table: 'contact_point',
    key: [
      ['tenant_id', 'text'],
      ['debtor_id', 'text'],
      ['seq', 'int'],
    ],
    encrypted: ['value_enc'],
  },
];

/**
 * The ledger's key rotation job (`cli/rotate-pii-key.ts`): re-encrypts under the current key
 * (the first of LEDGER_PII_KEY) every debtor's name and national id and every contact point's
 * value still under an older key, in batches of `batchRows`; run it again after a stop, it goes on
 * where it stopped, and once done it changes nothing. Answers each table's rows rewritten.
 */
export function rotateLedgerPiiKey(
  ds: DataSource,
  cipher: PiiCipher,
  opts: { batchRows?: number; onProgress?: (p: PiiRotationProgress) => void } = {},
): Promise<PiiRotationProgress[]> {
  return rotatePiiKey(ds, cipher, LEDGER_PII_TABLES, opts);
}
