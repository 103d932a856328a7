import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The providers' token buckets (`PgRateBuckets`), one row per channel and sender (`sms:+1555…`,
 * `call:+1555…`, `whatsapp:<phone number id>`): the tokens left and the instant, on the providers'
 * clock in epoch milliseconds, they were counted at. The limits are the provider accounts' (the
 * deployment's, shared by every tenant), so the key holds no tenant. Before, each process held its
 * own buckets, and a replica taking over the dispatch turn started with full ones.
 */
export class OrchestratorChannelRateBuckets1763900013000 implements MigrationInterface {
  name = 'OrchestratorChannelRateBuckets1763900013000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE channel_rate_bucket (
      bucket_key text PRIMARY KEY,
      tokens double precision NOT NULL CHECK (tokens >= 0),
      counted_at_ms double precision NOT NULL
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE channel_rate_bucket`);
  }
}
