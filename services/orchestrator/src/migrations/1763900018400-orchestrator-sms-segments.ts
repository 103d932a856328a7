import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The message segments each SMS went in (`smsSegments` of the text its sender sent), on the send's
 * record: what Twilio meters its throughput in and bills, per tenant and message. Null for the
 * other channels and for SMS sent before; a plain column, no rewrite of the table.
 */
export class OrchestratorSmsSegments1763900018400 implements MigrationInterface {
  name = 'OrchestratorSmsSegments1763900018400';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE channel_delivery ADD COLUMN IF NOT EXISTS segments integer CHECK (segments >= 1)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE channel_delivery DROP COLUMN IF EXISTS segments`);
  }
}
