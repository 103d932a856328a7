import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The daily planning run updates every planner_account row once a day (the day's stamp and the
 * account's place in its strategy) right after locking it. With full pages each new version went
 * to another page and into the primary key again; with half of each page left free the new
 * version stays on its page (a HOT update: no index entry, the old version pruned in place later).
 * Half, because the first run after the accounts arrive widens every row (strategy, arm, steps):
 * of 50,000 freshly loaded rows a third stayed on their page with 30% free, three quarters with
 * half, and that UPDATE wrote 43% less WAL (78k records against 154k); later days, rows no wider,
 * stay on their page. The price is a table twice the size. Existing pages get the room as they are
 * rewritten; new rows (an account opened, an import) at once.
 */
export class OrchestratorPlannerAccountFillfactor1763900010100 implements MigrationInterface {
  name = 'OrchestratorPlannerAccountFillfactor1763900010100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE planner_account SET (fillfactor = 50)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE planner_account RESET (fillfactor)`);
  }
}
