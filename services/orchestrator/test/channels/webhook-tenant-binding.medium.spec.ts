import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { channelPii } from '../../src/channels/channel-pii';
import { metaSignature } from '../../src/channels/domain';
import { orchestratorService } from '../../src/orchestrator.service';
import {
  ChannelStandIns,
  STAND_IN,
  standInEnv,
  standInSmsSender,
  startChannelStandIns,
  storedSender,
} from '../support/channel-stand-ins';
import { deliverWebhook } from '../support/http-stand-in';

/** Another business number under the same Meta app (same app secret): not this deployment's sender. */
const OTHER_NUMBER_ID = '209876543210987';

type Webhook = { url: string; headers: Record<string, string | undefined>; rawBody: string };

/** The same webhook as Meta would sign it had the change come from `phoneNumberId`. */
function fromNumber(webhook: Webhook, phoneNumberId: string): Webhook {
  const payload = JSON.parse(webhook.rawBody) as {
    entry: { changes: { value: { metadata: { phone_number_id: string } } }[] }[];
  };
  for (const entry of payload.entry)
    for (const change of entry.changes) change.value.metadata.phone_number_id = phoneNumberId;
  const rawBody = JSON.stringify(payload);
  return {
    ...webhook,
    headers: { ...webhook.headers, 'x-hub-signature-256': metaSignature(STAND_IN.waSecret, rawBody) },
    rawBody,
  };
}

describe('a provider webhook counts only for the tenant it belongs to (real PostgreSQL)', () => {
  let sut: ServiceUnderTest;
  let channels: ChannelStandIns;
  let twilio: ChannelStandIns['twilio'];
  let meta: ChannelStandIns['meta'];
  const saved = { ...process.env };

  beforeAll(async () => {
    channels = await startChannelStandIns();
    ({ twilio, meta } = channels);
    Object.assign(process.env, standInEnv(channels, ['+15550000001']));
    sut = await startServiceUnderTest(orchestratorService);
  });

  afterAll(async () => {
    await sut?.close();
    await channels?.close();
    process.env = saved;
  });

  afterEach(() => jest.restoreAllMocks());

  const q = <T>(sql: string, params: unknown[] = []) => sut.dataSource.query(sql, params) as Promise<T[]>;
  /** The keys the channels' records keep a phone under, in this test's tenants, on SMS and WhatsApp. */
  const keysOf = (...addresses: string[]) =>
    [sut.tenant, 'tenant-elsewhere'].flatMap((tenant) =>
      ['sms', 'whatsapp'].flatMap((channel) => addresses.map((a) => channelPii().addressKey(tenant, channel, a))),
    );
  const hook = (tenant: string, channel: 'sms' | 'whatsapp') => `${sut.app.httpUrl}/webhooks/${tenant}/${channel}`;

  /** What the service logs as warnings from now on (this test's). */
  function captureWarnings(): unknown[][] {
    const warnings: unknown[][] = [];
    jest.spyOn(sut.context.logger, 'warn').mockImplementation(((...args: unknown[]) => {
      warnings.push(args);
    }) as never);
    return warnings;
  }

  async function sendWhatsApp(key: string, to: string): Promise<string> {
    const outcome = await storedSender(sut, channels.providers.whatsapp, { to }).send({
      idempotencyKey: key,
      tenantId: sut.tenant,
      to,
      template: { name: 'lembrete_pagamento', language: 'pt_BR', parameters: ['João'] },
    });
    expect(outcome.status).toBe('sent');
    return meta.sent.at(-1)!.id;
  }

  it("WhatsApp: a signed receipt of another business number leaves the tenant's delivery and address as they were", async () => {
    const warnings = captureWarnings();
    const id = await sendWhatsApp('bind-wa-1', '+5511955550001');
    const failed = meta.statusWebhook(hook(sut.tenant, 'whatsapp'), id, 'failed', 131026);
    expect(JSON.parse(failed.rawBody).entry[0].changes[0].value.metadata.phone_number_id).toBe(STAND_IN.phoneNumberId);

    // Correctly signed with the app's secret, but the change is another number's: 2xx (no retries), nothing applied.
    const foreign = await deliverWebhook(fromNumber(failed, OTHER_NUMBER_ID));
    expect(foreign.status).toBe(200);
    expect(await q(`SELECT status, error_code FROM channel_delivery WHERE provider_message_id = $1`, [id])).toEqual([
      { status: 'queued', error_code: null },
    ]);
    expect(
      await q(`SELECT * FROM channel_address WHERE tenant_id = $1 AND address_hash = ANY($2)`, [
        sut.tenant,
        keysOf('+5511955550001'),
      ]),
    ).toEqual([]);
    // The operator sees which number was refused, and nothing of the debtor's.
    const logged = JSON.stringify(warnings);
    expect(logged).toContain(OTHER_NUMBER_ID);
    expect(logged).toContain('another business number');
    expect(logged).not.toContain('5511955550001');

    // The same receipt from the tenant's own number is applied.
    expect((await deliverWebhook(failed)).status).toBe(200);
    expect(await q(`SELECT status, error_code FROM channel_delivery WHERE provider_message_id = $1`, [id])).toEqual([
      { status: 'failed', error_code: '131026' },
    ]);
    expect(
      await q(`SELECT invalid FROM channel_address WHERE tenant_id = $1 AND address_hash = ANY($2)`, [
        sut.tenant,
        keysOf('+5511955550001'),
      ]),
    ).toEqual([{ invalid: true }]);
  });

  it('WhatsApp: a signed STOP to another business number records no reply and no opt-out; to our number it does', async () => {
    const warnings = captureWarnings();
    const stop = meta.inboundWebhook(hook(sut.tenant, 'whatsapp'), STAND_IN.phoneNumberId, '5511955550002', 'STOP');

    expect((await deliverWebhook(fromNumber(stop, OTHER_NUMBER_ID))).status).toBe(200);
    expect(await q(`SELECT * FROM channel_inbound WHERE sender_hash = ANY($1)`, [keysOf('+5511955550002')])).toEqual(
      [],
    );
    expect(await q(`SELECT * FROM channel_opt_out WHERE address_hash = ANY($1)`, [keysOf('+5511955550002')])).toEqual(
      [],
    );
    const logged = JSON.stringify(warnings);
    expect(logged).toContain('another business number');
    expect(logged).not.toContain('5511955550002');
    expect(logged).not.toContain('STOP');

    expect((await deliverWebhook(stop)).status).toBe(200);
    expect(
      await q(`SELECT tenant_id, opt_out FROM channel_inbound WHERE sender_hash = ANY($1)`, [keysOf('+5511955550002')]),
    ).toEqual([{ tenant_id: sut.tenant, opt_out: true }]);
    expect(
      await q(`SELECT tenant_id, channel FROM channel_opt_out WHERE address_hash = ANY($1)`, [
        keysOf('+5511955550002'),
      ]),
    ).toEqual([{ tenant_id: sut.tenant, channel: 'whatsapp' }]);
  });

  it("WhatsApp: of one signed payload, only the change of the tenant's number is applied", async () => {
    const warnings = captureWarnings();
    const ours = await sendWhatsApp('bind-wa-3', '+5511955550003');
    const theirs = await sendWhatsApp('bind-wa-4', '+5511955550004');
    const read = (id: string) => meta.statusWebhook(hook(sut.tenant, 'whatsapp'), id, 'read');
    const a = JSON.parse(read(ours).rawBody) as { entry: { changes: unknown[] }[] };
    const b = JSON.parse(fromNumber(read(theirs), OTHER_NUMBER_ID).rawBody) as { entry: { changes: unknown[] }[] };
    a.entry[0].changes.push(...b.entry[0].changes);
    const rawBody = JSON.stringify(a);

    const res = await deliverWebhook({
      url: hook(sut.tenant, 'whatsapp'),
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(STAND_IN.waSecret, rawBody) },
      rawBody,
    });
    expect(res.status).toBe(200);
    expect(
      await q(
        `SELECT idempotency_key, status FROM channel_delivery WHERE idempotency_key IN ('bind-wa-3', 'bind-wa-4') ORDER BY 1`,
      ),
    ).toEqual([
      { idempotency_key: 'bind-wa-3', status: 'read' },
      { idempotency_key: 'bind-wa-4', status: 'queued' },
    ]);
    expect(warnings).toContainEqual([
      expect.objectContaining({ phoneNumberId: OTHER_NUMBER_ID, statuses: 1, messages: 0 }),
      'WhatsApp webhook change for another business number ignored',
    ]);
  });

  it("Twilio: a callback signed for another tenant's URL is refused at this tenant's URL (403), changing nothing", async () => {
    const other = 'tenant-elsewhere';
    const outcome = await standInSmsSender(sut, twilio, '+15550000001', { to: '+34600500500' }).send({
      idempotencyKey: 'bind-sms-1',
      tenantId: sut.tenant,
      to: '+34600500500',
      body: 'Hola',
    });
    expect(outcome.status).toBe('sent');
    const sid = twilio.messages.at(-1)!.sid;

    // Signed by Twilio for the other tenant's webhook URL, posted to this tenant's.
    const receipt = twilio.statusCallback(sid, 'failed', hook(other, 'sms'), '21211');
    expect((await deliverWebhook({ ...receipt, url: hook(sut.tenant, 'sms') })).status).toBe(403);
    const stop = twilio.inbound(hook(other, 'sms'), '+34600500501', '+15550000001', 'STOP');
    expect((await deliverWebhook({ ...stop, url: hook(sut.tenant, 'sms') })).status).toBe(403);

    expect(await q(`SELECT status FROM channel_delivery WHERE provider_message_id = $1`, [sid])).toEqual([
      { status: 'queued' },
    ]);
    expect(
      await q(`SELECT * FROM channel_address WHERE address_hash = ANY($1)`, [keysOf('+34600500500', '+34600500501')]),
    ).toEqual([]);
    expect(await q(`SELECT * FROM channel_inbound WHERE sender_hash = ANY($1)`, [keysOf('+34600500501')])).toEqual([]);
    expect(await q(`SELECT * FROM channel_opt_out WHERE address_hash = ANY($1)`, [keysOf('+34600500501')])).toEqual([]);

    // Where it was signed for, the same STOP counts (for that tenant only).
    expect((await deliverWebhook(stop)).status).toBe(200);
    expect(
      await q(`SELECT tenant_id FROM channel_opt_out WHERE address_hash = ANY($1)`, [keysOf('+34600500501')]),
    ).toEqual([{ tenant_id: other }]);
  });
});
