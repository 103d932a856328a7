import { waitFor } from '@collections/testing';
import { InProcessTransport } from '../src';
import { BackboneHarness, inProcessKind } from './backbone-harness';

describe('InProcessTransport.lag', () => {
  const h = new BackboneHarness(inProcessKind);
  beforeAll(() => h.open());
  afterAll(() => h.close());

  it('counts what a consumer group has not yet committed, and reaches zero once it has applied everything', async () => {
    const transport = h.transport() as InProcessTransport;
    const publisher = h.backbone({ transport });
    await publisher.start();
    await h.publishPayments(publisher, [1, 2, 3]);
    await waitFor(async () => (await publisher.relay.backlog()) === 0, { message: 'outbox published' });

    // Before a consumer subscribes, no group is waiting for anything.
    const consuming = h.backbone({ transport, runRelay: false });
    h.effectConsumer(consuming);
    const before = await transport.groupsLag();
    expect(before.groups).toEqual([]);

    await consuming.start();
    await h.waitForEffects(3);
    await waitFor(async () => (await transport.groupsLag()).groups.every((g) => g.lag === 0), { message: 'lag 0' });
    const settled = await transport.groupsLag();
    expect(settled.groups).toEqual([{ groupId: 'svc', lag: 0 }]);

    await h.publishPayments(publisher, [4]);
    await waitFor(async () => (await transport.groupsLag()).heads !== settled.heads, { message: 'head moved' });
    await h.waitForEffects(4);
    await waitFor(async () => (await transport.groupsLag()).groups.every((g) => g.lag === 0), {
      message: 'lag 0 again',
    });
  });
});
