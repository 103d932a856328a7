import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { waitFor } from '@collections/testing';
import { InboxRetention } from '../src/inbox-retention';
import { BackboneHarness, SERVICE, inProcessKind, kafkaKind } from './backbone-harness';

const DAY_MS = 24 * 3_600_000;

/**
 * Every consumed event leaves its id in the consumer's inbox, so that a redelivery changes
 * nothing; without a retention the inbox grows by every event for ever. An id goes once its event
 * cannot come back: after the retention, and after the broker's redelivery horizon for the topics
 * consumed, whichever is later.
 */
async function seed(h: BackboneHarness, ages: number[]): Promise<void> {
  await h.ds.query(
    `INSERT INTO ${SERVICE}.inbox (consumer, event_id, tenant_id, processed_at)
     SELECT 'svc', 'e-' || n, 'tenant', now() - age * interval '1 day'
       FROM unnest($1::int[]) WITH ORDINALITY AS t(age, n)`,
    [ages],
  );
}

/** The event ids left, by age in days. */
async function left(h: BackboneHarness): Promise<Map<number, number>> {
  const rows = (await h.ds.query(
    `SELECT round(extract(epoch FROM now() - processed_at) / 86400)::int AS age, count(*)::int AS n
       FROM ${SERVICE}.inbox GROUP BY 1 ORDER BY 1`,
  )) as { age: number; n: number }[];
  return new Map(rows.map((r) => [r.age, r.n]));
}

describe('inbox retention (in-process transport)', () => {
  const h = new BackboneHarness(inProcessKind);

  beforeAll(() => h.open());
  afterAll(() => h.close());
  afterEach(async () => {
    await h.ds.query(`DELETE FROM ${SERVICE}.inbox`);
  });

  const retention = (retentionMs: number, pagesPerStatement?: number) =>
    new InboxRetention({
      schema: SERVICE,
      dataSource: h.ds,
      transport: h.transport(),
      topics: () => ['collections.ledger.payment.v1'],
      retentionMs,
      pagesPerStatement,
    });

  it('deletes the ids processed before the retention, a range of pages per statement, and keeps the rest', async () => {
    // 30,000 ids, the old ones spread over the whole table: 20 days, 13 days, today, 20 days, ...
    await seed(
      h,
      Array.from({ length: 30_000 }, (_, i) => [20, 13, 0][i % 3]),
    );
    const [{ pages }] = (await h.ds.query(
      `SELECT (pg_relation_size('${SERVICE}.inbox') / current_setting('block_size')::int)::int AS pages`,
    )) as { pages: number }[];
    expect(pages).toBeGreaterThan(100);

    const sweep = await retention(14 * DAY_MS, 16).sweep();
    expect(sweep).toEqual({ deleted: 10_000, statements: Math.ceil(pages / 16), keptMs: 14 * DAY_MS });
    expect(await left(h)).toEqual(
      new Map([
        [0, 10_000],
        [13, 10_000],
      ]),
    );
    // What is left is younger than the retention: a second sweep finds nothing.
    expect((await retention(14 * DAY_MS, 16).sweep()).deleted).toBe(0);
  });

  it('keeps every id when the retention is 0', async () => {
    await seed(h, [400, 20, 0]);
    expect(await retention(0).sweep()).toEqual({ deleted: 0, statements: 0, keptMs: Infinity });
    expect(await left(h)).toEqual(
      new Map([
        [0, 1],
        [20, 1],
        [400, 1],
      ]),
    );
  });

  it('runs by itself beside a running consumer, which still drops a redelivery of an id it keeps', async () => {
    const b = h.backbone({ inbox: { retentionMs: 14 * DAY_MS, firstSweepDelayMs: 10, sweepIntervalMs: 20 } });
    h.effectConsumer(b);
    await b.start();
    const ids = await h.publishPayments(
      b,
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    await h.waitForEffects(40);
    // Half the events were processed 20 days ago, the other half 13 days ago.
    await h.ds.query(
      `UPDATE ${SERVICE}.inbox SET processed_at = now() - CASE WHEN event_id = ANY($1::text[]) THEN interval '20 days' ELSE interval '13 days' END`,
      [ids.slice(0, 20)],
    );
    await waitFor(async () => (await left(h)).get(20) === undefined, {
      timeoutMs: 30_000,
      message: 'the ids processed 20 days ago deleted by the running sweeper',
    });
    expect(await left(h)).toEqual(new Map([[13, 20]]));

    // The relay publishes one of the kept events again (a crash before it marked the row): not applied twice.
    await h.ds.query(`UPDATE ${SERVICE}.outbox SET published_at = NULL WHERE event_id = $1`, [ids[30]]);
    b.relay.wake();
    await waitFor(async () => (await b.relay.backlog()) === 0, { message: 'the event published again' });
    const marker = await h.publishPayments(b, [41]);
    await h.waitForEffects(41);
    const effects = await h.effects();
    expect(effects.map((e) => e.event_id).filter((id) => id === ids[30])).toHaveLength(1);
    expect(effects.at(-1)?.event_id).toBe(marker[0]);
    await b.stop();
  });
});

describe('inbox retention (Kafka transport)', () => {
  const h = new BackboneHarness(kafkaKind);
  const kafka = new Kafka({
    brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();

  beforeAll(async () => {
    await h.open();
    await admin.connect();
    await createTopic(`${h.topicPrefix}kept.30d`, [
      { name: 'retention.ms', value: String(30 * DAY_MS) },
      { name: 'segment.ms', value: String(DAY_MS) },
    ]);
    await createTopic(`${h.topicPrefix}kept.forever`, [{ name: 'retention.ms', value: '-1' }]);
  });
  afterAll(async () => {
    await admin.deleteTopics({ topics: [`${h.topicPrefix}kept.30d`, `${h.topicPrefix}kept.forever`] });
    await admin.disconnect();
    await h.close();
  });
  afterEach(async () => {
    await h.ds.query(`DELETE FROM ${SERVICE}.inbox`);
  });

  /** Creates a topic with these settings; a broker still electing its leader is asked again. */
  async function createTopic(topic: string, configEntries: { name: string; value: string }[]): Promise<void> {
    await waitFor(
      async () => {
        try {
          await admin.createTopics({
            waitForLeaders: true,
            topics: [{ topic, numPartitions: 1, replicationFactor: 1, configEntries }],
          });
          await admin.fetchTopicMetadata({ topics: [topic] });
          await admin.describeConfigs({
            includeSynonyms: false,
            resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
          });
          return true;
        } catch (err) {
          if ((err as { retriable?: boolean }).retriable) return false;
          throw err;
        }
      },
      { timeoutMs: 30_000, message: `topic ${topic} created` },
    );
  }

  const sweepReading = (topics: string[]) =>
    new InboxRetention({
      schema: SERVICE,
      dataSource: h.ds,
      transport: h.transport(),
      topics: () => topics,
      retentionMs: 14 * DAY_MS,
    }).sweep();

  it('keeps the ids as long as the broker may deliver their records again: retention.ms + segment.ms', async () => {
    await seed(h, [40, 20, 0]);
    // 30 days of retention and segments of a day: a record may come back for 31 days.
    expect(await sweepReading(['collections.ledger.payment.v1', 'kept.30d'])).toMatchObject({
      deleted: 1,
      keptMs: 31 * DAY_MS,
    });
    expect(await left(h)).toEqual(
      new Map([
        [0, 1],
        [20, 1],
      ]),
    );
    // Topics with the broker's defaults (7 days, segments of 7 days): 14 days, the retention itself.
    expect(await sweepReading(['collections.ledger.payment.v1'])).toMatchObject({ deleted: 1, keptMs: 14 * DAY_MS });
    expect(await left(h)).toEqual(new Map([[0, 1]]));
  });

  it('keeps every id when a consumed topic keeps its records for ever, and ignores a topic not created yet', async () => {
    await seed(h, [400, 20, 0]);
    expect(await sweepReading(['kept.forever', 'collections.ledger.payment.v1'])).toEqual({
      deleted: 0,
      statements: 0,
      keptMs: Infinity,
    });
    expect((await left(h)).size).toBe(3);
    expect(await sweepReading(['not.created.yet'])).toMatchObject({ deleted: 2, keptMs: 14 * DAY_MS });
  });
});
