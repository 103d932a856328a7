import { waitFor } from '@collections/testing';
import { CLAIM_SETTINGS, claimStatement, hashToInt32 } from '../src/relay';
import { BackboneHarness, SERVICE, inProcessKind } from './backbone-harness';

interface PlanNode {
  'Node Type': string;
  'Shared Hit Blocks': number;
  'Shared Read Blocks': number;
  Plans?: PlanNode[];
}

function nodeTypes(node: PlanNode): string[] {
  return [node['Node Type'], ...(node.Plans ?? []).flatMap(nodeTypes)];
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

  it('reads a handful of pages to find the next event after thousands were published', async () => {
    const b = h.backbone();
    b.start();
    const published = 3_000;
    for (let i = 0; i < published; i += 500) {
      await h.publishPayments(
        b,
        Array.from({ length: 500 }, (_, k) => i + k + 1),
      );
    }
    await waitFor(async () => (await b.relay.backlog()) === 0, { timeoutMs: 60_000, message: 'outbox published' });
    await b.stop();
    const [{ n }] = (await h.ds.query(
      `SELECT count(*)::int AS n FROM ${SERVICE}.outbox WHERE published_at IS NOT NULL`,
    )) as {
      n: number;
    }[];
    expect(n).toBe(published);

    // The relay's own settings and statement, twice: the first pass may still meet entries of
    // the last batch it published, the second is what every later claim costs.
    const passes = await h.ds.transaction(async (tx) => {
      await tx.query(CLAIM_SETTINGS);
      const explain = async () => {
        const [row] = (await tx.query(
          `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${claimStatement(`${SERVICE}.outbox`)}`,
          [hashToInt32(`outbox-relay:${SERVICE}`), 500],
        )) as { 'QUERY PLAN': { Plan: PlanNode }[] }[];
        return row['QUERY PLAN'][0].Plan;
      };
      return [await explain(), await explain()];
    });
    const last = passes[1];
    expect(nodeTypes(last)).not.toContain('Bitmap Heap Scan');
    expect(last['Shared Hit Blocks'] + last['Shared Read Blocks']).toBeLessThan(20);
  });
});
