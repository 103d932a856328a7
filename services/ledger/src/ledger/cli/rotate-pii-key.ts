import { parseArgs } from 'node:util';
import { loadConfig, str } from '@collections/platform';
import { openServiceDatabase } from '@collections/runtime';
import { ledgerService } from '../../ledger.service';
import { PiiCipher, piiKeyConfig } from '../pii';
import { rotateLedgerPiiKey } from '../pii-rotation';

const USAGE =
  'usage: npm run ledger:rotate-pii-key [-- --batch-rows 1000]\n' +
  'the procedure (add the key, deploy, run this, remove the old key) is in services/ledger/docs/api.md';

/**
 * Operator command, step 3 of a key rotation: re-encrypts the ledger's personal data (DATABASE_URL,
 * DB_SCHEMA) still under an older key with the current key, the first of LEDGER_PII_KEY (the
 * setting the ledger runs with), while the ledger keeps running. Progress on stderr; the rows
 * rewritten per table as JSON on stdout. Prints key ids, never a key. Exit 1 on a failure (run it
 * again: it goes on where it stopped).
 */
async function main(): Promise<number> {
  const { values } = parseArgs({ options: { 'batch-rows': { type: 'string', default: '1000' } } });
  const batchRows = Number(values['batch-rows']);
  if (!Number.isSafeInteger(batchRows) || batchRows < 1) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const config = loadConfig({
    databaseUrl: str('DATABASE_URL', { default: 'postgres://postgres@127.0.0.1:5432/postgres' }),
    schema: str('DB_SCHEMA', { default: 'ledger' }),
    piiKey: piiKeyConfig(),
  });
  const cipher = new PiiCipher(config.piiKey);
  process.stderr.write(
    `re-encrypting under key id "${cipher.currentKeyId}" (configured: ${cipher.keyIds.map((k) => `"${k}"`).join(', ')})\n`,
  );
  const dataSource = await openServiceDatabase({
    url: config.databaseUrl,
    schema: config.schema,
    poolSize: 2,
    migrations: ledgerService.migrations,
  });
  let table = '';
  try {
    const done = await rotateLedgerPiiKey(dataSource, cipher, {
      batchRows,
      onProgress: (p) => {
        process.stderr.write(
          `${p.table === table ? '\r' : table ? '\n' : ''}${p.table}: ${p.rewritten} of ${p.pending} rows rewritten   `,
        );
        table = p.table;
      },
    });
    process.stderr.write('\n');
    process.stdout.write(`${JSON.stringify({ keyId: cipher.currentKeyId, tables: done })}\n`);
    process.stderr.write(
      `every value is under key id "${cipher.currentKeyId}": the other keys can be removed from LEDGER_PII_KEY\n`,
    );
    return 0;
  } catch (err) {
    process.stderr.write(`\nrotation stopped (run it again to go on): ${(err as Error).message}\n`);
    return 1;
  } finally {
    await dataSource.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    // A refused setting (every problem named, never a key) or an unreachable database.
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  },
);
