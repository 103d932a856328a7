import { orchestratorAgents as pb } from '@collections/contracts';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { TwilioVoiceProvider } from '../../src/channels/voice/twilio-voice.provider';
import { orchestratorService } from '../../src/orchestrator.service';
import { storedSender } from '../support/channel-stand-ins';
import { deliverWebhook } from '../support/http-stand-in';
import { published } from '../support/outbox-events';
import { startTwilioVoiceStandIn } from '../support/twilio-voice-stand-in';

const ACCOUNT = 'AC' + '4'.repeat(32);
const TOKEN = 'twilio-token';
const CALLER_ID = '+15550000201';

describe('voice-bot calls in the orchestrator app (real PostgreSQL)', () => {
  let sut: ServiceUnderTest;
  let twilio: Awaited<ReturnType<typeof startTwilioVoiceStandIn>>;
  const saved = { ...process.env };

  beforeAll(async () => {
    twilio = await startTwilioVoiceStandIn(ACCOUNT, TOKEN);
    Object.assign(process.env, {
      TWILIO_BASE_URL: twilio.url,
      TWILIO_ACCOUNT_SID: ACCOUNT,
      TWILIO_AUTH_TOKEN: TOKEN,
      TWILIO_VOICE_FROM_NUMBERS: CALLER_ID,
      TWILIO_VOICE_BOT_URL: 'https://bot.example/twiml',
    });
    sut = await startServiceUnderTest(orchestratorService);
    await sut.dataSource.query(
      `INSERT INTO debtor_profile (tenant_id, debtor_id, time_zone, country) VALUES ($1, 'deb-v', 'America/Bogota', 'CO')`,
      [sut.tenant],
    );
    for (const account of ['acc-v1', 'acc-v2', 'acc-v3'])
      await sut.dataSource.query(
        `INSERT INTO account_party (tenant_id, account_id, debtor_id, role, currency) VALUES ($1, $2, 'deb-v', 1, 'COP')`,
        [sut.tenant, account],
      );
  });

  afterAll(async () => {
    await sut?.close();
    await twilio?.close();
    process.env = saved;
  });

  const hook = () => `${sut.app.httpUrl}/webhooks/${sut.tenant}/call`;

  /** The voice bot calls the debtor about `accountId`; answers the call's sid. */
  const placeCall = async (accountId: string, key: string) => {
    const provider = new TwilioVoiceProvider({
      baseUrl: twilio.url,
      accountSid: ACCOUNT,
      authToken: TOKEN,
      from: [CALLER_ID],
      botUrl: 'https://bot.example/twiml',
      statusCallback: hook(),
      callsPerSecond: 100,
    });
    const to = '+573005550100';
    const sender = storedSender(sut, provider, { to, accountId });
    const outcome = await sender.send({ idempotencyKey: key, tenantId: sut.tenant, to, body: '' });
    if (outcome.status !== 'sent') throw new Error(`call not placed: ${outcome.status}`);
    return outcome.providerMessageId;
  };

  const outcomesFor = async (accountId: string) =>
    (await published(sut, 'collections.orchestrator.v1.CallOutcomeRecorded')).filter((o) => o.accountId === accountId);

  it('records the promise the debtor made to the bot, once, with its amount and date', async () => {
    const sid = await placeCall('acc-v1', 'call-1');
    expect((await deliverWebhook(twilio.statusCallback(sid, 'in-progress', { answeredBy: 'human' }))).status).toBe(200);
    expect(await outcomesFor('acc-v1')).toEqual([]);
    expect((await deliverWebhook(twilio.gatherResult(hook(), sid, 'Pago 500 el viernes'))).status).toBe(200);
    // The call then ends: its "completed" does not overwrite what the bot heard.
    await deliverWebhook(twilio.statusCallback(sid, 'completed', { answeredBy: 'human' }));
    expect(await outcomesFor('acc-v1')).toEqual([
      expect.objectContaining({
        source: pb.CallOutcomeSource.CALL_OUTCOME_SOURCE_VOICE_BOT,
        outcome: pb.CallOutcome.CALL_OUTCOME_PROMISE,
        promisedAmount: { amountMinor: 50_000, currency: 'COP' },
        promisedDate: '2026-03-06',
      }),
    ]);
    expect(
      await sut.dataSource.query(`SELECT status FROM channel_delivery WHERE provider_message_id = $1`, [sid]),
    ).toEqual([{ status: 'delivered' }]);
  });

  it('records an unanswered call as no answer, and marks the delivery failed', async () => {
    const sid = await placeCall('acc-v2', 'call-2');
    await deliverWebhook(twilio.statusCallback(sid, 'no-answer'));
    expect((await outcomesFor('acc-v2')).map((o) => o.outcome)).toEqual([pb.CallOutcome.CALL_OUTCOME_NO_ANSWER]);
    expect(
      await sut.dataSource.query(`SELECT status FROM channel_delivery WHERE provider_message_id = $1`, [sid]),
    ).toEqual([{ status: 'failed' }]);
  });

  it('stops contact at once when the debtor disputes the debt to the bot', async () => {
    const sid = await placeCall('acc-v3', 'call-3');
    await deliverWebhook(twilio.gatherResult(hook(), sid, 'Yo no debo nada, eso es un fraude'));
    expect((await outcomesFor('acc-v3')).map((o) => o.outcome)).toEqual([pb.CallOutcome.CALL_OUTCOME_DISPUTE]);
    expect(
      await sut.dataSource.query(
        `SELECT debtor_id, active FROM debtor_hold_state WHERE tenant_id = $1 AND hold_id LIKE 'call-dispute:%'`,
        [sut.tenant],
      ),
    ).toEqual([{ debtor_id: 'deb-v', active: true }]);
  });

  it('refuses an unsigned or tampered call callback and records nothing', async () => {
    const sid = await placeCall('acc-v2', 'call-4');
    const said = twilio.gatherResult(hook(), sid, 'no voy a pagar');
    expect((await deliverWebhook({ ...said, rawBody: said.rawBody.replace('no+voy', 'si+voy') })).status).toBe(403);
    expect(
      (await deliverWebhook({ ...said, headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status,
    ).toBe(403);
    expect((await outcomesFor('acc-v2')).map((o) => o.outcome)).toEqual([pb.CallOutcome.CALL_OUTCOME_NO_ANSWER]);
  });
});
