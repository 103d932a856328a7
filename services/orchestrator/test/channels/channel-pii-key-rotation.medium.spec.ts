import { ServiceUnderTest, startServiceUnderTest, testEnv } from '@collections/testing';
import { AgentTaskContactLaw } from '../../src/agents/usecases/agent-task-contact-law';
import { ChannelPii, channelPii, reloadChannelPii } from '../../src/channels/channel-pii';
import { PgOutcomeStore, applyWebhookEvents } from '../../src/channels/channel-records';
import { ChannelName, WebhookEvent } from '../../src/channels/domain';
import { rotateChannelPiiKey } from '../../src/channels/pii-rotation';
import { recordAddressOwner } from '../../src/dispatch/address-owners';
import { addressHash } from '../../src/dispatch/addresses';
import { recordContactOutcomes } from '../../src/dispatch/contact-outcomes';
import { orchestratorService } from '../../src/orchestrator.service';

/** The key the orchestrator ran with before the rotation (the single-key form), and the new one. */
const KEY_A = 'the-orchestrator-key-before-the-rotation';
const KEY_B = 'the-orchestrator-key-after-the-rotation-2026';
const BOTH = `b2026:${KEY_B},legacy:${KEY_A}`;
const ONLY_B = `b2026:${KEY_B}`;

const ANA = { accountId: 'acc-rot-ana', phone: '+573001110001', email: 'ana.rotada@correo.example' };
const LUIS = { accountId: 'acc-rot-luis', phone: '+573001110002' };
const NEW = { accountId: 'acc-rot-ana', phone: '+573001110003' };
/** A phone both debtors were sent to (the dispatcher's `contact_address_owner`, on each phone channel). */
const SHARED = '+573001110009';

/** The columns each table keeps an address in: its key and its value encrypted, and its other encrypted words. */
const TABLES = [
  { table: 'channel_delivery', hash: 'recipient_hash', enc: 'recipient_enc', texts: [] },
  { table: 'channel_inbound', hash: 'sender_hash', enc: 'sender_enc', texts: ['text_enc'] },
  { table: 'channel_address', hash: 'address_hash', enc: 'address_enc', texts: [] },
  { table: 'channel_opt_out', hash: 'address_hash', enc: 'address_enc', texts: ['message_enc'] },
] as const;

/**
 * A lender rotates ORCHESTRATOR_PII_KEY (services/orchestrator/src/channels/README.md, "Rotating
 * the key"): the channels' records written under the old key A stay readable, and an address still
 * finds its rows (a reply its account, a receipt or a STOP its address row), once the setting is
 * [B, A]; the rotation job rewrites every value and address key under B (a second run changes
 * nothing); then the setting [B] alone reads everything and finds every row.
 */
describe("rotating the orchestrator's personal data key (real PostgreSQL)", () => {
  let sut: ServiceUnderTest;
  // The service's ChannelPii reads the setting once: it is built again after each change.
  const useKeys = testEnv('ORCHESTRATOR_PII_KEY', reloadChannelPii);
  let n = 0;

  const send = async (channel: ChannelName, to: string, accountId: string) => {
    n += 1;
    await new PgOutcomeStore(sut.dataSource, channel, { tenantId: sut.tenant, to, accountId }, () =>
      sut.clock.now(),
    ).put(`rot-send-${n}`, { status: 'sent', providerMessageId: `pm-rot-${n}`, attempts: 1 });
    return `pm-rot-${n}`;
  };
  const webhook = (channel: ChannelName, event: WebhookEvent) =>
    sut.dataSource.transaction((tx) =>
      applyWebhookEvents(
        tx,
        sut.context.backbone.outbox,
        sut.tenant,
        channel,
        [event],
        sut.clock.now(),
        sut.app.app.get(AgentTaskContactLaw),
      ),
    );
  const reply = async (from: string, text: string) => {
    n += 1;
    await webhook('sms', { kind: 'inbound', providerMessageId: `pm-rot-in-${n}`, from, text });
    const [row] = (await sut.dataSource.query(
      `SELECT account_id FROM channel_inbound WHERE tenant_id = $1 AND provider_message_id = $2`,
      [sut.tenant, `pm-rot-in-${n}`],
    )) as { account_id: string | null }[];
    return row.account_id;
  };
  /** The tenant's rows per table. */
  const rows = async () => {
    const counts: Record<string, number> = {};
    for (const t of TABLES) {
      const [{ count }] = (await sut.dataSource.query(
        `SELECT count(*)::int AS count FROM ${t.table} WHERE tenant_id = $1`,
        [sut.tenant],
      )) as { count: number }[];
      counts[t.table] = count;
    }
    return counts;
  };
  /**
   * Every stored address and word read with `pii`, and whether each row's address key is the
   * one `pii` finds that address under; with the key id each value is under.
   */
  const stored = async (pii: ChannelPii) => {
    const keyIds: Record<string, number> = {};
    const addresses: string[] = [];
    let foundByKey = 0;
    for (const t of TABLES) {
      const all = (await sut.dataSource.query(
        `SELECT channel, ${t.hash} AS hash, ${[t.enc, ...t.texts].join(', ')} FROM ${t.table} WHERE tenant_id = $1`,
        [sut.tenant],
      )) as Record<string, Buffer | string>[];
      for (const row of all) {
        const address = pii.decrypt(row[t.enc] as Buffer);
        addresses.push(`${t.table}:${address}`);
        if (pii.addressKeys(sut.tenant, row.channel as string, address).includes(row.hash as string)) foundByKey += 1;
        for (const c of [t.enc, ...t.texts]) {
          pii.decrypt(row[c] as Buffer);
          const id = pii.cipher.keyIdOf(row[c] as Buffer);
          keyIds[id] = (keyIds[id] ?? 0) + 1;
        }
      }
    }
    return { addresses: addresses.sort(), foundByKey, keyIds };
  };

  /** The shared phone's owner rows, and how many are under B's key (by their key and their hash's key id). */
  const owners = async () => {
    const all = (await sut.dataSource.query(
      `SELECT channel, address_hash, hash_enc FROM contact_address_owner WHERE tenant_id = $1`,
      [sut.tenant],
    )) as { channel: string; address_hash: string; hash_enc: Buffer }[];
    const pii = channelPii();
    const underB = all.filter(
      (r) =>
        r.address_hash === pii.addressKey(sut.tenant, r.channel, SHARED) &&
        pii.cipher.keyIdOf(r.hash_enc) === 'b2026' &&
        pii.decrypt(r.hash_enc) === addressHash(sut.tenant, r.channel, SHARED),
    );
    return { rows: all.length, underB: underB.length };
  };

  beforeAll(async () => {
    useKeys(KEY_A);
    sut = await startServiceUnderTest(orchestratorService);
    await sut.dataSource.query(
      `INSERT INTO debtor_profile (tenant_id, debtor_id, time_zone, country) VALUES ($1, 'deb-rot-ana', 'America/Bogota', 'CO'), ($1, 'deb-rot-luis', 'America/Bogota', 'CO')`,
      [sut.tenant],
    );
    await sut.dataSource.query(
      `INSERT INTO account_party (tenant_id, account_id, debtor_id, role, currency)
       VALUES ($1, $2, 'deb-rot-ana', 1, 'COP'), ($1, $3, 'deb-rot-luis', 1, 'COP')`,
      [sut.tenant, ANA.accountId, LUIS.accountId],
    );
    // Under key A alone: sends, a receipt, a reply and a STOP.
    const toAna = await send('sms', ANA.phone, ANA.accountId);
    await send('sms', LUIS.phone, LUIS.accountId);
    await send('email', ANA.email, ANA.accountId);
    await webhook('sms', { kind: 'status', providerMessageId: toAna, status: 'delivered' });
    expect(await reply(ANA.phone, 'Ya pagué en la oficina')).toBe(ANA.accountId);
    expect(await reply(LUIS.phone, 'STOP')).toBe(LUIS.accountId);
    for (const debtor of ['deb-rot-ana', 'deb-rot-luis'])
      await recordAddressOwner(sut.dataSource, sut.tenant, 'sms', SHARED, debtor);
  });
  afterAll(async () => {
    await sut?.close();
  });

  it('reads every record and finds every address written under the old key once the setting names the new key first', async () => {
    useKeys(BOTH);
    expect((await stored(channelPii())).foundByKey).toBe(8);
    // A reply from an address last sent to under A finds its account (written in another form, too).
    expect(await reply('+57 300 111 0001', 'Mañana pago')).toBe(ANA.accountId);
    // A receipt and a STOP for addresses whose rows are under A update those rows: no second row.
    const toLuis = (await sut.dataSource.query(
      `SELECT provider_message_id FROM channel_delivery WHERE tenant_id = $1 AND idempotency_key = 'rot-send-2'`,
      [sut.tenant],
    )) as { provider_message_id: string }[];
    await webhook('sms', { kind: 'status', providerMessageId: toLuis[0].provider_message_id, status: 'delivered' });
    expect(await reply(ANA.phone, 'STOP')).toBe(ANA.accountId);
    await send('sms', NEW.phone, NEW.accountId);
    // The dispatcher sends to the shared phone again: Ana's owner rows, now under B too.
    await recordAddressOwner(sut.dataSource, sut.tenant, 'sms', SHARED, 'deb-rot-ana');
    expect(await rows()).toEqual({ channel_delivery: 4, channel_inbound: 4, channel_address: 2, channel_opt_out: 2 });
    const [ana] = (await sut.dataSource.query(
      `SELECT opted_out_at IS NOT NULL AS opted_out, last_status FROM channel_address WHERE tenant_id = $1 AND address_hash = ANY($2::text[])`,
      [sut.tenant, channelPii().addressKeys(sut.tenant, 'sms', ANA.phone)],
    )) as { opted_out: boolean; last_status: string }[];
    expect(ana).toEqual({ opted_out: true, last_status: 'delivered' });
    // What was written meanwhile is under B: 1 send, 2 replies (address and words), 1 STOP (address and message).
    expect((await stored(channelPii())).keyIds).toEqual({ legacy: 3 + 2 * 2 + 2 + 2, b2026: 1 + 2 * 2 + 2 });
  });

  it('rewrites every value and address key under the new key, and a second run changes nothing', async () => {
    const before = await stored(channelPii());
    // Rows an orchestrator of the previous version wrote under B beside Luis's rows under A (it did
    // not look the address up under A): the job keeps one row per address, with what both said.
    const pii = channelPii();
    const luisKey = pii.addressKey(sut.tenant, 'sms', LUIS.phone);
    await sut.dataSource.query(
      `INSERT INTO channel_address (tenant_id, channel, address_hash, address_enc, invalid, invalid_reason) VALUES ($1, 'sms', $2, $3, true, '30003')`,
      [sut.tenant, luisKey, pii.encrypt(LUIS.phone)],
    );
    await sut.dataSource.query(
      `INSERT INTO channel_opt_out (tenant_id, channel, address_hash, address_enc, message_enc, provider_message_id, received_at)
       VALUES ($1, 'sms', $2, $3, $4, 'pm-rot-later', $5)`,
      [
        sut.tenant,
        luisKey,
        pii.encrypt(LUIS.phone),
        pii.encrypt('PARAR'),
        new Date(sut.clock.now().getTime() + 60_000),
      ],
    );
    const first = await rotateChannelPiiKey(sut.dataSource, channelPii(), { batchRows: 2 });
    expect(first).toEqual([
      { table: 'channel_delivery', pending: 3, rewritten: 3 },
      { table: 'channel_inbound', pending: 2, rewritten: 2 },
      { table: 'channel_address', pending: 2, rewritten: 2 },
      { table: 'channel_opt_out', pending: 1, rewritten: 1 },
      // Two debtors on three phone channels, under A; Ana's rows under A meet her rows under B.
      { table: 'contact_address_owner', pending: 6, rewritten: 6 },
    ]);
    expect(await owners()).toEqual({ rows: 6, underB: 6 });
    const after = await stored(channelPii());
    expect(after.addresses).toEqual(before.addresses);
    expect(after.keyIds).toEqual({ b2026: 3 + 2 * 2 + 2 + 2 + 1 + 2 * 2 + 2 });
    expect(await rows()).toEqual({ channel_delivery: 4, channel_inbound: 4, channel_address: 2, channel_opt_out: 2 });
    const [luis] = (await sut.dataSource.query(
      `SELECT a.invalid, a.invalid_reason, a.last_status, a.opted_out_at IS NOT NULL AS opted_out, o.message_enc, o.provider_message_id
         FROM channel_address a JOIN channel_opt_out o USING (tenant_id, channel, address_hash)
        WHERE a.tenant_id = $1 AND a.channel = 'sms' AND a.address_hash = $2`,
      [sut.tenant, luisKey],
    )) as {
      invalid: boolean;
      invalid_reason: string;
      last_status: string;
      opted_out: boolean;
      message_enc: Buffer;
      provider_message_id: string;
    }[];
    // The first STOP stays on record (the later one went), the address is invalid, delivered and opted out.
    expect({ ...luis, message_enc: pii.decrypt(luis.message_enc) }).toEqual({
      invalid: true,
      invalid_reason: '30003',
      last_status: 'delivered',
      opted_out: true,
      message_enc: 'STOP',
      provider_message_id: expect.stringMatching(/^pm-rot-in-/),
    });

    const again = await rotateChannelPiiKey(sut.dataSource, channelPii(), { batchRows: 2 });
    expect(again.map((t) => t.rewritten)).toEqual([0, 0, 0, 0, 0]);
  });

  it('reads every record and finds every address with the new key alone once the job is done', async () => {
    const before = await stored(channelPii());
    useKeys(ONLY_B);
    const after = await stored(channelPii());
    expect(after.addresses).toEqual(before.addresses);
    expect(after.foundByKey).toBe(12);
    expect(await reply(ANA.phone, 'Ya transferí')).toBe(ANA.accountId);
    expect(await reply(LUIS.phone, 'Quién es?')).toBe(LUIS.accountId);
    await webhook('sms', { kind: 'status', providerMessageId: 'pm-rot-1', status: 'delivered' });
    expect(await rows()).toEqual({ channel_delivery: 4, channel_inbound: 6, channel_address: 2, channel_opt_out: 2 });
    // A STOP from the shared phone reaches both its debtors.
    await sut.dataSource.transaction((tx) =>
      recordContactOutcomes(
        tx,
        sut.context.backbone.outbox,
        sut.tenant,
        'sms',
        [{ kind: 'inbound', providerMessageId: 'pm-rot-shared-stop', from: SHARED, text: 'STOP' }],
        sut.clock.now(),
        sut.app.app.get(AgentTaskContactLaw),
      ),
    );
    expect(
      await sut.dataSource.query(
        `SELECT debtor_id FROM debtor_channel_opt_out WHERE tenant_id = $1 AND channel = 'sms' ORDER BY 1`,
        [sut.tenant],
      ),
    ).toEqual([{ debtor_id: 'deb-rot-ana' }, { debtor_id: 'deb-rot-luis' }]);
  });
});
