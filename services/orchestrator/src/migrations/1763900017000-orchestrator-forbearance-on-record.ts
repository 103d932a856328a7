import { MigrationInterface, QueryRunner } from 'typeorm';

/** Accounts read per batch of the backfill (each batch a statement, committed on its own). */
const BATCH_ROWS = 1_000;

/**
 * Forbearance before enforcement (EU Consumer Credit Directive, art. 35): `planner_account`
 * records when a forbearance measure first came on record for the account (a payment plan or
 * settlement agreed, or a negotiation task an agent completed); a pack with
 * `enforcement.forbearanceFirst` refers the account for legal action only once it is set.
 *
 * The backfill walks `planner_account` in key order, 1,000 accounts a statement, each committed
 * on its own (no lock held over the table): an account with a negotiation an agent completed
 * takes that completion's time; one with a plan or settlement running now (an open commitment)
 * takes the migration's time. Plans agreed and already ended before this migration left no
 * trace in the planner and are not found: those accounts count as having none (the stricter
 * reading). Run again, it sets only what is still unset.
 */
export class OrchestratorForbearanceOnRecord1763900017000 implements MigrationInterface {
  name = 'OrchestratorForbearanceOnRecord1763900017000';
  /** Batches commit one by one (above): no transaction around the whole migration. */
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE planner_account ADD COLUMN IF NOT EXISTS forbearance_on_record_at timestamptz`);
    let after: { tenant_id: string; account_id: string } | undefined = { tenant_id: '', account_id: '' };
    while (after) {
      const [last] = (await q.query(
        `WITH batch AS (
           SELECT tenant_id, account_id FROM planner_account
            WHERE (tenant_id, account_id) > ($1, $2)
            ORDER BY tenant_id, account_id LIMIT ${BATCH_ROWS}),
         measured AS (
           SELECT b.tenant_id, b.account_id,
                  COALESCE(
                    (SELECT min(t.completed_at) FROM agent_task t
                      WHERE t.tenant_id = b.tenant_id AND t.account_id = b.account_id AND t.kind = 'negotiate'
                        AND t.state = 'completed' AND t.agent_id IS NOT NULL AND t.outcome IS NOT NULL),
                    (SELECT now() FROM planner_commitment c
                      WHERE c.tenant_id = b.tenant_id AND c.account_id = b.account_id
                        AND (c.commitment_id LIKE 'plan:%' OR c.commitment_id LIKE 'settlement:%') LIMIT 1)) AS at
             FROM batch b),
         updated AS (
           UPDATE planner_account pa SET forbearance_on_record_at = m.at FROM measured m
            WHERE pa.tenant_id = m.tenant_id AND pa.account_id = m.account_id
              AND m.at IS NOT NULL AND pa.forbearance_on_record_at IS NULL)
         SELECT tenant_id, account_id FROM batch ORDER BY tenant_id DESC, account_id DESC LIMIT 1`,
        [after.tenant_id, after.account_id],
      )) as { tenant_id: string; account_id: string }[];
      after = last;
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE planner_account DROP COLUMN IF EXISTS forbearance_on_record_at`);
  }
}
