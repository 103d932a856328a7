import { MigrationInterface, QueryRunner } from 'typeorm';

/** PostgreSQL identifier check: schema names come from code, but never trust a string into SQL. */
export function assertIdentifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`invalid SQL identifier "${name}"`);
  return name;
}

/** Schema of the in-process transport's log (embedded mode only). */
export const IN_PROCESS_SCHEMA = 'messaging';

/**
 * The outbox, inbox and dead-letter tables of one service, created in that service's schema.
 * Returned as a TypeORM migration so each service runs it among its own migrations.
 */
export function messagingTablesMigration(schema: string): new () => MigrationInterface {
  const s = assertIdentifier(schema);
  return class MessagingTables implements MigrationInterface {
    name = `MessagingTables1763900000000`;
    async up(q: QueryRunner): Promise<void> {
      await q.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      await q.query(`CREATE TABLE IF NOT EXISTS ${s}.outbox (
        id bigserial PRIMARY KEY,
        event_id text NOT NULL,
        tenant_id text NOT NULL,
        topic text NOT NULL,
        key text NOT NULL,
        headers jsonb NOT NULL,
        payload bytea,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
      )`);
      await q.query(`CREATE INDEX IF NOT EXISTS outbox_unpublished ON ${s}.outbox (id) WHERE published_at IS NULL`);
      await q.query(`CREATE TABLE IF NOT EXISTS ${s}.inbox (
        consumer text NOT NULL,
        event_id text NOT NULL,
        tenant_id text,
        outcome text NOT NULL DEFAULT 'processed',
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, event_id)
      )`);
      await q.query(`CREATE TABLE IF NOT EXISTS ${s}.dead_letter (
        id bigserial PRIMARY KEY,
        consumer text NOT NULL,
        event_id text,
        tenant_id text,
        topic text NOT NULL,
        partition integer NOT NULL,
        record_offset text NOT NULL,
        key text,
        headers jsonb NOT NULL,
        payload bytea,
        reason text NOT NULL,
        error text NOT NULL,
        attempts integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        replayed_at timestamptz
      )`);
    }
    async down(q: QueryRunner): Promise<void> {
      await q.query(`DROP TABLE IF EXISTS ${s}.dead_letter`);
      await q.query(`DROP TABLE IF EXISTS ${s}.inbox`);
      await q.query(`DROP TABLE IF EXISTS ${s}.outbox`);
    }
  };
}

/**
 * The outbox's headers as `json` instead of `jsonb`: they are written once, read back whole by the
 * relay and never queried inside in production code, so jsonb's binary form bought nothing, while
 * its input was the dearest part of every event's insert (~16 ms to parse 1,000 events' headers
 * where checking them as json takes ~3.6 ms). The dead-letter table keeps jsonb: it is written
 * rarely and searched by operators. Rewrites the outbox (an ACCESS EXCLUSIVE lock for as long as
 * that takes; the outbox holds what the relay has not yet published, and what it keeps after).
 */
export function messagingOutboxHeadersJsonMigration(schema: string): new () => MigrationInterface {
  const s = assertIdentifier(schema);
  return class MessagingOutboxHeadersJson implements MigrationInterface {
    name = `MessagingOutboxHeadersJson1763900012400`;
    async up(q: QueryRunner): Promise<void> {
      await q.query(`ALTER TABLE ${s}.outbox ALTER COLUMN headers TYPE json USING headers::json`);
    }
    async down(q: QueryRunner): Promise<void> {
      await q.query(`ALTER TABLE ${s}.outbox ALTER COLUMN headers TYPE jsonb USING headers::jsonb`);
    }
  };
}

/**
 * Dead letters that a debtor's erasure reaches, and that a retention deletes once replayed:
 * `erased_at` marks a dead letter whose payload, error text and free headers were erased
 * (eraseDeadLetters); an index on the tenant and record key finds a debtor's dead letters, and one
 * on the replayed ones' replay time lets the retention (DeadLetterRetention) delete the oldest in
 * bounded batches. The dead-letter table is small (each dead letter is an alert), so the index
 * builds are short; they block only the writing of new dead letters while they run.
 */
export function messagingDeadLetterErasureMigration(schema: string): new () => MigrationInterface {
  const s = assertIdentifier(schema);
  return class MessagingDeadLetterErasure implements MigrationInterface {
    name = `MessagingDeadLetterErasure1763900015300`;
    async up(q: QueryRunner): Promise<void> {
      await q.query(`ALTER TABLE ${s}.dead_letter ADD COLUMN IF NOT EXISTS erased_at timestamptz`);
      await q.query(`CREATE INDEX IF NOT EXISTS dead_letter_tenant_key ON ${s}.dead_letter (tenant_id, key)`);
      await q.query(
        `CREATE INDEX IF NOT EXISTS dead_letter_replayed ON ${s}.dead_letter (replayed_at) WHERE replayed_at IS NOT NULL`,
      );
    }
    async down(q: QueryRunner): Promise<void> {
      await q.query(`DROP INDEX IF EXISTS ${s}.dead_letter_replayed`);
      await q.query(`DROP INDEX IF EXISTS ${s}.dead_letter_tenant_key`);
      await q.query(`ALTER TABLE ${s}.dead_letter DROP COLUMN IF EXISTS erased_at`);
    }
  };
}

/** Every migration of one service's messaging tables (outbox, inbox, dead letters), in order. */
export function messagingMigrations(schema: string): (new () => MigrationInterface)[] {
  return [
    messagingTablesMigration(schema),
    messagingOutboxHeadersJsonMigration(schema),
    messagingDeadLetterErasureMigration(schema),
  ];
}

/** Tables of the in-process transport: an append-only log per topic and committed offsets per group. */
export class InProcessLogMigration1763900000001 implements MigrationInterface {
  name = 'InProcessLogMigration1763900000001';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS ${IN_PROCESS_SCHEMA}`);
    await q.query(`CREATE TABLE IF NOT EXISTS ${IN_PROCESS_SCHEMA}.log (
      topic text NOT NULL,
      log_offset bigint NOT NULL,
      key text NOT NULL,
      headers jsonb NOT NULL,
      payload bytea,
      appended_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (topic, log_offset)
    )`);
    await q.query(`CREATE TABLE IF NOT EXISTS ${IN_PROCESS_SCHEMA}.consumer_offset (
      group_id text NOT NULL,
      topic text NOT NULL,
      committed_offset bigint NOT NULL,
      PRIMARY KEY (group_id, topic)
    )`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA IF EXISTS ${IN_PROCESS_SCHEMA} CASCADE`);
  }
}

/** The in-process log's headers as json, for the reason the outbox's are (messagingOutboxHeadersJsonMigration). */
export class InProcessLogHeadersJson1763900012401 implements MigrationInterface {
  name = 'InProcessLogHeadersJson1763900012401';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ${IN_PROCESS_SCHEMA}.log ALTER COLUMN headers TYPE json USING headers::json`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ${IN_PROCESS_SCHEMA}.log ALTER COLUMN headers TYPE jsonb USING headers::jsonb`);
  }
}

/** Every migration of the in-process transport's tables, in order. */
export const IN_PROCESS_LOG_MIGRATIONS: (new () => MigrationInterface)[] = [
  InProcessLogMigration1763900000001,
  InProcessLogHeadersJson1763900012401,
];
