import { DataSource, EntityManager } from 'typeorm';

/** What reads the names: a data source, or the caller's transaction (an embedded database has one session). */
type Queryable = Pick<EntityManager, 'query'>;

/**
 * The time zone names a PostgreSQL knows (`pg_timezone_names`, zones and links, no abbreviations),
 * read once per database and process. Node's ICU and PostgreSQL each carry their own tzdata, whose
 * versions can differ: a zone only Node knows would be stored, then make every query that reads it
 * (`AT TIME ZONE`) fail with `time zone "…" not recognized`. PostgreSQL matches names whatever their
 * case, and so does this.
 */
export class DatabaseTimeZones {
  private static readonly ofDatabase = new WeakMap<DataSource, DatabaseTimeZones>();
  private names?: Promise<Set<string>>;

  /** `load`: the names, read through the caller's `db` when it gives one. */
  constructor(private readonly load: (db?: Queryable) => Promise<readonly string[]>) {}

  /** The zones of this database, one list for all its callers. */
  static of(dataSource: DataSource): DatabaseTimeZones {
    let zones = DatabaseTimeZones.ofDatabase.get(dataSource);
    if (!zones) {
      zones = new DatabaseTimeZones(async (db = dataSource) =>
        ((await db.query(`SELECT name FROM pg_timezone_names`)) as { name: string }[]).map((r) => r.name),
      );
      DatabaseTimeZones.ofDatabase.set(dataSource, zones);
    }
    return zones;
  }

  /**
   * Whether PostgreSQL can compute in `zone`; the names are read through `db` the first time (pass
   * the transaction the caller holds). A failed read is not cached: the next call asks again.
   */
  async knows(zone: string, db?: Queryable): Promise<boolean> {
    this.names ??= this.load(db).then(
      (names) => new Set(names.map((n) => n.toLowerCase())),
      (err: unknown) => {
        this.names = undefined;
        throw err;
      },
    );
    return (await this.names).has(zone.toLowerCase());
  }
}
