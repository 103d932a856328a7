import fc from 'fast-check';
import { Client } from 'pg';
import { arrayOf, textArraysOf } from '@collections/platform';

const SERVER = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * arrayOf builds the array literals the ledger's postings, the outbox and the daily planning run
 * bind as one text parameter each: PostgreSQL must read back exactly the values given, whatever
 * the text holds.
 */
describe('arrayOf read back by PostgreSQL', () => {
  const db = new Client({ connectionString: SERVER });
  beforeAll(() => db.connect());
  afterAll(() => db.end());

  const text = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 12 }),
    fc.constantFrom('', 'NULL', 'null', ' padded ', 'a,b', '{x}', '"', '\\', '\\"', 'tab\there', 'new\nline'),
  );

  it('gives back every text, empty strings, NULL-looking words, quotes and backslashes included', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.option(text, { nil: null }), { maxLength: 20 }), async (values) => {
        const { rows } = await db.query<{ v: (string | null)[] }>('SELECT $1::text[] AS v', [
          arrayOf(values, (v) => v),
        ]);
        expect(rows[0].v).toEqual(values);
      }),
      { numRuns: 60 },
    );
  });

  it('gives back arrays of texts, one per row, as textArraysOf builds them', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(text, { maxLength: 6 }), { maxLength: 10 }), async (lists) => {
        const { rows } = await db.query<{ v: string[][] }>(
          `SELECT coalesce(json_agg(e::text[] ORDER BY n), '[]') AS v FROM unnest($1::text[]) WITH ORDINALITY AS t(e, n)`,
          [textArraysOf(lists, (l) => l)],
        );
        expect(rows[0].v).toEqual(lists);
      }),
      { numRuns: 60 },
    );
  });

  it('gives back integers up to the safe range, and instants', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            n: fc.maxSafeInteger(),
            at: fc.date({
              min: new Date('1900-01-01T00:00:00Z'),
              max: new Date('2200-01-01T00:00:00Z'),
              noInvalidDate: true,
            }),
          }),
          { maxLength: 20 },
        ),
        async (rows) => {
          const { rows: back } = await db.query<{ n: string[]; at: Date[] }>(
            'SELECT $1::bigint[] AS n, $2::timestamptz[] AS at',
            [arrayOf(rows, (r) => r.n), arrayOf(rows, (r) => r.at)],
          );
          expect(back[0].n.map(Number)).toEqual(rows.map((r) => r.n));
          expect(back[0].at.map((d) => d.getTime())).toEqual(rows.map((r) => r.at.getTime()));
        },
      ),
      { numRuns: 40 },
    );
  });
});
