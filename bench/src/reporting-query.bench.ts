import { DataSource } from 'typeorm';
import {
  GetKpisCommand,
  GetKpisUseCase,
  KpisRepository,
  REBUILD_ROLLUP_SQL,
  kpiReportFromFacts,
  reportingService,
} from '@collections/reporting';
import { openServiceDatabase } from '@collections/runtime';
import { createTestDatabase, provideInfrastructure } from '@collections/testing';
import { percentile, progress, report } from './report';

/**
 * npm run bench -- reporting-query: latency of one tenant's KPI query (GetKpis: every KPI and
 * the roll-rate matrix for one month) over a read model holding the facts of 10 million events,
 * beside the raw engine running the very same SQL statements with the same parameters (recorded
 * from the use case) without the use case around them, at once as the use case runs them.
 *
 * The read model is seeded directly with INSERT … SELECT generate_series (the rows the
 * projections would write for 11 events per account: opening, score, three balances, a
 * statement, an aging change, two payments, a reversal and a contact decision), not through the
 * consumer: ingestion has its own bench (`reporting`). The KPI rollup the projections keep beside
 * the facts (src/kpis/kpi-rollup.ts) is then built from those facts with the same contribution
 * SQL (the migration's backfill), and the answer is checked once against the KPIs computed from
 * the facts themselves (`matchesFacts`).
 *
 * Env: BENCH_EVENTS (10,000,000), BENCH_TENANTS (10), BENCH_RUNS (30).
 */
const BENCH = 'reporting-query';
const SCHEMA = 'reporting';
const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000_000);
const TENANTS = Number(process.env.BENCH_TENANTS ?? 10);
const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const EVENTS_PER_ACCOUNT = 11;
const ACCOUNTS = Math.ceil(EVENTS / EVENTS_PER_ACCOUNT);
const TENANT = 'bench-0';
const PERIOD = { fromDate: '2026-02-01', toDate: '2026-02-28' };

/** Account i of tenant bench-(i % TENANTS), opened on day (i / TENANTS) % 120 of 2026 and owing 1,000.00 + (i % 1000) cents. */
const SEED = [
  `INSERT INTO account_fact (tenant_id, account_id, opened_on, currency, segment, model_version, scored_at)
   SELECT 'bench-' || (i % $2), 'acct-' || i, date '2026-01-01' + ((i / $2) % 120), 'USD', 'SEGMENT_NEGOTIATE',
          CASE WHEN i % 2 = 0 THEN 'm1' ELSE 'm2' END, timestamptz '2026-01-01' + ((i / $2) % 120) * interval '1 day' + interval '1 hour'
     FROM generate_series(0, $1 - 1) AS i`,
  `INSERT INTO balance_fact (tenant_id, account_id, caused_by_entry_id, as_of_date, event_time, total_minor, currency)
   SELECT 'bench-' || (i % $2), 'acct-' || i, 'acct-' || i || e.entry, date '2026-01-01' + ((i / $2) % 120) + e.days,
          timestamptz '2026-01-01' + (((i / $2) % 120) + e.days) * interval '1 day' + interval '10 hours',
          100000 + i % 1000 - e.paid, 'USD'
     FROM generate_series(0, $1 - 1) AS i,
          (VALUES ('-open', 0, 0), ('-pay-1', 20, 10000), ('-pay-2', 25, 15000)) AS e(entry, days, paid)`,
  `INSERT INTO payment_fact (tenant_id, payment_id, account_id, amount_minor, currency, posted_at, paid_on)
   SELECT 'bench-' || (i % $2), 'acct-' || i || p.id, 'acct-' || i, p.amount, 'USD',
          timestamptz '2026-01-01' + (((i / $2) % 120) + p.days) * interval '1 day' + interval '12 hours',
          date '2026-01-01' + ((i / $2) % 120) + p.days
     FROM generate_series(0, $1 - 1) AS i, (VALUES ('-pay-1', 20, 10000), ('-pay-2', 25, 5000)) AS p(id, days, amount)`,
  `INSERT INTO payment_reversal_fact (tenant_id, payment_id, entry_id, account_id, amount_minor, reversed_at)
   SELECT 'bench-' || (i % $2), 'acct-' || i || '-pay-2', 'acct-' || i || '-rev-2', 'acct-' || i, 5000,
          timestamptz '2026-01-01' + (((i / $2) % 120) + 27) * interval '1 day'
     FROM generate_series(0, $1 - 1) AS i`,
  `INSERT INTO statement_fact (tenant_id, account_id, cycle, statement_date, amount_due_minor, currency)
   SELECT 'bench-' || (i % $2), 'acct-' || i, 1, date '2026-01-01' + ((i / $2) % 120) + 10, 100000 + i % 1000, 'USD'
     FROM generate_series(0, $1 - 1) AS i`,
  `INSERT INTO delinquency_fact (tenant_id, account_id, as_of_date, event_time, days_past_due, aging_bucket)
   SELECT 'bench-' || (i % $2), 'acct-' || i, date '2026-01-01' + ((i / $2) % 120) + 15,
          timestamptz '2026-01-01' + (((i / $2) % 120) + 15) * interval '1 day', 10, '1-30'
     FROM generate_series(0, $1 - 1) AS i`,
  `INSERT INTO contact_fact (tenant_id, decision_id, account_id, channel, allowed, decided_at)
   SELECT 'bench-' || (i % $2), 'acct-' || i || '-dec', 'acct-' || i, 'CHANNEL_CALL', i % 7 <> 0,
          timestamptz '2026-01-01' + (((i / $2) % 120) + 5) * interval '1 day' + interval '15 hours'
     FROM generate_series(0, $1 - 1) AS i`,
];

interface Recorded {
  /** The repository method that ran it (from the call stack). */
  method: string;
  sql: string;
  params: unknown[] | undefined;
}

/** The repository on a DataSource that also records every statement it runs. */
function recordingRepository(dataSource: DataSource, into: Recorded[]): KpisRepository {
  const recorder = {
    query: (sql: string, params?: unknown[]) => {
      const method = /KpisRepository\.(\w+)/.exec(new Error().stack ?? '')?.[1] ?? '?';
      into.push({ method, sql, params });
      return dataSource.query(sql, params);
    },
  };
  return new KpisRepository(recorder as unknown as DataSource);
}

/** The same report computed from every fact (no rollup): the read model's queries per account. */
const fromFacts = (dataSource: DataSource, cmd: GetKpisCommand) =>
  kpiReportFromFacts(
    dataSource,
    { tenantId: cmd.tenantId, segment: null, modelVersion: null, channel: null, currency: cmd.currency ?? 'USD' },
    cmd.fromDate,
    cmd.toDate,
  );

async function timeRuns(run: () => Promise<unknown>): Promise<number[]> {
  await run(); // warm: plans and buffers
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    await run();
    ms.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return ms.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  const infra = await provideInfrastructure({ kafka: false });
  const db = await createTestDatabase(infra.databaseUrl, 'bench_reporting_query');
  const dataSource = await openServiceDatabase({
    url: db.url,
    schema: SCHEMA,
    poolSize: 4,
    migrations: reportingService.migrations,
  });
  try {
    progress(
      `${BENCH}: seeding the read model with the facts of ${EVENTS} events (${ACCOUNTS} accounts, ${TENANTS} tenants)`,
    );
    const seedStart = Date.now();
    for (const sql of SEED) await dataSource.query(sql, [ACCOUNTS, TENANTS]);
    const seedSeconds = (Date.now() - seedStart) / 1000;
    progress(`${BENCH}: seeded in ${seedSeconds.toFixed(0)} s; building the KPI rollup from the facts`);
    await dataSource.query('ANALYZE');
    const rollupStart = Date.now();
    for (const sql of REBUILD_ROLLUP_SQL) await dataSource.query(sql);
    const rollupSeconds = (Date.now() - rollupStart) / 1000;
    const [{ rows: rollupRows }] = (await dataSource.query(`SELECT count(*)::int AS rows FROM kpi_rollup`)) as {
      rows: number;
    }[];
    await dataSource.query('ANALYZE');
    progress(
      `${BENCH}: rollup of ${rollupRows} rows built in ${rollupSeconds.toFixed(0)} s; querying ${TENANT} ${RUNS} times`,
    );

    const command = GetKpisCommand.of(TENANT, { ...PERIOD, currency: 'USD' });
    const recorded: Recorded[] = [];
    const report1 = await new GetKpisUseCase(recordingRepository(dataSource, recorded)).execute(command);
    progress(`${BENCH}: checking the answer against the KPIs computed from the facts`);
    const matchesFacts = JSON.stringify(report1) === JSON.stringify(await fromFacts(dataSource, command));
    const useCase = new GetKpisUseCase(new KpisRepository(dataSource));
    const viaUseCase = await timeRuns(() => useCase.execute(command));
    const statements = [...recorded];
    // As the use case does, the statements run at once (none depends on another).
    const raw = await timeRuns(() => Promise.all(statements.map((s) => dataSource.query(s.sql, s.params))));

    // Where the time goes: the median of each statement alone, slowest first.
    const perStatement: { statement: string; p50Ms: number }[] = [];
    for (const s of statements) {
      const ms = await timeRuns(() => dataSource.query(s.sql, s.params));
      perStatement.push({
        statement: s.method,
        p50Ms: Number(percentile(ms, 50).toFixed(1)),
      });
    }
    perStatement.sort((a, b) => b.p50Ms - a.p50Ms);

    report({
      bench: BENCH,
      metric: 'kpi_query_p99_ms',
      value: Number(percentile(viaUseCase, 99).toFixed(1)),
      unit: 'ms',
      baseline: 'the same SQL statements with the same parameters, run at once without the use case',
      baselineValue: Number(percentile(raw, 99).toFixed(1)),
      target: '< 200 ms',
      p50Ms: Number(percentile(viaUseCase, 50).toFixed(1)),
      baselineP50Ms: Number(percentile(raw, 50).toFixed(1)),
      statements: statements.length,
      events: EVENTS,
      accounts: ACCOUNTS,
      tenants: TENANTS,
      accountsPlacedInPeriod: report1.accounts,
      period: `${PERIOD.fromDate}..${PERIOD.toDate}`,
      runs: RUNS,
      matchesFacts,
      seedSeconds: Math.round(seedSeconds),
      rollupRows,
      rollupBuildSeconds: Math.round(rollupSeconds),
      slowestStatements: perStatement.slice(0, 4),
    });
  } finally {
    await dataSource.destroy();
    await db.drop();
    await infra.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
