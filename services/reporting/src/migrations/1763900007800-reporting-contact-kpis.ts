import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The contact KPIs' read model, still built only from events: the rules that refused a contact
 * (from `ContactDecision.reasons`), every contact sent (`ContactSent`, keyed by its schedule) and
 * every call outcome (`CallOutcomeRecorded`, keyed by its outcome id).
 */
export class ReportingContactKpis1763900007800 implements MigrationInterface {
  name = 'ReportingContactKpis1763900007800';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE contact_fact ADD COLUMN denial_rules text[] NOT NULL DEFAULT '{}'`);
    await q.query(`CREATE TABLE contact_sent_fact (
      tenant_id text NOT NULL,
      schedule_id text NOT NULL,
      account_id text NOT NULL,
      channel text NOT NULL,
      sent_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, schedule_id)
    )`);
    await q.query(`CREATE TABLE call_outcome_fact (
      tenant_id text NOT NULL,
      outcome_id text NOT NULL,
      account_id text NOT NULL,
      outcome text NOT NULL,
      recorded_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, outcome_id)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE call_outcome_fact');
    await q.query('DROP TABLE contact_sent_fact');
    await q.query('ALTER TABLE contact_fact DROP COLUMN denial_rules');
  }
}
