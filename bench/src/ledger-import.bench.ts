import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { UciImporter, ledgerService } from '@collections/ledger';
import { provideInfrastructure, startServiceUnderTest } from '@collections/testing';
import { progress, report } from './report';

/**
 * npm run bench -- ledger-import: a synthetic portfolio of BENCH_ROWS accounts (default
 * 1,000,000) in the UCI format, one line = one account with six statements and six payments,
 * imported through the ledger's importer (job, parsing, journal, statements, balances,
 * delinquency, outbox events, quarantine) into a fresh database; in the same run the same file
 * COPYed raw (pg-copy-streams, CSV) into a bare table. Figures are input lines per second.
 *
 * A second line compares table rows: every row the import wrote (debtors, accounts, links,
 * statements, journal entries and lines, outbox events, the job's own rows) is COPYed out to files
 * after it (not timed), then COPYed from those files into bare tables of the same columns (no
 * index, key or constraint): what the database does to store exactly those rows, and nothing else.
 */
const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const CHUNK = Number(process.env.BENCH_CHUNK ?? 5_000);

/** Deterministic, so every run imports the same portfolio. */
function* syntheticLines(n: number): Generator<string> {
  let seed = 42;
  const next = (max: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed % max;
  };
  yield `${['ID', ...Array.from({ length: 23 }, (_, i) => `X${i + 1}`), 'Y'].join(',')}\n`;
  for (let id = 1; id <= n; id++) {
    const limit = (1 + next(50)) * 10_000;
    const statuses = Array.from({ length: 6 }, () => next(11) - 2);
    const bills = Array.from({ length: 6 }, () => next(limit));
    const payments = bills.map((b) => next(Math.max(1, Math.floor(b / 4))));
    const cells = [
      id,
      limit,
      1 + next(2),
      1 + next(4),
      1 + next(3),
      21 + next(50),
      ...statuses,
      ...bills,
      ...payments,
      next(2),
    ];
    yield `${cells.join(',')}\n`;
  }
}

async function writeFile(path: string, n: number): Promise<void> {
  const out = createWriteStream(path);
  let buffer = '';
  for (const line of syntheticLines(n)) {
    buffer += line;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.end(buffer);
  await once(out, 'finish');
}

/**
 * Copies every ledger-schema row out to a file per table (not timed), then times COPYing them into
 * bare tables with the same columns. Returns the rows per table and the seconds of the timed part.
 */
async function rawCopyOfWrittenRows(
  admin: Client,
  dir: string,
): Promise<{ rows: Record<string, number>; seconds: number }> {
  const tables = (
    await admin.query(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'ledger' AND c.relkind = 'r' AND c.relname <> 'migrations' ORDER BY 1`,
    )
  ).rows as { name: string }[];
  const rows: Record<string, number> = {};
  progress(`copying the rows the import wrote out of ${tables.length} tables`);
  for (const { name } of tables) {
    const [{ n }] = (await admin.query(`SELECT count(*)::int AS n FROM ledger.${name}`)).rows as { n: number }[];
    if (n === 0) continue;
    rows[name] = n;
    await pipeline(admin.query(copyTo(`COPY ledger.${name} TO STDOUT`)), createWriteStream(join(dir, `${name}.tsv`)));
    await admin.query(`CREATE TABLE public.bare_${name} (LIKE ledger.${name})`);
  }
  progress(`raw COPY of those ${Object.values(rows).reduce((a, b) => a + b, 0)} rows into bare tables`);
  const start = process.hrtime.bigint();
  for (const name of Object.keys(rows)) {
    await pipeline(
      createReadStream(join(dir, `${name}.tsv`)),
      admin.query(copyFrom(`COPY public.bare_${name} FROM STDIN`)),
    );
  }
  return { rows, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-import-bench-'));
  const file = join(dir, 'portfolio.csv');
  progress(`generating ${ROWS} synthetic accounts (6 statements, 6 payments each) in ${file}`);
  await writeFile(file, ROWS);
  progress(`${(statSync(file).size / 1e6).toFixed(0)} MB`);

  const infra = await provideInfrastructure({ kafka: false });
  process.env.DATABASE_URL = infra.databaseUrl;
  const sut = await startServiceUnderTest(ledgerService);
  const admin = new Client({ connectionString: sut.db.url });
  await admin.connect();
  try {
    progress('raw COPY of the file into a bare table');
    await admin.query(
      `CREATE TABLE raw_uci (${['id', ...Array.from({ length: 23 }, (_, i) => `x${i + 1}`), 'y'].map((c) => `${c} bigint`).join(', ')})`,
    );
    const rawStart = process.hrtime.bigint();
    await pipeline(
      createReadStream(file),
      admin.query(copyFrom(`COPY raw_uci FROM STDIN WITH (FORMAT csv, HEADER true)`)),
    );
    const rawSeconds = Number(process.hrtime.bigint() - rawStart) / 1e9;
    const [{ n: rawRows }] = (await admin.query(`SELECT count(*)::int AS n FROM raw_uci`)).rows as { n: number }[];

    progress(`ledger import, chunks of ${CHUNK} lines`);
    const started = process.hrtime.bigint();
    let last = 0;
    const job = await new UciImporter(sut.context).run({
      tenantId: sut.tenant,
      file,
      chunkSize: CHUNK,
      onProgress: (p) => {
        if (p.processedLines - last >= ROWS / 10) {
          last = p.processedLines;
          const s = Number(process.hrtime.bigint() - started) / 1e9;
          progress(`  line ${p.processedLines} (${Math.round(p.processedLines / s)} lines/s)`);
        }
      },
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (job.acceptedRows !== ROWS || rawRows !== ROWS)
      throw new Error(`imported ${job.acceptedRows} accounts and copied ${rawRows} rows, expected ${ROWS}`);
    const [counts] = (
      await admin.query(
        `SELECT (SELECT count(*) FROM ledger.statement)::int AS statements, (SELECT count(*) FROM ledger.journal_entry)::int AS entries,
                (SELECT count(*) FROM ledger.journal_line)::int AS lines, (SELECT count(*) FROM ledger.outbox)::int AS events`,
      )
    ).rows as { statements: number; entries: number; lines: number; events: number }[];

    const ledgerRate = ROWS / seconds;
    // Table rows the import wrote: account, debtor and link per line, then the rest.
    const written = 3 * ROWS + counts.statements + counts.entries + counts.lines + counts.events;
    const rawRate = rawRows / rawSeconds;
    const sameRows = await rawCopyOfWrittenRows(admin, dir);
    report({
      bench: 'ledger-import',
      metric: 'throughput_ratio',
      value: Math.round(ledgerRate),
      unit: 'accounts/s',
      baseline: 'raw COPY of the same file into a bare table, same server, same run',
      baselineValue: Math.round(rawRate),
      rows: ROWS,
      chunk: CHUNK,
      ledgerSeconds: Number(seconds.toFixed(1)),
      rawSeconds: Number(rawSeconds.toFixed(1)),
      ...counts,
      ledgerTableRowsPerS: Math.round(written / seconds),
    });
    const importedRows = Object.values(sameRows.rows).reduce((a, b) => a + b, 0);
    report({
      bench: 'ledger-import',
      metric: 'table_rows_ratio',
      value: Math.round(importedRows / seconds),
      unit: 'table rows/s written by the import',
      baseline: 'raw COPY of the same table rows into bare tables (no index, key or constraint), same server, same run',
      baselineValue: Math.round(importedRows / sameRows.seconds),
      ledgerSeconds: Number(seconds.toFixed(1)),
      rawSeconds: Number(sameRows.seconds.toFixed(1)),
      tables: sameRows.rows,
    });
  } finally {
    await admin.end();
    await sut.close();
    await infra.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
