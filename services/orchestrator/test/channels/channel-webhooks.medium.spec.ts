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

describe('channel webhooks in the orchestrator app (real PostgreSQL)', () => {
  let sut: ServiceUnderTest;
  let channels: ChannelStandIns;
  let twilio: ChannelStandIns['twilio'];
  let meta: ChannelStandIns['meta'];
  const saved = { ...process.env };

  beforeAll(async () => {
    channels = await startChannelStandIns();
    ({ twilio, meta } = channels);
    Object.assign(process.env, standInEnv(channels, ['+15550000001', '+15550000002']));
    sut = await startServiceUnderTest(orchestratorService);
  });

  afterAll(async () => {
    await sut?.close();
    await channels?.close();
    process.env = saved;
  });

  const q = <T>(sql: string, params: unknown[] = []) => sut.dataSource.query(sql, params) as Promise<T[]>;
  const smsHook = () => `${sut.app.httpUrl}/webhooks/${sut.tenant}/sms`;
  const waHook = () => `${sut.app.httpUrl}/webhooks/${sut.tenant}/whatsapp`;
  /** The key the channels' records keep an address under (never the address itself). */
  const key = (channel: string, address: string) => channelPii().addressKey(sut.tenant, channel, address);

  const smsSender = (to: string) => standInSmsSender(sut, twilio, '+15550000001', { to });

  it('records a send, then the signed delivered receipt updates the delivery and the contact record', async () => {
    const outcome = await smsSender('+34600100100').send({
      idempotencyKey: 'decision-1',
      tenantId: sut.tenant,
      to: '+34600100100',
      body: 'Hola',
    });
    expect(outcome.status).toBe('sent');
    const sid = twilio.messages[0].sid;
    expect(
      await q(`SELECT status, provider_message_id FROM channel_delivery WHERE idempotency_key = 'decision-1'`),
    ).toEqual([{ status: 'queued', provider_message_id: sid }]);

    const res = await deliverWebhook(twilio.statusCallback(sid, 'delivered'));
    expect(res.status).toBe(200);
    expect(await q(`SELECT tenant_id, status FROM channel_delivery WHERE provider_message_id = $1`, [sid])).toEqual([
      { tenant_id: sut.tenant, status: 'delivered' },
    ]);
    // A late "sent" receipt does not move it back.
    await deliverWebhook(twilio.statusCallback(sid, 'sent'));
    expect(await q(`SELECT status FROM channel_delivery WHERE provider_message_id = $1`, [sid])).toEqual([
      { status: 'delivered' },
    ]);
    expect(
      await q(
        `SELECT last_status, invalid FROM channel_address WHERE tenant_id = $1 AND channel = 'sms' AND address_hash = $2`,
        [sut.tenant, key('sms', '+34600100100')],
      ),
    ).toEqual([{ last_status: 'delivered', invalid: false }]);
  });

  it('marks a number invalid once, for a 21211 refusal, and a second send of the key does not call Twilio', async () => {
    const before = twilio.requests();
    const sender = smsSender('+15005550001');
    const message = { idempotencyKey: 'decision-2', tenantId: sut.tenant, to: '+15005550001', body: 'Hola' };
    expect((await sender.send(message)).status).toBe('invalid-recipient');
    expect((await smsSender('+15005550001').send(message)).status).toBe('invalid-recipient');
    expect(twilio.requests() - before).toBe(1);
    expect(
      await q(`SELECT invalid, invalid_reason FROM channel_address WHERE address_hash = $1`, [
        key('sms', '+15005550001'),
      ]),
    ).toEqual([{ invalid: true, invalid_reason: '21211' }]);
  });

  it('records an opt-out for SMS when the debtor answers BAJA', async () => {
    const res = await deliverWebhook(twilio.inbound(smsHook(), '+34600200200', '+15550000001', ' baja '));
    expect(res.status).toBe(200);
    expect(
      await q(`SELECT tenant_id, channel FROM channel_opt_out WHERE address_hash = $1`, [key('sms', '+34600200200')]),
    ).toEqual([{ tenant_id: sut.tenant, channel: 'sms' }]);
    await deliverWebhook(twilio.inbound(smsHook(), '+34600200201', '+15550000001', 'Pagaré el lunes'));
    expect(
      await q(`SELECT channel FROM channel_opt_out WHERE address_hash = $1`, [key('sms', '+34600200201')]),
    ).toEqual([]);
    expect(await q(`SELECT opt_out FROM channel_inbound WHERE sender_hash = $1`, [key('sms', '+34600200201')])).toEqual(
      [{ opt_out: false }],
    );
  });

  it('refuses a tampered SMS webhook with 403 and records nothing', async () => {
    const signed = twilio.inbound(smsHook(), '+34600300300', '+15550000001', 'STOP');
    const res = await deliverWebhook({ ...signed, rawBody: signed.rawBody.replace('34600300300', '34600300301') });
    expect(res.status).toBe(403);
    const unsigned = await deliverWebhook({
      ...signed,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(unsigned.status).toBe(403);
    const tamperedKeys = [key('sms', '+34600300300'), key('sms', '+34600300301')];
    expect(await q(`SELECT * FROM channel_opt_out WHERE address_hash = ANY($1)`, [tamperedKeys])).toEqual([]);
    expect(await q(`SELECT * FROM channel_inbound WHERE sender_hash = ANY($1)`, [tamperedKeys])).toEqual([]);
  });

  it('checks the WhatsApp signature over the exact bytes sent (escaped non-ASCII included)', async () => {
    const rawBody =
      '{"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":"messages","value":' +
      `{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550001234","phone_number_id":"${STAND_IN.phoneNumberId}"},` +
      '"messages":[{"from":"5511977770000","id":"wamid.esc1","timestamp":"1",' +
      '"type":"text","text":{"body":"Sa\\u00edr"}}]}}]}]}';
    const res = await deliverWebhook({
      url: waHook(),
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(STAND_IN.waSecret, rawBody) },
      rawBody,
    });
    expect(res.status).toBe(200);
    const [inbound] = await q<{ text_enc: Buffer }>(
      `SELECT text_enc FROM channel_inbound WHERE provider_message_id = 'wamid.esc1'`,
    );
    expect(channelPii().decrypt(inbound.text_enc)).toBe('Saír');
    expect(
      await q(`SELECT channel FROM channel_opt_out WHERE address_hash = $1`, [key('whatsapp', '+5511977770000')]),
    ).toEqual([{ channel: 'whatsapp' }]);
  });

  it('answers the WhatsApp verification handshake only with the right token', async () => {
    const ok = await fetch(
      `${waHook()}?hub.mode=subscribe&hub.verify_token=${STAND_IN.waVerifyToken}&hub.challenge=1158201444`,
    );
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('1158201444');
    const bad = await fetch(`${waHook()}?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1`);
    expect(bad.status).toBe(403);
  });

  it('WhatsApp: read receipts update the record, SAIR opts out, tampering is refused', async () => {
    const sender = storedSender(sut, channels.providers.whatsapp, { to: '+5511999990000' });
    const outcome = await sender.send({
      idempotencyKey: 'decision-wa-1',
      tenantId: sut.tenant,
      to: '+5511999990000',
      template: { name: 'lembrete_pagamento', language: 'pt_BR', parameters: ['João'] },
    });
    expect(outcome.status).toBe('sent');
    const id = meta.sent[0].id;
    expect((await deliverWebhook(meta.statusWebhook(waHook(), id, 'read'))).status).toBe(200);
    expect(await q(`SELECT status FROM channel_delivery WHERE provider_message_id = $1`, [id])).toEqual([
      { status: 'read' },
    ]);
    expect(
      await q(`SELECT last_status FROM channel_address WHERE channel = 'whatsapp' AND address_hash = $1`, [
        key('whatsapp', '+5511999990000'),
      ]),
    ).toEqual([{ last_status: 'read' }]);

    const tampered = meta.inboundWebhook(waHook(), STAND_IN.phoneNumberId, '5511988880000', 'SAIR');
    expect(
      (await deliverWebhook({ ...tampered, rawBody: tampered.rawBody.replace('5511988880000', '5511988880001') }))
        .status,
    ).toBe(403);
    const waKeys = [key('whatsapp', '+5511988880000'), key('whatsapp', '+5511988880001')];
    expect(await q(`SELECT * FROM channel_opt_out WHERE address_hash = ANY($1)`, [waKeys])).toEqual([]);

    expect(
      (await deliverWebhook(meta.inboundWebhook(waHook(), STAND_IN.phoneNumberId, '5511988880000', 'Sáir'))).status,
    ).toBe(200);
    expect(
      await q(
        `SELECT tenant_id, address_hash FROM channel_opt_out WHERE channel = 'whatsapp' AND address_hash = ANY($1)`,
        [waKeys],
      ),
    ).toEqual([{ tenant_id: sut.tenant, address_hash: waKeys[0] }]);
  });
});
