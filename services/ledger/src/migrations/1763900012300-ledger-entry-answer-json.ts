import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A journal entry's stored answer (what PostPayment and the other postings answered the first
 * time, given back on a retry with the same idempotency key) as `json` instead of `jsonb`. The
 * answer is written once, read back whole and never queried inside, so jsonb's binary form bought
 * nothing and its input cost the most of any column: parsing a batch's answers (numbers become
 * `numeric`, keys are sorted) took ~10 ms per 500 payments where checking them as json takes
 * ~1.5 ms. Rewrites the table (an ACCESS EXCLUSIVE lock for as long as that takes); no row trigger
 * fires, so the journal's immutability triggers need no exemption.
 */
export class LedgerEntryAnswerJson1763900012300 implements MigrationInterface {
  name = 'LedgerEntryAnswerJson1763900012300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE journal_entry ALTER COLUMN response TYPE json USING response::json`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE journal_entry ALTER COLUMN response TYPE jsonb USING response::jsonb`);
  }
}
