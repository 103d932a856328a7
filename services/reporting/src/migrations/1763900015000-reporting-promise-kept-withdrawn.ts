import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A promise's PromiseKept can be withdrawn (promises' PromiseKeptWithdrawn: the payment that kept it
 * was reversed), and the promise kept again by a later payment. Each of these facts is kept once by
 * its identity in `promise_keeping_fact` (a keep by its kept_at, a withdrawal by the reversed
 * payment's id), and `promise_kept_fact` holds, for the promises concerned, a row exactly when they
 * have more keeps than withdrawals (the latest keep's time and amount): whatever the order the
 * events arrive in, and however often, the same facts stand and so does the row, which the KPIs, the
 * rollup and the gauge go on counting. The promises kept so far are backfilled as one keep each. A
 * plan instalment's forecast status is worked out from the same row (`kept`), else `missed` once
 * InstalmentMissed told so (`forecast_instalment_fact.missed`, backfilled from the status), else open.
 */
export class ReportingPromiseKeptWithdrawn1763900015000 implements MigrationInterface {
  name = 'ReportingPromiseKeptWithdrawn1763900015000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE promise_keeping_fact (
      tenant_id text NOT NULL,
      promise_id text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('kept', 'withdrawn')),
      ref text NOT NULL,
      account_id text NOT NULL,
      at timestamptz NOT NULL,
      amount_minor bigint,
      PRIMARY KEY (tenant_id, promise_id, kind, ref)
    )`);
    await q.query(`INSERT INTO promise_keeping_fact (tenant_id, promise_id, kind, ref, account_id, at, amount_minor)
      SELECT tenant_id, promise_id, 'kept', to_char(kept_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
             account_id, kept_at, amount_minor
        FROM promise_kept_fact`);
    await q.query(`ALTER TABLE forecast_instalment_fact ADD COLUMN missed boolean NOT NULL DEFAULT false`);
    await q.query(`UPDATE forecast_instalment_fact SET missed = true WHERE status = 'missed'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE forecast_instalment_fact DROP COLUMN missed');
    await q.query('DROP TABLE promise_keeping_fact');
  }
}
