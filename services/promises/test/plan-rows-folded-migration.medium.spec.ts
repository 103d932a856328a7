import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { migrationTestDatabase, sqlFailure } from '@collections/testing';
import { promisesService } from '../src/promises.service';

/**
 * Migration 1763900012600 moves what plans announced from plan_announcement rows into the plan's
 * row and stops storing allocations: an existing database keeps every announcement, and going
 * back restores both tables with their checks.
 */
describe('plans: announcements move into the plan row (migration 1763900012600, real PostgreSQL)', () => {
  const all = promisesService.migrations;
  const at = all.findIndex((m) => m.name === 'PromisesPlanRowsFolded1763900012600');
  const { open } = migrationTestDatabase('promises');
  const planA = randomUUID();
  const planB = randomUUID();
  const planC = randomUUID();

  const announced = async (d: DataSource) =>
    Object.fromEntries(
      (
        (await d.query(`SELECT id::text AS id, announced FROM payment_plan ORDER BY id`)) as {
          id: string;
          announced: string[];
        }[]
      ).map((r) => [r.id, r.announced]),
    );
  const tables = async (d: DataSource) =>
    (
      (await d.query(
        `SELECT table_name FROM information_schema.tables
          WHERE table_schema = 'promises' AND table_name IN ('plan_allocation', 'plan_announcement') ORDER BY 1`,
      )) as { table_name: string }[]
    ).map((r) => r.table_name);

  it('keeps every announcement of every plan, and drops the two tables', async () => {
    expect(at).toBeGreaterThan(0);
    const before = await open(all.slice(0, at));
    for (const id of [planA, planB, planC]) {
      await before.query(
        `INSERT INTO payment_plan (tenant_id, id, account_id, currency, total_minor, down_payment_minor, instalments,
           frequency, first_date, channel, taken_by, state, idempotency_key, created_at)
         VALUES ('t1', $1, 'acct', 'USD', 30000, 0, 3, 1, '2026-03-10', 1, 1, 1, $2, now())`,
        [id, `key-${id}`],
      );
    }
    await before.query(
      `INSERT INTO plan_announcement (tenant_id, plan_id, kind, seq, announced_at) VALUES
         ('t1', $1, 'kept', 2, now()), ('t1', $1, 'kept', 1, now()), ('t1', $1, 'due-soon', 3, now()),
         ('t1', $2, 'missed', 1, now()), ('t1', $2, 'defaulted', -1, now())`,
      [planA, planB],
    );
    await before.query(
      `INSERT INTO plan_allocation (tenant_id, plan_id, payment_id, seq, amount_minor, paid_on)
       VALUES ('t1', $1, 'pay-1', 1, 10000, '2026-03-10')`,
      [planA],
    );

    const after = await open(all);
    expect(await announced(after)).toEqual({
      [planA]: ['due-soon:3', 'kept:1', 'kept:2'],
      [planB]: ['defaulted:-1', 'missed:1'],
      [planC]: [],
    });
    expect(await tables(after)).toEqual([]);
  });

  it('goes back to both tables, with the announcements and the per-statement plan checks', async () => {
    const d = await open(all);
    // Back past 1763900012700 (how the checks are planned) to before 1763900012600.
    for (let undone = all.length; undone > at; undone--) await d.undoLastMigration();
    expect(await tables(d)).toEqual(['plan_allocation', 'plan_announcement']);
    const rows = (await d.query(
      `SELECT plan_id::text AS plan, kind, seq FROM plan_announcement ORDER BY plan_id, kind, seq`,
    )) as { plan: string; kind: string; seq: number }[];
    expect(rows.map((r) => [r.plan, r.kind, r.seq]).sort()).toEqual(
      [
        [planA, 'due-soon', 3],
        [planA, 'kept', 1],
        [planA, 'kept', 2],
        [planB, 'defaulted', -1],
        [planB, 'missed', 1],
      ].sort(),
    );
    const stray = await sqlFailure(
      d,
      `INSERT INTO plan_allocation (tenant_id, plan_id, payment_id, seq, amount_minor, paid_on)
       VALUES ('t1', $1, 'pay-x', 1, 100, '2026-03-10')`,
      [randomUUID()],
    );
    expect(stray?.code).toBe('23503');
    // And forward again: the same announcements, in the plan's row.
    await d.runMigrations();
    expect((await announced(d))[planA]).toEqual(['due-soon:3', 'kept:1', 'kept:2']);
  });
});
