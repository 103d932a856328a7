import { waitFor } from '@collections/testing';
import { InProcessTransport } from '../src';
import { BackboneHarness, inProcessKind } from './backbone-harness';

/**
 * A relay sleeps between polls unless a commit in its own process wakes it, and an in-process
 * consumer unless its own transport announces an append to one of its topics. Work that arrives
 * without that announcement (another replica's commit, another process's append) is found by the
 * next poll, which when idle asks one cheap question first.
 */
describe('finding work, announced or not', () => {
  const h = new BackboneHarness(inProcessKind);
  beforeAll(() => h.open());
  afterAll(() => h.close());

  it("the relay publishes events another replica committed, and an idle consumer reads another process's appends", async () => {
    // Publishing replica: its relay runs; the events are written through a second backbone on the
    // same schema whose own relay does not run, so no commit wakes the running one.
    const relaying = h.backbone({ transport: h.transport('relaying') });
    const writer = h.backbone({ runRelay: false });
    // Consuming process: a transport of its own, which never hears of the relay's appends.
    const consuming = h.backbone({ transport: h.transport('consuming'), runRelay: false });
    h.effectConsumer(consuming);
    await relaying.start();
    await consuming.start();

    await h.publishPayments(writer, [1, 2, 3]);
    await waitFor(async () => (await relaying.relay.backlog()) === 0, { message: 'published by the idle relay' });
    expect((await h.waitForEffects(3)).map((e) => e.n)).toEqual([1, 2, 3]);

    // Idle since: the second round is found by polls that ask before they read.
    await h.publishPayments(writer, [4, 5]);
    expect((await h.waitForEffects(5)).map((e) => e.n)).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('an announced append', () => {
  const h = new BackboneHarness(inProcessKind);
  beforeAll(() => h.open());
  afterAll(() => h.close());

  it('an in-process consumer that polls once a minute gets at once what its transport appends to its topic', async () => {
    const transport = new InProcessTransport({ dataSource: h.ds, pollIntervalMs: 60_000 });
    const b = h.backbone({ transport });
    h.effectConsumer(b);
    await b.start();
    // A first event, applied and committed: from then on the consumer sleeps for its minute.
    await h.publishPayments(b, [100]);
    await h.waitForEffects(1, 20_000);
    await waitFor(async () => (await transport.groupsLag()).groups.every((g) => g.lag === 0), { message: 'lag 0' });
    await h.publishPayments(b, [101]);
    // Well inside the minute: only the announcement can have woken it.
    const effects = await h.waitForEffects(2, 20_000);
    expect(effects.map((e) => e.n)).toEqual([100, 101]);
  });
});

describe('an idle relay', () => {
  const h = new BackboneHarness(inProcessKind);
  beforeAll(() => h.open());
  afterAll(() => h.close());

  it('asks less and less often while nothing comes, and still publishes what its process commits', async () => {
    const b = h.backbone({ relay: { pollIntervalMs: 10, maxIdlePollMs: 60_000 } });
    const asked = jest.spyOn(b.relay, 'pending');
    h.effectConsumer(b);
    await b.start();
    await waitFor(() => b.relay.idlePollMs >= 1_280, { message: 'the idle relay backed off' });
    // Sleeps of 10, 20, ..., 640 ms ran out, each followed by one question: a relay polling every
    // 10 ms would have asked over a hundred times by now.
    expect(asked.mock.calls.length).toBeLessThanOrEqual(8);

    await h.publishPayments(b, [7, 8]);
    expect((await h.waitForEffects(2, 20_000)).map((e) => e.n)).toEqual([7, 8]);
    expect(await b.relay.backlog()).toBe(0);
  });
});
