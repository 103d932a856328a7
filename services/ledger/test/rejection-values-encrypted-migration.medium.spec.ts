import { DataSource } from 'typeorm';
import { ServiceContext } from '@collections/runtime';
import { columnsHolding, hasColumn, migrationTestDatabase, testEnv } from '@collections/testing';
import { ImportEngine } from '../src/imports/import-engine';
import { ledgerService } from '../src/ledger.service';
import { PiiCipher } from '../src/ledger/pii';
import { LedgerRejectionValuesEncrypted1763900017800 } from '../src/migrations/1763900017800-ledger-rejection-values-encrypted';

const KEY = 'migration-test-rejection-values-key';
/** More rejected lines than one batch (1,000) holds. */
const REJECTIONS = 1_200;

/** Reasons as the importers wrote them before, and their words once the value is moved out. */
const OLD_REASONS: [string, string][] = [
  ['unknown currency "1098765432"', 'unknown currency "{value}"'],
  [
    'date is not a calendar date YYYY-MM-DD: "Marisol "la Mona" Ortiz"',
    'date is not a calendar date YYYY-MM-DD: "{value}"',
  ],
  ['unknown field "marisol@example.com"', 'unknown field "{value}"'],
  ['column X1 is not an integer: "+57 3159990011"', 'column X1 is not an integer: "{value}"'],
  ['amount: not a decimal amount: "Marisol"', 'amount: not a decimal amount: "{value}"'],
  ['amount must be positive, got -3159990011', 'amount must be positive, got {value}'],
  [
    'unknown account: no account has external_ref Marisol Ortiz',
    'unknown account: no account has external_ref {value}',
  ],
  ['duplicate ID 1098765432 (first on line 2)', 'duplicate ID {value} (first on line 2)'],
  // Quotes no value of the file: as it was.
  ['malformed CSV: expected 23 columns, found 22', 'malformed CSV: expected 23 columns, found 22'],
];
const VALUES = ['1098765432', 'Marisol', 'marisol@example.com', '3159990011'];

/**
 * Migration 1763900017800 moves the value an old rejection's reason quotes into `value_enc`,
 * encrypted with the ledger's key, leaving the reason's words; the report reads them whole as
 * before; run again it changes nothing; going back puts the values back into the reasons.
 */
describe("the values quoted by rejected import lines' reasons already stored are encrypted (migration 1763900017800, real PostgreSQL)", () => {
  const all = ledgerService.migrations;
  const at = all.findIndex((m) => m.name === 'LedgerRejectionValuesEncrypted1763900017800');
  const { open } = migrationTestDatabase('ledger');
  const withKey = testEnv('LEDGER_PII_KEY');
  const cipher = new PiiCipher(KEY);
  const report = async (d: DataSource) =>
    (await new ImportEngine({ dataSource: d } as ServiceContext, cipher).rejections('t1', await jobId(d))).map(
      (r) => r.reason,
    );
  const jobId = async (d: DataSource) => ((await d.query(`SELECT id FROM import_job`)) as { id: string }[])[0].id;
  const reasons = async (d: DataSource) =>
    ((await d.query(`SELECT reason FROM import_rejection ORDER BY line_no`)) as { reason: string }[]).map(
      (r) => r.reason,
    );
  const expectedOld = Array.from({ length: REJECTIONS }, (_, i) => OLD_REASONS[i % OLD_REASONS.length][0]);
  const expectedWords = Array.from({ length: REJECTIONS }, (_, i) => OLD_REASONS[i % OLD_REASONS.length][1]);

  it('moves every quoted value out of the reasons, none left in clear, and the report reads them whole', async () => {
    expect(at).toBeGreaterThan(0);
    withKey(KEY);
    const before = await open(all.slice(0, at));
    await before.query(
      `INSERT INTO debtor (tenant_id, id, kind, display_name_enc, time_zone, language, country)
       VALUES ('t1', 'd-1', 'person', $1, 'America/Bogota', 'es', 'CO')`,
      [cipher.encrypt('Ana')],
    );
    await before.query(
      `INSERT INTO import_job (tenant_id, id, format, source_name, file_sha256, status)
       VALUES ('t1', md5('j')::uuid, 'generic-csv', 'cartera.csv', 'sha-j', 'completed')`,
    );
    await before.query(
      `INSERT INTO import_rejection (tenant_id, job_id, line_no, reason, raw_enc)
       SELECT 't1', md5('j')::uuid, g + 2, ($1::text[])[g % $2 + 1], NULL FROM generate_series(0, $3::int - 1) g`,
      [OLD_REASONS.map(([old]) => old), OLD_REASONS.length, REJECTIONS],
    );
    expect(await reasons(before)).toEqual(expectedOld);

    const d = await open(all);
    expect(await reasons(d)).toEqual(expectedWords);
    for (const value of VALUES)
      expect({ value, columns: await columnsHolding(d, value) }).toEqual({ value, columns: [] });
    expect(await report(d)).toEqual(expectedOld);
  });

  it('changes nothing when run again', async () => {
    withKey(KEY);
    const d = await open(all);
    const stored = (await d.query(
      `SELECT line_no, reason, value_enc FROM import_rejection ORDER BY line_no`,
    )) as unknown[];
    const runner = d.createQueryRunner();
    try {
      await new LedgerRejectionValuesEncrypted1763900017800().up(runner);
    } finally {
      await runner.release();
    }
    expect(await d.query(`SELECT line_no, reason, value_enc FROM import_rejection ORDER BY line_no`)).toEqual(stored);
  });

  it('goes back to the reasons as they were, and forward again', async () => {
    withKey(KEY);
    const d = await open(all);
    for (let undone = all.length; undone > at; undone--) await d.undoLastMigration();
    expect(await reasons(d)).toEqual(expectedOld);
    expect(await hasColumn(d, 'ledger', 'import_rejection', 'value_enc')).toBe(false);
    await d.runMigrations();
    expect(await reasons(d)).toEqual(expectedWords);
  });
});
