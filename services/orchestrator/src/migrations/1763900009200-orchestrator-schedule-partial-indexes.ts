import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Two indexes of contact_schedule held every row although their queries only ever look at some:
 * a debtor's contact history reads rows being sent or sent, and a provider's receipt looks a row
 * up by its (non-null) provider message id. A planned row is neither, so the daily run, which
 * inserts a million pending rows, paid for two index entries per row nobody reads. Now partial.
 */
export class OrchestratorSchedulePartialIndexes1763900009200 implements MigrationInterface {
  name = 'OrchestratorSchedulePartialIndexes1763900009200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX contact_schedule_debtor`);
    await q.query(
      `CREATE INDEX contact_schedule_debtor ON contact_schedule (tenant_id, debtor_id, sent_at) WHERE status IN ('sent', 'sending')`,
    );
    await q.query(`DROP INDEX contact_schedule_provider_id`);
    await q.query(
      `CREATE INDEX contact_schedule_provider_id ON contact_schedule (tenant_id, channel, provider_message_id)
        WHERE provider_message_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX contact_schedule_provider_id`);
    await q.query(
      `CREATE INDEX contact_schedule_provider_id ON contact_schedule (tenant_id, channel, provider_message_id)`,
    );
    await q.query(`DROP INDEX contact_schedule_debtor`);
    await q.query(`CREATE INDEX contact_schedule_debtor ON contact_schedule (tenant_id, debtor_id, sent_at)`);
  }
}
