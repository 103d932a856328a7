import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An offer held for a supervisor expires: `expires_at` is its request time plus the tenant
 * policy's approval hours (72 by default). Rows held before this get the default; a pending one
 * older than 72 hours reads EXPIRED from now on, as one held today would.
 */
export class PromisesApprovalExpiry1763900020200 implements MigrationInterface {
  name = 'PromisesApprovalExpiry1763900020200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE offer_approval ADD COLUMN expires_at timestamptz`);
    await q.query(`UPDATE offer_approval SET expires_at = requested_at + interval '72 hours'`);
    await q.query(`ALTER TABLE offer_approval ALTER COLUMN expires_at SET NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE offer_approval SET state = 1 WHERE state = 4`);
    await q.query(`ALTER TABLE offer_approval DROP COLUMN expires_at`);
  }
}
