import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An open single promise can be cancelled (`promise.state` PROMISE_STATE_CANCELLED = 4) and an open
 * settlement withdrawn (`settlement.state` SETTLEMENT_STATE_WITHDRAWN = 4) when the ledger settles
 * or closes their account: when, and by whom (`ledger`; no free text). Null on every other row. The
 * state columns carry no CHECK constraint, so the new values need none changed.
 */
export class PromisesAccountEnded1763900019300 implements MigrationInterface {
  name = 'PromisesAccountEnded1763900019300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE promise ADD COLUMN cancelled_at timestamptz, ADD COLUMN cancelled_by text`);
    await q.query(`ALTER TABLE settlement ADD COLUMN withdrawn_at timestamptz, ADD COLUMN withdrawn_by text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE settlement DROP COLUMN withdrawn_at, DROP COLUMN withdrawn_by`);
    await q.query(`ALTER TABLE promise DROP COLUMN cancelled_at, DROP COLUMN cancelled_by`);
  }
}
