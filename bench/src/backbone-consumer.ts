import { Kafka, logLevel } from 'kafkajs';
import { DataSource } from 'typeorm';
import { ledger } from '@collections/contracts';
import { Backbone, Header, KafkaTransport, parseEnvelope } from '@collections/messaging';

/**
 * The consuming side of the backbone benchmark, in its own process as a consuming service
 * would be: `ours` = inbox consumer over KafkaTransport; `raw` = a bare kafkajs consumer doing
 * the same per-event work (read the envelope, decode the payload). Driven over IPC.
 */
interface Start {
  mode: 'ours' | 'raw';
  brokers: string[];
  topicPrefix: string;
  topic: string;
  databaseUrl: string;
  schema: string;
}

let consumed = 0;
let measure = false;
let latencies: number[] = [];

function record(count: number, sentAt: () => number[]): void {
  consumed += count;
  if (measure) {
    const now = Date.now();
    for (const t of sentAt()) latencies.push(now - t);
  }
}

async function start(cfg: Start): Promise<void> {
  if (cfg.mode === 'ours') {
    const ds = await new DataSource({ type: 'postgres', url: cfg.databaseUrl, poolSize: 8 }).initialize();
    const transport = new KafkaTransport({
      brokers: cfg.brokers,
      clientId: 'bench-consumer',
      topicPrefix: cfg.topicPrefix,
      maxWaitTimeMs: 10,
    });
    const backbone = new Backbone({ service: 'bench', schema: cfg.schema, dataSource: ds, transport, runRelay: false });
    backbone.consume({
      topics: [cfg.topic],
      handlers: { 'collections.ledger.v1.PaymentPosted': async () => undefined },
      afterCommit: (records) => record(records.length, () => records.map((r) => Date.parse(r.headers[Header.Time]!))),
    });
    await backbone.start();
  } else {
    const kafka = new Kafka({ clientId: 'bench-raw-consumer', brokers: cfg.brokers, logLevel: logLevel.ERROR });
    const consumer = kafka.consumer({ groupId: `raw-${cfg.topicPrefix}`, maxWaitTimeInMs: 10 });
    await consumer.connect();
    await consumer.subscribe({ topics: [`${cfg.topicPrefix}raw.${cfg.topic}`], fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: 4,
      eachBatch: async ({ batch }) => {
        const sent: number[] = [];
        for (const m of batch.messages) {
          const headers = Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, v?.toString()]));
          const envelope = parseEnvelope(headers);
          if (m.value) ledger.PaymentPosted.decode(m.value);
          sent.push(envelope.time.getTime());
        }
        record(batch.messages.length, () => sent);
      },
    });
  }
}

process.on('message', (msg: { cmd: string; config?: Start }) => {
  const reply = (m: object) => process.send?.(m);
  switch (msg.cmd) {
    case 'start':
      start(msg.config!).then(
        () => reply({ cmd: 'started' }),
        (err: Error) => reply({ cmd: 'error', message: err.message }),
      );
      break;
    case 'reset':
      consumed = 0;
      latencies = [];
      measure = false;
      reply({ cmd: 'reset' });
      break;
    case 'measure':
      measure = true;
      reply({ cmd: 'measure' });
      break;
    case 'stats':
      reply({ cmd: 'stats', consumed });
      break;
    case 'latencies':
      reply({ cmd: 'latencies', latencies });
      break;
    case 'exit':
      process.exit(0);
  }
});
