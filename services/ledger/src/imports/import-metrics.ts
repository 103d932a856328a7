import { ServiceContext } from '@collections/runtime';

/** What came of a line of a portfolio file: the job's `accepted_rows` and `rejected_rows`. */
export const IMPORT_LINE_OUTCOMES = ['accepted', 'rejected'] as const;
export type ImportLineOutcome = (typeof IMPORT_LINE_OUTCOMES)[number];

/** The formats' names (`ImportFormat.name`): the jobs' `format`. */
export const IMPORT_FORMATS = ['uci', 'generic-csv', 'generic-ndjson'] as const;

export const IMPORT_LINES_METRIC = 'collections_import_lines_total';

/** The tenants with an account, one index probe each (the primary key leads with tenant_id). */
const TENANTS_WITH_ACCOUNTS = `
  WITH RECURSIVE t AS (
    (SELECT tenant_id FROM account ORDER BY tenant_id LIMIT 1)
    UNION ALL
    SELECT (SELECT a.tenant_id FROM account a WHERE a.tenant_id > t.tenant_id ORDER BY a.tenant_id LIMIT 1)
      FROM t WHERE t.tenant_id IS NOT NULL
  )
  SELECT tenant_id FROM t WHERE tenant_id IS NOT NULL`;

interface JobTotals {
  tenant_id: string;
  format: string;
  accepted: string;
  rejected: string;
}

/**
 * `collections_import_lines_total{tenant_id, format, outcome}`: the lines of portfolio files the
 * import jobs committed, by tenant, format (`uci`, `generic-csv`, `generic-ndjson`) and outcome
 * (accepted: took effect or was in the ledger already exactly so; rejected: quarantined in
 * `import_rejection` with its line number and reason).
 *
 * Read from `import_job` on every scrape, not counted in the process that imports: files are
 * imported by the operator command (`npm run ledger:import`), a process Prometheus never scrapes,
 * and each chunk commits its rows and the job's progress together, so these totals count each
 * line once, however often an interrupted job resumes (the lines of a chunk lost in a crash are
 * counted when the chunk is imported again and commits). Every replica of the ledger exports the
 * same totals: queries take their max across instances.
 *
 * Every format and outcome is exported, at 0 until its first line, for each tenant with an
 * account or a job: increase() and the alert see a tenant's first file in a format (a tenant
 * whose first accounts come from its first file has its series born at that file's first chunk:
 * the queries count a young series whole). No reason label: reasons are sentences naming the
 * line's values. A database that does not answer keeps the last totals (readiness reports it).
 */
export function registerImportMetrics(ctx: Pick<ServiceContext, 'metrics' | 'dataSource'>): void {
  ctx.metrics.counter({
    name: IMPORT_LINES_METRIC,
    help: 'Lines of portfolio files committed by the ledger import jobs, by tenant, format and outcome (accepted; rejected: quarantined with its line number and reason), read from the jobs on each scrape',
    labelNames: ['tenant_id', 'format', 'outcome'],
    collect: async (counter) => {
      let rows: JobTotals[];
      let tenants: { tenant_id: string }[];
      try {
        rows = (await ctx.dataSource.query(
          `SELECT tenant_id, format, sum(accepted_rows)::bigint AS accepted, sum(rejected_rows)::bigint AS rejected
             FROM import_job GROUP BY tenant_id, format`,
        )) as JobTotals[];
        tenants = (await ctx.dataSource.query(TENANTS_WITH_ACCOUNTS)) as { tenant_id: string }[];
      } catch {
        return;
      }
      counter.reset();
      for (const tenant_id of new Set([...tenants, ...rows].map((r) => r.tenant_id)))
        for (const format of IMPORT_FORMATS)
          for (const outcome of IMPORT_LINE_OUTCOMES) counter.inc({ tenant_id, format, outcome }, 0);
      for (const r of rows) {
        const labels = { tenant_id: r.tenant_id, format: r.format };
        counter.inc({ ...labels, outcome: 'accepted' }, Number(r.accepted));
        counter.inc({ ...labels, outcome: 'rejected' }, Number(r.rejected));
      }
    },
  });
}
