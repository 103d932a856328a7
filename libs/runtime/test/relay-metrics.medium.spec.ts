import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ledger } from '@collections/contracts';
import { Backbone, Transport } from '@collections/messaging';
import { MetricsRegistry } from '@collections/platform';
import { backboneMetrics, openServiceDatabase } from '../src';

const SERVER = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * The outbox relay of a service whose broker refuses its events, then takes them again: each
 * failed publish is counted, by the outbox's owner and what failed, and nothing more once it
 * publishes again.
 */
describe('outbox relay publish failures (real PostgreSQL)', () => {
  const schema = `relaymetrics_${randomBytes(4).toString('hex')}`;
  let ds: DataSource;
  let backbone: Backbone | undefined;

  beforeAll(async () => {
    ds = await openServiceDatabase({ url: SERVER, schema, poolSize: 4, migrations: [] });
  });

  afterAll(async () => {
    await backbone?.stop();
    await ds?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await ds?.destroy();
  });

  const failures = async (metrics: MetricsRegistry) => {
    const metric = await metrics.registry.getSingleMetric('collections_relay_publish_failures_total')?.get();
    return Object.fromEntries((metric?.values ?? []).map((v) => [`${v.labels.owner} ${v.labels.reason}`, v.value]));
  };

  it('counts each publish the transport refuses, and none once it takes them again', async () => {
    const metrics = new MetricsRegistry('ledger');
    // The broker refuses three publishes, then takes the event.
    const broker = { refusals: 3, published: 0 };
    const transport: Transport = {
      kind: 'kafka',
      publish: async (records) => {
        if (broker.refusals-- > 0) throw new Error('There is no leader for this topic-partition');
        broker.published += records.length;
      },
      subscribe: async () => ({ stop: async () => undefined }),
      close: async () => undefined,
    };
    let published!: () => void;
    const publishedOnce = new Promise<void>((resolve) => (published = resolve));
    backbone = new Backbone({
      service: 'ledger',
      schema,
      dataSource: ds,
      transport,
      relay: { pollIntervalMs: 10, maxBackoffMs: 20, onPublished: () => published() },
      hooks: backboneMetrics(metrics, 'ledger'),
    });
    // Before anything failed, both reasons are exported at 0 (an alert's increase() sees the first failure).
    expect(await failures(metrics)).toEqual({ 'ledger transport': 0, 'ledger database': 0 });

    await ds.transaction((tx) =>
      backbone!.outbox.add(tx, {
        type: 'collections.ledger.v1.PaymentPosted',
        key: 'acct-1',
        tenantId: 'tenant-1',
        payload: ledger.PaymentPosted.fromPartial({ paymentId: 'p-1', accountId: 'acct-1' }),
      }),
    );
    await backbone.start();
    await publishedOnce;
    await backbone.stop();
    await backbone.relay.drainOnce();

    expect({ published: broker.published, backlog: await backbone.relay.backlog() }).toEqual({
      published: 1,
      backlog: 0,
    });
    expect(await failures(metrics)).toEqual({ 'ledger transport': 3, 'ledger database': 0 });
  });
});
