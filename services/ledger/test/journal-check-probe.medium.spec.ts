import { randomUUID } from 'node:crypto';
import { executeAcrossMigration, planProbeDatabase } from '@collections/testing';
import { ledgerService } from '../src/ledger.service';
import { LedgerJournalChecksPlannedPerStatement1763900012710 as PlannedPerStatement } from '../src/migrations/1763900012710-ledger-journal-checks-planned-per-statement';

/**
 * The checks that a journal line's entry, and an entry's or statement's account, exist probe the
 * parent's primary key, whatever the parent looked like when the session first ran them.
 * PL/pgSQL keeps a statement's plan for the session: planned while the parent held a row or two,
 * the probe could go through another index that starts with the tenant and read every row of the
 * tenant for each new row, for as long as the connection lived.
 */
describe('ledger: the parent-exists checks probe the parent key as the books grow (real PostgreSQL)', () => {
  // The ledger's migrations up to the one under test, which is then the last to undo.
  const migrations = ledgerService.migrations;
  const fixture = planProbeDatabase('ledger', migrations.slice(0, migrations.indexOf(PlannedPerStatement) + 1));

  /** `count` accounts, each with a statement and one entry of two lines, in four statements. */
  const addBooks = async (count: number) => {
    const batch = randomUUID().slice(0, 8);
    const run = (sql: string) => fixture.session.client.query(sql, [count, batch]);
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
    const probes = (await fixture.session.plans(() => addBooks(1))).filter((p) => p.includes('ledger_new_rows'));
    expect(probes).toHaveLength(3);
    for (const probe of probes) expect(probe).toMatch(/Index (Only )?Scan using (account|journal_entry)_pkey/);
  });

  it('goes back to the probes planned once per session (migration 1763900012710 down), and forward again', async () => {
    expect(await executeAcrossMigration(fixture.ds, 'ledger_%_parents_exist', PlannedPerStatement)).toEqual([
      true,
      false,
      true,
    ]);
  });
});
