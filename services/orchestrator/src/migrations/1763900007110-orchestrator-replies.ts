import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Replies: which account a message went to (so a reply from that address finds its account), what
 * the orchestrator read in each reply, and each account's currency (a bare "500" is in it).
 */
export class OrchestratorReplies1763900007110 implements MigrationInterface {
  name = 'OrchestratorReplies1763900007110';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE channel_delivery ADD COLUMN account_id text`);
    await q.query(
      `CREATE INDEX channel_delivery_recipient ON channel_delivery (tenant_id, channel, recipient, updated_at DESC) WHERE account_id IS NOT NULL`,
    );
    await q.query(`ALTER TABLE channel_inbound ADD COLUMN account_id text, ADD COLUMN intent text`);
    await q.query(`ALTER TABLE account_party ADD COLUMN currency text NOT NULL DEFAULT ''`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE account_party DROP COLUMN currency`);
    await q.query(`ALTER TABLE channel_inbound DROP COLUMN intent, DROP COLUMN account_id`);
    await q.query(`DROP INDEX channel_delivery_recipient`);
    await q.query(`ALTER TABLE channel_delivery DROP COLUMN account_id`);
  }
}
