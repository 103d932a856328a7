import { randomUUID } from 'node:crypto';
import { promises } from '@collections/contracts';
import { grpcClient, metadataFromPrincipalHeaders } from '@collections/platform';
import { ServiceUnderTest, sqlFailure, startServiceUnderTest } from '@collections/testing';
import { promisesService } from '../src/promises.service';

/**
 * What the database itself guarantees about plans, whatever code writes to them: every
 * instalment and payment belongs to a plan that exists (checked per
 * statement, migration 1763900012500), never moves to another plan, and no plan goes away or
 * changes its key afterwards.
 */
describe('payment plan integrity in the database (real PostgreSQL)', () => {
  let sut: ServiceUnderTest;
  let planId: string;

  beforeAll(async () => {
    sut = await startServiceUnderTest(promisesService);
    const client = grpcClient(promises.PromisesServiceService, sut.app.grpcAddress);
    const { plan } = await client.createPlan(
      {
        accountId: 'acct-integrity',
        total: { amountMinor: 90_000, currency: 'USD' },
        downPayment: undefined,
        instalments: 3,
        frequency: promises.PlanFrequency.PLAN_FREQUENCY_MONTHLY,
        firstDate: '2026-03-10',
        channel: promises.PlanChannel.PLAN_CHANNEL_CALL,
        takenBy: promises.TakenBy.TAKEN_BY_AGENT,
        agentId: 'agent-1',
        idempotencyKey: 'integrity-plan',
      },
      metadataFromPrincipalHeaders({ apiKey: sut.apiKey }),
    );
    client.close();
    planId = plan!.planId;
  });
  afterAll(async () => {
    await sut.close();
  });

  /** Runs SQL in the service's schema; resolves to the error PostgreSQL raised, or undefined. */
  const failure = (sql: string, params: unknown[] = []) => sqlFailure(sut.dataSource, sql, params);
  const count = async (sql: string, params: unknown[]) =>
    ((await sut.dataSource.query(sql, params)) as { n: number }[])[0].n;
  const paymentsOf = (plan: string) =>
    count(`SELECT count(*)::int AS n FROM promises.plan_payment WHERE tenant_id = $1 AND plan_id = $2`, [
      sut.tenant,
      plan,
    ]);

  it.each([
    [
      'plan_payment',
      `INSERT INTO promises.plan_payment (tenant_id, plan_id, payment_id, amount_minor, paid_on)
       VALUES ($1, $2, 'pay-ok', 100, '2026-03-10'), ($1, $3, 'pay-stray', 100, '2026-03-10')`,
    ],
    [
      'plan_instalment',
      `INSERT INTO promises.plan_instalment (tenant_id, plan_id, seq, due_date, amount_minor)
       VALUES ($1, $2, 99, '2027-01-10', 100), ($1, $3, 1, '2026-03-10', 100)`,
    ],
  ])('refuses a %s row of a plan that does not exist, and the whole statement with it', async (table, sql) => {
    const stray = randomUUID();
    const rowsBefore = await count(`SELECT count(*)::int AS n FROM promises.${table} WHERE tenant_id = $1`, [
      sut.tenant,
    ]);
    const refused = await failure(sql, [sut.tenant, planId, stray]);
    expect(refused?.code).toBe('23503');
    expect(refused?.message).toContain(`${table} row references payment_plan`);
    expect(refused?.message).toContain(stray);
    // The valid row of the statement did not stay either.
    expect(await count(`SELECT count(*)::int AS n FROM promises.${table} WHERE tenant_id = $1`, [sut.tenant])).toBe(
      rowsBefore,
    );
  });

  it("refuses the same plan id under another tenant (a plan's key is its tenant and id)", async () => {
    const refused = await failure(
      `INSERT INTO promises.plan_payment (tenant_id, plan_id, payment_id, amount_minor, paid_on)
       VALUES ('another-tenant', $1, 'pay-x', 100, '2026-03-10')`,
      [planId],
    );
    expect(refused?.code).toBe('23503');
  });

  it('takes rows of existing plans, and never moves one to another plan', async () => {
    await sut.dataSource.query(
      `INSERT INTO promises.plan_payment (tenant_id, plan_id, payment_id, amount_minor, paid_on)
       VALUES ($1, $2, 'pay-kept', 100, '2026-03-10')`,
      [sut.tenant, planId],
    );
    expect(await paymentsOf(planId)).toBe(1);
    const moved = await failure(
      `UPDATE promises.plan_payment SET plan_id = $3 WHERE tenant_id = $1 AND plan_id = $2 AND payment_id = 'pay-kept'`,
      [sut.tenant, planId, randomUUID()],
    );
    expect(moved?.code).toBe('23001');
    expect(moved?.message).toContain('stays with its plan');
    expect(await paymentsOf(planId)).toBe(1);
    // Changing what is not the key is allowed.
    expect(
      await failure(
        `UPDATE promises.plan_payment SET reversed = true WHERE tenant_id = $1 AND payment_id = 'pay-kept'`,
        [sut.tenant],
      ),
    ).toBeUndefined();
  });

  it('never deletes, truncates or re-keys a plan', async () => {
    const plans = () =>
      count(`SELECT count(*)::int AS n FROM promises.payment_plan WHERE tenant_id = $1 AND id = $2`, [
        sut.tenant,
        planId,
      ]);
    for (const sql of [
      `DELETE FROM promises.payment_plan WHERE tenant_id = $1 AND id = $2`,
      `UPDATE promises.payment_plan SET id = gen_random_uuid() WHERE tenant_id = $1 AND id = $2`,
      `UPDATE promises.payment_plan SET tenant_id = 'another-tenant' WHERE tenant_id = $1 AND id = $2`,
    ]) {
      const refused = await failure(sql, [sut.tenant, planId]);
      expect(refused?.code).toBe('23001');
      expect(refused?.message).toMatch(/never deleted|keeps its tenant and id/);
    }
    expect((await failure(`TRUNCATE promises.payment_plan CASCADE`))?.code).toBe('23001');
    expect(await plans()).toBe(1);
    // A plan's state still changes as it always did.
    expect(
      await failure(`UPDATE promises.payment_plan SET state = state WHERE tenant_id = $1 AND id = $2`, [
        sut.tenant,
        planId,
      ]),
    ).toBeUndefined();
  });
});
