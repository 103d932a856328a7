import { parseArgs } from 'node:util';
import { Backbone, InProcessTransport } from '@collections/messaging';
import {
  HealthRegistry,
  MetricsRegistry,
  SystemClock,
  createLogger,
  int,
  loadConfig,
  str,
} from '@collections/platform';
import { openServiceDatabase } from '@collections/runtime';
import { ledgerService } from '../../ledger.service';
import { UciImporter } from '../uci-importer';

const USAGE =
  'usage: npm run ledger:import -- --file <portfolio.csv> --tenant <tenant> [--format uci] [--currency TWD]';

/**
 * Operator command: imports a portfolio file into the ledger's database (DATABASE_URL) with a
 * progress bar; the events wait in the ledger's outbox until its relay publishes them.
 * Prints the job as JSON on stdout; exit 1 when the file is refused.
 */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      file: { type: 'string' },
      tenant: { type: 'string' },
      format: { type: 'string', default: 'uci' },
      currency: { type: 'string', default: 'TWD' },
    },
  });
  if (!values.file || !values.tenant || values.format !== 'uci') {
    process.stderr.write(`${USAGE}\n(only the uci format is available in this version)\n`);
    return 2;
  }
  const config = loadConfig({
    databaseUrl: str('DATABASE_URL', { default: 'postgres://postgres@127.0.0.1:5432/postgres' }),
    schema: str('DB_SCHEMA', { default: 'ledger' }),
    chunk: int('IMPORT_CHUNK_ROWS', { default: 2_000, min: 1 }),
  });
  const logger = createLogger({ service: 'ledger-import', level: 'warn' });
  const dataSource = await openServiceDatabase({
    url: config.databaseUrl,
    schema: config.schema,
    poolSize: 2,
    migrations: ledgerService.migrations,
  });
  try {
    const backbone = new Backbone({
      service: 'ledger',
      schema: config.schema,
      dataSource,
      transport: new InProcessTransport({ dataSource }),
      runRelay: false,
    });
    const ctx = {
      name: 'ledger' as const,
      schema: config.schema,
      dataSource,
      backbone,
      clock: new SystemClock(),
      logger,
      metrics: new MetricsRegistry('ledger-import'),
      health: new HealthRegistry(),
    };
    const started = Date.now();
    const job = await new UciImporter(ctx).run({
      tenantId: values.tenant,
      file: values.file,
      currency: values.currency,
      chunkSize: config.chunk,
      onProgress: (p) => {
        const rate = Math.round(p.processedLines / ((Date.now() - started) / 1000));
        process.stderr.write(
          `\rline ${p.processedLines}  accepted ${p.acceptedRows}  rejected ${p.rejectedRows}  new accounts ${p.createdAccounts}  (${rate} lines/s)   `,
        );
      },
    });
    process.stderr.write('\n');
    process.stdout.write(`${JSON.stringify(job)}\n`);
    if (job.alreadyImported) process.stderr.write('this file was imported before: nothing changed\n');
    return 0;
  } catch (err) {
    process.stderr.write(`\nimport refused: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await dataSource.destroy();
  }
}

main().then((code) => process.exit(code));
