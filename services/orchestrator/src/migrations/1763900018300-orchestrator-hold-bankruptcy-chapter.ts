import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A bankruptcy hold's chapter as the ledger's HoldChanged says it (`BankruptcyChapter`: 7, 11, 12,
 * 13; NULL: not on record, every other kind, and the holds told before it). Whether another party's
 * bankruptcy stops contact about a shared account turns on it (`coPartyHoldsSql`, the US pack's
 * US-CO-PARTY-HOLD-BANKRUPTCY: only chapters 12 and 13, or none on record).
 */
export class OrchestratorHoldBankruptcyChapter1763900018300 implements MigrationInterface {
  name = 'OrchestratorHoldBankruptcyChapter1763900018300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE debtor_hold_state ADD COLUMN bankruptcy_chapter smallint`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE debtor_hold_state DROP COLUMN bankruptcy_chapter`);
  }
}
