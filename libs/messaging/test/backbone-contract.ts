import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { deadLetterTopic } from '@collections/contracts';
import { currentTraceId, startTracing, withSpanFrom } from '@collections/platform';
import { waitFor } from '@collections/testing';
import { Header, InboundRecord, buildHeaders } from '../src';
import { BackboneHarness, PAYMENT_TOPIC, SERVICE, TransportKind, appliedOrderByKey } from './backbone-harness';

const DLQ_CLI = join(__dirname, '..', 'dist', 'dead-letters-cli.js');
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** The guarantees every transport must keep; run once per transport. */
export function describeBackboneContract(kind: TransportKind): void {
  describe(`backbone over the ${kind.name} transport${kind.relayThread ? ', relay on a thread of its own' : ''}`, () => {
    let h: BackboneHarness;

    beforeEach(async () => {
      h = new BackboneHarness(kind);
      await h.open();
    });
    afterEach(async () => {
      await h.close();
    });

    it('delivers every committed event exactly once, in order per account', async () => {
      const b = h.backbone();
      h.effectConsumer(b);
      await b.start();
      await h.publishPayments(b, range(1, 200));
      const effects = await h.waitForEffects(200);
      expect(effects).toHaveLength(200);
      for (const [, order] of appliedOrderByKey(effects)) expect(order).toEqual([...order].sort((x, y) => x - y));
    });

    it('reports how far a consumer group is behind on its topic until it has caught up', async () => {
      const producer = h.backbone();
      await producer.start();
      const consumer = h.backbone({ runRelay: false });
      h.effectConsumer(consumer);
      const lag = async () => (await consumer.consumerLag()).map((l) => `${l.group} ${l.topic} ${l.lag}`);

      await h.publishPayments(producer, range(1, 30));
      await waitFor(async () => (await lag()).join() === `${SERVICE} ${PAYMENT_TOPIC} 30`, {
        message: 'a lag of 30 before the group consumed anything',
      });
      await consumer.start();
      await h.waitForEffects(30);
      await waitFor(async () => (await lag()).join() === `${SERVICE} ${PAYMENT_TOPIC} 0`, {
        message: 'no lag once the group committed',
      });
    });

    it('waits until its running consumers committed what a topic held when asked, and says when they have not', async () => {
      const producer = h.backbone();
      await producer.start();
      const consumer = h.backbone({ runRelay: false });
      h.effectConsumer(consumer);
      expect(await consumer.caughtUp([PAYMENT_TOPIC], 0)).toBe(true); // no consumer runs yet: nothing to wait for
      await consumer.start();
      // The consumer cannot record its effects while the table is locked: it stays behind.
      const lock = h.ds.createQueryRunner();
      await lock.startTransaction();
      await lock.query('LOCK TABLE svc.effect IN EXCLUSIVE MODE');
      try {
        await h.publishPayments(producer, range(1, 20));
        await waitFor(async () => (await consumer.consumerLag()).reduce((n, l) => n + l.lag, 0) === 20, {
          message: '20 records in the log, none committed',
        });
        expect(await consumer.caughtUp([PAYMENT_TOPIC], 300)).toBe(false);
      } finally {
        await lock.rollbackTransaction();
        await lock.release();
      }
      expect(await consumer.caughtUp([PAYMENT_TOPIC], 60_000)).toBe(true);
      expect(await h.effects()).toHaveLength(20); // true once every effect is in the database
      expect(await consumer.caughtUp(['a.topic.none.reads'], 0)).toBe(true);
    });

    it("continues the producer's trace in the consumer (traceparent header)", async () => {
      startTracing('backbone-contract-test');
      const b = h.backbone();
      h.effectConsumer(b);
      await b.start();
      const producerTraceId = await withSpanFrom('post payment', {}, async () => {
        await h.publishPayments(b, [1]);
        return currentTraceId();
      });
      await h.waitForEffects(1);
      expect(producerTraceId).toMatch(/^[0-9a-f]{32}$/);
      expect(h.traceIds.get(1)).toBe(producerTraceId);
    });

    it('loses no event when the process is killed between the database commit and the publish', async () => {
      const result = await h.runChild('produce-crash-after-commit', { COUNT: '100' });
      expect(result.signal).toBe('SIGKILL');
      const b = h.backbone();
      h.effectConsumer(b);
      await b.start();
      const effects = await h.waitForEffects(100);
      expect(effects.map((e) => e.n).sort((x, y) => x - y)).toEqual(range(1, 100));
    });

    it('applies each event once when the relay dies after publishing but before marking the rows published', async () => {
      const result = await h.runChild('produce-crash-after-publish', { COUNT: '50' });
      expect(result.signal).toBe('SIGKILL');
      const b = h.backbone();
      h.effectConsumer(b);
      await b.start();
      await h.waitForEffects(50);
      // The batch is published a second time on restart; wait until that copy was consumed too.
      await waitFor(async () => {
        const [{ n }] = await h.ds.query(`SELECT count(*)::int AS n FROM svc.outbox WHERE published_at IS NULL`);
        return n === 0;
      });
      await b.stop();
      expect((await h.effects()).map((e) => e.n).sort((x, y) => x - y)).toEqual(range(1, 50));
    });

    it('applies an event once when the consumer is killed after its effect but before its offset commit', async () => {
      const producer = h.backbone();
      await producer.start();
      await h.publishPayments(producer, range(1, 40));
      await waitFor(async () => (await producer.relay.backlog()) === 0);

      const crashed = await h.runChild('consume-crash-after-commit');
      expect(crashed.signal).toBe('SIGKILL');
      const appliedBeforeCrash = (await h.effects()).length;
      expect(appliedBeforeCrash).toBeGreaterThan(0);

      const consumer = h.backbone({ runRelay: false });
      h.effectConsumer(consumer);
      await consumer.start();
      const effects = await h.waitForEffects(40);
      // Redelivered records are skipped by the inbox: every payment applied exactly once.
      await waitFor(async () => {
        const [{ n }] = await h.ds.query(`SELECT count(*)::int AS n FROM svc.inbox WHERE consumer = 'svc'`);
        return n === 40;
      });
      expect(effects.map((e) => e.n).sort((x, y) => x - y)).toEqual(range(1, 40));
      expect(new Set(effects.map((e) => e.event_id)).size).toBe(40);
    });

    it('sends poison records to the dead-letter topic with their reason while the partition keeps flowing', async () => {
      const b = h.backbone();
      h.effectConsumer(b, { failFor: (n) => n === 13, maxAttempts: 2 });
      await b.start();
      await h.publishPayments(b, range(1, 10), 1);
      const t = h.transport('poison');
      const valid = buildHeaders({ type: 'collections.ledger.v1.PaymentPosted', source: '/test', tenantId: h.tenant });
      await t.publish([
        {
          topic: PAYMENT_TOPIC,
          key: 'acct-0',
          headers: { ...valid, [Header.Id]: 'bad-type', [Header.Type]: 'collections.ledger.v1.Nonsense' },
          payload: Buffer.from([1]),
        },
        {
          topic: PAYMENT_TOPIC,
          key: 'acct-0',
          headers: { ...valid, [Header.Id]: 'bad-bytes' },
          payload: Buffer.from([0xff, 0xff, 0xff, 0xff]),
        },
        {
          topic: PAYMENT_TOPIC,
          key: 'acct-0',
          headers: Object.fromEntries(
            Object.entries({ ...valid, [Header.Id]: 'no-tenant' }).filter(([k]) => k !== Header.TenantId),
          ),
          payload: Buffer.from([]),
        },
      ]);
      await h.publishPayments(b, range(11, 20), 1);

      const effects = await h.waitForEffects(19);
      expect(effects.map((e) => e.n)).toEqual([...range(1, 12), ...range(14, 20)]);
      const dead = await waitFor(async () => {
        const list = await b.deadLetters.list();
        return list.length === 4 ? list : undefined;
      });
      expect(dead.map((d) => [d.eventId, d.reason])).toEqual(
        expect.arrayContaining([
          ['bad-type', 'unknown-event-type'],
          ['bad-bytes', 'undecodable-payload'],
          ['no-tenant', 'missing-tenant'],
          [expect.any(String), 'handler-failed'],
        ]),
      );
      // Each dead letter is also published on the service's dead-letter topic, reason in a header.
      const onTopic: InboundRecord[] = [];
      const reader = await h.transport('dlq-reader').subscribe({
        groupId: 'dlq-reader',
        topics: [deadLetterTopic(SERVICE)],
        fromBeginning: true,
        handle: async (records) => void onTopic.push(...records),
      });
      await waitFor(() => onTopic.length >= 4, { message: 'four records on the dead-letter topic' });
      await reader.stop();
      const seen = onTopic.map((r) => [r.headers.ce_id, r.headers.dlq_reason, r.headers.dlq_original_topic]);
      expect(seen).toHaveLength(4);
      expect(seen).toEqual(
        expect.arrayContaining([
          ['bad-bytes', 'undecodable-payload', PAYMENT_TOPIC],
          ['bad-type', 'unknown-event-type', PAYMENT_TOPIC],
          ['no-tenant', 'missing-tenant', PAYMENT_TOPIC],
          [expect.any(String), 'handler-failed', PAYMENT_TOPIC],
        ]),
      );
    });

    it('hands a set-based projection whole batches of at most maxBatchSize, dead-letters the poison in them and retries a failing batch one event at a time', async () => {
      const sizes: number[] = [];
      const b = h.backbone();
      h.effectConsumer(b, { failFor: (n) => n === 13, maxAttempts: 1, whole: { maxBatchSize: 7, sizes } });
      // Everything is waiting before the consumer starts, so the batches it takes are full ones.
      await h.publishPayments(b, range(1, 12), 1);
      const valid = buildHeaders({ type: 'collections.ledger.v1.PaymentPosted', source: '/test', tenantId: h.tenant });
      await h.transport('poison').publish([
        {
          topic: PAYMENT_TOPIC,
          key: 'acct-0',
          headers: { ...valid, [Header.Id]: 'bad-bytes' },
          payload: Buffer.from([0xff, 0xff, 0xff, 0xff]),
        },
      ]);
      await h.publishPayments(b, range(13, 30), 1);
      await b.start();

      const effects = await h.waitForEffects(29);
      expect(effects.map((e) => e.n)).toEqual([...range(1, 12), ...range(14, 30)]);
      const dead = await waitFor(async () => {
        const list = await b.deadLetters.list();
        return list.length === 2 ? list : undefined;
      });
      expect(dead.map((d) => d.reason).sort()).toEqual(['handler-failed', 'undecodable-payload']);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(7);
      expect(sizes.filter((s) => s > 1).length).toBeGreaterThan(0);
    });

    it('hands a set-based projection batches as large as its maxBatchSize, megabytes of records included', async () => {
      // 5,000 payments of one account (one partition), some 1.5 MB on Kafka, wait before the consumer
      // starts: the first batch it takes is all of them (kafkajs' default fetch, 1 MiB a partition,
      // brought 3,500, then 1,500).
      const producer = h.backbone();
      await producer.start();
      const consumer = h.backbone({ runRelay: false });
      const sizes: number[] = [];
      h.effectConsumer(consumer, { whole: { maxBatchSize: 5_000, sizes } });
      await h.publishPayments(producer, range(1, 5_000), 1);
      await waitFor(async () => (await consumer.consumerLag()).map((l) => l.lag).join() === '5000', {
        message: 'the 5,000 payments on the topic',
      });
      await consumer.start();
      const effects = await h.waitForEffects(5_000);
      expect(effects.map((e) => e.n)).toEqual(range(1, 5_000));
      expect(sizes).toEqual([5_000]);
    });

    it('publishes a claim larger than one produce request may carry, in order', async () => {
      // 5,000 events of one account (one partition), some 1.5 MB, claimed by the relay at once:
      // over Kafka's default message.max.bytes (1 MiB) for one partition's record batch.
      const producer = h.backbone({ relay: { batchSize: 5_000 } });
      const consumer = h.backbone({ runRelay: false });
      h.effectConsumer(consumer);
      await h.publishPayments(producer, range(1, 5_000), 1);
      await consumer.start();
      await producer.start();
      const effects = await h.waitForEffects(5_000);
      expect(effects.map((e) => e.n)).toEqual(range(1, 5_000));
    });

    it('replays a dead letter once the cause is fixed', async () => {
      let broken = true;
      const b = h.backbone();
      h.effectConsumer(b, { failFor: (n) => broken && n === 2, maxAttempts: 1 });
      await b.start();
      await h.publishPayments(b, [1, 2, 3]);
      const [dead] = await waitFor(async () => {
        const list = await b.deadLetters.list();
        return list.length === 1 ? list : undefined;
      });
      expect(dead.reason).toBe('handler-failed');
      broken = false;
      await b.deadLetters.replay(dead.id);
      const effects = await h.waitForEffects(3);
      expect(effects.map((e) => e.n).sort()).toEqual([1, 2, 3]);
      expect(await b.deadLetters.list()).toEqual([]);
      await expect(b.deadLetters.replay(dead.id)).rejects.toThrow(/already replayed/);
    });

    it('lists and replays dead letters from the command line', async () => {
      let broken = true;
      const b = h.backbone();
      h.effectConsumer(b, { failFor: (n) => broken && n === 7, maxAttempts: 1 });
      await b.start();
      await h.publishPayments(b, [6, 7, 8]);
      await waitFor(async () => (await b.deadLetters.list()).length === 1);
      const env = { ...process.env, DATABASE_URL: h.db.url };
      const listed = execFileSync(process.execPath, [DLQ_CLI, 'list', SERVICE], { env, encoding: 'utf8' });
      const [letter] = listed
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { id: string; reason: string; type: string });
      expect(letter).toMatchObject({ reason: 'handler-failed', type: 'collections.ledger.v1.PaymentPosted' });
      broken = false;
      execFileSync(process.execPath, [DLQ_CLI, 'replay', SERVICE, letter.id], { env });
      const effects = await h.waitForEffects(3);
      expect(effects.map((e) => e.n).sort()).toEqual([6, 7, 8]);
      expect(() =>
        execFileSync(process.execPath, [DLQ_CLI, 'replay', SERVICE, letter.id], { env, stdio: 'pipe' }),
      ).toThrow(/already replayed/);
    });

    it('keeps per-key order when group membership changes mid-stream', async () => {
      const producer = h.backbone();
      await producer.start();
      const first = h.backbone({ runRelay: false, transport: h.transport('member-1') });
      h.effectConsumer(first);
      await first.start();
      await h.publishPayments(producer, range(1, 300), 6);
      await waitFor(async () => (await h.effects()).length >= 50);

      const second = h.backbone({ runRelay: false, transport: h.transport('member-2') });
      h.effectConsumer(second);
      await second.start(); // the group rebalances (Kafka) or waits as standby (in-process)
      await h.publishPayments(producer, range(301, 600), 6);
      await waitFor(async () => (await h.effects()).length >= 350);
      await first.stop(); // the survivor takes over every partition

      const effects = await h.waitForEffects(600, 90_000);
      expect(effects).toHaveLength(600);
      for (const [key, order] of appliedOrderByKey(effects)) {
        expect({ key, order }).toEqual({ key, order: [...order].sort((x, y) => x - y) });
      }
    });
  });
}
