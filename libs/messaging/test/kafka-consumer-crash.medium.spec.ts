import { randomBytes } from 'node:crypto';
import { Admin, Kafka, KafkaJSNonRetriableError } from 'kafkajs';
import { waitFor } from '@collections/testing';
import { ConsumerRestarter, InboundRecord, KafkaTransport, MessagingLogger, OutboundRecord } from '../src';

const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const TOPIC = 'collections.ledger.payment.v1';
const OTHER_TOPIC = 'collections.ledger.account.v1';

/** Collects the transport's log lines, to see what an operator is told. */
function recordingLogger(lines: { level: string; msg: string; obj: object }[]): MessagingLogger {
  const at = (level: string) => (obj: object, msg: string) => void lines.push({ level, msg, obj });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/**
 * A Kafka consumer that crashes on an error kafkajs does not retry (after a broker restart:
 * "Failed to find group coordinator"; a handler's TypeError) is stopped by kafkajs for good. The
 * transport starts a new consumer of the group, which goes on from its committed offsets, and
 * stopping the subscription stops whichever consumer runs then. Real Kafka broker.
 */
describe('KafkaTransport, a consumer kafkajs will not restart (real Kafka)', () => {
  const prefix = `crash${randomBytes(4).toString('hex')}.`;
  const lines: { level: string; msg: string; obj: object }[] = [];
  let transport: KafkaTransport;
  let admin: Admin;

  beforeAll(async () => {
    transport = new KafkaTransport({
      brokers: BROKERS,
      clientId: 'crash-test',
      topicPrefix: prefix,
      sessionTimeoutMs: 6_000,
      maxWaitTimeMs: 50,
      partitions: 2,
      logger: recordingLogger(lines),
    });
    await transport.ensureTopics([TOPIC]);
    admin = new Kafka({ clientId: 'crash-test-admin', brokers: BROKERS, logCreator: () => () => undefined }).admin();
    await admin.connect();
  });

  afterAll(async () => {
    await transport?.close();
    await admin?.disconnect();
  });

  const records = (from: number, n: number, topic = TOPIC): OutboundRecord[] =>
    Array.from({ length: n }, (_, i) => ({
      topic,
      key: `k${(from + i) % 7}`,
      payload: Buffer.from(`payment ${from + i}`),
      headers: { ce_id: `e${from + i}` },
    }));

  const groupState = async (groupId: string) => (await admin.describeGroups([`${prefix}${groupId}`])).groups[0]?.state;

  it('starts a new consumer of the group after a crash kafkajs leaves stopped, and loses nothing', async () => {
    const groupId = 'ledger-crash';
    const seen = new Set<string>();
    const crashes: ConsumerRestarter[] = [];
    let thrown = 0;
    await transport.publish(records(0, 200));
    const subscription = await transport.subscribe({
      groupId,
      topics: [TOPIC],
      maxBatchSize: 50,
      onCrash: ({ restartedBy }) => crashes.push(restartedBy),
      handle: async (batch: InboundRecord[]) => {
        // The first batch meets what kafkajs does not retry (as its coordinator lookup that
        // gave up after the broker's restart): not one record of it is taken.
        if (thrown++ === 0) throw new KafkaJSNonRetriableError('Failed to find group coordinator');
        for (const r of batch) seen.add(r.payload!.toString());
      },
    });
    try {
      await waitFor(() => seen.size === 200, { timeoutMs: 45_000, message: '200 records consumed after the crash' });
      expect(crashes).toEqual(['transport']);
      // The operator is told the consumer stopped and was started again, and of which group.
      const said = lines.filter((l) => (l.obj as { groupId?: string }).groupId === groupId).map((l) => l.msg);
      expect(said).toEqual(
        expect.arrayContaining([
          'kafka consumer stopped and kafkajs will not restart it; starting a new one',
          'kafka consumer started again',
        ]),
      );
      // Records published after the restart reach the new consumer too.
      await transport.publish(records(200, 20));
      await waitFor(() => seen.size === 220, { timeoutMs: 30_000, message: '20 more records consumed' });
    } finally {
      await subscription.stop();
    }
    // Stopping the subscription stopped the consumer it runs now: the group has no member left.
    await waitFor(async () => (await groupState(groupId)) === 'Empty', { timeoutMs: 30_000, message: 'group empty' });
    expect(await transport.lag(groupId, [TOPIC])).toEqual([{ topic: TOPIC, lag: 0 }]);
  });

  it('stopped while it waits to start a new consumer, starts none', async () => {
    const groupId = 'ledger-crash-stopped';
    const crashes: ConsumerRestarter[] = [];
    await transport.publish(records(0, 5, OTHER_TOPIC));
    let crashed!: () => void;
    const crash = new Promise<void>((resolve) => (crashed = resolve));
    const subscription = await transport.subscribe({
      groupId,
      topics: [OTHER_TOPIC],
      onCrash: ({ restartedBy }) => {
        crashes.push(restartedBy);
        crashed();
      },
      handle: async () => {
        throw new TypeError("Cannot read properties of undefined (reading 'amount')");
      },
    });
    await crash;
    // kafkajs stops a consumer whose handler threw a TypeError at once (not retried).
    expect(crashes).toEqual(['transport']);
    await subscription.stop();
    const restarts = lines.filter(
      (l) => (l.obj as { groupId?: string }).groupId === groupId && l.msg === 'kafka consumer started again',
    );
    expect(restarts).toEqual([]);
    expect(await groupState(groupId)).toBe('Empty');
    // Nothing was taken: the five records wait for the group's next consumer.
    expect(await transport.lag(groupId, [OTHER_TOPIC])).toEqual([{ topic: OTHER_TOPIC, lag: 5 }]);
  });
});
