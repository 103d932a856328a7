import { InboundRecord, OutboundRecord, Transport, UndeliverableRecordError } from '@collections/messaging';
import { MetricsRegistry } from '@collections/platform';
import { meteredTransport } from '../src/metering';

const record = (topic: string): OutboundRecord => ({ topic, key: 'acct-1', headers: {}, payload: null });

describe('meteredTransport', () => {
  it('counts the events published before one the transport refuses for good, and not that one', async () => {
    const metrics = new MetricsRegistry('test');
    // The transport under the meter published records 0 and 1, then refused record 2 (too large).
    const transport: Transport = {
      kind: 'kafka',
      publish: async () => {
        throw new UndeliverableRecordError(2, 'the broker refuses the record as too large');
      },
      subscribe: async () => ({ stop: async () => undefined }),
      close: async () => undefined,
    };
    const metered = meteredTransport(transport, metrics);
    await expect(metered.publish([record('a'), record('b'), record('a'), record('a')])).rejects.toBeInstanceOf(
      UndeliverableRecordError,
    );
    const text = await metrics.metrics();
    expect(text).toMatch(/collections_events_published_total\{[^}]*topic="a"[^}]*\} 1\n/);
    expect(text).toMatch(/collections_events_published_total\{[^}]*topic="b"[^}]*\} 1\n/);
  });

  it("counts a consumer group's crashes by who restarted the consumer, each series at 0 from the start", async () => {
    const metrics = new MetricsRegistry('test');
    let crash!: (restartedBy: 'kafkajs' | 'transport') => void;
    const heard: string[] = [];
    const transport: Transport = {
      kind: 'kafka',
      publish: async () => undefined,
      subscribe: async (options) => {
        crash = (restartedBy) => options.onCrash?.({ restartedBy });
        return { stop: async () => undefined };
      },
      close: async () => undefined,
    };
    const metered = meteredTransport(transport, metrics);
    await metered.subscribe({
      groupId: 'ledger',
      topics: ['collections.orchestrator.contact.v1'],
      handle: async () => undefined,
      onCrash: ({ restartedBy }) => heard.push(restartedBy),
    });
    const count = async (by: string) =>
      Number(
        new RegExp(
          `collections_consumer_crashes_total\\{[^}]*group="ledger",restarted_by="${by}"[^}]*\\} (\\d+)\\n`,
        ).exec(await metrics.metrics())?.[1],
      );
    expect([await count('kafkajs'), await count('transport')]).toEqual([0, 0]);
    crash('transport');
    crash('transport');
    crash('kafkajs');
    expect([await count('kafkajs'), await count('transport')]).toEqual([1, 2]);
    // The subscriber's own hook still hears each crash.
    expect(heard).toEqual(['transport', 'transport', 'kafkajs']);
  });

  it('counts the events a batch delivered by topic once the handler committed them, and none of a failed batch', async () => {
    const metrics = new MetricsRegistry('test');
    let deliver!: (records: InboundRecord[]) => Promise<void>;
    const transport: Transport = {
      kind: 'kafka',
      publish: async () => undefined,
      subscribe: async (options) => {
        deliver = (records) => options.handle(records, { heartbeat: async () => undefined, isActive: () => true });
        return { stop: async () => undefined };
      },
      close: async () => undefined,
    };
    let fail = false;
    await meteredTransport(transport, metrics).subscribe({
      groupId: 'promises',
      topics: ['a', 'b'],
      handle: async () => {
        if (fail) throw new Error('the database is down');
      },
    });
    const inbound = (topic: string, offset: number): InboundRecord => ({
      ...record(topic),
      partition: 0,
      offset: String(offset),
    });
    await deliver([inbound('a', 0), inbound('b', 0), inbound('a', 1), inbound('a', 2)]);
    await deliver([inbound('b', 1)]);
    fail = true;
    await expect(deliver([inbound('a', 3), inbound('b', 2)])).rejects.toThrow('the database is down');
    const count = async (topic: string) =>
      Number(
        new RegExp(`collections_events_consumed_total\\{[^}]*topic="${topic}",group="promises"[^}]*\\} (\\d+)\\n`).exec(
          await metrics.metrics(),
        )?.[1],
      );
    expect([await count('a'), await count('b')]).toEqual([3, 2]);
  });
});
