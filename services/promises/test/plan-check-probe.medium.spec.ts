import { randomUUID } from 'node:crypto';
import { executeAcrossMigration, planProbeDatabase } from '@collections/testing';
import { PromisesPlanCheckPlannedPerStatement1763900012700 as PlannedPerStatement } from '../src/migrations/1763900012700-promises-plan-check-planned-per-statement';
import { promisesService } from '../src/promises.service';

/**
 * The check that a plan's new instalments and payments belong to a plan that exists probes
 * payment_plan's primary key, whatever the table looked like when the session first ran it.
 * PL/pgSQL keeps a statement's plan for the session: planned while the table held one plan, the
 * probe could go through payment_plan_account (tenant, account, created) and read every plan of
 * the tenant for each new row, for as long as the connection lived (35 ms a plan on 4,000 plans
 * in the promises bench's setup, growing with the tenant).
 */
describe('plans: the plan-exists check probes the plan key as the table grows (real PostgreSQL)', () => {
  // The service's migrations up to the one under test, which is then the last to undo.
  const migrations = promisesService.migrations;
  const fixture = planProbeDatabase('promises', migrations.slice(0, migrations.indexOf(PlannedPerStatement) + 1));

  const addPlans = (count: number) =>
    fixture.session.client.query(
      `INSERT INTO payment_plan (tenant_id, id, account_id, currency, total_minor, down_payment_minor, instalments,
         frequency, first_date, channel, taken_by, state, idempotency_key, created_at)
       SELECT 't1', gen_random_uuid(), 'acct-' || g, 'USD', 30000, 0, 3, 1, '2026-03-10', 1, 1, 1, 'key-' || g || '-' || $2, now()
         FROM generate_series(1, $1::int) g`,
      [count, randomUUID()],
    );
  const addInstalments = async () => {
    const [{ id }] = (
      await fixture.session.client.query(`SELECT id FROM payment_plan ORDER BY created_at DESC, id LIMIT 1`)
    ).rows as { id: string }[];
    await fixture.session.client.query(
      `INSERT INTO plan_instalment (tenant_id, plan_id, seq, due_date, amount_minor)
       SELECT 't1', $1, s, DATE '2026-03-10' + 30 * s, 10000 FROM generate_series(1, 3) s`,
      [id],
    );
  };

  it('uses payment_plan_pkey after the table grew from one plan to 3,001 in the same session', async () => {
    await addPlans(1);
    await addInstalments(); // the session's first check, on a table of one plan
    await addPlans(3_000);
    const probe = (await fixture.session.plans(addInstalments)).find((p) => p.includes('promises_new_rows'));
    expect(probe).toBeDefined();
    expect(probe).toContain('payment_plan_pkey');
    expect(probe).not.toContain('payment_plan_account');
  });

  it('goes back to the probe planned once per session (migration 1763900012700 down), and forward again', async () => {
    expect(await executeAcrossMigration(fixture.ds, 'promises_%_plan_exists', PlannedPerStatement)).toEqual([
      true,
      false,
      true,
    ]);
  });
});
