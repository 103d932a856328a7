import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which debtors each account belongs to (AccountOpened's `debtors`), so that a debtor's erasure
 * (DebtorUpserted `erased`) finds the free texts kept on their accounts; and the offers held for
 * approval by account, where the erasure looks for them.
 */
export class PromisesAccountDebtors1763900014800 implements MigrationInterface {
  name = 'PromisesAccountDebtors1763900014800';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE promise_account_debtor (
      tenant_id text NOT NULL,
      debtor_id text NOT NULL,
      account_id text NOT NULL,
      PRIMARY KEY (tenant_id, debtor_id, account_id)
    )`);
    await q.query(`CREATE INDEX offer_approval_by_account ON offer_approval (tenant_id, account_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX offer_approval_by_account');
    await q.query('DROP TABLE promise_account_debtor');
  }
}
