import { orchestrator, orchestratorAgents as pb } from '@collections/contracts';
import { API_KEY_HEADER } from '@collections/platform';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { channelPii } from '../../src/channels/channel-pii';
import { orchestratorService } from '../../src/orchestrator.service';
import {
  ChannelStandIns,
  STAND_IN,
  standInEnv,
  standInSmsSender,
  startChannelStandIns,
} from '../support/channel-stand-ins';
import { deliverWebhook } from '../support/http-stand-in';
import { published } from '../support/outbox-events';

const OUR_NUMBER = '+15550000001';

describe('debtor replies over SMS and WhatsApp (real PostgreSQL)', () => {
  let sut: ServiceUnderTest;
  let channels: ChannelStandIns;
  let twilio: ChannelStandIns['twilio'];
  let meta: ChannelStandIns['meta'];
  const saved = { ...process.env };

  beforeAll(async () => {
    channels = await startChannelStandIns();
    ({ twilio, meta } = channels);
    Object.assign(process.env, standInEnv(channels, [OUR_NUMBER]));
    sut = await startServiceUnderTest(orchestratorService);
    // acc-co belongs to a debtor in Bogotá (COP); acc-br to one in São Paulo (BRL).
    for (const [account, debtor, zone, country, currency] of [
      ['acc-co', 'deb-co', 'America/Bogota', 'CO', 'COP'],
      ['acc-br', 'deb-br', 'America/Sao_Paulo', 'BR', 'BRL'],
    ]) {
      await sut.dataSource.query(
        `INSERT INTO debtor_profile (tenant_id, debtor_id, time_zone, country) VALUES ($1, $2, $3, $4)`,
        [sut.tenant, debtor, zone, country],
      );
      await sut.dataSource.query(
        `INSERT INTO account_party (tenant_id, account_id, debtor_id, role, currency) VALUES ($1, $2, $3, 1, $4)`,
        [sut.tenant, account, debtor, currency],
      );
    }
  });

  afterAll(async () => {
    await sut?.close();
    await channels?.close();
    process.env = saved;
  });

  const smsHook = () => `${sut.app.httpUrl}/webhooks/${sut.tenant}/sms`;
  const waHook = () => `${sut.app.httpUrl}/webhooks/${sut.tenant}/whatsapp`;

  /** A reminder sent to `to` for `accountId`, so a reply from that number finds the account. */
  const remind = async (to: string, accountId: string, key: string) => {
    const sender = standInSmsSender(sut, twilio, OUR_NUMBER, { to, accountId });
    expect((await sender.send({ idempotencyKey: key, tenantId: sut.tenant, to, body: 'Recordatorio' })).status).toBe(
      'sent',
    );
  };
  const reply = (from: string, text: string) => twilio.inbound(smsHook(), from, OUR_NUMBER, text);

  it('turns "pago 500 el viernes" into an intent to pay, dated on the debtor\'s Friday', async () => {
    await remind('+573001110001', 'acc-co', 'rem-co-1');
    const webhook = reply('+573001110001', 'Pago 500 el viernes');
    expect((await deliverWebhook(webhook)).status).toBe(200);
    const intents = await published(sut, 'collections.orchestrator.v1.PaymentIntentExpressed');
    expect(intents).toEqual([
      expect.objectContaining({
        accountId: 'acc-co',
        amount: { amountMinor: 50_000, currency: 'COP' },
        // 2 March 2026 is a Monday in Bogotá.
        promisedDate: '2026-03-06',
        channel: orchestrator.Channel.CHANNEL_SMS,
      }),
    ]);
    const replied = await published(sut, 'collections.orchestrator.v1.DebtorReplied');
    expect(replied).toEqual([
      expect.objectContaining({ accountId: 'acc-co', intent: pb.ReplyIntent.REPLY_INTENT_PAYMENT_INTENT }),
    ]);
    // The provider retries the same webhook: nothing is published twice.
    expect((await deliverWebhook(webhook)).status).toBe(200);
    expect(await published(sut, 'collections.orchestrator.v1.PaymentIntentExpressed')).toHaveLength(1);
    expect(await published(sut, 'collections.orchestrator.v1.DebtorReplied')).toHaveLength(1);
  });

  it('reads "mañana" from the debtor\'s local day, not the server\'s', async () => {
    // 03:00 UTC on 3 March is 22:00 on 2 March in Bogotá: tomorrow is the 3rd.
    sut.clock.set(new Date('2026-03-03T03:00:00Z'));
    try {
      await remind('+573001110002', 'acc-co', 'rem-co-2');
      await deliverWebhook(reply('+573001110002', 'le pago mañana'));
      const intents = await published(sut, 'collections.orchestrator.v1.PaymentIntentExpressed');
      expect(intents.at(-1)).toMatchObject({ accountId: 'acc-co', promisedDate: '2026-03-03' });
      expect(intents.at(-1)?.amount).toBeUndefined();
    } finally {
      sut.clock.set(new Date('2026-03-02T15:00:00Z'));
    }
  });

  it('queues anything else for an agent, in the language it was written in', async () => {
    await remind('+5511977771111', 'acc-br', 'rem-br-1');
    const before = (await published(sut, 'collections.orchestrator.v1.PaymentIntentExpressed')).length;
    await deliverWebhook(reply('+5511977771111', 'Quem é você? Preciso falar com alguém sobre essa conta'));
    expect(await published(sut, 'collections.orchestrator.v1.PaymentIntentExpressed')).toHaveLength(before);
    const tasks = await published(sut, 'collections.orchestrator.v1.AgentTaskCreated');
    expect(tasks.at(-1)).toMatchObject({
      accountId: 'acc-br',
      kind: pb.AgentTaskKind.AGENT_TASK_KIND_REVIEW_REPLY,
      queue: 'replies',
      language: 'pt',
      reason: 'reply needs review',
    });
    expect((await published(sut, 'collections.orchestrator.v1.DebtorReplied')).at(-1)).toMatchObject({
      accountId: 'acc-br',
      intent: pb.ReplyIntent.REPLY_INTENT_OTHER,
    });
    // The agent who claims the review reads the reply itself (the event never carries it).
    const rest = (method: string, path: string, body?: unknown) =>
      fetch(`${sut.app.httpUrl}/v1/orchestrator/${path}`, {
        method,
        headers: { [API_KEY_HEADER]: sut.apiKey, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    await rest('PUT', 'agents/bia', { skills: ['review_reply'], languages: ['pt'], queues: ['replies'], capacity: 5 });
    const claim = (await (await rest('POST', 'agents/bia/claims', {})).json()) as { task: { replyText: string } };
    expect(claim.task).toMatchObject({
      taskId: tasks.at(-1)?.taskId,
      replyText: 'Quem é você? Preciso falar com alguém sobre essa conta',
    });
  });

  it("sends an intent in another currency than the account's to an agent", async () => {
    await remind('+573001110003', 'acc-co', 'rem-co-3');
    await deliverWebhook(reply('+573001110003', 'I will pay 50 dollars on Friday'));
    expect((await published(sut, 'collections.orchestrator.v1.AgentTaskCreated')).at(-1)).toMatchObject({
      accountId: 'acc-co',
      language: 'en',
      reason: 'intent to pay in USD',
    });
  });

  it('queues a reply from a number we never wrote to, without an account', async () => {
    await deliverWebhook(reply('+14155550123', 'I will pay $50 on Friday'));
    expect((await published(sut, 'collections.orchestrator.v1.AgentTaskCreated')).at(-1)).toMatchObject({
      accountId: '',
      reason: 'reply from an address with no account',
    });
  });

  it('an opt-out word publishes the reply as an opt-out and queues nothing', async () => {
    await remind('+573001110004', 'acc-co', 'rem-co-4');
    const tasks = (await published(sut, 'collections.orchestrator.v1.AgentTaskCreated')).length;
    await deliverWebhook(reply('+573001110004', 'BAJA'));
    expect((await published(sut, 'collections.orchestrator.v1.DebtorReplied')).at(-1)).toMatchObject({
      accountId: 'acc-co',
      intent: pb.ReplyIntent.REPLY_INTENT_OPT_OUT,
    });
    expect(await published(sut, 'collections.orchestrator.v1.AgentTaskCreated')).toHaveLength(tasks);
  });

  it('reads a WhatsApp reply in Portuguese the same way', async () => {
    await sut.dataSource.query(
      `INSERT INTO channel_delivery (tenant_id, channel, idempotency_key, recipient_hash, recipient_enc, provider_message_id, status, attempts, updated_at, account_id)
       VALUES ($1, 'whatsapp', 'rem-br-wa', $3, $4, 'wamid.out1', 'delivered', 1, $2, 'acc-br')`,
      [
        sut.tenant,
        sut.clock.now(),
        channelPii().addressKey(sut.tenant, 'whatsapp', '+5511966660000'),
        channelPii().encrypt('+5511966660000'),
      ],
    );
    const res = await deliverWebhook(
      meta.inboundWebhook(waHook(), STAND_IN.phoneNumberId, '5511966660000', 'vou pagar R$ 200 dia 15'),
    );
    expect(res.status).toBe(200);
    expect((await published(sut, 'collections.orchestrator.v1.PaymentIntentExpressed')).at(-1)).toMatchObject({
      accountId: 'acc-br',
      amount: { amountMinor: 20_000, currency: 'BRL' },
      promisedDate: '2026-03-15',
      channel: orchestrator.Channel.CHANNEL_WHATSAPP,
    });
  });
});
