import { waitFor } from '@collections/testing';
import { BackboneHarness, inProcessKind } from './backbone-harness';

/**
 * A relay sleeps between polls unless a commit in its own process wakes it, and an in-process
 * consumer unless its own transport announces an append. Work that arrives without that
 * announcement (another replica's commit, another process's append) is found by the next poll,
 * which when idle asks one cheap question first: these check that the question finds it.
 */
describe('work nobody announced', () => {
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
