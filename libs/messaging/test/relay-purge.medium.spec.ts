import { waitFor } from '@collections/testing';
import { Backbone } from '../src/backbone';
import { BackboneHarness, SERVICE, inProcessKind } from './backbone-harness';

const DAY_MS = 24 * 3_600_000;

/**
 * The outbox keeps what it published for a while (audit, debugging), then the relay deletes it:
 * without that, every service's outbox grows by every event it ever sent (13 rows per account an
 * import brings in). Only rows published longer ago than the retention go; a pending row, and
 * everything after it, stays.
 */
describe('outbox relay retention', () => {
  const h = new BackboneHarness(inProcessKind);

  beforeAll(() => h.open());
  afterAll(() => h.close());

  const outboxIds = async (): Promise<number[]> =>
    ((await h.ds.query(`SELECT id FROM ${SERVICE}.outbox ORDER BY id`)) as { id: string }[]).map((r) => Number(r.id));

  /** Publishes `count` payments through a running relay and returns the outbox ids they took. */
  async function publish(b: Backbone, count: number): Promise<number[]> {
    const before = new Set(await outboxIds());
    for (let i = 0; i < count; i += 500) {
      await h.publishPayments(
        b,
        Array.from({ length: Math.min(500, count - i) }, (_, k) => i + k + 1),
      );
    }
    await waitFor(async () => (await b.relay.backlog()) === 0, { timeoutMs: 60_000, message: 'outbox published' });
    return (await outboxIds()).filter((id) => !before.has(id));
  }

  /** Makes rows look published `days` ago. */
  async function age(ids: number[], days: number): Promise<void> {
    await h.ds.query(
      `UPDATE ${SERVICE}.outbox SET published_at = now() - $2::int * interval '1 day' WHERE id = ANY($1::bigint[])`,
      [ids, days],
    );
  }

  afterEach(async () => {
    await h.ds.query(`DELETE FROM ${SERVICE}.outbox`);
  });

  it('deletes, while it runs, the events published before the retention and keeps the later ones', async () => {
    const b = h.backbone({ relay: { retentionMs: 7 * DAY_MS, purgeIntervalMs: 20 } });
    b.start();
    const ids = await publish(b, 2_500);
    expect(ids).toHaveLength(2_500);
    await age(ids.slice(0, 2_200), 8);
    await age(ids.slice(2_200, 2_300), 6);

    // 2,200 rows to delete: more than one purge statement's worth (1,000), so it takes several turns.
    await waitFor(async () => (await outboxIds()).length === 300, {
      timeoutMs: 30_000,
      message: 'the rows published 8 days ago deleted',
    });
    expect(await outboxIds()).toEqual(ids.slice(2_200));
    await b.stop();
  });

  it('stops at the first event still pending, however old the rows after it', async () => {
    const b = h.backbone({ runRelay: false, relay: { retentionMs: 7 * DAY_MS } });
    await h.publishPayments(
      b,
      Array.from({ length: 50 }, (_, k) => k + 1),
    );
    const all = await outboxIds();
    // All 50 published 10 days ago, but the 21st, which is still pending (its publish failed, say).
    await h.ds.query(`UPDATE ${SERVICE}.outbox SET published_at = now() - interval '10 days'`);
    await h.ds.query(`UPDATE ${SERVICE}.outbox SET published_at = NULL WHERE id = $1`, [all[20]]);

    expect(await b.relay.purgePublished(7)).toBe(20);
    expect(await outboxIds()).toEqual(all.slice(20));
  });

  it('keeps everything when the retention is 0', async () => {
    const b = h.backbone({ relay: { retentionMs: 0, purgeIntervalMs: 20 } });
    b.start();
    const ids = await publish(b, 100);
    await age(ids, 365);
    expect(await b.relay.purgePublished()).toBe(0);
    expect(await outboxIds()).toEqual(ids);
    await b.stop();
  });
});
