import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import { Logger } from '@collections/platform';
import { allowsNamedStatements, lockConnection } from './database';

/** First key of the advisory locks that keep a job to one replica at a time (the second is the job's key, hashed). */
const JOB_LOCK = 7340003;

/**
 * Keeps a job to one process at a time among the replicas of a service on one database: a
 * PostgreSQL session advisory lock, taken for each run on a connection of the lock's own (kept
 * between runs; the pool may be small, and the run needs its connections). A run that finds the
 * lock taken does not happen: another replica is running the job, and this one's next tick tries
 * again. A process that dies releases the lock with its session.
 *
 * If the lock's connection is lost during a run, PostgreSQL releases the lock while the run goes
 * on: another replica may then start the job. That is logged; the connection is opened again for
 * the next run.
 *
 * The embedded platform (one process, one PGlite session for every connection) needs no lock:
 * every run goes ahead there.
 */
export class ReplicaLock {
  private current?: { client: Client; ready: Promise<unknown> };

  constructor(
    private readonly dataSource: DataSource,
    /** Unique among the jobs sharing the database, e.g. `orchestrator/dispatch run`. */
    readonly key: string,
    private readonly logger: Logger,
  ) {}

  /** `work`'s result, holding the lock; `{ held: false }`, without running it, while another process holds it. */
  async whileHeld<T>(work: () => Promise<T>): Promise<{ held: true; result: T } | { held: false }> {
    if (!allowsNamedStatements(this.dataSource)) return { held: true, result: await work() };
    const client = await this.connection();
    const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [
      JOB_LOCK,
      this.key,
    ]);
    if (!rows[0].ok) return { held: false };
    try {
      return { held: true, result: await work() };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [JOB_LOCK, this.key]).catch((err: unknown) => {
        // The session is gone or going: so is the lock.
        this.logger.warn({ err, job: this.key }, 'releasing a job lock failed; its connection is dropped');
        this.drop(client);
      });
    }
  }

  /** Closes the lock's connection (releasing the lock, if a run still held it). */
  async close(): Promise<void> {
    const current = this.current;
    this.current = undefined;
    if (current) await current.client.end().catch(() => undefined);
  }

  private async connection(): Promise<Client> {
    if (!this.current) {
      const url = (this.dataSource.options as PostgresConnectionOptions).url;
      if (!url) throw new Error(`the lock of job ${this.key} needs the database's URL`);
      const client = lockConnection(url, `job lock: ${this.key}`);
      client.on('error', (err) => {
        this.logger.warn(
          { err, job: this.key },
          'lost the connection holding a job lock: another replica may start the job meanwhile',
        );
        this.drop(client);
      });
      this.current = { client, ready: client.connect() };
    }
    const { client, ready } = this.current;
    try {
      await ready;
    } catch (err) {
      this.drop(client);
      throw err;
    }
    return client;
  }

  private drop(client: Client): void {
    if (this.current?.client === client) this.current = undefined;
    void client.end().catch(() => undefined);
  }
}
