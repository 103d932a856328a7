import { canonicalTimeZone, Logger } from '@collections/platform';
import { DatabaseTimeZones } from '@collections/runtime';
import { EntityManager } from 'typeorm';

/**
 * The zones the read model computes local days in with PostgreSQL (`AT TIME ZONE`): a zone from an
 * event is used only when this runtime (`canonicalTimeZone`) and PostgreSQL (`DatabaseTimeZones`:
 * `pg_timezone_names`, read once per process) both know it. Their tzdata can differ by version; a
 * zone PostgreSQL does not know would fail the batch's statement on every delivery, and the consumer would retry and
 * dead-letter each event of that account. Such an account's days are counted in UTC instead (as an
 * account whose opening names no zone), with one warning per zone and process: the zone, never
 * an account or a debtor.
 */
class UsableTimeZones {
  private readonly warned = new Set<string>();
  logger?: Pick<Logger, 'warn'>;

  /** The canonical zone when PostgreSQL can compute in it, else null (read as UTC). */
  async usable(tx: EntityManager, zone: string): Promise<string | null> {
    const canonical = zone ? canonicalTimeZone(zone) : undefined;
    if (!canonical) return null;
    if (await DatabaseTimeZones.of(tx.connection).knows(canonical, tx)) return canonical;
    if (!this.warned.has(canonical)) {
      this.warned.add(canonical);
      this.logger?.warn(
        { timeZone: canonical },
        "time zone unknown to PostgreSQL's tzdata: its accounts' payment days are counted in UTC",
      );
    }
    return null;
  }
}

/** One per process: PostgreSQL's zones do not change while it runs. */
export const databaseTimeZones = new UsableTimeZones();
