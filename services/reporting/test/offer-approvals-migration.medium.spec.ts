import { migrationTestDatabase } from '@collections/testing';
import { reportingService } from '../src/reporting.service';

/**
 * Migration 1763900020700 adds the approval facts and the rollup kinds that read them
 * (`offer_held`, `offer_decided`) to `kpi_contribution`; going back drops the facts and
 * creates the function again without those kinds, so the projections still run on it.
 */
describe('reporting: offer approvals (migration 1763900020700, real PostgreSQL)', () => {
  const all = reportingService.migrations;
  const at = all.findIndex((m) => m.name === 'ReportingOfferApprovals1763900020700');
  const { open } = migrationTestDatabase('reporting');
  const contribution = `SELECT kind, d1::text AS day, k1, k2, n::int AS n
    FROM kpi_contribution(ARRAY['t1'], ARRAY['acct-a'], ARRAY['offer_held', 'offer_decided', 'offer_expired']) ORDER BY 1`;

  it('counts a held and decided offer in the contribution, and goes back to the kinds before it', async () => {
    expect(at).toBeGreaterThan(0);
    const after = await open(all.slice(0, at + 1));
    await after.query(
      `INSERT INTO account_fact (tenant_id, account_id, opened_on, currency) VALUES ('t1', 'acct-a', '2026-02-01', 'USD')`,
    );
    await after.query(
      `INSERT INTO offer_approval_fact (tenant_id, approval_id, account_id, kind, requested_at, decided_at, decision)
       VALUES ('t1', 'appr-1', 'acct-a', 'plan', '2026-02-10T23:30:00Z', '2026-02-11T09:00:00Z', 'approved')`,
    );
    expect(await after.query(contribution)).toEqual([
      { kind: 'offer_decided', day: '2026-02-11', k1: 'plan', k2: 'approved', n: 1 },
      { kind: 'offer_held', day: '2026-02-10', k1: 'plan', k2: '', n: 1 },
    ]);

    await after.undoLastMigration({ transaction: 'each' });
    expect(await after.query(contribution)).toEqual([]);
    expect(
      await after.query(
        `SELECT count(*)::int AS n FROM information_schema.tables
          WHERE table_schema = 'reporting' AND table_name = 'offer_approval_fact'`,
      ),
    ).toEqual([{ n: 0 }]);
  });
});
