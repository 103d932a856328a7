import { DataSource, EntityManager } from 'typeorm';
import { waitFor } from '@collections/testing';
import { OutboxPublished, SCAN_SETTINGS, claimStatement, hashToInt32, pendingStatement } from '../src/relay';
import { BackboneHarness, SERVICE, inProcessKind } from './backbone-harness';

interface PlanNode {
  'Node Type': string;
  'Actual Rows': number;
  'Shared Hit Blocks': number;
  'Shared Read Blocks': number;
  Plans?: PlanNode[];
}

function nodeTypes(node: PlanNode): string[] {
  return [node['Node Type'], ...(node.Plans ?? []).flatMap(nodeTypes)];
}

/** The relay's claim statement run under EXPLAIN ANALYZE in `tx` (after SCAN_SETTINGS), as the relay runs it. */
async function explainClaim(tx: EntityManager, published: OutboxPublished = 'keep'): Promise<PlanNode> {
  const [row] = (await tx.query(
    `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${claimStatement(`${SERVICE}.outbox`, published)}`,
    [hashToInt32(`outbox-relay:${SERVICE}`), 500],
  )) as { 'QUERY PLAN': { Plan: PlanNode }[] }[];
  return row['QUERY PLAN'][0].Plan;
}

const pagesOf = (plan: PlanNode) => plan['Shared Hit Blocks'] + plan['Shared Read Blocks'];

/**
 * Waits until no transaction that began before the claims committed so far is still running,
 * in this database or any other (a snapshot's horizon spans the cluster: another test's, another
 * process's). Until then the rows those claims published are still visible to someone, so no scan
 * may mark their index entries dead, and every claim reads them again, whatever its plan: a claim
 * meeting them costs as many pages as one that revisits every published row. Production claims
 * pay that too while a long transaction runs anywhere on the server (PostgreSQL keeps what it
 * can still see); what this test measures is what they cost once nothing can.
 */
async function publishedRowsVisibleToNoOne(ds: DataSource): Promise<void> {
  const [{ next }] = (await ds.query(`SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS next`)) as {
    next: string;
  }[];
  await waitFor(
    async () => {
      const [{ settled, oldest }] = (await ds.query(
        `SELECT pg_snapshot_xmin(pg_current_snapshot()) >= $1::xid8 AS settled,
          (SELECT datname || ' since ' || xact_start FROM pg_stat_activity
            WHERE backend_xid IS NOT NULL ORDER BY age(backend_xid) DESC LIMIT 1) AS oldest`,
        [next],
      )) as { settled: boolean; oldest: string | null }[];
      if (!settled) throw new Error(`a transaction older than the claims still runs (oldest: ${oldest})`);
      return true;
    },
    { timeoutMs: 60_000, message: 'the published rows visible to no transaction' },
  );
}

/**
 * What the relay's next claim costs once the rows published so far are visible to no one: the
 * claim run twice, the first pass marking dead the entries of the last rows published (which the
 * relay's own last scans may have met while a transaction could still see them), the second what
 * every later claim costs.
 */
async function settledClaim(ds: DataSource, published: OutboxPublished = 'keep'): Promise<PlanNode> {
  await publishedRowsVisibleToNoOne(ds);
  return ds.transaction(async (tx) => {
    await tx.query(SCAN_SETTINGS);
    await explainClaim(tx, published);
    return explainClaim(tx, published);
  });
}

/**
 * The outbox keeps its published rows (for audit, until purged), and each one left a dead entry
 * in the index of unpublished rows. Finding the next event must not cost more the longer the
 * service has been publishing: measured here as the pages one claim reads, which is what a claim
 * costs PostgreSQL and does not depend on how busy the machine is.
 */
describe('outbox relay claim', () => {
  const h = new BackboneHarness(inProcessKind);

  beforeAll(() => h.open());
  afterAll(() => h.close());

  /** Publishes `count` more events through the relay, then reads what finding the next one costs it. */
  async function publishThenClaim(count: number): Promise<{ published: number; pages: number; plan: string[] }> {
    const b = h.backbone();
    b.start();
    const [{ before }] = (await h.ds.query(`SELECT count(*)::int AS before FROM ${SERVICE}.outbox`)) as {
      before: number;
    }[];
    for (let i = 0; i < count; i += 500)
      await h.publishPayments(
        b,
        Array.from({ length: 500 }, (_, k) => before + i + k + 1),
      );
    await waitFor(async () => (await b.relay.backlog()) === 0, { timeoutMs: 60_000, message: 'outbox published' });
    await b.stop();
    const [{ published }] = (await h.ds.query(
      `SELECT count(*)::int AS published FROM ${SERVICE}.outbox WHERE published_at IS NOT NULL`,
    )) as { published: number }[];
    const plan = await settledClaim(h.ds);
    return { published, pages: pagesOf(plan), plan: nodeTypes(plan) };
  }

  it('reads as few pages to find the next event after 6,000 were published as after 3,000', async () => {
    // The outbox as a young service's (no statistics yet: the planner then preferred the bitmap
    // scan), whatever the server's autovacuum settings; the next test analyzes it.
    await h.ds.query(`ALTER TABLE ${SERVICE}.outbox SET (autovacuum_enabled = off)`);
    const first = await publishThenClaim(3_000);
    const second = await publishThenClaim(3_000);
    expect([first.published, second.published]).toEqual([3_000, 6_000]);
    expect(second.plan).not.toContain('Bitmap Heap Scan');
    // A scan that revisits published rows reads about twice as many pages the second time
    // (hundreds); the relay's reads a few dozen at most (its index pages), whatever came before.
    expect(first.pages).toBeLessThan(100);
    expect(second.pages).toBeLessThan(first.pages + 50);
  });

  /**
   * Commits `count` more events while the relay is stopped and analyzes the outbox (its statistics
   * as autovacuum leaves them after a burst: many rows pending), has the relay publish them, then
   * commits 500 more and reads what the claim that takes them costs.
   */
  async function burstThenClaim(count: number): Promise<{ published: number; pages: number; plan: string[] }> {
    const b = h.backbone();
    const [{ before }] = (await h.ds.query(`SELECT count(*)::int AS before FROM ${SERVICE}.outbox`)) as {
      before: number;
    }[];
    const numbers = (from: number, n: number) => Array.from({ length: n }, (_, k) => before + from + k + 1);
    for (let i = 0; i < count; i += 500) await h.publishPayments(b, numbers(i, 500));
    await h.ds.query(`ANALYZE ${SERVICE}.outbox`);
    b.start();
    await waitFor(async () => (await b.relay.backlog()) === 0, { timeoutMs: 60_000, message: 'outbox published' });
    await b.stop();
    await publishedRowsVisibleToNoOne(h.ds);
    await h.publishPayments(b, numbers(count, 500));
    const plan = await h.ds.transaction(async (tx) => {
      await tx.query(SCAN_SETTINGS);
      return explainClaim(tx);
    });
    const [{ published }] = (await h.ds.query(
      `SELECT count(*)::int AS published FROM ${SERVICE}.outbox WHERE published_at IS NOT NULL`,
    )) as { published: number }[];
    return { published, pages: pagesOf(plan), plan: nodeTypes(plan) };
  }

  it('reads as many pages to claim the next 500 events after a burst, however many were published before', async () => {
    const first = await burstThenClaim(3_000);
    const second = await burstThenClaim(3_000);
    expect([first.published, second.published]).toEqual([9_500, 13_000]);
    // A claim of 500 rows reads and writes some thousands of pages (each row, its new version, their
    // index entries), the same number whatever came before. A claim joined to the rows it takes
    // as a merge join (PostgreSQL's choice for a join once its statistics saw a backlog) walked
    // the outbox's key from its start: 3,500 more rows the second time, and as many more pages.
    expect(second.plan).not.toContain('Merge Join');
    expect(second.pages).toBeLessThan(first.pages + 1_000);
  });

  it('answers an idle poll from the index of unpublished rows, with statistics taken during a burst', async () => {
    const b = h.backbone();
    const [{ before }] = (await h.ds.query(`SELECT count(*)::int AS before FROM ${SERVICE}.outbox`)) as {
      before: number;
    }[];
    for (let i = 0; i < 3_000; i += 500)
      await h.publishPayments(
        b,
        Array.from({ length: 500 }, (_, k) => before + i + k + 1),
      );
    await h.ds.query(`ANALYZE ${SERVICE}.outbox`);
    b.start();
    await waitFor(async () => (await b.relay.backlog()) === 0, { timeoutMs: 60_000, message: 'outbox published' });
    await b.stop();
    await publishedRowsVisibleToNoOne(h.ds);
    const explainPoll = async () => {
      const [row] = (await h.ds.query(
        `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${pendingStatement(`${SERVICE}.outbox`)}`,
      )) as { 'QUERY PLAN': { Plan: PlanNode }[] }[];
      return row['QUERY PLAN'][0].Plan;
    };
    // The first poll may still mark dead the entries of the last rows published; the second is
    // what every idle poll costs. A scan of the table reads every row kept (thousands of pages).
    await explainPoll();
    const poll = await explainPoll();
    expect(poll['Actual Rows']).toBe(0);
    expect(nodeTypes(poll)).not.toContain('Seq Scan');
    expect(pagesOf(poll)).toBeLessThan(100);
  });

  it('deletes each event in the claim that publishes it, when told to, and delivers every one once, in order', async () => {
    const b = h.backbone({ relay: { published: 'delete', retentionMs: 60_000, purgeIntervalMs: 10 } });
    h.effectConsumer(b);
    b.start();
    const base = 1_000_000; // payment numbers no other test here uses
    const published: number[] = [];
    const eventIds: string[] = [];
    for (let i = 0; i < 3_000; i += 500) {
      const batch = Array.from({ length: 500 }, (_, k) => base + i + k);
      eventIds.push(...(await h.publishPayments(b, batch)));
      published.push(...batch);
    }
    // (the consumer reads the topic from its start: the events of the test above come first)
    const ours = async () => (await h.effects()).filter((e) => Number(e.n) >= base);
    await waitFor(async () => (await ours()).length >= 3_000, { timeoutMs: 60_000, message: '3,000 effects' });
    const effects = await ours();
    expect(effects.map((e) => Number(e.n)).sort((x, y) => x - y)).toEqual(published);
    // Each account's payments in the order they were written.
    for (const key of new Set(effects.map((e) => e.key))) {
      const ns = effects.filter((e) => e.key === key).map((e) => Number(e.n));
      expect(ns).toEqual([...ns].sort((x, y) => x - y));
    }
    await waitFor(async () => (await b.relay.backlog()) === 0, { timeoutMs: 60_000, message: 'outbox published' });
    // Of ours, none is left (the 13,000 rows the tests above published and kept are still there).
    const [{ left }] = (await h.ds.query(
      `SELECT count(*)::int AS left FROM ${SERVICE}.outbox WHERE event_id = ANY($1::text[])`,
      [eventIds],
    )) as { left: number }[];
    expect(left).toBe(0);
    await b.stop();

    // The next claim finds nothing, and reads no more pages than a claim after 3,000 marked rows.
    const plan = await settledClaim(h.ds, 'delete');
    expect(plan['Actual Rows']).toBe(0);
    expect(nodeTypes(plan)).not.toContain('Seq Scan');
    expect(pagesOf(plan)).toBeLessThan(100);
  });
});
