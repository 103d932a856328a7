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
import { PiiCipher, piiKeyConfig } from '../../ledger/pii';
import { GenericImporter } from '../generic-importer';
import { ImportJobView, ImportRunOptions } from '../import-engine';
import { UciImporter } from '../uci-importer';

const FORMATS = ['uci', 'generic-csv', 'generic-ndjson'] as const;
type Format = (typeof FORMATS)[number];

const USAGE =
  'usage: npm run ledger:import -- --file <portfolio> --tenant <tenant> [--format uci|generic-csv|generic-ndjson] [--currency TWD (uci only)] [--rejections]\n' +
  'the generic format is described in services/ledger/docs/import-format.md';

/**
 * Operator command: imports a portfolio file into the ledger's database (DATABASE_URL) with a
 * progress bar; the events wait in the ledger's outbox until its relay publishes them.
 * Prints the job as JSON on stdout, then with --rejections the import report: each rejected line as
 * a JSON line (lineNo, reason), the value the reason quotes put back (decrypted with LEDGER_PII_KEY:
 * it may be a name or a national id, for the operator who fixes the file; the database keeps it
 * encrypted). Exit 1 when the file is refused.
 */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      file: { type: 'string' },
      tenant: { type: 'string' },
      format: { type: 'string', default: 'uci' },
      currency: { type: 'string', default: 'TWD' },
      rejections: { type: 'boolean', default: false },
    },
  });
  if (!values.file || !values.tenant || !FORMATS.includes(values.format as Format)) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const format = values.format as Format;
  const config = loadConfig({
    databaseUrl: str('DATABASE_URL', { default: 'postgres://postgres@127.0.0.1:5432/postgres' }),
    schema: str('DB_SCHEMA', { default: 'ledger' }),
    chunk: int('IMPORT_CHUNK_ROWS', { default: 2_000, min: 1 }),
    // The ledger's own key: the debtors' names are stored encrypted with it.
    piiKey: piiKeyConfig(),
  });
  const cipher = new PiiCipher(config.piiKey);
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
    const options: ImportRunOptions = {
      tenantId: values.tenant,
      file: values.file,
      chunkSize: config.chunk,
      onProgress: (p) => {
        const rate = Math.round(p.processedLines / ((Date.now() - started) / 1000));
        process.stderr.write(
          `\rline ${p.processedLines}  accepted ${p.acceptedRows}  rejected ${p.rejectedRows}  new accounts ${p.createdAccounts}  (${rate} lines/s)   `,
        );
      },
    };
    const importer = format === 'uci' ? new UciImporter(ctx, cipher) : new GenericImporter(ctx, cipher);
    const job: ImportJobView =
      importer instanceof UciImporter
        ? await importer.run({ ...options, currency: values.currency })
        : await importer.run(format === 'generic-csv' ? 'csv' : 'ndjson', options);
    process.stderr.write('\n');
    process.stdout.write(`${JSON.stringify(job)}\n`);
    if (values.rejections)
      for (const { lineNo, reason } of await importer.rejections(values.tenant, job.jobId))
        process.stdout.write(`${JSON.stringify({ lineNo, reason })}\n`);
    if (job.alreadyImported) process.stderr.write('this file was imported before: nothing changed\n');
    else if (job.rejectedRows > 0)
      process.stderr.write(
        `${job.rejectedRows} rejected lines, with line number and reason, are in ${config.schema}.import_rejection (job_id ${job.jobId}; the values the reasons quote are encrypted: --rejections prints them)\n`,
      );
    return 0;
  } catch (err) {
    process.stderr.write(`\nimport refused: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await dataSource.destroy();
  }
}

main().then((code) => process.exit(code));
