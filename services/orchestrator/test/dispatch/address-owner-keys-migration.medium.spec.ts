import { DataSource } from 'typeorm';
import { columnsHolding, migrationTestDatabase, testEnv } from '@collections/testing';
import { ChannelPii, reloadChannelPii } from '../../src/channels/channel-pii';
import { eraseDebtorContactData } from '../../src/decisions/debtor-erasure';
import { addressOwners } from '../../src/dispatch/address-owners';
import { addressHash } from '../../src/dispatch/addresses';
import { OrchestratorAddressOwnerKeys1763900016800 } from '../../src/migrations/1763900016800-orchestrator-address-owner-keys';
import { orchestratorService } from '../../src/orchestrator.service';

const KEY = 'migration-test-orchestrator-pii-key';
const T = 't1';
/** More owner rows than one batch (1,000) holds. */
const BULK = 2_100;

/** A phone two debtors were sent to (on each phone channel), and an e-mail one of them was. */
const SHARED_PHONE = '+573007770001';
const ANA_EMAIL = 'ana.duena@correo.example';
const seeded = [
  ...['sms', 'whatsapp', 'call'].flatMap((channel) =>
    ['deb-ana', 'deb-luis'].map((debtor) => ({ channel, address: SHARED_PHONE, debtor })),
  ),
  { channel: 'email', address: ANA_EMAIL, debtor: 'deb-ana' },
];

/**
 * Migration 1763900016800 keys `contact_address_owner` under ORCHESTRATOR_PII_KEY: the rows an
 * earlier version wrote hold the plain SHA-256 of each address (`addressHash`), which anyone with a
 * copy of the database could match against every phone number; from the stored hash alone they
 * become the address's key (as the channels' records key it) and the hash encrypted. Lookups
 * (a STOP, an old opt-out link) and the erasure find them; a second run changes nothing; going back
 * restores the hashes.
 */
describe("the dispatcher's owners of an address are keyed (migration 1763900016800, real PostgreSQL)", () => {
  const all = orchestratorService.migrations;
  const at = all.findIndex((m) => m.name === 'OrchestratorAddressOwnerKeys1763900016800');
  const { open } = migrationTestDatabase('orchestrator');
  const pii = new ChannelPii(KEY);
  const withKey = testEnv('ORCHESTRATOR_PII_KEY', reloadChannelPii);
  let d: DataSource;

  const table = (db: DataSource) =>
    db.query(`SELECT * FROM contact_address_owner ORDER BY tenant_id, channel, address_hash, debtor_id`) as Promise<
      Record<string, unknown>[]
    >;

  beforeAll(() => withKey(KEY));

  it('leaves no plain hash of any address, and finds every owner of an address by its key', async () => {
    expect(at).toBeGreaterThan(0);
    const before = await open(all.slice(0, at));
    for (const s of seeded)
      await before.query(
        `INSERT INTO contact_address_owner (tenant_id, channel, address_hash, debtor_id) VALUES ($1, $2, $3, $4)`,
        [T, s.channel, addressHash(T, s.channel, s.address), s.debtor],
      );
    await before.query(
      `INSERT INTO contact_address_owner (tenant_id, channel, address_hash, debtor_id)
       SELECT 't' || (g % 3), 'sms', encode(sha256(g::text::bytea), 'hex'), 'bulk-' || g FROM generate_series(1, $1::int) g`,
      [BULK],
    );

    d = await open(all);
    const rows = await table(d);
    expect(rows).toHaveLength(seeded.length + BULK);
    for (const s of seeded) expect(await columnsHolding(d, addressHash(T, s.channel, s.address))).toEqual([]);
    // Each row: its address's key (as the channels' records have it), its hash encrypted beside it.
    const bulk = rows.filter((r) => (r.debtor_id as string).startsWith('bulk-'));
    for (const r of bulk) {
      const hash = pii.decrypt(r.hash_enc as Buffer);
      expect(r.address_hash).toBe(pii.addressKeyOfHash(hash));
      expect(hash).not.toBe(r.address_hash);
    }
    for (const channel of ['sms', 'whatsapp', 'call'])
      expect(await addressOwners(d.manager, T, channel, addressHash(T, channel, SHARED_PHONE), pii)).toEqual([
        'deb-ana',
        'deb-luis',
      ]);
    expect(
      await d.query(
        `SELECT debtor_id FROM contact_address_owner WHERE tenant_id = $1 AND channel = 'sms' AND address_hash = $2`,
        [T, pii.addressKey(T, 'sms', SHARED_PHONE)],
      ),
    ).toHaveLength(2);
  });

  it('changes nothing when run again', async () => {
    const once = await table(d);
    const runner = d.createQueryRunner();
    try {
      await new OrchestratorAddressOwnerKeys1763900016800().up(runner);
    } finally {
      await runner.release();
    }
    expect(await table(d)).toEqual(once);
  });

  it("lets the erasure remove the erased debtor's rows and keep the other owner's", async () => {
    await d.transaction((tx) => eraseDebtorContactData(tx, T, 'deb-ana'));
    expect(
      await d.query(
        `SELECT channel, debtor_id FROM contact_address_owner WHERE tenant_id = $1 AND debtor_id LIKE 'deb-%' ORDER BY 1`,
        [T],
      ),
    ).toEqual([
      { channel: 'call', debtor_id: 'deb-luis' },
      { channel: 'sms', debtor_id: 'deb-luis' },
      { channel: 'whatsapp', debtor_id: 'deb-luis' },
    ]);
  });

  it('goes back to the plain hashes, and forward again', async () => {
    const keyed = await table(d);
    // Down to this migration: every later one first, then this one.
    for (let undone = all.length; undone > at; undone--) await d.undoLastMigration();
    const back = await table(d);
    expect(back.map((r) => Object.keys(r).sort())[0]).toEqual(['address_hash', 'channel', 'debtor_id', 'tenant_id']);
    expect(back.find((r) => r.debtor_id === 'deb-luis' && r.channel === 'sms')?.address_hash).toBe(
      addressHash(T, 'sms', SHARED_PHONE),
    );
    expect(back).toHaveLength(keyed.length);
    await d.runMigrations();
    expect(await table(d)).toHaveLength(keyed.length);
    expect(await columnsHolding(d, addressHash(T, 'sms', SHARED_PHONE))).toEqual([]);
  });
});
