import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { ledger, promises } from '@collections/contracts';
import { buildHeaders, parseEnvelope } from '@collections/messaging';

/**
 * The raw side of the promises benchmark, in its own process as the service is: a bare kafkajs
 * consumer of PaymentPosted that decodes each payment and produces a PromiseKept for it (no
 * database, no allocation): the same produce/consume the service does, and nothing else.
 * argv: brokers, input topic, output topic, group.
 */
async function main(): Promise<void> {
  const [brokers, input, output, group] = process.argv.slice(2);
  const kafka = new Kafka({ clientId: 'bench-raw-pipe', brokers: brokers.split(','), logLevel: logLevel.ERROR });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const consumer = kafka.consumer({ groupId: group, maxWaitTimeInMs: 10 });
  await consumer.connect();
  await consumer.subscribe({ topics: [input], fromBeginning: true });
  await consumer.run({
    partitionsConsumedConcurrently: 4,
    eachBatch: async ({ batch }) => {
      const messages = batch.messages.map((m) => {
        const headers = Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, v?.toString()]));
        const envelope = parseEnvelope(headers);
        const payment = ledger.PaymentPosted.decode(m.value!);
        const kept = promises.PromiseKept.fromPartial({
          promiseId: payment.reference,
          accountId: payment.accountId,
          amount: payment.amount,
          keptAt: new Date(),
        });
        return {
          key: payment.accountId,
          value: Buffer.from(promises.PromiseKept.encode(kept).finish()),
          headers: buildHeaders({
            type: 'collections.promises.v1.PromiseKept',
            source: '/bench/raw',
            tenantId: envelope.tenantId,
            subject: payment.accountId,
          }),
        };
      });
      await producer.send({ topic: output, acks: -1, messages });
    },
  });
  process.send?.({ cmd: 'started' });
  process.once('SIGTERM', () => {
    void Promise.all([consumer.disconnect(), producer.disconnect()]).finally(() => process.exit(0));
  });
}

main().catch((err: Error) => {
  process.stderr.write(`raw pipe: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
