import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every change to a stored score is announced on the `scoring_account_score` channel when its
 * transaction commits, whoever made it (a consumer of any instance, a segment-rules change, an
 * operator's SQL): each instance's in-memory cache of scores listens and drops what changed.
 * Payload: a JSON array [schema, tenant, account]; [schema] alone (TRUNCATE) means everything.
 */
export class ScoringScoreNotify1763900010400 implements MigrationInterface {
  name = 'ScoringScoreNotify1763900010400';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE FUNCTION account_score_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'TRUNCATE' THEN
          PERFORM pg_notify('scoring_account_score', json_build_array(TG_TABLE_SCHEMA)::text);
        ELSIF TG_OP = 'DELETE' THEN
          PERFORM pg_notify('scoring_account_score', json_build_array(TG_TABLE_SCHEMA, OLD.tenant_id, OLD.account_id)::text);
        ELSE
          PERFORM pg_notify('scoring_account_score', json_build_array(TG_TABLE_SCHEMA, NEW.tenant_id, NEW.account_id)::text);
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER account_score_changed AFTER INSERT OR UPDATE OR DELETE ON account_score
      FOR EACH ROW EXECUTE FUNCTION account_score_changed()`);
    await q.query(`CREATE TRIGGER account_score_truncated AFTER TRUNCATE ON account_score
      FOR EACH STATEMENT EXECUTE FUNCTION account_score_changed()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TRIGGER account_score_truncated ON account_score');
    await q.query('DROP TRIGGER account_score_changed ON account_score');
    await q.query('DROP FUNCTION account_score_changed()');
  }
}
