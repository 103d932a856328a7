import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '@collections/platform';
import { columnsHolding } from '@collections/testing';
import { UCI_HEADER } from '../src/imports/domain/uci-format';
import { GenericImporter } from '../src/imports/generic-importer';
import { UciImporter } from '../src/imports/uci-importer';
import { openFundedAccount } from './support/accounts';
import { LedgerApi, startLedgerApi } from './support/ledger-api';

/** A debtor whose data a shifted file put where the importer expected a currency, a date, a field name, a number. */
const PERSON = {
  name: 'Marisol Quintana Ortiz',
  nationalId: '1098765432',
  email: 'marisol.quintana@example.com',
  phone: '3159990011',
};

const GENERIC_HEADER =
  'record,external_ref,debtor_id,debtor_kind,debtor_name,debtor_time_zone,debtor_language,debtor_country,product,currency,credit_limit,opening_balance,opened_on,cycle,statement_date,due_date,amount_due,minimum_due,reported_status,reference,kind,amount,date';
/** Shifted: the national id sits in `currency`, the name in `date`. */
const CSV_LINES = [
  `payment,crm-vq-1,,,,,,,,${PERSON.nationalId},,,,,,,,,,P-VQ-1,,10.00,2026-02-20`,
  `payment,crm-nadie,,,,,,,,USD,,,,,,,,,,P-VQ-2,,10.00,${PERSON.name}`,
];
/** A key that is the debtor's e-mail. */
const NDJSON_LINE = JSON.stringify({ record: 'payment', [PERSON.email]: 'x' });
/** X1 (the credit limit) holds the debtor's phone with its country code, not an integer. */
const UCI_LINE = ['77', `+57 ${PERSON.phone}`, ...Array.from({ length: 23 }, () => '1')].join(',');

/**
 * A rejected import line's reason quotes the file's bad value; in a shifted line that value is
 * often a name, a national id, an e-mail or a phone. The database keeps the reason's words in clear
 * and the value encrypted with the line (migration 1763900017800); the import report shows it
 * whole; no log line carries it; an erasure erases it with the line.
 */
describe("a rejected import line's reason keeps the value it quotes private (real PostgreSQL)", () => {
  let api: LedgerApi;
  let log = '';
  const jobs = { csv: '', ndjson: '', uci: '' };
  const write = (name: string, text: string) => {
    const file = join(mkdtempSync(join(tmpdir(), 'rejection-values-')), name);
    writeFileSync(file, text);
    return file;
  };

  beforeAll(async () => {
    api = await startLedgerApi();
    api.sut.context.logger = createLogger({
      service: 'ledger',
      level: 'trace',
      destination: new Writable({
        write(chunk: Buffer, _encoding, done) {
          log += chunk.toString('utf8');
          done();
        },
      }),
    });
    const tenantId = api.sut.tenant;
    await openFundedAccount(api.client, api.md, { id: 'vq-1', opening: 10_000, nationalId: PERSON.nationalId });
    const generic = new GenericImporter(api.sut.context);
    const csv = write('shifted.csv', `${GENERIC_HEADER}\n${CSV_LINES.join('\n')}\n`);
    jobs.csv = (await generic.run('csv', { tenantId, file: csv })).jobId;
    jobs.ndjson = (await generic.run('ndjson', { tenantId, file: write('shifted.ndjson', `${NDJSON_LINE}\n`) })).jobId;
    const uci = write('shifted-uci.csv', `${UCI_HEADER.join(',')}\n${UCI_LINE}\n`);
    jobs.uci = (await new UciImporter(api.sut.context).run({ tenantId, file: uci, currency: 'TWD' })).jobId;
  });
  afterAll(async () => {
    await api?.close();
  });

  const reasonsStored = async (jobId: string) =>
    (
      (await api.sut.dataSource.query(
        `SELECT reason FROM ledger.import_rejection WHERE tenant_id = $1 AND job_id = $2 ORDER BY line_no`,
        [api.sut.tenant, jobId],
      )) as { reason: string }[]
    ).map((r) => r.reason);

  it("stores the reason's words in clear and no column holds the value", async () => {
    expect({
      csv: await reasonsStored(jobs.csv),
      ndjson: await reasonsStored(jobs.ndjson),
      uci: await reasonsStored(jobs.uci),
    }).toEqual({
      csv: ['unknown currency "{value}"', 'date is not a calendar date YYYY-MM-DD: "{value}"'],
      ndjson: ['unknown field "{value}"'],
      uci: ['column X1 is not an integer: "{value}"'],
    });
    for (const value of [PERSON.name, PERSON.nationalId, PERSON.email, PERSON.phone])
      expect({ value, columns: await columnsHolding(api.sut.dataSource, value) }).toEqual({ value, columns: [] });
  });

  it('shows the value in its place in the import report', async () => {
    const tenantId = api.sut.tenant;
    const generic = new GenericImporter(api.sut.context);
    expect((await generic.rejections(tenantId, jobs.csv)).map((r) => [r.lineNo, r.reason])).toEqual([
      [2, `unknown currency "${PERSON.nationalId}"`],
      [3, `date is not a calendar date YYYY-MM-DD: "${PERSON.name}"`],
    ]);
    expect((await generic.rejections(tenantId, jobs.ndjson)).map((r) => r.reason)).toEqual([
      `unknown field "${PERSON.email}"`,
    ]);
    expect((await new UciImporter(api.sut.context).rejections(tenantId, jobs.uci)).map((r) => r.reason)).toEqual([
      `column X1 is not an integer: "+57 ${PERSON.phone}"`,
    ]);
  });

  it('logs none of the values, and erases the value with the line that names an erased debtor', async () => {
    await api.client.eraseDebtor({ debtorId: 'd-vq-1', reason: 'data-subject request 44' }, api.md());
    const report = await new GenericImporter(api.sut.context).rejections(api.sut.tenant, jobs.csv);
    expect(report.map((r) => [r.reason, r.raw])).toEqual([
      ['unknown currency "erased"', 'erased'],
      [`date is not a calendar date YYYY-MM-DD: "${PERSON.name}"`, CSV_LINES[1]],
    ]);
    expect(log).toContain('portfolio import completed');
    for (const value of [PERSON.name, PERSON.nationalId, PERSON.email, PERSON.phone]) expect(log).not.toContain(value);
  });
});
