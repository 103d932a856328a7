import { MigrationInterface, QueryRunner } from 'typeorm';

/** What the contact law needs to know about debtors, kept from the ledger's events. */
export class OrchestratorDebtorFacts1763900003100 implements MigrationInterface {
  name = 'OrchestratorDebtorFacts1763900003100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE debtor_profile (
      tenant_id text NOT NULL,
      debtor_id text NOT NULL,
      time_zone text NOT NULL,
      country text NOT NULL,
      region text NOT NULL DEFAULT '',
      consented_channels text[] NOT NULL DEFAULT '{}',
      PRIMARY KEY (tenant_id, debtor_id)
    )`);
    await q.query(`CREATE TABLE debtor_hold_state (
      tenant_id text NOT NULL,
      hold_id text NOT NULL,
      debtor_id text NOT NULL,
      kind integer NOT NULL,
      active boolean NOT NULL,
      PRIMARY KEY (tenant_id, hold_id)
    )`);
    await q.query(`CREATE TABLE account_party (
      tenant_id text NOT NULL,
      account_id text NOT NULL,
      debtor_id text NOT NULL,
      role integer NOT NULL,
      PRIMARY KEY (tenant_id, account_id, debtor_id)
    )`);
    await q.query(`ALTER TABLE contact_decision ADD COLUMN next_permitted_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE contact_decision DROP COLUMN next_permitted_at`);
    await q.query('DROP TABLE account_party');
    await q.query('DROP TABLE debtor_hold_state');
    await q.query('DROP TABLE debtor_profile');
  }
}
