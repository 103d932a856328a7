import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { ledgerService } from '../src/ledger.service';
import { UciImporter } from '../src/imports/uci-importer';

const TRAIN = join(__dirname, '..', '..', '..', '..', 'shared', 'datasets', 'uci-credit-default', 'train.csv');

/** Totals computed straight from the file, independently of the importer. */
function fileTotals(path: string) {
  const rows = readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(',').map(Number));
  const sum = (from: number, to: number) => rows.reduce((s, r) => s + r.slice(from, to).reduce((a, b) => a + b, 0), 0);
  return {
    accounts: rows.length,
    bills: sum(12, 18) * 100,
    payments: sum(18, 24) * 100,
    limits: rows.reduce((s, r) => s + r[1], 0) * 100,
  };
}

describe('UCI portfolio import (real PostgreSQL, COPY)', () => {
  let sut: ServiceUnderTest;
  let importer: UciImporter;

  beforeAll(async () => {
    sut = await startServiceUnderTest(ledgerService);
    importer = new UciImporter(sut.context);
  });
  afterAll(async () => {
    await sut.close();
  });

  const q = async (sql: string, params: unknown[] = []) => (await sut.dataSource.query(sql, params))[0];

  it('imports the whole train.csv: accounts, statement and payment totals reconcile with the file; a second import changes nothing', async () => {
    const expected = fileTotals(TRAIN);
    const progress: number[] = [];
    const job = await importer.run({
      tenantId: sut.tenant,
      file: TRAIN,
      chunkSize: 4_000,
      onProgress: (p) => progress.push(p.processedLines),
    });
    expect(job).toMatchObject({ status: 'completed', acceptedRows: 23_905, rejectedRows: 0, createdAccounts: 23_905 });
    expect(progress.length).toBeGreaterThan(1);

    const accounts = await q(
      `SELECT count(*)::int AS n, sum(credit_limit_minor)::bigint AS limits FROM ledger.account WHERE tenant_id = $1`,
      [sut.tenant],
    );
    const statements = await q(
      `SELECT count(*)::int AS n, sum(amount_due_minor)::bigint AS total FROM ledger.statement WHERE tenant_id = $1`,
      [sut.tenant],
    );
    const payments = await q(
      `SELECT sum(amount_minor)::bigint AS total FROM ledger.journal_entry WHERE tenant_id = $1 AND kind = 4`,
      [sut.tenant],
    );
    expect({
      accounts: accounts.n,
      limits: Number(accounts.limits),
      statements: statements.n,
      bills: Number(statements.total),
      payments: Number(payments.total),
    }).toEqual({
      accounts: expected.accounts,
      limits: expected.limits,
      statements: expected.accounts * 6,
      bills: expected.bills,
      payments: expected.payments,
    });
    // The balance at the last statement date equals the September bill, for every account.
    const mismatches = await q(
      `SELECT count(*)::int AS n FROM ledger.account a JOIN ledger.statement s ON s.tenant_id = a.tenant_id AND s.account_id = a.id AND s.cycle = 6
        WHERE a.tenant_id = $1 AND a.principal_minor + a.interest_minor + a.fees_minor <> s.amount_due_minor`,
      [sut.tenant],
    );
    expect(mismatches.n).toBe(0);
    const books = await q(
      `SELECT sum(debit_minor)::bigint AS d, sum(credit_minor)::bigint AS c FROM ledger.journal_line WHERE tenant_id = $1`,
      [sut.tenant],
    );
    expect(books.d).toBe(books.c);

    const before = await q(
      `SELECT (SELECT count(*) FROM ledger.journal_entry) + (SELECT count(*) FROM ledger.outbox) AS n`,
    );
    const again = await importer.run({ tenantId: sut.tenant, file: TRAIN });
    expect(again).toMatchObject({ alreadyImported: true, createdAccounts: 23_905 });
    expect(
      await q(`SELECT (SELECT count(*) FROM ledger.journal_entry) + (SELECT count(*) FROM ledger.outbox) AS n`),
    ).toEqual(before);
  });

  it('quarantines bad lines with their line number and reason, and resumes an interrupted import', async () => {
    const lines = readFileSync(TRAIN, 'utf8').trim().split('\n');
    const bad = [
      '999001,20000,2,2,1,24,2,2,-1,-1,-2,-2,3913,3102,689,0,0,0,0,689,0,0,0', // too few columns
      '999002,abc,2,2,1,24,2,2,-1,-1,-2,-2,3913,3102,689,0,0,0,0,689,0,0,0,0,1',
      '999003,20000,2,2,1,24,2,2,-1,-1,-2,-2,3913,3102,689,0,0,0,-5,689,0,0,0,0,1',
      lines[1], // the same client twice
    ];
    const file = join(mkdtempSync(join(tmpdir(), 'uci-')), 'portfolio.csv');
    writeFileSync(file, [lines[0], ...lines.slice(1, 1_501), ...bad, ...lines.slice(1_501, 2_001)].join('\n'));
    const tenantId = `${sut.tenant}-resume`;

    const interrupted = await importer.run({ tenantId, file, chunkSize: 500, stopAfterChunks: 2 });
    expect(interrupted).toMatchObject({ status: 'running', processedLines: 1_001, createdAccounts: 1_000 });
    const resumed = await importer.run({ tenantId, file, chunkSize: 500 });
    expect(resumed).toMatchObject({
      status: 'completed',
      jobId: interrupted.jobId,
      acceptedRows: 2_000,
      rejectedRows: 4,
      createdAccounts: 2_000,
    });

    const rejections = await importer.rejections(tenantId, resumed.jobId);
    expect(rejections.map((r) => [r.lineNo, r.reason])).toEqual([
      [1_502, 'expected 25 columns, found 23'],
      [1_503, 'column X1 is not an integer: "abc"'],
      [1_504, 'payments (X18..X23) cannot be negative'],
      [1_505, 'duplicate ID 1 (on an earlier line of this file)'],
    ]);
    const [{ n }] = await sut.dataSource.query(`SELECT count(*)::int AS n FROM ledger.account WHERE tenant_id = $1`, [
      tenantId,
    ]);
    expect(n).toBe(2_000);
  });

  it('records its debtors in Taiwan with no language: the file gives none, so none is guessed', async () => {
    const lines = readFileSync(TRAIN, 'utf8').trim().split('\n');
    const file = join(mkdtempSync(join(tmpdir(), 'uci-')), 'portfolio.csv');
    writeFileSync(file, lines.slice(0, 3).join('\n'));
    const tenantId = `${sut.tenant}-language`;

    expect(await importer.run({ tenantId, file })).toMatchObject({ status: 'completed', createdAccounts: 2 });
    expect(
      await sut.dataSource.query(
        `SELECT DISTINCT country, time_zone, language FROM ledger.debtor WHERE tenant_id = $1`,
        [tenantId],
      ),
    ).toEqual([{ country: 'TW', time_zone: 'Asia/Taipei', language: '' }]);
  });
});
