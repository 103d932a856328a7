import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A person can end an open single promise (CancelPromise) or take back an open settlement offer
 * (WithdrawSettlement): why (a free text, erased with its debtor) and the idempotency key of the
 * call, so a retry answers the ended row again. Null on every other row, the ledger's endings
 * (migration 1763900019300) included. The partial indexes let a debtor's erasure find the few
 * rows with a reason by account without reading the account's other promises and settlements.
 */
export class PromisesPromiseSettlementEnding1763900019800 implements MigrationInterface {
  name = 'PromisesPromiseSettlementEnding1763900019800';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE promise ADD COLUMN cancel_reason text, ADD COLUMN cancel_idempotency_key text`);
    await q.query(`ALTER TABLE settlement ADD COLUMN withdraw_reason text, ADD COLUMN withdraw_idempotency_key text`);
    await q.query(
      `CREATE INDEX promise_cancel_reason ON promise (tenant_id, account_id) WHERE cancel_reason IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX settlement_withdraw_reason ON settlement (tenant_id, account_id) WHERE withdraw_reason IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX settlement_withdraw_reason`);
    await q.query(`DROP INDEX promise_cancel_reason`);
    await q.query(`ALTER TABLE settlement DROP COLUMN withdraw_reason, DROP COLUMN withdraw_idempotency_key`);
    await q.query(`ALTER TABLE promise DROP COLUMN cancel_reason, DROP COLUMN cancel_idempotency_key`);
  }
}
