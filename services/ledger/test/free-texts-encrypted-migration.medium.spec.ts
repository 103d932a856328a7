import { DataSource } from 'typeorm';
import { ServiceContext } from '@collections/runtime';
import { columnsHolding, hasColumn, migrationTestDatabase, testEnv } from '@collections/testing';
import { ledgerService } from '../src/ledger.service';
import { LedgerRepository } from '../src/ledger/ledger.repository';
import { PiiCipher } from '../src/ledger/pii';
import { DataSubjectUseCase } from '../src/ledger/usecases/data-subject.usecase';
import { LedgerFreeTextsEncrypted1763900016700 } from '../src/migrations/1763900016700-ledger-free-texts-encrypted';
import { asTenantKey } from './support/principal';

const KEY = 'migration-test-free-texts-key';
/** More journal entries than one batch (1,000) holds. */
const ENTRIES = 2_100;

const MEMO = 'deudor dice que perdió su empleo en ACME, esposa hospitalizada';
const SOURCE = 'abogada Inés Fuentes, tel 3009998877';
const LIFT_REASON = 'retiró la disputa, consiguió trabajo en Globex';
const ERASURE_REASON = 'solicitud de supresión 77 de Julia Borrada';

/**
 * Migration 1763900016700 encrypts the callers' free texts already stored (journal memos, holds'
 * sources and lift reasons, erasure reasons) with the ledger's key, in batches; with another key
 * it refuses and changes nothing; run again it changes nothing; going back decrypts them into the
 * clear columns.
 */
describe("callers' free texts already stored are encrypted (migration 1763900016700, real PostgreSQL)", () => {
  const all = ledgerService.migrations;
  const at = all.findIndex((m) => m.name === 'LedgerFreeTextsEncrypted1763900016700');
  const { open } = migrationTestDatabase('ledger');
  const withKey = testEnv('LEDGER_PII_KEY');
  let before: Record<string, unknown[]>;

  const clearRows = async (d: DataSource) => ({
    entries: (await d.query(`SELECT tenant_id, id, memo FROM journal_entry ORDER BY tenant_id, id`)) as unknown[],
    holds: (await d.query(
      `SELECT tenant_id, id, source, lift_reason FROM debtor_hold ORDER BY tenant_id, id`,
    )) as unknown[],
    debtors: (await d.query(`SELECT tenant_id, id, erasure_reason FROM debtor ORDER BY tenant_id, id`)) as unknown[],
  });
  const storedRows = async (d: DataSource) => ({
    entries: (await d.query(
      `SELECT tenant_id, id, memo_enc, memo_erased FROM journal_entry ORDER BY tenant_id, id`,
    )) as unknown[],
    holds: (await d.query(
      `SELECT tenant_id, id, source_enc, lift_reason_enc FROM debtor_hold ORDER BY tenant_id, id`,
    )) as unknown[],
    debtors: (await d.query(
      `SELECT tenant_id, id, erasure_reason_enc FROM debtor ORDER BY tenant_id, id`,
    )) as unknown[],
  });
  const exported = (d: DataSource, debtorId: string) =>
    asTenantKey('t1', () =>
      new DataSubjectUseCase({ dataSource: d } as unknown as ServiceContext, new PiiCipher(KEY)).export('t1', debtorId),
    );

  it('refuses to run with another key than the stored names were encrypted with, and changes nothing', async () => {
    expect(at).toBeGreaterThan(0);
    withKey(KEY);
    const d = await open(all.slice(0, at));
    const cipher = new PiiCipher(KEY);
    await d.query(
      `INSERT INTO debtor (tenant_id, id, kind, display_name_enc, time_zone, language, country, erased_at, erasure_reason)
       VALUES ('t1', 'd-texto', 'person', $1, 'America/Bogota', 'es', 'CO', NULL, NULL),
              ('t1', 'd-borrada', 'person', $2, 'America/Bogota', 'es', 'CO', now(), $3)`,
      [cipher.encrypt('Julio Texto'), cipher.encrypt('erased'), ERASURE_REASON],
    );
    await d.query(`INSERT INTO account (tenant_id, id, external_ref, product, currency, opened_on)
                   VALUES ('t1', 'acct-texto', 'crm-texto', 1, 'USD', '2026-01-01')`);
    await d.query(
      `INSERT INTO account_debtor (tenant_id, account_id, debtor_id, role) VALUES ('t1', 'acct-texto', 'd-texto', 1)`,
    );
    // The first three: a memo naming the debtor's health and work, none, and one erased before.
    await d.query(
      `INSERT INTO journal_entry (tenant_id, id, account_id, kind, amount_minor, currency, effective_date, posted_at, idempotency_key, memo)
       SELECT 't1', md5('e' || g)::uuid, 'acct-texto', 2, 100, 'USD', DATE '2026-01-05' + g / 100, now(), 'k-' || g,
              CASE g WHEN 1 THEN $2 WHEN 2 THEN '' WHEN 3 THEN 'erased' ELSE 'nota de gestión número ' || g END
         FROM generate_series(1, $1::int) g`,
      [ENTRIES, MEMO],
    );
    await d.query(
      `INSERT INTO debtor_hold (tenant_id, debtor_id, kind, source, starts_on, lifted_at, lift_reason, idempotency_key)
       VALUES ('t1', 'd-texto', 1, $1, '2026-02-01', now(), $2, 'h-1'), ('t1', 'd-texto', 5, 'la deudora por teléfono', '2026-03-01', NULL, NULL, 'h-2')`,
      [SOURCE, LIFT_REASON],
    );
    before = await clearRows(d);

    withKey('another-key');
    await expect(open(all)).rejects.toThrow(/LEDGER_PII_KEY does not decrypt the debtors' names already stored/);
    withKey(undefined); // the development key, as the service
    await expect(open(all)).rejects.toThrow(/LEDGER_PII_KEY does not decrypt the debtors' names already stored/);

    const unchanged = await open(all.slice(0, at));
    expect(await clearRows(unchanged)).toEqual(before);
    expect(await hasColumn(unchanged, 'ledger', 'journal_entry', 'memo_enc')).toBe(false);
  });

  it('stores every memo, hold text and erasure reason encrypted, none in clear, and the ledger reads them back as they were', async () => {
    withKey(KEY);
    const d = await open(all);
    expect({
      memo: await columnsHolding(d, MEMO),
      memos: await columnsHolding(d, 'nota de gestión'),
      source: await columnsHolding(d, SOURCE),
      otherSource: await columnsHolding(d, 'la deudora por teléfono'),
      liftReason: await columnsHolding(d, LIFT_REASON),
      erasureReason: await columnsHolding(d, ERASURE_REASON),
    }).toEqual({ memo: [], memos: [], source: [], otherSource: [], liftReason: [], erasureReason: [] });
    for (const [table, column] of [
      ['journal_entry', 'memo'],
      ['debtor_hold', 'source'],
      ['debtor_hold', 'lift_reason'],
      ['debtor', 'erasure_reason'],
    ])
      expect(await hasColumn(d, 'ledger', table, column)).toBe(false);

    const { entries, holds } = await exported(d, 'd-texto');
    expect(entries).toHaveLength(ENTRIES);
    expect(entries.slice(0, 4).map((e) => e.memo)).toEqual([MEMO, '', 'erased', 'nota de gestión número 4']);
    // Both holds were inserted in one statement: the export's order between them is its ids'.
    expect(holds.map((h) => [h.source, h.liftReason]).sort()).toEqual(
      [
        [SOURCE, LIFT_REASON],
        ['la deudora por teléfono', ''],
      ].sort(),
    );
    const history = await new LedgerRepository(new PiiCipher(KEY)).history(d.manager, 't1', 'acct-texto');
    expect(history.filter((e) => e.memo === `nota de gestión número ${ENTRIES}`)).toHaveLength(1);
    const [{ erasure_reason_enc }] = (await d.query(
      `SELECT erasure_reason_enc FROM debtor WHERE tenant_id = 't1' AND id = 'd-borrada'`,
    )) as { erasure_reason_enc: Buffer }[];
    expect(new PiiCipher(KEY).decrypt(erasure_reason_enc)).toBe(ERASURE_REASON);
  });

  it('changes nothing when run again', async () => {
    withKey(KEY);
    const d = await open(all);
    const stored = await storedRows(d);
    const runner = d.createQueryRunner();
    try {
      await new LedgerFreeTextsEncrypted1763900016700().up(runner);
    } finally {
      await runner.release();
    }
    expect(await storedRows(d)).toEqual(stored);
  });

  it('goes back to the clear columns with every text as it was, and forward again', async () => {
    withKey(KEY);
    const d = await open(all);
    for (let undone = all.length; undone > at; undone--) await d.undoLastMigration();
    expect(await clearRows(d)).toEqual(before);
    expect(await hasColumn(d, 'ledger', 'journal_entry', 'memo_enc')).toBe(false);
    expect(await hasColumn(d, 'ledger', 'journal_entry', 'memo_erased')).toBe(false);

    await d.runMigrations();
    expect(await columnsHolding(d, MEMO)).toEqual([]);
    expect((await exported(d, 'd-texto')).entries[0].memo).toBe(MEMO);
  });
});
