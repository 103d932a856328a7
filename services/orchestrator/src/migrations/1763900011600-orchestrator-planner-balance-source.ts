import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Whether the planner's balance came from the ledger (BalanceChanged, PaymentPosted) rather than
 * from scoring's copy in AccountScored. The two arrive on different topics, in no order between
 * them: a score computed before a payment and consumed after it carried the balance the payment
 * had cleared, so a paid account could be planned (and told it owed) again until the next score.
 * Once the ledger has told a balance, scoring's copy no longer overwrites it.
 */
export class OrchestratorPlannerBalanceSource1763900011600 implements MigrationInterface {
  name = 'OrchestratorPlannerBalanceSource1763900011600';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE planner_account ADD COLUMN balance_from_ledger boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE planner_account DROP COLUMN balance_from_ledger`);
  }
}
