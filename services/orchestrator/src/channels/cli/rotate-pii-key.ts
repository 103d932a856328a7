import { parseArgs } from 'node:util';
import { loadConfig, str } from '@collections/platform';
import { openServiceDatabase } from '@collections/runtime';
import { orchestratorService } from '../../orchestrator.service';
import { ChannelPii, orchestratorPiiKeyConfig } from '../channel-pii';
import { rotateChannelPiiKey } from '../pii-rotation';

const USAGE =
  'usage: npm run orchestrator:rotate-pii-key [-- --batch-rows 1000]\n' +
  'the procedure (add the key, deploy, run this, remove the old key) is in services/orchestrator/src/channels/README.md';

/**
 * Operator command, step 3 of a key rotation: rewrites the channels' records (DATABASE_URL,
 * DB_SCHEMA) still under an older key with the current key, the first of ORCHESTRATOR_PII_KEY (the
 * setting the orchestrator runs with), address keys included, while the orchestrator keeps running.
 * Progress on stderr; the rows rewritten per table as JSON on stdout. Prints key ids, never a key.
 * Exit 1 on a failure (run it again: it goes on where it stopped).
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
    schema: str('DB_SCHEMA', { default: 'orchestrator' }),
    piiKey: orchestratorPiiKeyConfig(),
  });
  const pii = new ChannelPii(config.piiKey);
  process.stderr.write(
    `re-encrypting under key id "${pii.cipher.currentKeyId}" (configured: ${pii.cipher.keyIds.map((k) => `"${k}"`).join(', ')})\n`,
  );
  const dataSource = await openServiceDatabase({
    url: config.databaseUrl,
    schema: config.schema,
    poolSize: 2,
    migrations: orchestratorService.migrations,
  });
  let table = '';
  try {
    const done = await rotateChannelPiiKey(dataSource, pii, {
      batchRows,
      onProgress: (p) => {
        process.stderr.write(
          `${p.table === table ? '\r' : table ? '\n' : ''}${p.table}: ${p.rewritten} of ${p.pending} rows rewritten   `,
        );
        table = p.table;
      },
    });
    process.stderr.write('\n');
    process.stdout.write(`${JSON.stringify({ keyId: pii.cipher.currentKeyId, tables: done })}\n`);
    process.stderr.write(
      `every value and address key is under key id "${pii.cipher.currentKeyId}": the other keys can be removed from ORCHESTRATOR_PII_KEY\n`,
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
