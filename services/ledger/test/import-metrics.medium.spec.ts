import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetricsRegistry } from '@collections/platform';
import { ServiceContext } from '@collections/runtime';
import { ServiceUnderTest, scrapeSeries, startServiceUnderTest } from '@collections/testing';
import { GenericImporter } from '../src/imports/generic-importer';
import { UciImporter } from '../src/imports/uci-importer';
import { ledgerService } from '../src/ledger.service';

const TRAIN = join(__dirname, '..', '..', '..', '..', 'shared', 'datasets', 'uci-credit-default', 'train.csv');
const GENERIC_CSV = join(__dirname, 'fixtures', 'generic-portfolio.csv');

/**
 * What an operator reads in Prometheus of the portfolio imports: the ledger's
 * `collections_import_lines_total{tenant_id, format, outcome}`, scraped from its /metrics, while
 * the files are imported by the operator command's own process (its own metrics registry, never
 * scraped), as `npm run ledger:import` does.
 */
describe('portfolio import lines in the ledger’s /metrics (real PostgreSQL)', () => {
  let sut: ServiceUnderTest;
  /** The operator command's context: the ledger's database, a registry of its own. */
  let command: ServiceContext;
  const dir = mkdtempSync(join(tmpdir(), 'import-metrics-'));
  const [header, ...lines] = readFileSync(TRAIN, 'utf8').trim().split('\n');

  beforeAll(async () => {
    sut = await startServiceUnderTest(ledgerService);
    command = { ...sut.context, metrics: new MetricsRegistry('ledger-import') };
  });
  afterAll(async () => {
    await sut?.close();
  });

  /** The series of collections_import_lines_total on the ledger's /metrics, as `tenant format outcome` → lines. */
  const scrape = () =>
    scrapeSeries(sut.app.httpUrl, 'collections_import_lines_total', ['tenant_id', 'format', 'outcome']);
  const write = (name: string, rows: string[]) => {
    const file = join(dir, name);
    writeFileSync(file, [header, ...rows].join('\n'));
    return file;
  };
  const uci = (tenantId: string, file: string, extra: { chunkSize?: number; stopAfterChunks?: number } = {}) =>
    new UciImporter(command).run({ tenantId, file, ...extra });

  it('counts a UCI file’s accepted lines and its rejected line, by tenant, format and outcome', async () => {
    const tenant = `${sut.tenant}-uci`;
    const file = write('uci-bad-line.csv', [
      ...lines.slice(0, 3),
      '4,abc,2,2,1,24,2,2,-1,-1,-2,-2,0,0,0,0,0,0,0,0,0,0,0,0,1',
    ]);

    const job = await uci(tenant, file);

    expect(job).toMatchObject({ status: 'completed', acceptedRows: 3, rejectedRows: 1 });
    expect(await scrape()).toMatchObject({ [`${tenant} uci accepted`]: 3, [`${tenant} uci rejected`]: 1 });
  });

  it('counts each line once when an interrupted import resumes, and not again when the same file is imported again', async () => {
    const tenant = `${sut.tenant}-resume`;
    const bad = '9999,1000,2,2,1,24,2,2,-1,-1,-2,-2,0,0,0,0,0,0,-5,0,0,0,0,0,1';
    const file = write('uci-resume.csv', [...lines.slice(0, 450), bad, ...lines.slice(450, 900)]);

    const interrupted = await uci(tenant, file, { chunkSize: 300, stopAfterChunks: 2 });
    expect(interrupted).toMatchObject({ status: 'running', processedLines: 601 });
    // What the two chunks committed before the "crash": 600 lines, the bad one among them.
    expect(await scrape()).toMatchObject({ [`${tenant} uci accepted`]: 599, [`${tenant} uci rejected`]: 1 });

    const resumed = await uci(tenant, file, { chunkSize: 300 });
    expect(resumed).toMatchObject({ status: 'completed', acceptedRows: 900, rejectedRows: 1 });
    const again = await uci(tenant, file, { chunkSize: 300 });
    expect(again).toMatchObject({ alreadyImported: true });

    expect(await scrape()).toMatchObject({ [`${tenant} uci accepted`]: 900, [`${tenant} uci rejected`]: 1 });
  });

  it('counts a generic CSV file under its own format, each tenant apart, with the tenant’s other formats at 0', async () => {
    const tenant = `${sut.tenant}-generic`;
    const job = await new GenericImporter(command).run('csv', { tenantId: tenant, file: GENERIC_CSV });
    expect(job).toMatchObject({ status: 'completed', rejectedRows: 13 });

    const series = await scrape();
    expect(series).toMatchObject({
      [`${tenant} generic-csv accepted`]: job.acceptedRows,
      [`${tenant} generic-csv rejected`]: 13,
      [`${sut.tenant}-uci uci rejected`]: 1,
    });
    // The tenant's other formats are there at 0: its first file in them is seen by increase().
    expect(Object.entries(series).filter(([k]) => k.startsWith(`${tenant} `))).toEqual(
      expect.arrayContaining([
        [`${tenant} uci accepted`, 0],
        [`${tenant} uci rejected`, 0],
        [`${tenant} generic-ndjson accepted`, 0],
        [`${tenant} generic-ndjson rejected`, 0],
      ]),
    );
  });
});
