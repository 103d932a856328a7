import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A debtor's holds by index: a dispute on a call or in a reply asks whether each of the account's
 * debtors is already under a dispute hold in force (OpenDisputeHoldsUseCase), and ExportDebtor —
 * asked for every contact the orchestrator sends — lists the debtor's holds; both read every hold
 * of the tenant without it.
 */
export class LedgerHoldsByDebtor1763900016900 implements MigrationInterface {
  name = 'LedgerHoldsByDebtor1763900016900';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX debtor_hold_by_debtor ON debtor_hold (tenant_id, debtor_id, kind)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX debtor_hold_by_debtor`);
  }
}
