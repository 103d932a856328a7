import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The dispatcher reads due rows a batch at a time in (due_at, id) order. Keyed on due_at alone,
 * the index gave them in due_at order only, and every batch fetched and sorted all the rows due at
 * the same instant to find the first hundred by id: a day whose cadence books thousands of
 * contacts for 09:00 read them all per batch of 100 (0.8 s a batch at 20,000 rows due, 1,000,000
 * accounts), a cost that grew with the square of the rows due. Keyed on (due_at, id) the batch is
 * the first rows of the index.
 */
export class OrchestratorScheduleDueOrder1763900011700 implements MigrationInterface {
  name = 'OrchestratorScheduleDueOrder1763900011700';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX contact_schedule_due`);
    await q.query(
      `CREATE INDEX contact_schedule_due ON contact_schedule (due_at, id) WHERE status IN ('pending', 'sending')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX contact_schedule_due`);
    await q.query(
      `CREATE INDEX contact_schedule_due ON contact_schedule (due_at) WHERE status IN ('pending', 'sending')`,
    );
  }
}
