import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { openServiceDatabase } from '@collections/runtime';
import { PlanSession, TestDatabase, createTestDatabase, functionSource, openPlanSession } from '@collections/testing';
import { ledgerService } from '../src/ledger.service';

/**
 * The checks that a journal line's entry, and an entry's or statement's account, exist probe the
 * parent's primary key, whatever the parent looked like when the session first ran them.
 * PL/pgSQL keeps a statement's plan for the session: planned while the parent held a row or two,
 * the probe could go through another index that starts with the tenant and read every row of the
 * tenant for each new row, for as long as the connection lived.
 */
describe('ledger: the parent-exists checks probe the parent key as the books grow (real PostgreSQL)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let session: PlanSession;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await openServiceDatabase({ url: db.url, schema: 'ledger', migrations: ledgerService.migrations });
    session = await openPlanSession(db.url, 'ledger');
  });
  afterAll(async () => {
    await session.end();
    await ds.destroy();
    await db.drop();
  });

  /** `count` accounts, each with a statement and one entry of two lines, in four statements. */
  const addBooks = async (count: number) => {
    const batch = randomUUID().slice(0, 8);
    const run = (sql: string) => session.client.query(sql, [count, batch]);
    await run(`INSERT INTO account (tenant_id, id, external_ref, product, currency, opened_on)
       SELECT 't1', 'acct-' || $2 || '-' || g, 'ref-' || $2 || '-' || g, 1, 'USD', DATE '2026-01-01'
         FROM generate_series(1, $1::int) g`);
    await run(`INSERT INTO statement (tenant_id, account_id, cycle, statement_date, due_date, amount_due_minor, minimum_due_minor)
       SELECT 't1', 'acct-' || $2 || '-' || g, 1, DATE '2026-01-31', DATE '2026-02-20', 1000, 100
         FROM generate_series(1, $1::int) g`);
    await run(`INSERT INTO journal_entry (tenant_id, id, account_id, kind, amount_minor, currency, effective_date, posted_at, idempotency_key)
       SELECT 't1', md5($2 || g)::uuid, 'acct-' || $2 || '-' || g, 1, 1000, 'USD', DATE '2026-01-31', now(), 'key-' || $2 || '-' || g
         FROM generate_series(1, $1::int) g`);
    await run(`INSERT INTO journal_line (tenant_id, entry_id, line_no, ledger_account, debit_minor, credit_minor)
       SELECT 't1', md5($2 || g)::uuid, l, CASE l WHEN 1 THEN 'receivable:principal' ELSE 'income:principal' END,
              CASE l WHEN 1 THEN 1000 ELSE 0 END, CASE l WHEN 1 THEN 0 ELSE 1000 END
         FROM generate_series(1, $1::int) g, generate_series(1, 2) l`);
  };

  it('uses the primary keys after the books grew from one account to 3,001 in the same session', async () => {
    await addBooks(1); // the session's first checks, on tables of one row
    await addBooks(3_000);
    const probes = (await session.plans(() => addBooks(1))).filter((p) => p.includes('ledger_new_rows'));
    expect(probes).toHaveLength(3);
    for (const probe of probes) expect(probe).toMatch(/Index (Only )?Scan using (account|journal_entry)_pkey/);
  });

  it('goes back to the probes planned once per session (migration 1763900012710 down), and forward again', async () => {
    const source = () => functionSource(ds, 'ledger_%_parents_exist');
    expect(await source()).toContain('EXECUTE');
    await ds.undoLastMigration();
    expect(await source()).not.toContain('EXECUTE');
    await ds.runMigrations();
    expect(await source()).toContain('EXECUTE');
  });
});
