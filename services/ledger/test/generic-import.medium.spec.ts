import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { ledgerService } from '../src/ledger.service';
import { GenericImporter } from '../src/imports/generic-importer';

const FIXTURES = join(__dirname, 'fixtures');
const CSV = join(FIXTURES, 'generic-portfolio.csv');
const NDJSON = join(FIXTURES, 'generic-portfolio.ndjson');

/** Every rejection of the fixture, by CSV line number (the NDJSON file has no header: one less). */
const FIXTURE_REJECTIONS: [number, string][] = [
  [10, 'malformed CSV: a quoted field is not closed on this line'],
  [11, 'unknown currency "XXX"'],
  [12, 'amount must be positive, got 0.00'],
  [13, 'amount must be positive, got -5.00'],
  [14, 'unknown account: no account has external_ref A-9999'],
  [15, 'unknown account: no account has external_ref A-9998'],
  [16, 'duplicate external_ref A-1001 (on an earlier line of this file)'],
  [17, 'date is not a calendar date YYYY-MM-DD: "2025-02-30"'],
  [18, 'unknown record type "refund" (account, statement, payment or charge)'],
  [19, 'duplicate payment reference P-1 (already posted)'],
  [20, 'amount: USD allows at most 2 decimal places, got "10.001"'],
  [21, "currency COP differs from the account's currency USD"],
  [22, 'duplicate statement: account A-1001 already has cycle 1'],
];

/** Balances by hand from the fixture: opening balance + charges - payments. */
const FIXTURE_BALANCES = [
  { external_ref: 'A-1001', currency: 'COP', total: 120_000_050 - 10_000_000, fees: 0 },
  { external_ref: 'A-1002', currency: 'MXN', total: 2_500_000 + 15_000 - 500_000, fees: 0 },
  { external_ref: 'A-1003', currency: 'USD', total: 30_000 - 5_000, fees: 0 },
];

/** A generated portfolio: `n` accounts with a statement, a payment and a fee each, and a bad line every 37. */
function generatedPortfolio(n: number): string {
  const rows = [
    'record,external_ref,debtor_id,debtor_kind,debtor_name,debtor_country,product,currency,credit_limit,opening_balance,opened_on,cycle,statement_date,due_date,amount_due,minimum_due,reference,kind,amount,date',
  ];
  for (let i = 1; i <= n; i++) {
    const ref = `G-${i}`;
    rows.push(`account,${ref},GD-${i},person,Debtor ${i},CO,credit_card,USD,500.00,${i}.25,2025-01-01,,,,,,,,,`);
    rows.push(`statement,${ref},,,,,,USD,,,,1,2025-01-31,2025-02-25,${i}.25,1.00,,,,`);
    rows.push(`payment,${ref},,,,,,USD,,,,,,,,,PAY-${i},,0.50,2025-02-10`);
    rows.push(`charge,${ref},,,,,,USD,,,,,,,,,FEE-${i},fee,2.00,2025-03-01`);
    if (i % 37 === 0) rows.push(`payment,${ref},,,,,,USD,,,,,,,,,PAY-${i},,0.50,2025-02-10`);
  }
  return `${rows.join('\n')}\n`;
}

describe('generic portfolio import (real PostgreSQL, COPY)', () => {
  let sut: ServiceUnderTest;
  let importer: GenericImporter;

  beforeAll(async () => {
    sut = await startServiceUnderTest(ledgerService);
    importer = new GenericImporter(sut.context);
  });
  afterAll(async () => {
    await sut.close();
  });

  const q = async (sql: string, params: unknown[] = []) => (await sut.dataSource.query(sql, params)) as never[];

  /** What a tenant's ledger holds, without generated ids and timestamps. */
  async function snapshot(tenantId: string) {
    const [accounts, statements, entries, lines, outbox, rejections] = await Promise.all([
      q(
        `SELECT external_ref, currency, product, credit_limit_minor::bigint, principal_minor, interest_minor, fees_minor, days_past_due, aging_bucket
           FROM ledger.account WHERE tenant_id = $1 ORDER BY external_ref`,
        [tenantId],
      ),
      q(
        `SELECT account_id, cycle, amount_due_minor, minimum_due_minor FROM ledger.statement WHERE tenant_id = $1 ORDER BY 1, 2`,
        [tenantId],
      ),
      q(
        `SELECT account_id, kind, amount_minor, effective_date::text, idempotency_key, dues_credit_minor FROM ledger.journal_entry WHERE tenant_id = $1 ORDER BY idempotency_key`,
        [tenantId],
      ),
      q(
        `SELECT sum(debit_minor)::bigint AS debit, sum(credit_minor)::bigint AS credit, count(*)::int AS n FROM ledger.journal_line WHERE tenant_id = $1`,
        [tenantId],
      ),
      q(`SELECT topic, count(*)::int AS n FROM ledger.outbox WHERE tenant_id = $1 GROUP BY topic ORDER BY topic`, [
        tenantId,
      ]),
      q(`SELECT r.line_no, r.reason FROM ledger.import_rejection r WHERE r.tenant_id = $1 ORDER BY r.line_no`, [
        tenantId,
      ]),
    ]);
    return { accounts, statements, entries, lines, outbox, rejections };
  }

  it.each([
    ['csv', CSV, 0],
    ['ndjson', NDJSON, 1],
  ] as const)(
    'imports the %s fixture: balances reconcile with the file, every bad line is quarantined with its line and reason',
    async (syntax, file, shift) => {
      const tenantId = `${sut.tenant}-${syntax}`;
      const job = await importer.run(syntax, { tenantId, file, chunkSize: 5 });

      expect(job).toMatchObject({
        status: 'completed',
        alreadyImported: false,
        acceptedRows: 9,
        rejectedRows: 13,
        createdAccounts: 3,
      });
      const expected = FIXTURE_REJECTIONS.map(([line, reason]) => [line - shift, reason]);
      if (syntax === 'ndjson') expected[0][1] = 'invalid JSON';
      const rejections = await importer.rejections(tenantId, job.jobId);
      expect(rejections.map((r) => [r.lineNo, r.reason])).toEqual(expected);
      expect(rejections.every((r) => r.raw.length > 0)).toBe(true);

      const accounts = (await q(
        `SELECT external_ref, trim(currency) AS currency, (principal_minor + interest_minor + fees_minor)::bigint AS total, fees_minor::bigint AS fees
           FROM ledger.account WHERE tenant_id = $1 ORDER BY external_ref`,
        [tenantId],
      )) as { external_ref: string; currency: string; total: string; fees: string }[];
      expect(accounts.map((a) => ({ ...a, total: Number(a.total), fees: Number(a.fees) }))).toEqual(FIXTURE_BALANCES);
      const state = await snapshot(tenantId);
      expect(state.lines).toEqual([expect.objectContaining({ n: expect.any(Number) })]);
      const [{ debit, credit }] = state.lines as { debit: string; credit: string }[];
      expect(debit).toBe(credit);
      expect(state.statements).toHaveLength(2);
      // AccountOpened x3, StatementIssued x2, PaymentPosted x3, through the outbox.
      expect((state.outbox as { n: number }[]).reduce((sum, t) => sum + t.n, 0)).toBe(8);
      const [{ debtors }] = (await q(`SELECT count(*)::int AS debtors FROM ledger.debtor WHERE tenant_id = $1`, [
        tenantId,
      ])) as { debtors: number }[];
      expect(debtors).toBe(2);

      // The same file again: nothing changes.
      const again = await importer.run(syntax, { tenantId, file, chunkSize: 5 });
      expect(again).toMatchObject({ alreadyImported: true, jobId: job.jobId, createdAccounts: 3 });
      expect(await snapshot(tenantId)).toEqual(state);
    },
  );

  it('accepts an account already in the ledger as it is, and rejects an external_ref of another debtor', async () => {
    const tenantId = `${sut.tenant}-csv`;
    const before = await snapshot(tenantId);
    const file = join(mkdtempSync(join(tmpdir(), 'generic-')), 'second-export.ndjson');
    writeFileSync(
      file,
      [
        {
          record: 'account',
          external_ref: 'A-1002',
          debtor_id: 'D-2',
          debtor_kind: 'company',
          debtor_name: 'Acme',
          debtor_country: 'MX',
          product: 'personal_loan',
          currency: 'MXN',
          opened_on: '2025-02-01',
        },
        {
          record: 'account',
          external_ref: 'A-1001',
          debtor_id: 'D-9',
          debtor_kind: 'person',
          debtor_name: 'Other',
          debtor_country: 'CO',
          product: 'credit_card',
          currency: 'COP',
          opened_on: '2025-01-10',
        },
        {
          record: 'payment',
          external_ref: 'A-1002',
          currency: 'MXN',
          reference: 'P-2',
          amount: '5000.00',
          date: '2025-03-01',
        },
        {
          record: 'payment',
          external_ref: 'A-1002',
          currency: 'MXN',
          amount: 12.5,
          reference: 'P-20',
          date: '2025-03-02',
        },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n'),
    );
    const job = await importer.run('ndjson', { tenantId, file });
    expect(job).toMatchObject({ status: 'completed', acceptedRows: 1, rejectedRows: 3, createdAccounts: 0 });
    expect((await importer.rejections(tenantId, job.jobId)).map((r) => [r.lineNo, r.reason])).toEqual([
      [2, 'duplicate external_ref A-1001: it belongs to account ext:A-1001 of another debtor, product or currency'],
      [3, 'duplicate payment reference P-2 (already posted)'],
      [4, 'amount must be a string'],
    ]);
    const after = await snapshot(tenantId);
    expect({ ...after, rejections: [] }).toEqual({ ...before, rejections: [] });
  });

  it('resumes an interrupted import to the same end state as an uninterrupted one', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'generic-')), 'generated.csv');
    writeFileSync(file, generatedPortfolio(150));
    const whole = `${sut.tenant}-whole`;
    const resumed = `${sut.tenant}-resumed`;

    const complete = await importer.run('csv', { tenantId: whole, file, chunkSize: 64 });
    expect(complete).toMatchObject({
      status: 'completed',
      acceptedRows: 600,
      rejectedRows: 4,
      createdAccounts: 150,
    });
    const interrupted = await importer.run('csv', { tenantId: resumed, file, chunkSize: 64, stopAfterChunks: 3 });
    expect(interrupted).toMatchObject({ status: 'running', processedLines: 193 });
    const progress: number[] = [];
    const finished = await importer.run('csv', {
      tenantId: resumed,
      file,
      chunkSize: 64,
      onProgress: (p) => progress.push(p.processedLines),
    });
    expect(finished).toMatchObject({ ...complete, jobId: interrupted.jobId });
    expect(progress[0]).toBeGreaterThan(193);

    const a = await snapshot(whole);
    const b = await snapshot(resumed);
    expect(b.accounts).toEqual(a.accounts);
    expect(b.statements).toEqual(a.statements);
    expect(b.entries).toEqual(a.entries);
    expect(b.lines).toEqual(a.lines);
    expect(b.outbox).toEqual(a.outbox);
    expect(b.rejections).toEqual(a.rejections);
    // Stored: the reason's words, the reference it quotes encrypted apart; the report puts it back.
    expect((a.rejections as { reason: string }[]).map((r) => r.reason)).toEqual(
      Array(4).fill('duplicate payment reference {value} (already posted)'),
    );
    expect((await importer.rejections(whole, complete.jobId)).map((r) => r.reason)).toEqual(
      Array(4)
        .fill('duplicate payment reference PAY-37 (already posted)')
        .map((s, i) => s.replace('37', String(37 * (i + 1)))),
    );
    // Totals reconcile with the generated file: sum of (i + 0.25 + 2.00 - 0.50) dollars.
    const [{ total }] = (await q(
      `SELECT sum(principal_minor + interest_minor + fees_minor)::bigint AS total FROM ledger.account WHERE tenant_id = $1`,
      [whole],
    )) as { total: string }[];
    let expected = 0;
    for (let i = 1; i <= 150; i++) expected += i * 100 + 25 + 200 - 50;
    expect(Number(total)).toBe(expected);
  });
  it('stores the canonical time zone, and rejects lines dated after tomorrow or due more than a year ahead', async () => {
    // The clock: 2026-03-02T15:00:00Z, 09:00 in Mexico City.
    const tenantId = `${sut.tenant}-future`;
    const file = join(mkdtempSync(join(tmpdir(), 'generic-')), 'future.ndjson');
    const line = (fields: object) => ({ external_ref: 'F-1', currency: 'MXN', ...fields });
    writeFileSync(
      file,
      [
        line({
          record: 'account',
          debtor_id: 'FD-1',
          debtor_kind: 'person',
          debtor_name: 'Eva',
          debtor_time_zone: 'america/mexico_city',
          debtor_country: 'MX',
          product: 'credit_card',
          opening_balance: '100.00',
          opened_on: '2025-01-10',
        }),
        line({ record: 'payment', reference: 'FP-1', amount: '10.00', date: '9999-12-31' }),
        line({ record: 'charge', reference: 'FC-1', amount: '10.00', date: '2026-03-04' }),
        line({ record: 'charge', reference: 'FC-2', amount: '20.00', date: '2026-03-03' }),
        line({ record: 'payment', reference: 'FP-2', amount: '5.00', date: '2026-03-02' }),
        line({
          record: 'statement',
          cycle: 1,
          statement_date: '2026-03-05',
          due_date: '2026-03-25',
          amount_due: '1.00',
        }),
        line({
          record: 'statement',
          cycle: 1,
          statement_date: '2026-03-01',
          due_date: '2027-03-04',
          amount_due: '1.00',
        }),
        line({
          record: 'statement',
          cycle: 1,
          statement_date: '2026-03-01',
          due_date: '2027-03-03',
          amount_due: '1.00',
        }),
      ]
        .map((r) => JSON.stringify(r))
        .join('\n'),
    );
    const job = await importer.run('ndjson', { tenantId, file });
    expect(job).toMatchObject({ status: 'completed', acceptedRows: 4, rejectedRows: 4, createdAccounts: 1 });
    expect((await importer.rejections(tenantId, job.jobId)).map((r) => [r.lineNo, r.reason])).toEqual([
      [2, expect.stringMatching(/^date 9999-12-31 is too far in the future: at the latest 2026-03-03/)],
      [3, expect.stringMatching(/^date 2026-03-04 is too far in the future/)],
      [6, expect.stringMatching(/^statement_date 2026-03-05 is too far in the future/)],
      [7, expect.stringMatching(/^due_date 2027-03-04 is too far in the future: at the latest 2027-03-03/)],
    ]);
    const [account] = (await q(
      `SELECT a.time_zone AS account, d.time_zone AS debtor, (a.principal_minor + a.interest_minor + a.fees_minor)::bigint AS total
         FROM ledger.account a JOIN ledger.debtor d ON d.tenant_id = a.tenant_id AND d.id = 'FD-1' WHERE a.tenant_id = $1`,
      [tenantId],
    )) as { account: string; debtor: string; total: string }[];
    expect({ ...account, total: Number(account.total) }).toEqual({
      account: 'America/Mexico_City',
      debtor: 'America/Mexico_City',
      total: 10_000 + 2_000 - 500,
    });
  });
  it('quarantines an account line opened on 9999-12-31 or before 1900 naming opened_on, leaving no debtor or account, and imports the other lines', async () => {
    // The clock: 2026-03-02T15:00:00Z, 10:00 in Bogotá.
    const tenantId = `${sut.tenant}-opened-on`;
    const file = join(mkdtempSync(join(tmpdir(), 'generic-')), 'opened-on.ndjson');
    const account = (ref: string, debtorId: string, openedOn: string) => ({
      record: 'account',
      external_ref: ref,
      debtor_id: debtorId,
      debtor_kind: 'person',
      debtor_name: 'Eva Ríos',
      debtor_time_zone: 'America/Bogota',
      debtor_country: 'CO',
      product: 'credit_card',
      currency: 'USD',
      opening_balance: '100.00',
      opened_on: openedOn,
    });
    const payment = (ref: string, reference: string, date: string) => ({
      record: 'payment',
      external_ref: ref,
      currency: 'USD',
      reference,
      amount: '10.00',
      date,
    });
    writeFileSync(
      file,
      [
        account('O-1', 'OD-1', '9999-12-31'),
        payment('O-1', 'OP-1', '2026-03-01'),
        account('O-2', 'OD-2', '0001-01-01'),
        account('O-3', 'OD-3', '2026-03-03'),
        account('O-4', 'OD-4', '2025-06-01'),
        payment('O-4', 'OP-2', '2025-05-31'),
        payment('O-4', 'OP-3', '2025-06-01'),
      ]
        .map((r) => JSON.stringify(r))
        .join('\n'),
    );
    const job = await importer.run('ndjson', { tenantId, file });
    expect(job).toMatchObject({ status: 'completed', acceptedRows: 3, rejectedRows: 4, createdAccounts: 2 });
    expect((await importer.rejections(tenantId, job.jobId)).map((r) => [r.lineNo, r.reason])).toEqual([
      [
        1,
        "opened_on 9999-12-31 is too far in the future: at the latest 2026-03-03 (1 day after today, 2026-03-02, in the account's time zone)",
      ],
      [2, 'unknown account: no account has external_ref O-1'],
      [3, 'opened_on 0001-01-01 is too far in the past: at the earliest 1900-01-01'],
      [6, "date 2025-05-31 is before the account's opening date (opened_on 2025-06-01)"],
    ]);
    const stored = await q(
      `SELECT a.external_ref, a.opened_on::text, (a.principal_minor + a.interest_minor + a.fees_minor)::bigint AS total
         FROM ledger.account a WHERE a.tenant_id = $1 ORDER BY 1`,
      [tenantId],
    );
    expect(stored).toEqual([
      { external_ref: 'O-3', opened_on: '2026-03-03', total: '10000' },
      { external_ref: 'O-4', opened_on: '2025-06-01', total: String(10_000 - 1_000) },
    ]);
    const debtors = await q(`SELECT id FROM ledger.debtor WHERE tenant_id = $1 ORDER BY id`, [tenantId]);
    expect(debtors).toEqual([{ id: 'OD-3' }, { id: 'OD-4' }]);
    const opened = await q(
      `SELECT key FROM ledger.outbox WHERE tenant_id = $1 AND headers->>'ce_type' = 'collections.ledger.v1.AccountOpened' ORDER BY key`,
      [tenantId],
    );
    expect(opened).toEqual([{ key: 'ext:O-3' }, { key: 'ext:O-4' }]);
  });
  it('imports a credit statement (negative amount_due) with minimum_due 0, and refuses one asking for a minimum', async () => {
    const tenantId = `${sut.tenant}-credit`;
    const file = join(mkdtempSync(join(tmpdir(), 'generic-')), 'credit.csv');
    writeFileSync(
      file,
      [
        'record,external_ref,debtor_id,debtor_kind,debtor_name,debtor_country,product,currency,opening_balance,opened_on,cycle,statement_date,due_date,amount_due,minimum_due',
        'account,K-1,KD-1,person,Luis Mora,CO,credit_card,USD,0,2025-01-01,,,,,',
        'statement,K-1,,,,,,USD,,,1,2025-01-31,2025-02-25,-150.00,0',
        'statement,K-1,,,,,,USD,,,2,2025-02-28,2025-03-25,-150.00,10.00',
        'statement,K-1,,,,,,USD,,,3,2025-03-31,2025-04-25,-150.00,',
        'statement,K-1,,,,,,USD,,,4,2025-04-30,2025-05-25,150.00,150.01',
      ].join('\n'),
    );
    const job = await importer.run('csv', { tenantId, file });
    expect(job).toMatchObject({ status: 'completed', acceptedRows: 3, rejectedRows: 2, createdAccounts: 1 });
    expect((await importer.rejections(tenantId, job.jobId)).map((r) => [r.lineNo, r.reason])).toEqual([
      [4, 'minimum_due must be zero when amount_due is zero or negative (a credit balance)'],
      [6, 'minimum_due is more than amount_due'],
    ]);
    // Cycle 3 gives no minimum_due: nothing is asked of a credit balance.
    expect(
      await q(
        `SELECT cycle, amount_due_minor::bigint, minimum_due_minor::bigint FROM ledger.statement WHERE tenant_id = $1 ORDER BY cycle`,
        [tenantId],
      ),
    ).toEqual([
      { cycle: 1, amount_due_minor: '-15000', minimum_due_minor: '0' },
      { cycle: 3, amount_due_minor: '-15000', minimum_due_minor: '0' },
    ]);
    const [account] = (await q(`SELECT days_past_due FROM ledger.account WHERE tenant_id = $1`, [tenantId])) as {
      days_past_due: number;
    }[];
    expect(account.days_past_due).toBe(0);
  });
});
