import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When the ledger settled or closed an account (AccountSettled/AccountClosed, as promises consumed
 * it): from then on no settlement of the account takes a payment, whichever of the payment and the
 * account's end promises reads first. Null for an account that has not ended. An account promises
 * heard of only by its end gets a row then, in UTC with no currency (as `find` answers for an
 * unknown one); its AccountOpened, if it comes later, sets both and keeps `ended_at`.
 */
export class PromisesAccountEndedAt1763900019700 implements MigrationInterface {
  name = 'PromisesAccountEndedAt1763900019700';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE promise_account_profile ADD COLUMN ended_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE promise_account_profile DROP COLUMN ended_at`);
  }
}
