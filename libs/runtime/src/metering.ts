import { Backbone, BackboneOptions, Transport } from '@collections/messaging';
import { MetricsRegistry, withSpanFrom } from '@collections/platform';

/** Counts what crosses the transport; the names are the ones the Grafana ops dashboard plots. */
export function meteredTransport(transport: Transport, metrics: MetricsRegistry): Transport {
  const published = metrics.counter({
    name: 'collections_events_published_total',
    help: 'Events handed to the transport',
    labelNames: ['topic'],
  });
  const consumed = metrics.counter({
    name: 'collections_events_consumed_total',
    help: 'Events delivered to consumers and committed',
    labelNames: ['topic'],
  });
  return {
    kind: transport.kind,
    publish: async (records, tx) => {
      await transport.publish(records, tx);
      for (const r of records) published.inc({ topic: r.topic });
    },
    afterPublishCommitted: () => transport.afterPublishCommitted?.(),
    subscribe: (options) =>
      transport.subscribe({
        ...options,
        handle: async (records, control) => {
          await options.handle(records, control);
          for (const r of records) consumed.inc({ topic: r.topic });
        },
      }),
    close: () => transport.close(),
  };
}

/** Backbone hooks and gauges: dead letters by reason and the outbox backlog. */
export function backboneMetrics(metrics: MetricsRegistry): NonNullable<BackboneOptions['hooks']> {
  const deadLetters = metrics.counter({
    name: 'collections_dead_letters_total',
    help: 'Events sent to a dead-letter topic',
    labelNames: ['reason'],
  });
  return {
    onDeadLetter: ({ reason }) => deadLetters.inc({ reason }),
    // Each handler runs in a span continuing the producer's trace (traceparent header).
    around: (event, fn) => withSpanFrom(`consume ${event.type}`, { traceparent: event.traceparent }, fn),
  };
}

export function registerBacklogGauge(
  metrics: MetricsRegistry,
  backbones: Backbone[],
  owner: (b: Backbone) => string,
): void {
  metrics.gauge({
    name: 'collections_outbox_backlog',
    help: 'Outbox rows not yet published',
    labelNames: ['owner'],
    collect: async (gauge) => {
      for (const b of backbones) {
        try {
          gauge.set({ owner: owner(b) }, await b.relay.backlog());
        } catch {
          // The database is unreachable: readiness reports it; keep the last value.
        }
      }
    },
  });
}
