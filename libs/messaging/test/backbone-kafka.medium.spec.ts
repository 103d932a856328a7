import { ledger } from '@collections/contracts';
import { waitFor } from '@collections/testing';
import { RELAY_CONSUMER } from '../src';
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

  it('dead-letters an event larger than the broker takes, and publishes the ones after it', async () => {
    const counted: { reason: string; topic: string }[] = [];
    const b = h.backbone({ onDeadLetter: (info) => counted.push(info) });
    h.effectConsumer(b);
    // One account's three payments, claimed together: the second carries 1.2 MB, over the
    // broker's default message.max.bytes (1 MiB), which no retry can change.
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
    await b.start();

    const effects = await h.waitForEffects(2);
    expect(effects.map((e) => e.n)).toEqual([1, 3]);
    const letters = await waitFor(async () => {
      const list = await b.deadLetters.list();
      return list.length > 0 ? list : undefined;
    });
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
});
