import { parseArgs } from 'node:util';
import { MigrationInterface } from 'typeorm';
import { ConfigField, PiiCipher, PiiKey, loadConfig, str } from '@collections/platform';
import { openServiceDatabase } from './database';
import { PiiRotationProgress } from './pii-rotation';

/** What a service's key-rotation command is made of; the rest is the same for every service. */
export interface PiiRotationCommand {
  /** `npm run <script>`, for the usage line. */
  script: string;
  /** Where the procedure (add the key, deploy, run this, remove the old key) is written. */
  procedure: string;
  /** The service's schema (DB_SCHEMA's default) and migrations (run first, as the service would). */
  schema: string;
  migrations: (new () => MigrationInterface)[];
  /** The service's key setting (e.g. `piiKeys('LEDGER_PII_KEY', ...)`). */
  keys: () => ConfigField<readonly PiiKey[]>;
  /** The job: re-encrypts what is not under the current key of `keys`, reporting each batch. */
  rotate: (
    dataSource: Awaited<ReturnType<typeof openServiceDatabase>>,
    keys: readonly PiiKey[],
    opts: { batchRows: number; onProgress: (p: PiiRotationProgress) => void },
  ) => Promise<PiiRotationProgress[]>;
  /** What is under the current key once it is done, e.g. `every value and address key`. */
  done: string;
}

/**
 * Operator command, step 3 of a key rotation: re-encrypts the service's personal data (DATABASE_URL,
 * DB_SCHEMA) still under an older key with the current key, the first of the service's key setting,
 * while the service keeps running. `--batch-rows N` (default 1,000). Progress on stderr; the rows
 * rewritten per table as JSON on stdout. Prints key ids, never a key. Exit 1 on a failure (run it
 * again: it goes on where it stopped), 2 on a bad argument.
 */
export function runPiiRotationCommand(command: PiiRotationCommand): void {
  main(command).then(
    (code) => process.exit(code),
    (err: unknown) => {
      // A refused setting (every problem named, never a key) or an unreachable database.
      process.stderr.write(`${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}

async function main(command: PiiRotationCommand): Promise<number> {
  const { values } = parseArgs({ options: { 'batch-rows': { type: 'string', default: '1000' } } });
  const batchRows = Number(values['batch-rows']);
  if (!Number.isSafeInteger(batchRows) || batchRows < 1) {
    process.stderr.write(
      `usage: npm run ${command.script} [-- --batch-rows 1000]\nthe procedure (add the key, deploy, run this, remove the old key) is in ${command.procedure}\n`,
    );
    return 2;
  }
  const keySetting = command.keys();
  const config = loadConfig({
    databaseUrl: str('DATABASE_URL', { default: 'postgres://postgres@127.0.0.1:5432/postgres' }),
    schema: str('DB_SCHEMA', { default: command.schema }),
    keys: keySetting,
  });
  const cipher = new PiiCipher(config.keys, keySetting.name);
  process.stderr.write(
    `re-encrypting under key id "${cipher.currentKeyId}" (configured: ${cipher.keyIds.map((k) => `"${k}"`).join(', ')})\n`,
  );
  const dataSource = await openServiceDatabase({
    url: config.databaseUrl,
    schema: config.schema,
    poolSize: 2,
    migrations: command.migrations,
  });
  let table = '';
  try {
    const done = await command.rotate(dataSource, config.keys, {
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
      `${command.done} is under key id "${cipher.currentKeyId}": the other keys can be removed from ${keySetting.name}\n`,
    );
    return 0;
  } catch (err) {
    process.stderr.write(`\nrotation stopped (run it again to go on): ${(err as Error).message}\n`);
    return 1;
  } finally {
    await dataSource.destroy();
  }
}
