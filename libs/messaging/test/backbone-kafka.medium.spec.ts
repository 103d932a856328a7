import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { ledger } from '@collections/contracts';
import { waitFor } from '@collections/testing';
import { Backbone, RELAY_CONSUMER } from '../src';
import { describeBackboneContract } from './backbone-contract';
import { BackboneHarness, PAYMENT_TOPIC, kafkaKind } from './backbone-harness';

describeBackboneContract(kafkaKind);

describe('the outbox relay over Kafka', () => {
  let h: BackboneHarness;

  beforeEach(async () => {
    h = new BackboneHarness(kafkaKind);
    await h.open();
  });
  afterEach(async () => {
    await h.close();
  });

  /**
   * One account's three payments, claimed together: the second carries 1.2 MB, over the broker's
   * default message.max.bytes (1 MiB), which no retry can change. Returns the big one's event id.
   */
  async function paymentsWithOneTooLarge(b: Backbone): Promise<string> {
    await h.publishPayments(b, [1], 1);
    const [bigId] = await h.ds.transaction((tx) =>
      b.outbox.addMany(tx, [
        {
          type: 'collections.ledger.v1.PaymentPosted' as const,
          key: 'acct-0',
          tenantId: h.tenant,
          payload: ledger.PaymentPosted.fromPartial({
            paymentId: 'p-2',
            accountId: 'acct-0',
            reference: 'x'.repeat(1_200_000),
            amount: { amountMinor: 2, currency: 'USD' },
          }),
        },
      ]),
    );
    await h.publishPayments(b, [3], 1);
    return bigId;
  }

  const relayLetters = (b: Backbone) =>
    waitFor(async () => {
      const list = await b.deadLetters.list();
      return list.length > 0 ? list : undefined;
    });

  it('dead-letters an event larger than the broker takes, and publishes the ones after it', async () => {
    const counted: { reason: string; topic: string }[] = [];
    const b = h.backbone({ onDeadLetter: (info) => counted.push(info) });
    h.effectConsumer(b);
    const bigId = await paymentsWithOneTooLarge(b);
    await b.start();

    const effects = await h.waitForEffects(2);
    expect(effects.map((e) => e.n)).toEqual([1, 3]);
    const letters = await relayLetters(b);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      consumer: RELAY_CONSUMER,
      eventId: bigId,
      type: 'collections.ledger.v1.PaymentPosted',
      reason: 'undeliverable',
    });
    expect(letters[0].error).toMatch(/too large/);
    expect(await b.relay.backlog()).toBe(0);
    // The dead-letter metric (collections_dead_letters_total) counts it too.
    expect(counted).toEqual([{ reason: 'undeliverable', topic: PAYMENT_TOPIC }]);
  });

  it('delivers the dead-lettered event once replayed after the topic was allowed larger records', async () => {
    const b = h.backbone();
    h.effectConsumer(b);
    const bigId = await paymentsWithOneTooLarge(b);
    await b.start();
    await h.waitForEffects(2);
    const [letter] = await relayLetters(b);

    // The operator's remedy: the topic takes records up to 4 MiB, then the letter is replayed.
    const admin = new Kafka({
      brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    try {
      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: `${h.topicPrefix}${PAYMENT_TOPIC}`,
            configEntries: [{ name: 'max.message.bytes', value: String(4 * 1_048_576) }],
          },
        ],
      });
    } finally {
      await admin.disconnect();
    }
    const replayed = await b.deadLetters.replay(letter.id);
    expect(replayed.replayedAt).not.toBeNull();

    const effects = await h.waitForEffects(3);
    expect(effects.map((e) => e.n)).toEqual([1, 3, 2]);
    expect(effects[2].event_id).toBe(bigId);
    expect(await b.deadLetters.list()).toEqual([]); // replayed letters are no longer listed
    expect(await b.relay.backlog()).toBe(0);
  });
});
