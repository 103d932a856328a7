import { API_KEY_HEADER } from '@collections/platform';
import { ServiceUnderTest, columnsHolding, startServiceUnderTest, waitFor } from '@collections/testing';
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

const OUR_NUMBER = '+15550000001';

/**
 * ARCHITECTURE.md: PII is encrypted where stored at rest. What the providers told and sent us of a
 * debtor (the addresses our messages went to, each address's status, their replies and STOPs in
 * their own words) is kept without their phone, e-mail or words in clear; an agent still reads the
 * reply under review.
 */
describe("the channels keep no debtor's address or words in clear (real PostgreSQL, SMTP, provider stand-ins)", () => {
  let sut: ServiceUnderTest;
  let channels: ChannelStandIns;
  const saved = { ...process.env };
  const debtor = {
    accountId: 'acc-ana',
    email: 'ana.quintero@correo.example',
    phone: '+573004445566',
    words: 'Ya pagué todo en la oficina de Chapinero, no me escriban más',
  };

  const smsHook = () => `${sut.app.httpUrl}/webhooks/${sut.tenant}/sms`;
  const waHook = () => `${sut.app.httpUrl}/webhooks/${sut.tenant}/whatsapp`;
  const rest = (method: string, path: string) =>
    fetch(`${sut.app.httpUrl}/v1/orchestrator/${path}`, { method, headers: { [API_KEY_HEADER]: sut.apiKey } });

  beforeAll(async () => {
    channels = await startChannelStandIns();
    Object.assign(process.env, standInEnv(channels, [OUR_NUMBER]));
    sut = await startServiceUnderTest(orchestratorService);
    await sut.dataSource.query(
      `INSERT INTO debtor_profile (tenant_id, debtor_id, time_zone, country) VALUES ($1, 'deb-ana', 'America/Bogota', 'CO')`,
      [sut.tenant],
    );
    await sut.dataSource.query(
      `INSERT INTO account_party (tenant_id, account_id, debtor_id, role, currency) VALUES ($1, $2, 'deb-ana', 1, 'COP')`,
      [sut.tenant, debtor.accountId],
    );
    const record = { accountId: debtor.accountId };

    // An e-mail (over SMTP), an SMS and a WhatsApp message to the debtor, each recorded as the dispatcher does.
    const email = await storedSender(sut, channels.providers.email, { ...record, to: debtor.email }).send({
      idempotencyKey: 'pii-email',
      tenantId: sut.tenant,
      to: debtor.email,
      subject: 'Su saldo pendiente',
      body: 'Hola Ana, puede pagar en el enlace.',
    });
    await waitFor(() => channels.smtp.received().find((m) => m.to.includes(debtor.email)), {
      message: 'the e-mail received by the SMTP server',
    });
    const sms = await standInSmsSender(sut, channels.twilio, OUR_NUMBER, { ...record, to: debtor.phone }).send({
      idempotencyKey: 'pii-sms',
      tenantId: sut.tenant,
      to: debtor.phone,
      body: 'Recordatorio de pago',
    });
    const whatsapp = await storedSender(sut, channels.providers.whatsapp, { ...record, to: debtor.phone }).send({
      idempotencyKey: 'pii-whatsapp',
      tenantId: sut.tenant,
      to: debtor.phone,
      template: { name: 'lembrete_pagamento', language: 'es', parameters: ['Ana'] },
    });
    expect([email.status, sms.status, whatsapp.status]).toEqual(['sent', 'sent', 'sent']);

    // Receipts, a reply in the debtor's own words (for an agent's review), and a STOP on each phone channel.
    const sid = channels.twilio.messages.at(-1)!.sid;
    const wamid = channels.meta.sent.at(-1)!.id;
    const webhooks = [
      channels.twilio.statusCallback(sid, 'delivered', smsHook()),
      channels.meta.statusWebhook(waHook(), wamid, 'read'),
      channels.twilio.inbound(smsHook(), debtor.phone, OUR_NUMBER, debtor.words),
      channels.twilio.inbound(smsHook(), debtor.phone, OUR_NUMBER, 'BAJA'),
      channels.meta.inboundWebhook(waHook(), STAND_IN.phoneNumberId, debtor.phone.slice(1), 'PARAR'),
    ];
    for (const webhook of webhooks) expect((await deliverWebhook(webhook)).status).toBe(200);
  });

  afterAll(async () => {
    await sut?.close();
    await channels?.close();
    process.env = saved;
  });

  it("holds none of the debtor's phone, e-mail or reply words in clear anywhere in its tables", async () => {
    const places = (needle: string) => columnsHolding(sut.dataSource, needle);
    expect({
      phone: await places(debtor.phone),
      phoneDigits: await places(debtor.phone.slice(1)),
      email: await places(debtor.email),
      words: await places(debtor.words),
    }).toEqual({ phone: [], phoneDigits: [], email: [], words: [] });
  });

  it('still knows what became of each message and address: delivered, read, opted out on SMS and WhatsApp', async () => {
    expect(
      await sut.dataSource.query(
        `SELECT channel, idempotency_key, status FROM channel_delivery WHERE tenant_id = $1 ORDER BY channel`,
        [sut.tenant],
      ),
    ).toEqual([
      { channel: 'email', idempotency_key: 'pii-email', status: 'queued' },
      { channel: 'sms', idempotency_key: 'pii-sms', status: 'delivered' },
      { channel: 'whatsapp', idempotency_key: 'pii-whatsapp', status: 'read' },
    ]);
    expect(
      await sut.dataSource.query(
        `SELECT channel, last_status, opted_out_at IS NOT NULL AS opted_out FROM channel_address WHERE tenant_id = $1
          ORDER BY channel`,
        [sut.tenant],
      ),
    ).toEqual([
      { channel: 'sms', last_status: 'delivered', opted_out: true },
      { channel: 'whatsapp', last_status: 'read', opted_out: true },
    ]);
    expect(
      await sut.dataSource.query(`SELECT channel FROM channel_opt_out WHERE tenant_id = $1 ORDER BY channel`, [
        sut.tenant,
      ]),
    ).toEqual([{ channel: 'sms' }, { channel: 'whatsapp' }]);
  });

  it('shows the agent reviewing the reply what the debtor wrote, on the account we wrote to', async () => {
    const answer = await rest('GET', 'agent-tasks?queue=replies');
    expect(answer.status).toBe(200);
    const { tasks } = (await answer.json()) as { tasks: { accountId: string; replyText: string }[] };
    expect(tasks.map((t) => [t.accountId, t.replyText])).toEqual([[debtor.accountId, debtor.words]]);
  });
});
