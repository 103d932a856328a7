import { MigrationInterface, QueryRunner } from 'typeorm';

/** What each channel did with our messages, what it knows of each address, and who asked us to stop. */
export class OrchestratorChannelDeliveries1763900006000 implements MigrationInterface {
  name = 'OrchestratorChannelDeliveries1763900006000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE channel_delivery (
      tenant_id text NOT NULL,
      channel text NOT NULL,
      idempotency_key text NOT NULL,
      recipient text NOT NULL,
      provider_message_id text,
      status text NOT NULL,
      error_code text,
      attempts integer NOT NULL DEFAULT 0,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, channel, idempotency_key)
    )`);
    await q.query(
      `CREATE UNIQUE INDEX channel_delivery_provider_id ON channel_delivery (tenant_id, channel, provider_message_id)`,
    );
    await q.query(`CREATE TABLE channel_address (
      tenant_id text NOT NULL,
      channel text NOT NULL,
      address text NOT NULL,
      invalid boolean NOT NULL DEFAULT false,
      invalid_reason text,
      last_status text,
      last_status_at timestamptz,
      opted_out_at timestamptz,
      PRIMARY KEY (tenant_id, channel, address)
    )`);
    await q.query(`CREATE TABLE channel_opt_out (
      tenant_id text NOT NULL,
      channel text NOT NULL,
      address text NOT NULL,
      message text NOT NULL,
      provider_message_id text NOT NULL,
      received_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, channel, address)
    )`);
    await q.query(`CREATE TABLE channel_inbound (
      tenant_id text NOT NULL,
      channel text NOT NULL,
      provider_message_id text NOT NULL,
      sender text NOT NULL,
      text text NOT NULL,
      opt_out boolean NOT NULL,
      received_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, channel, provider_message_id)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE channel_inbound');
    await q.query('DROP TABLE channel_opt_out');
    await q.query('DROP TABLE channel_address');
    await q.query('DROP TABLE channel_delivery');
  }
}
