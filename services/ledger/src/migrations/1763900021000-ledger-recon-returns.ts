import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Returns in reconciliation files (a camt.053 return of a credit, a gateway chargeback) reverse the
 * payment of the credit they return: each file counts the payments its returns reversed, and the
 * posted credits a return may name are found by amount and currency, latest first, by index.
 */
export class LedgerReconReturns1763900021000 implements MigrationInterface {
  name = 'LedgerReconReturns1763900021000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE recon_file ADD COLUMN reversed_payments int NOT NULL DEFAULT 0`);
    await q.query(
      `CREATE INDEX recon_item_posted_credit ON recon_item (tenant_id, amount_minor, currency, seq)
        WHERE direction = 'credit' AND posted_payment_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX recon_item_posted_credit`);
    await q.query(`ALTER TABLE recon_file DROP COLUMN reversed_payments`);
  }
}
