import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `account_status_change`: who charged off, settled or closed an account, when and why. One row
 * per status move of a lifecycle command (ChargeOffAccount, SettleAccount, CloseAccount) or of a
 * posting that moved the status (a write-off, a settlement discount: `entry_id`), written in the
 * move's transaction; the daily delinquency run's moves are not kept. `changed_by` is the subject
 * of the principal who asked ('' when none was known).
 *
 * The reason is the caller's free text (it may name the person or what they told a collector), so
 * it is stored as a journal memo is (1763900016700): AES-256-GCM under LEDGER_PII_KEY, the key id
 * at the head of the ciphertext (`ledger_pii_key_of`); none stores NULL; an erased one is
 * `reason_erased` without a ciphertext. The rows are an audit trail: the one change a row takes is
 * its reason being erased (`reason_enc` to NULL, `reason_erased` to true) or re-encrypted under
 * another key (the key rotation job), nothing else in the same UPDATE, and none is deleted.
 * A new, empty table: nothing to backfill (the reasons of earlier moves were not kept).
 */
export class LedgerAccountStatusChange1763900019600 implements MigrationInterface {
  name = 'LedgerAccountStatusChange1763900019600';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE account_status_change (
      tenant_id text NOT NULL,
      id uuid NOT NULL,
      account_id text NOT NULL,
      from_status smallint NOT NULL,
      to_status smallint NOT NULL,
      changed_at timestamptz NOT NULL,
      changed_by text NOT NULL,
      reason_enc bytea,
      reason_erased boolean NOT NULL DEFAULT false,
      entry_id uuid,
      PRIMARY KEY (tenant_id, id),
      FOREIGN KEY (tenant_id, account_id) REFERENCES account (tenant_id, id),
      FOREIGN KEY (tenant_id, entry_id) REFERENCES journal_entry (tenant_id, id)
    )`);
    await q.query(
      `CREATE INDEX account_status_change_by_account ON account_status_change (tenant_id, account_id, changed_at, id)`,
    );
    await q.query(`COMMENT ON COLUMN account_status_change.reason_enc IS 'PII (free text), AES-256-GCM'`);
    await q.query(`CREATE FUNCTION ledger_account_status_change_only_reason_erased_or_rekeyed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE'
           AND to_jsonb(NEW) - 'reason_enc' - 'reason_erased' = to_jsonb(OLD) - 'reason_enc' - 'reason_erased'
           AND ((NOT OLD.reason_erased AND NEW.reason_erased AND NEW.reason_enc IS NULL)
             OR (NEW.reason_erased = OLD.reason_erased AND NEW.reason_enc IS NOT NULL AND OLD.reason_enc IS NOT NULL
                 AND ledger_pii_key_of(NEW.reason_enc) <> ledger_pii_key_of(OLD.reason_enc))) THEN
          RETURN NEW;
        END IF;
        RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation', TABLE = TG_TABLE_NAME;
      END $$`);
    await q.query(`CREATE TRIGGER account_status_change_immutable BEFORE UPDATE OR DELETE ON account_status_change FOR EACH ROW
      EXECUTE FUNCTION ledger_account_status_change_only_reason_erased_or_rekeyed('an account status change is kept as it was (only its reason can be erased)')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE account_status_change');
    await q.query('DROP FUNCTION ledger_account_status_change_only_reason_erased_or_rekeyed()');
  }
}
