import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The ledger's oldest unpaid due date of an account, and the ledger's as-of date it was told on.
 * Strategies counted days past due from `due_date`, the latest statement's due date, which every
 * new statement moves forward: a card that kept receiving statements and never paid never looked
 * more than a cycle late, so escalation, legal referral and late-stage entry never fired. The
 * ledger's DelinquencyChanged (and BalanceChanged) tell days past due as of a date; as-of date
 * minus days past due is the oldest unpaid due date, which stays true as days pass (a stored day
 * count does not). NULL: the ledger has not told one, or says the account is current.
 * `delinquency_as_of` orders the ledger's facts: an older one consumed later does not overwrite.
 * Both are text `YYYY-MM-DD`, like `due_date`.
 */
export class OrchestratorPlannerOldestUnpaid1763900012900 implements MigrationInterface {
  name = 'OrchestratorPlannerOldestUnpaid1763900012900';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE planner_account ADD COLUMN oldest_unpaid_due_date text, ADD COLUMN delinquency_as_of text`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE planner_account DROP COLUMN delinquency_as_of, DROP COLUMN oldest_unpaid_due_date`);
  }
}
