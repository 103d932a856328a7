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
    encrypted: ['display_name_enc', 'national_id_enc', 'erasure_reason_enc'],
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
  // Callers' free texts (migration 1763900016700). The journal's immutability trigger lets a memo
  // be re-encrypted when the key id it begins with changes, as here.
  {
    table: 'debtor_hold',
    key: [
      ['tenant_id', 'text'],
      ['id', 'uuid'],
    ],
    encrypted: ['source_enc', 'lift_reason_enc'],
  },
  {
    table: 'journal_entry',
    key: [
      ['tenant_id', 'text'],
      ['id', 'uuid'],
    ],
    encrypted: ['memo_enc'],
  },
  // Status changes' reasons (migration 1763900019600): their trigger, like the journal's, lets a
  // reason be re-encrypted when the key id it begins with changes.
  {
    table: 'account_status_change',
    key: [
      ['tenant_id', 'text'],
      ['id', 'uuid'],
    ],
    encrypted: ['reason_enc'],
  },
  // The sources' texts (migration 1763900017710): bank statements' references and payers' accounts,
  // rejected import lines.
  {
    table: 'recon_item',
    key: [
      ['tenant_id', 'text'],
      ['id', 'uuid'],
    ],
    encrypted: ['reference_enc', 'counterparty_account_enc'],
  },
  {
    table: 'import_rejection',
    key: [
      ['tenant_id', 'text'],
      ['job_id', 'uuid'],
      ['line_no', 'int'],
    ],
    // The line's raw text, and the value its reason quotes (migration 1763900017800).
    encrypted: ['raw_enc', 'value_enc'],
  },
];

/**
 * The ledger's key rotation job (`cli/rotate-pii-key.ts`): re-encrypts under the current key
 * (the first of LEDGER_PII_KEY) every debtor's name, national id and erasure reason, every contact
 * point's value, every hold's source and lift reason, every journal memo, every account status
 * change's reason, every bank statement
 * line's reference and payer's account and every rejected import line (its raw text and the value
 * its reason quotes) still under an older key,
 * in batches of `batchRows`; run it again after a stop, it goes on where it stopped, and once done
 * it changes nothing. Answers each table's rows rewritten.
 */
export function rotateLedgerPiiKey(
  ds: DataSource,
  cipher: PiiCipher,
  opts: { batchRows?: number; onProgress?: (p: PiiRotationProgress) => void } = {},
): Promise<PiiRotationProgress[]> {
  return rotatePiiKey(ds, cipher, LEDGER_PII_TABLES, opts);
}
