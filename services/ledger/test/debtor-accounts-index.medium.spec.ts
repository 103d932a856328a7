import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { ledgerService } from '../src';
import { ACCOUNTS_OF_DEBTOR_SQL } from '../src/ledger/usecases/data-subject.usecase';

const DEBTORS = 20_000;

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Actual Rows': number;
  'Shared Hit Blocks': number;
  'Shared Read Blocks': number;
  Plans?: PlanNode[];
}

/**
 * ExportDebtor, asked by the orchestrator for every contact it sends, finds the debtor's accounts;
 * it must not read the whole tenant's account links to do so.
 */
describe("a debtor's accounts are found by index among 20,000 (real PostgreSQL)", () => {
  let sut: ServiceUnderTest;

  beforeAll(async () => {
    sut = await startServiceUnderTest(ledgerService);
    const q = (sql: string) => sut.dataSource.query(sql, [sut.tenant, DEBTORS]);
    await q(`INSERT INTO debtor (tenant_id, id, kind, display_name_enc, time_zone, language, country)
             SELECT $1, 'd' || g, 'person', '\\x00', 'America/Bogota', 'es', 'CO' FROM generate_series(1, $2::int) g`);
    await q(`INSERT INTO account (tenant_id, id, external_ref, product, currency, opened_on)
             SELECT $1, 'a' || g, 'r' || g, 1, 'COP', '2026-01-01' FROM generate_series(1, $2::int) g`);
    // every debtor owns one account, and the first hundred a second one (co-obligors)
    await q(`INSERT INTO account_debtor (tenant_id, account_id, debtor_id, role)
             SELECT $1, 'a' || g, 'd' || g, 1 FROM generate_series(1, $2::int) g
             UNION ALL SELECT $1, 'a' || (g + 100), 'd' || g, 2 FROM generate_series(1, 100) g`);
    await sut.dataSource.query('ANALYZE account_debtor');
  });
  afterAll(async () => {
    await sut?.close();
  });

  it('reads a few index pages, not the tenant’s links, and answers in account order', async () => {
    const [{ 'QUERY PLAN': explained }] = (await sut.dataSource.query(
      `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${ACCOUNTS_OF_DEBTOR_SQL}`,
      [sut.tenant, 'd42'],
    )) as { 'QUERY PLAN': { Plan: PlanNode }[] }[];
    const plan = explained[0].Plan;
    expect(plan['Actual Rows']).toBe(2);
    // without the index: a sequential scan or the whole tenant's primary-key range, ~150 pages
    expect(plan['Shared Hit Blocks'] + plan['Shared Read Blocks']).toBeLessThan(10);
    expect(await sut.dataSource.query(ACCOUNTS_OF_DEBTOR_SQL, [sut.tenant, 'd42'])).toEqual([
      { account_id: 'a142' },
      { account_id: 'a42' },
    ]);
  });
});
