import { parentPort, workerData } from 'node:worker_threads';
import { DataSource } from 'typeorm';
import { KafkaTransport } from './kafka-transport';
import { OutboxRelay } from './relay';
import { FromRelayThread, RELAY_THREAD_READY, RelayThreadData, ToRelayThread } from './relay-thread';
import { MessagingLogger, Transport, publishCounted } from './transport';

/*
 * The relay thread (RelayThread): opens its own pool and Kafka producer, runs an OutboxRelay on
 * them, and reports to the main thread. Only this file runs on the worker.
 */

const port = parentPort!;
const data = workerData as RelayThreadData;
const post = (m: FromRelayThread) => port.postMessage(m);

/** A log object as plain data: errors by name, message, stack and code (structured clone keeps no class). */
function plain(obj: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v instanceof Error) {
      const e = v as Error & { code?: unknown; type?: unknown };
      out[k] = { type: e.name, message: e.message, stack: e.stack, code: e.code, kafkaType: e.type };
    } else {
      try {
        out[k] = JSON.parse(JSON.stringify(v ?? null)) as unknown;
      } catch {
        out[k] = String(v);
      }
    }
  }
  return out;
}

const logger: MessagingLogger = {
  debug: (obj, msg) => post({ kind: 'log', level: 'debug', obj: plain(obj), msg }),
  info: (obj, msg) => post({ kind: 'log', level: 'info', obj: plain(obj), msg }),
  warn: (obj, msg) => post({ kind: 'log', level: 'warn', obj: plain(obj), msg }),
  error: (obj, msg) => post({ kind: 'log', level: 'error', obj: plain(obj), msg }),
};

/** The producer, reporting each publish's events per topic (the main thread's events-published counter). */
function countingTransport(kafka: KafkaTransport): Transport {
  return {
    kind: kafka.kind,
    publish: (records) => publishCounted(kafka, records, undefined, (counts) => post({ kind: 'published', counts })),
    subscribe: () => {
      throw new Error('the relay thread consumes nothing');
    },
    close: () => kafka.close(),
  };
}

let stopping = false;
let wakeRelay: (() => void) | undefined;
let stopRelay: (() => Promise<void>) | undefined;

port.on('message', (m: ToRelayThread) => {
  if (m.kind === 'wake') wakeRelay?.();
  else if (m.kind === 'stop') void stop();
});

async function stop(): Promise<void> {
  stopping = true;
  await stopRelay?.();
  post({ kind: 'stopped' });
  port.close();
}

async function open(): Promise<{ dataSource: DataSource; kafka: KafkaTransport }> {
  for (let attempt = 1; ; attempt++) {
    if (stopping) throw new Error('stopped while opening');
    const dataSource = new DataSource({
      type: 'postgres',
      url: data.database.url,
      schema: data.database.schema,
      // One claim at a time, and the backlog question the loop asks while idle.
      poolSize: 2,
      extra: { options: `-c search_path=${data.database.schema}`, application_name: 'outbox relay' },
    });
    try {
      await dataSource.initialize();
      return { dataSource, kafka: new KafkaTransport({ ...data.kafka, logger }) };
    } catch (err) {
      await dataSource.destroy().catch(() => undefined);
      if (stopping) throw err;
      const delay = Math.min(5_000, 100 * 2 ** Math.min(attempt, 6));
      logger.warn(
        { err, schema: data.database.schema, attempt, retryInMs: delay },
        'outbox relay thread cannot open the database; will retry',
      );
      post({ kind: 'publishFailed', reason: 'database', retryInMs: delay });
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

async function main(): Promise<void> {
  const { dataSource, kafka } = await open();
  const relay = new OutboxRelay({
    schema: data.database.schema,
    dataSource,
    transport: countingTransport(kafka),
    logger,
    ...data.relay,
    onDeadLetter: ({ reason, topic }) => post({ kind: 'deadLetter', reason, topic }),
    onPublishFailed: ({ reason, retryInMs }) => post({ kind: 'publishFailed', reason, retryInMs }),
  });
  wakeRelay = relay.wake;
  stopRelay = async () => {
    await relay.stop();
    await kafka.close();
    await dataSource.destroy();
  };
  if (stopping) return stopRelay();
  relay.start();
  logger.info({ schema: data.database.schema }, RELAY_THREAD_READY);
}

main().catch((err: unknown) => {
  if (stopping) return;
  // The main thread sees the thread exit and starts another.
  logger.error({ err, schema: data.database.schema }, 'outbox relay thread could not start');
  process.exitCode = 1;
  port.close();
});
