import fc from 'fast-check';
import { inLanes } from '../../src/dispatch/usecases/dispatch-due.usecase';

/** A due row as far as lanes care: its debtor, and its place in the run's due order. */
interface Row {
  debtor: string;
  seq: number;
}

const rowsArb = fc
  .array(fc.constantFrom('D1', 'D2', 'D3', 'D4', 'D5', 'D6', 'D7'), { maxLength: 60 })
  .map((debtors) => debtors.map((debtor, seq): Row => ({ debtor, seq })));

/**
 * Runs inLanes with work that yields a random number of times (a provider answering sooner or
 * later), noting what ran at once.
 */
async function run(rows: Row[], lanes: number, waits: number[]) {
  const done: Row[] = [];
  const running = new Set<Row>();
  let most = 0;
  let debtorTwiceAtOnce = false;
  await inLanes(
    rows,
    (r) => r.debtor,
    lanes,
    async (r) => {
      if ([...running].some((o) => o.debtor === r.debtor)) debtorTwiceAtOnce = true;
      running.add(r);
      most = Math.max(most, running.size);
      for (let i = 0; i < waits[r.seq % waits.length]; i++) await new Promise((resolve) => setImmediate(resolve));
      running.delete(r);
      done.push(r);
    },
  );
  return { done, most, debtorTwiceAtOnce };
}

describe('dispatch lanes: debtors side by side, one debtor’s rows in order', () => {
  it('sends every due row exactly once, a debtor’s rows in due order and never two at once, at most `lanes` at a time', async () => {
    await fc.assert(
      fc.asyncProperty(
        rowsArb,
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 10 }),
        async (rows, lanes, waits) => {
          const { done, most, debtorTwiceAtOnce } = await run(rows, lanes, waits);
          expect(done.map((r) => r.seq).sort((a, b) => a - b)).toEqual(rows.map((r) => r.seq));
          for (const debtor of new Set(rows.map((r) => r.debtor))) {
            const order = done.filter((r) => r.debtor === debtor).map((r) => r.seq);
            expect(order).toEqual([...order].sort((a, b) => a - b));
          }
          expect(debtorTwiceAtOnce).toBe(false);
          expect(most).toBeLessThanOrEqual(lanes);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps several debtors’ sends in flight at once when allowed', async () => {
    const rows = ['D1', 'D2', 'D3', 'D4', 'D1', 'D2'].map((debtor, seq) => ({ debtor, seq }));
    expect((await run(rows, 4, [3])).most).toBe(4);
    expect((await run(rows, 1, [3])).most).toBe(1);
  });
});
