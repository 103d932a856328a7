import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A bankruptcy hold's chapter (`BankruptcyChapter`: 7, 11, 12 or 13; NULL: not on record, and on
 * every other kind of hold). Whether a co-obligor or guarantor is stayed too turns on it: only
 * chapters 12 and 13 stay collection from the co-debtors (11 U.S.C. 1201, 1301). The holds set
 * before it have none on record; the check (a chapter only on `kind` 2, HOLD_KIND_BANKRUPTCY) is added NOT VALID and validated after, so the table is
 * not locked against writes while the existing rows (all NULL) are read.
 */
export class LedgerHoldBankruptcyChapter1763900018200 implements MigrationInterface {
  name = 'LedgerHoldBankruptcyChapter1763900018200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE debtor_hold ADD COLUMN bankruptcy_chapter smallint`);
    await q.query(`ALTER TABLE debtor_hold ADD CONSTRAINT debtor_hold_bankruptcy_chapter
      CHECK (bankruptcy_chapter IS NULL OR (kind = 2 AND bankruptcy_chapter IN (7, 11, 12, 13))) NOT VALID`);
    await q.query(`ALTER TABLE debtor_hold VALIDATE CONSTRAINT debtor_hold_bankruptcy_chapter`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE debtor_hold DROP COLUMN bankruptcy_chapter`);
  }
}
