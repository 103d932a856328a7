import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { channelPii } from '../../src/channels/channel-pii';
import { PgOutcomeStore } from '../../src/channels/channel-records';
import { ChannelProviders, channelProvidersFromEnv } from '../../src/channels/config';
import { ChannelProvider, ReliableSender } from '../../src/channels/domain';
import { PgRateBuckets } from '../../src/channels/rate-buckets';
import { orchestratorService } from '../../src/orchestrator.service';
import { ChannelStandIns, STAND_IN, standInEnv, startChannelStandIns } from '../support/channel-stand-ins';
import { deliverWebhook } from '../support/http-stand-in';

/** Two lenders of one agency, each with its own numbers; a third without any (the shared ones). */
const ACME = 'lender-acme';
const GLOBEX = 'lender-globex';
const INITECH = 'lender-initech';
/** A lender sending SMS from its alphanumeric sender id, and from a long code where that cannot go. */
const HOOLI = 'lender-hooli';
const NUMBERS = {
  acme: { sms: '+15550000101', wa: '1234567890' },
  globex: { sms: '+15550000201', wa: '9876543210' },
  hooli: { sms: 'HOOLIBANK', number: '+15550000301', shortCode: '55555' },
  shared: { sms: '+15550000001', wa: STAND_IN.phoneNumberId },
};

describe("per-tenant numbers: a webhook about one tenant's number counts only for that tenant (real PostgreSQL)", () => {
  let sut: ServiceUnderTest;
  let channels: ChannelStandIns;
  let providers: ChannelProviders;
  const saved = { ...process.env };

  beforeAll(async () => {
    channels = await startChannelStandIns();
    const env = {
      ...standInEnv(channels, [NUMBERS.shared.sms]),
      TWILIO_TENANT_FROM_NUMBERS: `${ACME}=${NUMBERS.acme.sms},${GLOBEX}=${NUMBERS.globex.sms},${HOOLI}=${NUMBERS.hooli.sms}|${NUMBERS.hooli.number}|${NUMBERS.hooli.shortCode}`,
      WHATSAPP_TENANT_NUMBERS: `${ACME}=${NUMBERS.acme.wa},${GLOBEX}=${NUMBERS.globex.wa}`,
      TWILIO_SHORT_CODE_COUNTRIES: `${NUMBERS.hooli.shortCode}=+1`,
    };
    Object.assign(process.env, env);
    sut = await startServiceUnderTest(orchestratorService);
    // The same configuration as the service's, its buckets in the service's database.
    providers = channelProvidersFromEnv({
      ...env,
      TWILIO_STATUS_CALLBACK: `${sut.app.httpUrl}/webhooks/{tenant}/sms`,
      WHATSAPP_MESSAGES_PER_SECOND: '1000',
    });
    for (const provider of [providers.sms, providers.whatsapp])
      provider!.useRateBuckets(new PgRateBuckets(sut.dataSource));
  });

  afterAll(async () => {
    await sut?.close();
    await channels?.close();
    process.env = saved;
  });

  afterEach(() => jest.restoreAllMocks());

  const q = <T>(sql: string, params: unknown[] = []) => sut.dataSource.query(sql, params) as Promise<T[]>;
  const hook = (tenant: string, channel: 'sms' | 'whatsapp') => `${sut.app.httpUrl}/webhooks/${tenant}/${channel}`;

  function captureWarnings(): unknown[][] {
    const warnings: unknown[][] = [];
    jest.spyOn(sut.context.logger, 'warn').mockImplementation(((...args: unknown[]) => {
      warnings.push(args);
    }) as never);
    return warnings;
  }

  /** Sends as the dispatcher does for `tenantId`, its outcome kept in the service's database. */
  async function send(provider: ChannelProvider, tenantId: string, key: string, to: string): Promise<string> {
    const sender = new ReliableSender(provider, {
      store: new PgOutcomeStore(sut.dataSource, provider.channel, { tenantId, to }, () => sut.clock.now()),
      delay: async () => undefined,
      random: () => 0.5,
    });
    const outcome = await sender.send({
      idempotencyKey: key,
      tenantId,
      to,
      body: 'Hola',
      template: { name: 'lembrete_pagamento', language: 'pt_BR' },
    });
    if (outcome.status !== 'sent') throw new Error(`not sent: ${outcome.status}`);
    return outcome.providerMessageId;
  }

  const deliveries = (key: string) =>
    q(`SELECT tenant_id, status, error_code FROM channel_delivery WHERE idempotency_key = $1 ORDER BY tenant_id`, [
      key,
    ]);
  /** The keys the channels' records keep a phone under, in every tenant here, on SMS and WhatsApp. */
  const keysOf = (address: string) =>
    [ACME, GLOBEX, INITECH, HOOLI].flatMap((tenant) =>
      ['sms', 'whatsapp'].map((channel) => channelPii().addressKey(tenant, channel, address)),
    );
  const addressesOf = (tenant: string, address: string) =>
    q(`SELECT invalid FROM channel_address WHERE tenant_id = $1 AND address_hash = ANY($2)`, [tenant, keysOf(address)]);
  const repliesFrom = (address: string) =>
    q(`SELECT tenant_id, opt_out FROM channel_inbound WHERE sender_hash = ANY($1) ORDER BY tenant_id`, [
      keysOf(address),
    ]);
  const optOutsOf = (address: string) =>
    q(`SELECT tenant_id, channel FROM channel_opt_out WHERE address_hash = ANY($1) ORDER BY tenant_id`, [
      keysOf(address),
    ]);

  it("each tenant's messages go out from its own numbers, each number with its own bucket", async () => {
    await send(providers.sms!, ACME, 'send-sms-a', '+34600700001');
    await send(providers.sms!, GLOBEX, 'send-sms-g', '+34600700002');
    await send(providers.whatsapp!, ACME, 'send-wa-a', '+5511977770001');
    await send(providers.whatsapp!, GLOBEX, 'send-wa-g', '+5511977770002');
    expect(channels.twilio.messages.slice(-2).map((m) => [m.to, m.from])).toEqual([
      ['+34600700001', NUMBERS.acme.sms],
      ['+34600700002', NUMBERS.globex.sms],
    ]);
    expect(channels.meta.sent.slice(-2).map((m) => [m.to, m.phoneNumberId])).toEqual([
      ['5511977770001', NUMBERS.acme.wa],
      ['5511977770002', NUMBERS.globex.wa],
    ]);
    const buckets = await q<{ bucket_key: string }>(`SELECT bucket_key FROM channel_rate_bucket ORDER BY 1`);
    expect(buckets.map((b) => b.bucket_key)).toEqual(
      expect.arrayContaining([
        `sms:${NUMBERS.acme.sms}`,
        `sms:${NUMBERS.globex.sms}`,
        `whatsapp:${NUMBERS.acme.wa}`,
        `whatsapp:${NUMBERS.globex.wa}`,
      ]),
    );
  });

  it("WhatsApp: acme's receipt posted at globex's URL is answered 200 and recorded for no one; at acme's URL it is acme's", async () => {
    const warnings = captureWarnings();
    const id = await send(providers.whatsapp!, ACME, 'wa-receipt', '+5511977770010');
    const failedAtGlobex = channels.meta.statusWebhook(hook(GLOBEX, 'whatsapp'), id, 'failed', 131026);

    expect((await deliverWebhook(failedAtGlobex)).status).toBe(200);
    expect(await deliveries('wa-receipt')).toEqual([{ tenant_id: ACME, status: 'queued', error_code: null }]);
    expect(await addressesOf(GLOBEX, '+5511977770010')).toEqual([]);
    expect(await addressesOf(ACME, '+5511977770010')).toEqual([]);
    expect(warnings).toContainEqual([
      expect.objectContaining({ tenantId: GLOBEX, phoneNumberId: NUMBERS.acme.wa, statuses: 1 }),
      'WhatsApp webhook change for another business number ignored',
    ]);
    expect(JSON.stringify(warnings)).not.toContain('5511977770010');

    expect(
      (await deliverWebhook(channels.meta.statusWebhook(hook(ACME, 'whatsapp'), id, 'failed', 131026))).status,
    ).toBe(200);
    expect(await deliveries('wa-receipt')).toEqual([{ tenant_id: ACME, status: 'failed', error_code: '131026' }]);
    expect(await addressesOf(ACME, '+5511977770010')).toEqual([{ invalid: true }]);
    expect(await addressesOf(GLOBEX, '+5511977770010')).toEqual([]);
  });

  it("WhatsApp: a reply and a STOP to acme's number, posted at globex's URL, record no reply and no opt-out for globex", async () => {
    const warnings = captureWarnings();
    const { meta } = channels;
    for (const text of ['vou pagar amanhã', 'STOP'])
      expect(
        (await deliverWebhook(meta.inboundWebhook(hook(GLOBEX, 'whatsapp'), NUMBERS.acme.wa, '5511977770020', text)))
          .status,
      ).toBe(200);
    expect(await repliesFrom('+5511977770020')).toEqual([]);
    expect(await optOutsOf('+5511977770020')).toEqual([]);
    const logged = JSON.stringify(warnings);
    expect(logged).toContain('another business number');
    expect(logged).not.toContain('5511977770020');
    expect(logged).not.toContain('STOP');

    // The deployment's shared number is no longer acme's either: acme sends from its own.
    expect(
      (await deliverWebhook(meta.inboundWebhook(hook(ACME, 'whatsapp'), NUMBERS.shared.wa, '5511977770020', 'STOP')))
        .status,
    ).toBe(200);
    expect(await optOutsOf('+5511977770020')).toEqual([]);

    // To acme's number at acme's URL, the STOP is acme's.
    expect(
      (await deliverWebhook(meta.inboundWebhook(hook(ACME, 'whatsapp'), NUMBERS.acme.wa, '5511977770020', 'STOP')))
        .status,
    ).toBe(200);
    expect(await optOutsOf('+5511977770020')).toEqual([{ tenant_id: ACME, channel: 'whatsapp' }]);
    expect(await repliesFrom('+5511977770020')).toEqual([{ tenant_id: ACME, opt_out: true }]);
  });

  it('WhatsApp: a tenant without a number of its own still counts the shared number, and no tenant’s number', async () => {
    captureWarnings();
    const { meta } = channels;
    expect(
      (await deliverWebhook(meta.inboundWebhook(hook(INITECH, 'whatsapp'), NUMBERS.globex.wa, '5511977770030', 'STOP')))
        .status,
    ).toBe(200);
    expect(await optOutsOf('+5511977770030')).toEqual([]);
    expect(
      (await deliverWebhook(meta.inboundWebhook(hook(INITECH, 'whatsapp'), NUMBERS.shared.wa, '5511977770030', 'STOP')))
        .status,
    ).toBe(200);
    expect(await optOutsOf('+5511977770030')).toEqual([{ tenant_id: INITECH, channel: 'whatsapp' }]);
  });

  it("Twilio: an SMS reply and a STOP to acme's number, signed for globex's URL, record nothing for globex; to globex's number they count", async () => {
    const warnings = captureWarnings();
    const { twilio } = channels;
    for (const text of ['pago el viernes', 'BAJA']) {
      const res = await deliverWebhook(twilio.inbound(hook(GLOBEX, 'sms'), '+34600700040', NUMBERS.acme.sms, text));
      expect(res.status).toBe(200);
    }
    expect(await repliesFrom('+34600700040')).toEqual([]);
    expect(await optOutsOf('+34600700040')).toEqual([]);
    expect(warnings).toContainEqual([
      expect.objectContaining({ tenantId: GLOBEX, numberTenant: ACME }),
      "Twilio SMS webhook for another tenant's number ignored",
    ]);
    const logged = JSON.stringify(warnings);
    expect(logged).not.toContain('34600700040');
    expect(logged).not.toContain('BAJA');

    expect(
      (await deliverWebhook(twilio.inbound(hook(GLOBEX, 'sms'), '+34600700040', NUMBERS.globex.sms, 'BAJA'))).status,
    ).toBe(200);
    expect(await optOutsOf('+34600700040')).toEqual([{ tenant_id: GLOBEX, channel: 'sms' }]);
  });

  it("Twilio: the receipt of acme's SMS (From acme's number), signed for globex's URL, leaves globex's records as they were", async () => {
    const warnings = captureWarnings();
    const { twilio } = channels;
    const sid = await send(providers.sms!, ACME, 'sms-receipt', '+34600700050');
    expect(twilio.messages.at(-1)!.statusCallback).toBe(hook(ACME, 'sms'));

    expect((await deliverWebhook(twilio.statusCallback(sid, 'failed', hook(GLOBEX, 'sms'), '21211'))).status).toBe(200);
    expect(await addressesOf(GLOBEX, '+34600700050')).toEqual([]);
    expect(await deliveries('sms-receipt')).toEqual([{ tenant_id: ACME, status: 'queued', error_code: null }]);
    expect(warnings).toContainEqual([
      expect.objectContaining({ tenantId: GLOBEX, numberTenant: ACME }),
      "Twilio SMS webhook for another tenant's number ignored",
    ]);

    expect((await deliverWebhook(twilio.statusCallback(sid, 'failed', undefined, '21211'))).status).toBe(200);
    expect(await deliveries('sms-receipt')).toEqual([{ tenant_id: ACME, status: 'failed', error_code: '21211' }]);
    expect(await addressesOf(ACME, '+34600700050')).toEqual([{ invalid: true }]);
  });

  it("Twilio: hooli's SMS go out from its alphanumeric id (its long code to +1); the id's receipt counts at hooli's URL only", async () => {
    const warnings = captureWarnings();
    const { twilio } = channels;
    const sid = await send(providers.sms!, HOOLI, 'sms-alpha', '+34600700060');
    await send(providers.sms!, HOOLI, 'sms-alpha-us', '+12125550160');
    expect(twilio.messages.slice(-2).map((m) => [m.to, m.from])).toEqual([
      ['+34600700060', NUMBERS.hooli.sms],
      ['+12125550160', NUMBERS.hooli.number],
    ]);

    // The receipt's From is the id: at globex's URL it is not globex's.
    expect((await deliverWebhook(twilio.statusCallback(sid, 'failed', hook(GLOBEX, 'sms'), '21211'))).status).toBe(200);
    expect(await addressesOf(GLOBEX, '+34600700060')).toEqual([]);
    expect(await deliveries('sms-alpha')).toEqual([{ tenant_id: HOOLI, status: 'queued', error_code: null }]);
    expect(warnings).toContainEqual([
      expect.objectContaining({ tenantId: GLOBEX, numberTenant: HOOLI }),
      "Twilio SMS webhook for another tenant's number ignored",
    ]);

    expect((await deliverWebhook(twilio.statusCallback(sid, 'delivered', hook(HOOLI, 'sms')))).status).toBe(200);
    expect(await deliveries('sms-alpha')).toEqual([{ tenant_id: HOOLI, status: 'delivered', error_code: null }]);
  });

  it("Twilio: a STOP to hooli's short code counts at hooli's URL, not at globex's", async () => {
    captureWarnings();
    const { twilio } = channels;
    const stop = (tenant: string) =>
      deliverWebhook(twilio.inbound(hook(tenant, 'sms'), '+12125550170', NUMBERS.hooli.shortCode, 'STOP'));
    expect((await stop(GLOBEX)).status).toBe(200);
    expect(await optOutsOf('+12125550170')).toEqual([]);
    expect((await stop(HOOLI)).status).toBe(200);
    expect(await optOutsOf('+12125550170')).toEqual([{ tenant_id: HOOLI, channel: 'sms' }]);
  });
});
