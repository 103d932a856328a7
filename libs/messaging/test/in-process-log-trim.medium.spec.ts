import { waitFor } from '@collections/testing';
import { InProcessTransport } from '../src/in-process-transport';
import { BackboneHarness, PAYMENT_TOPIC } from './backbone-harness';

const DAY_MS = 24 * 3_600_000;

/**
 * The embedded platform's transport keeps every event in one log table; without a retention it
 * grows by every event for ever. A record goes once it is older than the retention and every group
 * that committed on its topic has read it; a topic's last record stays, since the next offset
 * follows it.
 */
describe('in-process log retention', () => {
  const h = new BackboneHarness({
    name: 'in-process',
    make: (ds) =>
      new InProcessTransport({
        dataSource: ds,
        pollIntervalMs: 10,
        retentionMs: 7 * DAY_MS,
        firstTrimDelayMs: 10,
        trimIntervalMs: 20,
      }),
  });

  beforeAll(() => h.open());
  afterAll(() => h.close());
  afterEach(async () => {
    await h.ds.query(`DELETE FROM messaging.log`);
    await h.ds.query(`DELETE FROM messaging.consumer_offset`);
  });

  /** Appends records `from`..`to` to a topic, appended `days` ago. */
  async function append(topic: string, from: number, to: number, days: number): Promise<void> {
    await h.ds.query(
      `INSERT INTO messaging.log (topic, log_offset, key, headers, payload, appended_at)
       SELECT $1, o, 'k', '{}', NULL, now() - $4::int * interval '1 day' FROM generate_series($2::bigint, $3::bigint) o`,
      [topic, from, to, days],
    );
  }

  async function commit(group: string, topic: string, offset: number): Promise<void> {
    await h.ds.query(`INSERT INTO messaging.consumer_offset (group_id, topic, committed_offset) VALUES ($1, $2, $3)`, [
      group,
      topic,
      offset,
    ]);
  }

  async function offsets(topic: string): Promise<number[]> {
    return (
      (await h.ds.query(`SELECT log_offset FROM messaging.log WHERE topic = $1 ORDER BY log_offset`, [topic])) as {
        log_offset: string;
      }[]
    ).map((r) => Number(r.log_offset));
  }

  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
  const trimmer = (retentionMs: number) => new InProcessTransport({ dataSource: h.ds, retentionMs });

  it('deletes old records every committed group has read, and keeps what one has not read or is recent', async () => {
    // 3,000 records, 10 days old but the last 500; one group read them all, the other the first 2,000.
    await append('a', 0, 2_499, 10);
    await append('a', 2_500, 2_999, 0);
    await commit('fast', 'a', 2_999);
    await commit('slow', 'a', 1_999);
    // Topic b: 10 days old, read to offset 99 of 200.
    await append('b', 0, 199, 10);
    await commit('fast', 'b', 99);

    expect(await trimmer(7 * DAY_MS).trim()).toBe(2_000 + 100);
    expect(await offsets('a')).toEqual(range(2_000, 2_999));
    expect(await offsets('b')).toEqual(range(100, 199));
    // Once the slow group read on, so do the records it held back (up to the recent ones).
    await h.ds.query(`UPDATE messaging.consumer_offset SET committed_offset = 2999 WHERE group_id = 'slow'`);
    expect(await trimmer(7 * DAY_MS).trim()).toBe(500);
    expect(await offsets('a')).toEqual(range(2_500, 2_999));
  });

  it("keeps a topic's last record, so that the next append follows the offsets groups have read", async () => {
    await append(PAYMENT_TOPIC, 0, 49, 10);
    expect(await trimmer(7 * DAY_MS).trim()).toBe(49);
    expect(await offsets(PAYMENT_TOPIC)).toEqual([49]);
    await trimmer(7 * DAY_MS).publish([{ topic: PAYMENT_TOPIC, key: 'k', headers: {}, payload: null }]);
    expect(await offsets(PAYMENT_TOPIC)).toEqual([49, 50]);
  });

  it('keeps every record when the retention is 0', async () => {
    await append('a', 0, 9, 400);
    expect(await trimmer(0).trim()).toBe(0);
    expect(await offsets('a')).toEqual(range(0, 9));
  });

  it('trims by itself while consumers run, and they go on from where they were', async () => {
    const b = h.backbone();
    h.effectConsumer(b);
    await b.start();
    await h.publishPayments(
      b,
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    await h.waitForEffects(40);
    await waitFor(
      async () =>
        (
          (await h.ds.query(`SELECT committed_offset FROM messaging.consumer_offset WHERE topic = $1`, [
            PAYMENT_TOPIC,
          ])) as {
            committed_offset: string;
          }[]
        )[0]?.committed_offset === '39',
      { message: 'the group committed the 40 records' },
    );
    await h.ds.query(`UPDATE messaging.log SET appended_at = now() - interval '10 days'`);
    await waitFor(async () => (await offsets(PAYMENT_TOPIC)).length === 1, {
      timeoutMs: 30_000,
      message: 'the 39 records read and 10 days old deleted by the running transport',
    });
    expect(await offsets(PAYMENT_TOPIC)).toEqual([39]);

    await h.publishPayments(b, [41]);
    const effects = await h.waitForEffects(41);
    expect(effects.map((e) => e.n)).toEqual([...range(1, 40), 41]);
    // The new record took the offset after the kept one (39 itself may be gone by now: read, and old).
    expect((await offsets(PAYMENT_TOPIC)).at(-1)).toBe(40);
    await b.stop();
  });
});
