import {
  Backbone,
  BackboneOptions,
  CONSUMER_RESTARTERS,
  RELAY_FAILURE_REASONS,
  Transport,
  countByTopic,
  publishCounted,
} from '@collections/messaging';
import { MetricsRegistry, withSpanFrom } from '@collections/platform';

/*
 * The messaging metrics every service exports, with the same names and labels in distributed
 * mode (one registry per service) and embedded mode (one `platform` registry): `group` is the
 * consumer group (the consuming service), `owner` the service whose outbox it is. No tenant
 * label: these are per topic, and topics are few.
 */

/** Counts what crosses the transport; the names are the ones the Grafana ops dashboard plots. */
export function meteredTransport(transport: Transport, metrics: MetricsRegistry): Transport {
  const published = eventsPublished(metrics);
  const consumed = metrics.counter({
    name: 'collections_events_consumed_total',
    help: 'Events delivered to consumers and committed',
    labelNames: ['topic', 'group'],
  });
  const crashes = metrics.counter({
    name: 'collections_consumer_crashes_total',
    help: 'Crashes of a Kafka consumer, each started again: restarted_by kafkajs (a retriable error) or transport (any other, which kafkajs leaves stopped: a new consumer of the group)',
    labelNames: ['group', 'restarted_by'],
  });
  const lag = transport.lag?.bind(transport);
  const redeliveryHorizonMs = transport.redeliveryHorizonMs?.bind(transport);
  const logEnds = transport.logEnds?.bind(transport);
  const lagBehind = transport.lagBehind?.bind(transport);
  return {
    kind: transport.kind,
    publish: (records, tx) =>
      publishCounted(transport, records, tx, (counts) => {
        for (const topic in counts) published.inc({ topic }, counts[topic]);
      }),
    afterPublishCommitted: (topics) => transport.afterPublishCommitted?.(topics),
    subscribe: (options) => {
      // Every series from the start: increase() and the alert see the first crash.
      for (const by of CONSUMER_RESTARTERS) crashes.inc({ group: options.groupId, restarted_by: by }, 0);
      return transport.subscribe({
        ...options,
        onCrash: (info) => {
          crashes.inc({ group: options.groupId, restarted_by: info.restartedBy });
          options.onCrash?.(info);
        },
        handle: async (records, control) => {
          await options.handle(records, control);
          // Once per topic of the batch, not per record: each inc hashes its labels.
          const counts = countByTopic(records);
          for (const topic in counts) consumed.inc({ topic, group: options.groupId }, counts[topic]);
        },
      });
    },
    ...(lag ? { lag } : {}),
    ...(redeliveryHorizonMs ? { redeliveryHorizonMs } : {}),
    ...(logEnds ? { logEnds } : {}),
    ...(lagBehind ? { lagBehind } : {}),
    close: () => transport.close(),
  };
}

/** `collections_events_published_total{topic}`: events handed to the transport, by this thread's relay or a relay thread. */
function eventsPublished(metrics: MetricsRegistry) {
  return metrics.counter({
    name: 'collections_events_published_total',
    help: 'Events handed to the transport',
    labelNames: ['topic'],
  });
}

/** Counts `n` events a relay thread published on `topic` (RelayThreadOptions.onPublished). */
export function countPublished(metrics: MetricsRegistry): (topic: string, n: number) => void {
  const published = eventsPublished(metrics);
  return (topic, n) => published.inc({ topic }, n);
}

/**
 * Backbone hooks: dead letters by reason, and the failed publishes of the outbox relay of
 * `owner` (the service whose outbox it is, as in `collections_outbox_backlog`).
 */
export function backboneMetrics(metrics: MetricsRegistry, owner: string): NonNullable<BackboneOptions['hooks']> {
  const deadLetters = metrics.counter({
    name: 'collections_dead_letters_total',
    help: 'Events dead-lettered, by the topic they came from or were bound for (reason undeliverable: the outbox relay could not publish them)',
    labelNames: ['reason', 'topic'],
  });
  const relayFailures = metrics.counter({
    name: 'collections_relay_publish_failures_total',
    help: 'Attempts of the outbox relay to publish that failed and will be retried (reason transport: the broker refused or did not answer; database: the outbox could not be read or marked)',
    labelNames: ['owner', 'reason'],
  });
  // Every series from the start: increase() and the alert see the first failure.
  for (const reason of RELAY_FAILURE_REASONS) relayFailures.inc({ owner, reason }, 0);
  return {
    onDeadLetter: ({ reason, topic }) => deadLetters.inc({ reason, topic }),
    onPublishFailed: ({ reason }) => relayFailures.inc({ owner, reason }),
    // Each handler runs in a span continuing the producer's trace (traceparent header).
    around: (event, fn) => withSpanFrom(`consume ${event.type}`, { traceparent: event.traceparent }, fn),
  };
}

/**
 * Gauges read on every scrape: `collections_outbox_backlog{owner}` (outbox rows not yet
 * published) and `collections_consumer_lag{group,topic}` (records on a topic the group has not
 * committed yet). A backbone whose database or broker does not answer keeps its last values.
 */
export function registerBackboneGauges(
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
  metrics.gauge({
    name: 'collections_consumer_lag',
    help: 'Records on a topic that the consumer group has not committed yet',
    labelNames: ['group', 'topic'],
    collect: async (gauge) => {
      for (const b of backbones) {
        try {
          for (const l of await b.consumerLag()) gauge.set({ group: l.group, topic: l.topic }, l.lag);
        } catch {
          // The broker is unreachable: keep the last value.
        }
      }
    },
  });
}

/** What became of a run of a scheduled job (`ClockTimedJob`). */
export const JOB_RUN_OUTCOMES = ['succeeded', 'failed', 'skipped'] as const;
export type JobRunOutcome = (typeof JOB_RUN_OUTCOMES)[number];

/**
 * The runs of the scheduled job `jobName` (its log name, e.g. `daily plan run`):
 * `collections_job_runs_total{job_name,outcome}` (skipped: another replica was running it) and
 * `collections_job_last_success_timestamp_seconds{job_name}`, absent until the job first
 * succeeds in this process. The label is `job_name`, not `job`: Prometheus sets `job` on every
 * series to its scrape job, and would rename ours `exported_job`.
 *
 * The last success is wall time, not the injected clock's: Prometheus compares it with its own
 * `time()`, and the question it answers is whether this process really ran the job lately. A
 * simulated clock may stand months away from the wall clock, and a ManualClock not move at all.
 */
export function jobRunMetrics(metrics: MetricsRegistry, jobName: string): (outcome: JobRunOutcome) => void {
  const runs = metrics.counter({
    name: 'collections_job_runs_total',
    help: 'Runs of a scheduled job, by outcome (skipped: another replica of the service was running it)',
    labelNames: ['job_name', 'outcome'],
  });
  const lastSuccess = metrics.gauge({
    name: 'collections_job_last_success_timestamp_seconds',
    help: 'Wall time (Unix seconds) the scheduled job last succeeded in this process; absent until it has',
    labelNames: ['job_name'],
  });
  // Every outcome from the start: increase() and the alerts see the first failure.
  for (const outcome of JOB_RUN_OUTCOMES) runs.inc({ job_name: jobName, outcome }, 0);
  return (outcome) => {
    runs.inc({ job_name: jobName, outcome });
    if (outcome === 'succeeded') lastSuccess.setToCurrentTime({ job_name: jobName });
  };
}
