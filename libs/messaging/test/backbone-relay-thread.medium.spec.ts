import { Worker } from 'node:worker_threads';
import { waitFor } from '@collections/testing';
import { Backbone, MessagingLogger, RELAY_THREAD_READY } from '../src';
import { describeBackboneContract } from './backbone-contract';
import { BackboneHarness, PAYMENT_TOPIC, SERVICE, kafkaRelayThreadKind } from './backbone-harness';
import { SilentBroker } from './silent-broker';

// Every guarantee of the backbone holds with the outbox relay on a worker thread
// (OUTBOX_RELAY_THREAD=worker), as with the relay on the service's event loop.
describeBackboneContract(kafkaRelayThreadKind);

describe('the outbox relay on a thread of its own', () => {
  let h: BackboneHarness;
  const lines: { level: string; msg: string; obj: object }[] = [];
  const logger: MessagingLogger = {
    debug: (obj, msg) => lines.push({ level: 'debug', msg, obj }),
    info: (obj, msg) => lines.push({ level: 'info', msg, obj }),
    warn: (obj, msg) => lines.push({ level: 'warn', msg, obj }),
    error: (obj, msg) => lines.push({ level: 'error', msg, obj }),
  };
  const published = new Map<string, number>();

  beforeEach(async () => {
    lines.length = 0;
    published.clear();
    h = new BackboneHarness(kafkaRelayThreadKind);
    await h.open();
  });
  /** A stand-in broker a test started: closed after the harness (the thread's producer talks through it). */
  let standIn: SilentBroker | undefined;
  afterEach(async () => {
    await h.close();
    await standIn?.close();
    standIn = undefined;
  });

  /** A backbone whose thread reports what it published into `published` and logs into `lines`. */
  function backbone(): Backbone {
    const b = countPublished(h.backbone({ logger }));
    h.effectConsumer(b);
    return b;
  }

  /** The backbone, its thread reporting what it published into `published`. */
  function countPublished(b: Backbone): Backbone {
    // The harness's thread settings, with the metric hook this test reads.
    const thread = b.relayThread as unknown as { options: { onPublished?: (topic: string, n: number) => void } };
    thread.options.onPublished = (topic, n) => published.set(topic, (published.get(topic) ?? 0) + n);
    return b;
  }

  const worker = (b: Backbone) => (b.relayThread as unknown as { worker?: Worker }).worker;
  const STALLED = 'outbox relay thread publishes nothing while events wait';
  const RESTARTED = 'outbox relay thread stopped; starting it again (events wait in the outbox meanwhile)';

  it("reports what its thread published, per topic, and the thread's log lines in the service's log", async () => {
    const b = backbone();
    await b.start();
    await h.publishPayments(
      b,
      Array.from({ length: 30 }, (_, i) => i + 1),
    );
    await h.waitForEffects(30);
    await waitFor(
      () => published.get(`${h.topicPrefix}${PAYMENT_TOPIC}`) === 30 || published.get(PAYMENT_TOPIC) === 30,
      {
        message: '30 events counted as published',
      },
    );
    expect([...published.values()].reduce((a, n) => a + n, 0)).toBe(30);
    expect(lines).toContainEqual({ level: 'info', msg: RELAY_THREAD_READY, obj: { schema: SERVICE } });
  });

  it('starts the thread again when it dies, and publishes what was committed meanwhile', async () => {
    const b = backbone();
    await b.start();
    await h.publishPayments(b, [1, 2, 3]);
    await h.waitForEffects(3);
    const first = worker(b)!;
    await first.terminate();
    await h.publishPayments(b, [4, 5, 6]);

    const effects = await h.waitForEffects(6);
    expect(effects.map((e) => e.n).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(worker(b)).toBeDefined();
    expect(worker(b)).not.toBe(first);
    expect(lines.filter((l) => l.level === 'error').map((l) => l.msg)).toEqual([RESTARTED]);
  });

  describe('with a broker that does not answer at first', () => {
    let silent: SilentBroker;
    beforeEach(async () => {
      silent = await SilentBroker.start((process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',')[0]);
      standIn = silent;
    });

    it('counts a connect that gets no answer as a failed publish, and publishes once the broker answers', async () => {
      const failures: string[] = [];
      const b = h.backbone({
        logger,
        // The publish deadline only: the watchdog stays off, so the thread's own retries must do it.
        relayThread: { kafka: { brokers: [silent.address], publishTimeoutMs: 1_000 }, stallMs: 0 },
        onPublishFailed: ({ reason }) => failures.push(reason),
      });
      h.effectConsumer(b);
      await b.start();
      await h.publishPayments(b, [1, 2, 3]);

      await waitFor(() => failures.includes('transport'), { message: 'the unanswered publish reported as failed' });
      silent.answer();
      const effects = await h.waitForEffects(3);
      expect(effects.map((e) => e.n).sort((x, y) => x - y)).toEqual([1, 2, 3]);
    });

    it('ends a thread that publishes nothing while events wait, says so, and the next thread publishes them', async () => {
      const b = h.backbone({
        logger: {
          ...logger,
          error: (obj, msg) => {
            logger.error(obj, msg);
            if (msg.startsWith(STALLED)) silent.answer(); // the broker is back for the next thread
          },
        },
        // A send that waits (almost) for ever: the thread is alive and stuck.
        relayThread: { kafka: { brokers: [silent.address], publishTimeoutMs: 600_000 }, stallMs: 3_000 },
      });
      h.effectConsumer(b);
      await b.start();
      await waitFor(() => lines.some((l) => l.msg === RELAY_THREAD_READY), { message: 'the thread running' });
      const first = worker(b)!;
      await h.publishPayments(b, [1, 2, 3]);

      const effects = await h.waitForEffects(3);
      expect(effects.map((e) => e.n).sort((x, y) => x - y)).toEqual([1, 2, 3]);
      expect(worker(b)).not.toBe(first);
      const stalled = lines.find((l) => l.level === 'error' && l.msg.startsWith(STALLED));
      expect(stalled?.obj).toMatchObject({
        service: SERVICE,
        schema: SERVICE,
        pendingByTopic: { [PAYMENT_TOPIC]: 3 },
        failedPublishes: 0,
      });
      expect(await b.relay.backlog()).toBe(0);
    });

    it('keeps a thread whose publishes fail while the broker does not answer, and it publishes every event once when the broker does', async () => {
      const failures: string[] = [];
      const b = countPublished(
        h.backbone({
          logger,
          // Each publish fails at its deadline (500 ms); the watchdog ends a thread after 2 s without progress.
          relayThread: { kafka: { brokers: [silent.address], publishTimeoutMs: 500 }, stallMs: 2_000 },
          onPublishFailed: ({ reason }) => failures.push(reason),
        }),
      );
      h.effectConsumer(b);
      await b.start();
      await waitFor(() => lines.some((l) => l.msg === RELAY_THREAD_READY), { message: 'the thread running' });
      const first = worker(b)!;
      await h.publishPayments(b, [1, 2, 3]);

      // Six failed publishes, each at its 500 ms deadline and after the relay's growing pauses
      // (0.1 s to 1.6 s): an outage three times as long as the watchdog's stallMs.
      await waitFor(() => failures.length >= 6, { timeoutMs: 60_000, message: 'six failed publishes' });
      silent.answer();
      const effects = await h.waitForEffects(3);
      expect(effects.map((e) => e.n).sort((x, y) => x - y)).toEqual([1, 2, 3]);
      expect(lines.filter((l) => l.level === 'error').map((l) => l.msg)).toEqual([]);
      expect(worker(b)?.threadId).toBe(first.threadId);
      expect(new Set(failures)).toEqual(new Set(['transport']));
      expect([...published.values()].reduce((a, n) => a + n, 0)).toBe(3);
      expect(await b.relay.backlog()).toBe(0);
    });

    it('starts a thread stuck again and again after longer and longer pauses', async () => {
      const b = countPublished(
        h.backbone({
          logger: {
            ...logger,
            error: (obj, msg) => {
              logger.error(obj, msg);
              // The third restart is the last: the broker is back for the fourth thread.
              if (msg === RESTARTED && lines.filter((l) => l.msg === RESTARTED).length === 3) silent.answer();
            },
          },
          // Every thread's send waits (almost) for ever until the broker answers.
          relayThread: { kafka: { brokers: [silent.address], publishTimeoutMs: 600_000 }, stallMs: 3_000 },
        }),
      );
      h.effectConsumer(b);
      await b.start();
      await h.publishPayments(b, [1, 2, 3]);

      const effects = await h.waitForEffects(3);
      expect(effects.map((e) => e.n).sort((x, y) => x - y)).toEqual([1, 2, 3]);
      const restarts = lines.filter((l) => l.msg === RESTARTED).map((l) => l.obj);
      expect(restarts).toMatchObject([
        { restarts: 1, restartInMs: 500 },
        { restarts: 2, restartInMs: 1_000 },
        { restarts: 3, restartInMs: 2_000 },
      ]);
      expect(lines.filter((l) => l.msg.startsWith(STALLED))).toHaveLength(3);
      expect([...published.values()].reduce((a, n) => a + n, 0)).toBe(3);
    });
  });

  it('stops with the backbone, leaving what it did not publish in the outbox for the next relay', async () => {
    const b = backbone();
    await b.start();
    const thread = worker(b)!;
    const exited = new Promise<number>((resolve) => thread.once('exit', resolve));
    await b.stop();
    expect(worker(b)).toBeUndefined();
    await exited;
    await h.publishPayments(b, [7, 8]);
    const [{ n }] = (await h.ds.query(`SELECT count(*)::int AS n FROM svc.outbox WHERE published_at IS NULL`)) as {
      n: number;
    }[];
    expect(n).toBe(2);
  });
});
