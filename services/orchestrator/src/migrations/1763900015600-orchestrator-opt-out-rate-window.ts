import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rate windows of the public opt-out route (`/opt-out/{token}`, `../channels/opt-out-links.ts`),
 * shared by every replica, as the promises service's payment-link landing API keeps them: one row
 * per rate key (an opt-out link's token, a client address — each stored as its SHA-256, so the
 * table holds no token and no address), the start of its current fixed window and the requests
 * counted in it. The tenant is known for a link's window; a client address is counted before any
 * token says whose link it is (null).
 */
export class OrchestratorOptOutRateWindow1763900015600 implements MigrationInterface {
  name = 'OrchestratorOptOutRateWindow1763900015600';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE opt_out_rate_window (
      rate_key text PRIMARY KEY,
      tenant_id text,
      window_start timestamptz NOT NULL,
      hits integer NOT NULL
    )`);
    await q.query(`CREATE INDEX opt_out_rate_window_start ON opt_out_rate_window (window_start)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE opt_out_rate_window');
  }
}
