import { DataSource } from 'typeorm';
import { ServiceContext } from '@collections/runtime';
import { columnsHolding, hasColumn, migrationTestDatabase, sqlFailure, testEnv } from '@collections/testing';
import { ledgerService } from '../src/ledger.service';
import { PiiCipher } from '../src/ledger/pii';
import { DataSubjectUseCase } from '../src/ledger/usecases/data-subject.usecase';
import { asTenantKey } from './support/principal';

const KEY = 'migration-test-pii-key';
/** More debtors and contact points than one batch (1,000) holds. */
const DEBTORS = 2_100;

/**
 * Migration 1763900015700 encrypts the names and contact point values already stored with the
 * ledger's key (LEDGER_PII_KEY), in batches; without the key, or with another one, it refuses and
 * changes nothing; going back decrypts them into the clear columns.
 */
describe("debtors' names and contact points already stored are encrypted (migration 1763900015700, real PostgreSQL)", () => {
  const all = ledgerService.migrations;
  const at = all.findIndex((m) => m.name === 'LedgerDebtorPiiEncrypted1763900015700');
  const { open } = migrationTestDatabase('ledger');
  const ines = {
    name: 'Inés Migrada Ortiz',
    phone: '+573007770001',
    email: 'ines.migrada@example.co',
    address: 'Calle 72 # 10-34, Bogotá',
  };
  const withKey = testEnv('LEDGER_PII_KEY');
  let before: { debtors: unknown[]; contacts: unknown[] };

  const clearRows = async (d: DataSource) => ({
    debtors: (await d.query(`SELECT tenant_id, id, display_name FROM debtor ORDER BY tenant_id, id`)) as unknown[],
    contacts: (await d.query(
      `SELECT tenant_id, debtor_id, seq, type, value FROM contact_point ORDER BY tenant_id, debtor_id, seq`,
    )) as unknown[],
  });
  const exported = (d: DataSource, debtorId: string) =>
    asTenantKey('t1', () =>
      new DataSubjectUseCase({ dataSource: d } as unknown as ServiceContext, new PiiCipher(KEY)).export('t1', debtorId),
    );

  it('refuses to run without the key, or with another key than the national ids were encrypted with, and changes nothing', async () => {
    expect(at).toBeGreaterThan(0);
    const d = await open(all.slice(0, at));
    await d.query(
      `INSERT INTO debtor (tenant_id, id, kind, display_name, national_id_enc, time_zone, language, country)
       VALUES ('t1', 'd-ines', 'person', $1, $2, 'America/Bogota', 'es', 'CO')`,
      [ines.name, new PiiCipher(KEY).encrypt('52123456')],
    );
    await d.query(
      `INSERT INTO contact_point (tenant_id, debtor_id, seq, type, value, verified, consented_channels)
       VALUES ('t1', 'd-ines', 1, 'phone', $1, true, '{sms}'), ('t1', 'd-ines', 2, 'email', $2, false, '{email}'),
              ('t1', 'd-ines', 3, 'address', $3, false, '{letter}')`,
      [ines.phone, ines.email, ines.address],
    );
    // An erased debtor: its placeholders.
    await d.query(`INSERT INTO debtor (tenant_id, id, kind, display_name, time_zone, language, country, erased_at)
                   VALUES ('t1', 'd-erased', 'person', 'erased', 'UTC', 'es', 'CO', now())`);
    await d.query(`INSERT INTO contact_point (tenant_id, debtor_id, seq, type, value)
                   VALUES ('t1', 'd-erased', 1, 'phone', 'erased:1'), ('t1', 'd-erased', 2, 'email', 'erased:2')`);
    await d.query(
      `INSERT INTO debtor (tenant_id, id, kind, display_name, time_zone, language, country)
       SELECT 't' || (g % 3), 'd-' || g, 'person', 'Deudor número ' || g, 'UTC', 'es', 'CO' FROM generate_series(1, $1::int) g`,
      [DEBTORS],
    );
    await d.query(
      `INSERT INTO contact_point (tenant_id, debtor_id, seq, type, value)
       SELECT 't' || (g % 3), 'd-' || g, s, 'phone', '+57300' || lpad((g * 10 + s)::text, 7, '0')
         FROM generate_series(1, $1::int) g, generate_series(1, 2) s WHERE g % 2 = 0`,
      [DEBTORS],
    );
    before = await clearRows(d);

    withKey(undefined); // the development key, as the service: not the key these national ids were encrypted with
    await expect(open(all)).rejects.toThrow(/LEDGER_PII_KEY does not decrypt the national ids already stored/);
    withKey('another-key');
    await expect(open(all)).rejects.toThrow(/LEDGER_PII_KEY does not decrypt the national ids already stored/);

    const unchanged = await open(all.slice(0, at));
    expect(await clearRows(unchanged)).toEqual(before);
    expect(await hasColumn(unchanged, 'ledger', 'debtor', 'display_name_enc')).toBe(false);
  });

  it('stores every name and contact point value encrypted, none in clear, and the ledger reads them back as they were', async () => {
    withKey(KEY);
    const d = await open(all);
    expect({
      name: await columnsHolding(d, ines.name),
      phone: await columnsHolding(d, ines.phone),
      email: await columnsHolding(d, ines.email),
      address: await columnsHolding(d, ines.address),
      others: await columnsHolding(d, 'Deudor número'),
    }).toEqual({ name: [], phone: [], email: [], address: [], others: [] });
    expect(await hasColumn(d, 'ledger', 'debtor', 'display_name')).toBe(false);
    expect(await hasColumn(d, 'ledger', 'contact_point', 'value')).toBe(false);

    const { debtor } = await exported(d, 'd-ines');
    expect(debtor).toMatchObject({ displayName: ines.name, nationalId: '52123456' });
    expect(debtor?.contactPoints.map((c) => [c.type, c.value, c.verified, c.consentedChannels])).toEqual([
      ['phone', ines.phone, true, ['sms']],
      ['email', ines.email, false, ['email']],
      ['address', ines.address, false, ['letter']],
    ]);
    const erased = await exported(d, 'd-erased');
    expect(erased.erased).toBe(true);
    expect(erased.debtor?.displayName).toBe('erased');
    expect(erased.debtor?.contactPoints.map((c) => c.value)).toEqual(['erased:1', 'erased:2']);
    const cipher = new PiiCipher(KEY);
    const names = (await d.query(
      `SELECT id, display_name_enc FROM debtor WHERE tenant_id = 't1' AND id LIKE 'd-1%'`,
    )) as {
      id: string;
      display_name_enc: Buffer;
    }[];
    expect(names.length).toBeGreaterThan(100);
    for (const r of names) expect(cipher.decrypt(r.display_name_enc)).toBe(`Deudor número ${r.id.slice(2)}`);
    // A debtor cannot be stored without a name.
    const nameless = await sqlFailure(
      d,
      `INSERT INTO debtor (tenant_id, id, kind, time_zone, language, country) VALUES ('t1', 'd-x', 'person', 'UTC', 'es', 'CO')`,
    );
    expect(nameless?.code).toBe('23502');
  });

  it('goes back to the clear columns with every value as it was, and forward again', async () => {
    withKey(KEY);
    const d = await open(all);
    for (let undone = all.length; undone > at; undone--) await d.undoLastMigration();
    expect(await clearRows(d)).toEqual(before);
    expect(await hasColumn(d, 'ledger', 'debtor', 'display_name_enc')).toBe(false);
    expect(await hasColumn(d, 'ledger', 'contact_point', 'value_enc')).toBe(false);

    await d.runMigrations();
    expect(await columnsHolding(d, ines.name)).toEqual([]);
    expect((await exported(d, 'd-ines')).debtor?.displayName).toBe(ines.name);
  });
});
