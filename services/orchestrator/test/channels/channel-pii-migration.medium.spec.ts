import { DataSource } from 'typeorm';
import { columnsHolding, hasColumn, migrationTestDatabase, testEnv } from '@collections/testing';
import { ChannelPii } from '../../src/channels/channel-pii';
import { orchestratorService } from '../../src/orchestrator.service';

const KEY = 'migration-test-orchestrator-pii-key';
/** More deliveries than one batch (1,000) holds. */
const DELIVERIES = 2_100;
const T = 't1';

/**
 * Migration 1763900016000 stores the channels' addresses and the debtors' words already recorded
 * without their clear values (keys and ciphertexts under ORCHESTRATOR_PII_KEY), in batches; with
 * another key than a half-done run used it refuses and changes nothing; going back decrypts them.
 */
describe("the channels' addresses and replies already stored are encrypted (migration 1763900016000, real PostgreSQL)", () => {
  const all = orchestratorService.migrations;
  const at = all.findIndex((m) => m.name === 'OrchestratorChannelPiiEncrypted1763900016000');
  const { open } = migrationTestDatabase('orchestrator');
  const pii = new ChannelPii(KEY);
  const ana = {
    phone: '+573006660001',
    email: 'ana.migrada@correo.example',
    words: 'No debo nada, hablen con mi abogado',
  };
  const withKey = testEnv('ORCHESTRATOR_PII_KEY');
  let before: Record<string, unknown[]>;

  const clearRows = async (d: DataSource) => ({
    deliveries: (await d.query(
      `SELECT tenant_id, channel, idempotency_key, recipient, status FROM channel_delivery ORDER BY 1, 2, 3`,
    )) as unknown[],
    addresses: (await d.query(
      `SELECT tenant_id, channel, address, invalid, last_status FROM channel_address ORDER BY 1, 2, 3`,
    )) as unknown[],
    optOuts: (await d.query(
      `SELECT tenant_id, channel, address, message, provider_message_id FROM channel_opt_out ORDER BY 1, 2, 3`,
    )) as unknown[],
    inbound: (await d.query(
      `SELECT tenant_id, channel, provider_message_id, sender, text, opt_out FROM channel_inbound ORDER BY 1, 2, 3`,
    )) as unknown[],
  });

  it('refuses to go on with another key than a run that stopped half-way used, and changes nothing', async () => {
    expect(at).toBeGreaterThan(0);
    const d = await open(all.slice(0, at));
    const now = new Date('2026-03-02T15:00:00Z');
    await d.query(
      `INSERT INTO channel_delivery (tenant_id, channel, idempotency_key, recipient, provider_message_id, status, attempts, updated_at, account_id)
       VALUES ($1, 'sms', 'sms-ana', $2, 'SM1', 'delivered', 1, $4, 'acc-ana'),
              ($1, 'email', 'email-ana', $3, 'mail-1', 'queued', 1, $4, 'acc-ana'),
              ($1, 'sms', 'sms-erased', 'erased', 'SM2', 'delivered', 1, $4, 'acc-gone')`,
      [T, ana.phone, ana.email, now],
    );
    await d.query(
      `INSERT INTO channel_delivery (tenant_id, channel, idempotency_key, recipient, status, attempts, updated_at)
       SELECT 't' || (g % 3), 'sms', 'bulk-' || g, '+57301' || lpad(g::text, 7, '0'), 'queued', 1, $2
         FROM generate_series(1, $1::int) g`,
      [DELIVERIES, now],
    );
    await d.query(
      `INSERT INTO channel_address (tenant_id, channel, address, invalid, last_status, last_status_at, opted_out_at)
       VALUES ($1, 'sms', $2, false, 'delivered', $3, $3)`,
      [T, ana.phone, now],
    );
    await d.query(
      `INSERT INTO channel_opt_out (tenant_id, channel, address, message, provider_message_id, received_at)
       VALUES ($1, 'sms', $2, 'BAJA', 'SM9', $3), ($1, 'sms', 'erased:SM8', 'erased', 'SM8', $3)`,
      [T, ana.phone, now],
    );
    await d.query(
      `INSERT INTO channel_inbound (tenant_id, channel, provider_message_id, sender, text, opt_out, received_at, account_id, intent)
       VALUES ($1, 'sms', 'SM7', $2, $3, false, $4, 'acc-ana', 'review'), ($1, 'sms', 'SM9', $2, 'BAJA', true, $4, 'acc-ana', 'opt-out'),
              ($1, 'sms', 'SM8', 'erased', 'erased', true, $4, 'acc-gone', 'opt-out')`,
      [T, ana.phone, ana.words, now],
    );
    before = await clearRows(d);

    // A run that stopped half-way had encrypted one reply under KEY (its columns are there).
    await d.query(
      `ALTER TABLE channel_inbound ADD COLUMN sender_hash text, ADD COLUMN sender_enc bytea, ADD COLUMN text_enc bytea`,
    );
    await d.query(`UPDATE channel_inbound SET text_enc = $1 WHERE provider_message_id = 'SM7'`, [
      pii.encrypt(ana.words),
    ]);

    withKey(undefined); // the development key, as the service without ORCHESTRATOR_PII_KEY
    await expect(open(all)).rejects.toThrow(/ORCHESTRATOR_PII_KEY does not decrypt the values already encrypted/);
    withKey('another-key');
    await expect(open(all)).rejects.toThrow(/ORCHESTRATOR_PII_KEY does not decrypt the values already encrypted/);

    const unchanged = await open(all.slice(0, at));
    expect(await clearRows(unchanged)).toEqual(before);
    expect(await hasColumn(unchanged, 'orchestrator', 'channel_delivery', 'recipient_hash')).toBe(false);
  });

  it("stores every address and reply without its clear value, found by the address's key and read back as it was", async () => {
    withKey(KEY);
    const d = await open(all);
    expect({
      phone: await columnsHolding(d, ana.phone),
      email: await columnsHolding(d, ana.email),
      words: await columnsHolding(d, ana.words),
      others: await columnsHolding(d, '+57301'),
    }).toEqual({ phone: [], email: [], words: [], others: [] });
    for (const [table, column] of [
      ['channel_delivery', 'recipient'],
      ['channel_address', 'address'],
      ['channel_opt_out', 'address'],
      ['channel_inbound', 'text'],
    ])
      expect(await hasColumn(d, 'orchestrator', table, column)).toBe(false);

    const phoneKey = pii.addressKey(T, 'sms', ana.phone);
    const [reply] = (await d.query(
      `SELECT sender_enc, text_enc FROM channel_inbound WHERE tenant_id = $1 AND channel = 'sms' AND sender_hash = $2 AND NOT opt_out`,
      [T, phoneKey],
    )) as { sender_enc: Buffer; text_enc: Buffer }[];
    expect([pii.decrypt(reply.sender_enc), pii.decrypt(reply.text_enc)]).toEqual([ana.phone, ana.words]);
    const [delivery] = (await d.query(
      `SELECT account_id, recipient_enc FROM channel_delivery WHERE tenant_id = $1 AND channel = 'sms' AND recipient_hash = $2`,
      [T, phoneKey],
    )) as { account_id: string; recipient_enc: Buffer }[];
    expect([delivery.account_id, pii.decrypt(delivery.recipient_enc)]).toEqual(['acc-ana', ana.phone]);
    expect(
      await d.query(`SELECT last_status FROM channel_address WHERE tenant_id = $1 AND address_hash = $2`, [
        T,
        phoneKey,
      ]),
    ).toEqual([{ last_status: 'delivered' }]);
    // What an erasure had left stays erased: a marker for a key, no values.
    expect(
      await d.query(
        `SELECT address_hash, address_enc, message_enc FROM channel_opt_out WHERE provider_message_id = 'SM8'`,
      ),
    ).toEqual([{ address_hash: 'erased:SM8', address_enc: null, message_enc: null }]);
    const bulk = (await d.query(
      `SELECT idempotency_key, recipient_enc FROM channel_delivery WHERE tenant_id = 't1' AND idempotency_key LIKE 'bulk-1%'`,
    )) as { idempotency_key: string; recipient_enc: Buffer }[];
    expect(bulk.length).toBeGreaterThan(100);
    for (const r of bulk)
      expect(pii.decrypt(r.recipient_enc)).toBe(`+57301${r.idempotency_key.slice(5).padStart(7, '0')}`);
  });

  it('refuses to go back with another key; with its key, goes back to every value as it was, and forward again', async () => {
    // The migrations after this one first (they need no key), then this one's down with another key.
    let d = await open(all);
    for (let undone = all.length; undone > at + 1; undone--) await d.undoLastMigration();
    withKey('another-key');
    d = await open(all.slice(0, at + 1));
    await expect(d.undoLastMigration()).rejects.toThrow(/ORCHESTRATOR_PII_KEY does not decrypt/);
    withKey(KEY);
    d = await open(all.slice(0, at + 1));
    await d.undoLastMigration();
    expect(await clearRows(d)).toEqual(before);
    expect(await hasColumn(d, 'orchestrator', 'channel_inbound', 'text_enc')).toBe(false);
    expect(await hasColumn(d, 'orchestrator', 'channel_address', 'address_hash')).toBe(false);

    await d.runMigrations();
    expect(await columnsHolding(d, ana.words)).toEqual([]);
  });
});

describe('an address stored twice in two forms becomes one (migration 1763900016000, real PostgreSQL)', () => {
  const all = orchestratorService.migrations;
  const at = all.findIndex((m) => m.name === 'OrchestratorChannelPiiEncrypted1763900016000');
  const { open } = migrationTestDatabase('orchestrator');
  const pii = new ChannelPii(KEY);
  const withKey = testEnv('ORCHESTRATOR_PII_KEY');

  it('keeps it invalid if either form was, with its latest status, its first opt-out and the first STOP on record', async () => {
    const d = await open(all.slice(0, at));
    const [early, late] = [new Date('2026-03-02T15:00:00Z'), new Date('2026-03-05T15:00:00Z')];
    await d.query(
      `INSERT INTO channel_address (tenant_id, channel, address, invalid, invalid_reason, last_status, last_status_at, opted_out_at)
       VALUES ($1, 'sms', '+57 300 666 0002', true, '21211', 'failed', $2, NULL),
              ($1, 'sms', '+573006660002', false, NULL, 'delivered', $3, $3)`,
      [T, early, late],
    );
    await d.query(
      `INSERT INTO channel_opt_out (tenant_id, channel, address, message, provider_message_id, received_at)
       VALUES ($1, 'sms', '+57 300 666 0002', 'STOP', 'SM-late', $3), ($1, 'sms', '+573006660002', 'BAJA', 'SM-early', $2)`,
      [T, early, late],
    );
    withKey(KEY);
    const migrated = await open(all);
    const key = pii.addressKey(T, 'sms', '+573006660002');
    expect(
      await migrated.query(
        `SELECT invalid, invalid_reason, last_status, last_status_at, opted_out_at FROM channel_address
          WHERE tenant_id = $1 AND channel = 'sms' AND address_hash = $2`,
        [T, key],
      ),
    ).toEqual([
      { invalid: true, invalid_reason: '21211', last_status: 'delivered', last_status_at: late, opted_out_at: late },
    ]);
    const optOuts = (await migrated.query(
      `SELECT provider_message_id, message_enc FROM channel_opt_out WHERE tenant_id = $1 AND address_hash = $2`,
      [T, key],
    )) as { provider_message_id: string; message_enc: Buffer }[];
    expect(optOuts.map((o) => [o.provider_message_id, pii.decrypt(o.message_enc)])).toEqual([['SM-early', 'BAJA']]);
  });
});
