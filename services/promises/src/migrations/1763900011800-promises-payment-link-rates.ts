import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Self-service rate windows, shared by every replica of the service: one row per rate key (a
 * payment link's token, a client address — each stored as its SHA-256, so the table holds no
 * credential and no address), with the start of its current fixed window and the requests counted
 * in it. A client's requests spread over replicas count together. The tenant is known for a
 * link's window; an address is counted before any token says whose link it is (null).
 */
export class PromisesPaymentLinkRates1763900011800 implements MigrationInterface {
  name = 'PromisesPaymentLinkRates1763900011800';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE payment_link_rate_window (
      rate_key text PRIMARY KEY,
      tenant_id text,
      window_start timestamptz NOT NULL,
      hits integer NOT NULL
    )`);
    await q.query(`CREATE INDEX payment_link_rate_window_start ON payment_link_rate_window (window_start)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE payment_link_rate_window');
  }
}
