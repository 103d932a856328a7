import { DataSource } from 'typeorm';
import { columnsHolding, hasColumn, migrationTestDatabase, testEnv } from '@collections/testing';
import { ledgerService } from '../src/ledger.service';
import { PiiCipher } from '../src/ledger/pii';
import { LedgerBankTextsEncrypted1763900017710 } from '../src/migrations/1763900017710-ledger-bank-texts-encrypted';
import { ReconciliationRepository } from '../src/reconciliation/reconciliation.repository';

const KEY = 'migration-test-bank-texts-key';
/** More rejected lines than one batch (1,000) holds. */
const REJECTIONS = 1_200;

const REMITTANCE = 'Pago de Tomás Transferencia Ortiz, cc 80111222';
const PAYER_ACCOUNT = 'CO55000098765432109876';
const RAW = 'payment,crm-x,,,,,,,,USD,,,,,,,,,,pago de Tomás Transferencia Ortiz tel 3104445566,,10.00,2026-02-01';

/**
 * Migration 1763900017710 encrypts the bank statements' remittance texts and payers' accounts and
 * the rejected import lines already stored with the ledger's key, in batches; with another key it
 * refuses and changes nothing; run again it changes nothing; going back decrypts them into the
 * clear columns.
 */
describe('bank texts and rejected import lines already stored are encrypted (migration 1763900017710, real PostgreSQL)', () => {
  const all = ledgerService.migrations;
  const at = all.findIndex((m) => m.name === 'LedgerBankTextsEncrypted1763900017710');
  const { open } = migrationTestDatabase('ledger');
  const withKey = testEnv('LEDGER_PII_KEY');
  let before: Record<string, unknown[]>;

  const clearRows = async (d: DataSource) => ({
    items: (await d.query(
      `SELECT tenant_id, id, reference, counterparty_account FROM recon_item ORDER BY tenant_id, id`,
    )) as unknown[],
    rejections: (await d.query(
      `SELECT tenant_id, job_id, line_no, reason, raw FROM import_rejection ORDER BY tenant_id, job_id, line_no`,
    )) as unknown[],
  });
  const storedRows = async (d: DataSource) => ({
    items: (await d.query(
      `SELECT tenant_id, id, reference_enc, counterparty_account_enc FROM recon_item ORDER BY tenant_id, id`,
    )) as unknown[],
    rejections: (await d.query(
      `SELECT tenant_id, job_id, line_no, raw_enc FROM import_rejection ORDER BY tenant_id, job_id, line_no`,
    )) as unknown[],
  });

  it('refuses to run with another key than the stored names were encrypted with, and changes nothing', async () => {
    expect(at).toBeGreaterThan(0);
    withKey(KEY);
    const d = await open(all.slice(0, at));
    await d.query(
      `INSERT INTO debtor (tenant_id, id, kind, display_name_enc, time_zone, language, country)
       VALUES ('t1', 'd-banco', 'person', $1, 'America/Bogota', 'es', 'CO')`,
      [new PiiCipher(KEY).encrypt('Tomás Transferencia Ortiz')],
    );
    await d.query(
      `INSERT INTO recon_file (tenant_id, id, kind, sha256, name, status, total_items, matched_items, unmatched_items,
         ignored_items, posted_payments, imported_at)
       VALUES ('t1', md5('f')::uuid, 'camt053', 'sha-1', 'extracto.xml', 'imported', 3, 0, 3, 0, 0, now())`,
    );
    // A remittance text and the payer's account, a gateway's line without an account, and one erased before.
    await d.query(
      `INSERT INTO recon_item (tenant_id, id, file_id, entry_index, direction, amount_minor, currency, value_date,
         reference, counterparty_account, bank_reference, status)
       VALUES ('t1', md5('i1')::uuid, md5('f')::uuid, 1, 'credit', 7500, 'USD', '2026-03-02', $1, $2, 'TX-1', 'unmatched'),
              ('t1', md5('i2')::uuid, md5('f')::uuid, 2, 'credit', 100, 'USD', '2026-03-02', 'ORD-77', '', 'TX-2', 'unmatched'),
              ('t1', md5('i3')::uuid, md5('f')::uuid, 3, 'credit', 100, 'USD', '2026-03-02', 'erased', 'erased', 'TX-3', 'unmatched')`,
      [REMITTANCE, PAYER_ACCOUNT],
    );
    await d.query(
      `INSERT INTO import_job (tenant_id, id, format, source_name, file_sha256, status)
       VALUES ('t1', md5('j')::uuid, 'generic-csv', 'cartera.csv', 'sha-j', 'completed')`,
    );
    await d.query(
      `INSERT INTO import_rejection (tenant_id, job_id, line_no, reason, raw)
       SELECT 't1', md5('j')::uuid, g, 'unknown account', CASE g WHEN 2 THEN $2 WHEN 3 THEN '' ELSE 'línea rechazada ' || g END
         FROM generate_series(2, $1::int + 1) g`,
      [REJECTIONS, RAW],
    );
    before = await clearRows(d);

    withKey('another-key');
    await expect(open(all)).rejects.toThrow(/LEDGER_PII_KEY does not decrypt the debtors' names already stored/);

    const unchanged = await open(all.slice(0, at));
    expect(await clearRows(unchanged)).toEqual(before);
    expect(await hasColumn(unchanged, 'ledger', 'recon_item', 'reference_enc')).toBe(false);
  });

  it('stores every remittance text, payer account and rejected line encrypted, none in clear, and the ledger reads them back as they were', async () => {
    withKey(KEY);
    const d = await open(all);
    expect({
      remittance: await columnsHolding(d, REMITTANCE),
      account: await columnsHolding(d, PAYER_ACCOUNT),
      raw: await columnsHolding(d, 'tel 3104445566'),
      raws: await columnsHolding(d, 'línea rechazada'),
    }).toEqual({ remittance: [], account: [], raw: [], raws: [] });
    for (const [table, column] of [
      ['recon_item', 'reference'],
      ['recon_item', 'counterparty_account'],
      ['import_rejection', 'raw'],
    ])
      expect(await hasColumn(d, 'ledger', table, column)).toBe(false);

    const items = await new ReconciliationRepository(new PiiCipher(KEY)).listUnmatched(d.manager, 't1', 0, 10);
    expect(items.map((i) => [i.reference, i.counterparty_account])).toEqual([
      [REMITTANCE, PAYER_ACCOUNT],
      ['ORD-77', ''],
      ['erased', 'erased'],
    ]);
    const cipher = new PiiCipher(KEY);
    const raws = (
      (await d.query(`SELECT raw_enc FROM import_rejection ORDER BY line_no`)) as { raw_enc: Buffer | null }[]
    ).map((r) => (r.raw_enc ? cipher.decrypt(r.raw_enc) : ''));
    expect(raws).toHaveLength(REJECTIONS);
    expect(raws.slice(0, 3)).toEqual([RAW, '', 'línea rechazada 4']);
    expect(raws[REJECTIONS - 1]).toBe(`línea rechazada ${REJECTIONS + 1}`);
  });

  it('changes nothing when run again', async () => {
    withKey(KEY);
    const d = await open(all);
    const stored = await storedRows(d);
    const runner = d.createQueryRunner();
    try {
      await new LedgerBankTextsEncrypted1763900017710().up(runner);
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
    expect(await hasColumn(d, 'ledger', 'import_rejection', 'raw_enc')).toBe(false);

    await d.runMigrations();
    expect(await columnsHolding(d, REMITTANCE)).toEqual([]);
  });
});
