import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The payments each single promise took (`promise_payment`: one payment may be split over several
 * promises), so that a payment replayed under a new event id is recognised and a reversal takes
 * off exactly what the payment counted; and a settlement's reversed payment kept, flagged
 * (`settlement_payment.reversed`, like `plan_payment.reversed`), where it was deleted and a replay
 * of it counted again.
 */
export class PromisesPromisePayment1763900014900 implements MigrationInterface {
  name = 'PromisesPromisePayment1763900014900';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE promise_payment (
      tenant_id text NOT NULL,
      payment_id text NOT NULL,
      promise_id uuid NOT NULL,
      amount_minor bigint NOT NULL CHECK (amount_minor > 0),
      reversed boolean NOT NULL DEFAULT false,
      PRIMARY KEY (tenant_id, payment_id, promise_id),
      FOREIGN KEY (tenant_id, promise_id) REFERENCES promise (tenant_id, id)
    )`);
    await q.query(`ALTER TABLE settlement_payment ADD COLUMN reversed boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Before this migration a reversed settlement payment was deleted (its amount already taken off).
    await q.query('DELETE FROM settlement_payment WHERE reversed');
    await q.query('ALTER TABLE settlement_payment DROP COLUMN reversed');
    await q.query('DROP TABLE promise_payment');
  }
}
