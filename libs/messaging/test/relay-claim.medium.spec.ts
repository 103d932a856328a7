import { EntityManager } from 'typeorm';
import { waitFor } from '@collections/testing';
import { OutboxPublished, SCAN_SETTINGS, claimStatement, hashToInt32 } from '../src/relay';
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
    // The relay's own settings and statement, twice: the first pass may still meet entries of
    // the last batch it published, the second is what every later claim costs.
    const plan = await h.ds.transaction(async (tx) => {
      await tx.query(SCAN_SETTINGS);
      await explainClaim(tx);
      return explainClaim(tx);
    });
    return { published, pages: plan['Shared Hit Blocks'] + plan['Shared Read Blocks'], plan: nodeTypes(plan) };
  }

  it('reads as few pages to find the next event after 6,000 were published as after 3,000', async () => {
    const first = await publishThenClaim(3_000);
    const second = await publishThenClaim(3_000);
    expect([first.published, second.published]).toEqual([3_000, 6_000]);
    expect(second.plan).not.toContain('Bitmap Heap Scan');
    // A scan that revisits published rows reads about twice as many pages the second time
    // (hundreds); the relay's reads a few dozen at most (its index pages), whatever came before.
    expect(first.pages).toBeLessThan(100);
    expect(second.pages).toBeLessThan(first.pages + 50);
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
    // Of ours, none is left (the 6,000 rows the test above published and kept are still there).
    const [{ left }] = (await h.ds.query(
      `SELECT count(*)::int AS left FROM ${SERVICE}.outbox WHERE event_id = ANY($1::text[])`,
      [eventIds],
    )) as { left: number }[];
    expect(left).toBe(0);
    await b.stop();

    // The next claim finds nothing, and reads no more pages than a claim after 3,000 marked rows.
    const plan = await h.ds.transaction(async (tx) => {
      await tx.query(SCAN_SETTINGS);
      return explainClaim(tx, 'delete');
    });
    expect(plan['Actual Rows']).toBe(0);
    expect(nodeTypes(plan)).not.toContain('Seq Scan');
    expect(plan['Shared Hit Blocks'] + plan['Shared Read Blocks']).toBeLessThan(100);
  });
});
