import { runPiiRotationCommand } from '@collections/runtime';
import { ledgerService } from '../../ledger.service';
import { PiiCipher, piiKeyConfig } from '../pii';
import { rotateLedgerPiiKey } from '../pii-rotation';

/**
 * `npm run ledger:rotate-pii-key [-- --batch-rows N]`, step 3 of a key rotation: re-encrypts the
 * ledger's personal data still under an older key with the first of LEDGER_PII_KEY, while the
 * ledger keeps running (`runPiiRotationCommand`).
 */
runPiiRotationCommand({
  script: 'ledger:rotate-pii-key',
  procedure: 'services/ledger/docs/api.md',
  schema: 'ledger',
  migrations: ledgerService.migrations,
  keys: piiKeyConfig,
  rotate: (dataSource, keys, opts) => rotateLedgerPiiKey(dataSource, new PiiCipher(keys), opts),
  done: 'every value',
});
