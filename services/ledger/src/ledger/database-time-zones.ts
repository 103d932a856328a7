import { DataSource } from 'typeorm';

/**
 * The time zone names this PostgreSQL knows (`pg_timezone_names`, zones and links, no
 * abbreviations), read once per process. Node's ICU and PostgreSQL each carry their own tzdata,
 * whose versions can differ: a zone only Node knows would be stored, then make every query that
 * reads it (`AT TIME ZONE`) here and in the consumers fail with `time zone "…" not recognized`.
 * PostgreSQL matches names whatever their case, and so does this.
 */
export class DatabaseTimeZones {
  private static readonly ofDatabase = new WeakMap<DataSource, DatabaseTimeZones>();
  private names?: Promise<Set<string>>;

  constructor(private readonly load: () => Promise<readonly string[]>) {}

  /** The zones of this database, one list for all its callers (the API's and the imports'). */
  static of(dataSource: DataSource): DatabaseTimeZones {
    let zones = DatabaseTimeZones.ofDatabase.get(dataSource);
    if (!zones) {
      zones = new DatabaseTimeZones(async () =>
        ((await dataSource.query(`SELECT name FROM pg_timezone_names`)) as { name: string }[]).map((r) => r.name),
      );
      DatabaseTimeZones.ofDatabase.set(dataSource, zones);
    }
    return zones;
  }

  /** Whether PostgreSQL can compute in `zone` (a failed read is not cached: the next call asks again). */
  async knows(zone: string): Promise<boolean> {
    this.names ??= this.load().then(
      (names) => new Set(names.map((n) => n.toLowerCase())),
      (err: unknown) => {
        this.names = undefined;
        throw err;
      },
    );
    return (await this.names).has(zone.toLowerCase());
  }
}
