import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `ledger_time_zone_or_utc(zone)`: the zone when this PostgreSQL can compute in it, else 'UTC'.
 * Zones are checked against PostgreSQL's tzdata when stored (e89f6ca), but a zone stored before, or
 * after which PostgreSQL's tzdata went back a version, makes `AT TIME ZONE` fail the whole statement
 * (`time zone "…" not recognized`), and with it every account of a daily delinquency batch or of a
 * balance read. The ledger's local-day SQL reads the zone through this function: such an account's
 * day is taken in UTC (at worst a day off near midnight), the others' are not touched. The check
 * (a subtransaction per call, about half a microsecond per row measured on 2,000) catches only that
 * error; STABLE, as the tzdata a session reads does not change under it.
 */
export class LedgerTimeZoneOrUtc1763900017810 implements MigrationInterface {
  name = 'LedgerTimeZoneOrUtc1763900017810';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE OR REPLACE FUNCTION ledger_time_zone_or_utc(zone text) RETURNS text
      LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
      BEGIN
        PERFORM now() AT TIME ZONE zone;
        RETURN zone;
      EXCEPTION WHEN invalid_parameter_value THEN
        RETURN 'UTC';
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION ledger_time_zone_or_utc(text)`);
  }
}
