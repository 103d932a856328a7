import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `account.charged_off_on`: the date the account was charged off, the effective date of the
 * write-off that moved it to charged off (the date its AccountChargedOff carries), written with the
 * status by that posting. GetAccountActivity reads from it (ACTIVITY_FROM_CHARGE_OFF: a validation
 * notice itemized from the charge-off date). It stays once set: an account settled or closed after
 * its charge-off was still charged off then.
 *
 * Accounts charged off before this migration: the first write-off posted to the account (posting
 * order), unless a settlement discount was posted before it (a write-off of a settled account does
 * not charge it off). A settlement of a zero balance posts no entry, so a write-off after such a
 * settlement is taken for a charge-off here; the status history is not kept to tell them apart.
 * Adding the column is a catalogue change (nullable, no default); the backfill touches only
 * accounts with a write-off.
 */
export class LedgerAccountChargedOffOn1763900018000 implements MigrationInterface {
  name = 'LedgerAccountChargedOffOn1763900018000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE account ADD COLUMN charged_off_on date`);
    // Kinds as `EntryKind`: 7 settlement discount, 8 write-off.
    await q.query(`UPDATE account a SET charged_off_on = w.effective_date
      FROM (SELECT DISTINCT ON (tenant_id, account_id) tenant_id, account_id, effective_date, seq
              FROM journal_entry WHERE kind = 8 ORDER BY tenant_id, account_id, seq) w
     WHERE a.tenant_id = w.tenant_id AND a.id = w.account_id
       AND NOT EXISTS (SELECT 1 FROM journal_entry s WHERE s.tenant_id = w.tenant_id AND s.account_id = w.account_id
                          AND s.kind = 7 AND s.seq < w.seq)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE account DROP COLUMN charged_off_on`);
  }
}
