import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Logger } from '@collections/platform';
import { ReplicaLock, openServiceDatabase } from '../src';

const SERVER = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A gate: `open()` lets whoever awaits `passed` go on. */
function gate(): { passed: Promise<void>; open: () => void } {
  let open!: () => void;
  const passed = new Promise<void>((resolve) => (open = resolve));
  return { passed, open };
}

/**
 * Each lock has its own connection, as each replica has: two locks of one key exclude each
 * other across sessions of a real PostgreSQL, as two processes' would.
 */
describe('ReplicaLock (real PostgreSQL)', () => {
  const schema = `replock_${randomBytes(4).toString('hex')}`;
  const warnings: string[] = [];
  const logger = { warn: (_: unknown, message: string) => warnings.push(message) } as unknown as Logger;
  let ds: DataSource;
  const locks: ReplicaLock[] = [];
  const lock = (key: string) => {
    const made = new ReplicaLock(ds, `${schema}/${key}`, logger);
    locks.push(made);
    return made;
  };

  beforeAll(async () => {
    ds = await openServiceDatabase({ url: SERVER, schema, poolSize: 1, migrations: [] });
  });

  afterAll(async () => {
    await Promise.all(locks.map((l) => l.close()));
    await ds?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await ds?.destroy();
  });

  it('runs the work of one replica at a time; the other does not run it meanwhile, and runs it after', async () => {
    const [a, b] = [lock('dispatch run'), lock('dispatch run')];
    const inA = gate();
    const endA = gate();
    const runs: string[] = [];
    const first = a.whileHeld(async () => {
      inA.open();
      await endA.passed;
      runs.push('a');
      return 'a ran';
    });
    await inA.passed;
    expect(await b.whileHeld(async () => runs.push('b during a'))).toEqual({ held: false });
    endA.open();
    expect(await first).toEqual({ held: true, result: 'a ran' });
    expect(await b.whileHeld(async () => runs.push('b after a'))).toEqual({ held: true, result: 2 });
    expect(runs).toEqual(['a', 'b after a']);
  });

  it('lets go of the lock when the work fails, and other jobs are never held back by it', async () => {
    const [a, b, other] = [lock('letter export run'), lock('letter export run'), lock('daily run')];
    const inA = gate();
    const failA = gate();
    const failing = a.whileHeld(async () => {
      inA.open();
      await failA.passed;
      throw new Error('the vendor directory is not mounted');
    });
    await inA.passed;
    expect(await other.whileHeld(async () => 'another job ran')).toEqual({ held: true, result: 'another job ran' });
    failA.open();
    await expect(failing).rejects.toThrow('the vendor directory is not mounted');
    expect(await b.whileHeld(async () => 'b ran')).toEqual({ held: true, result: 'b ran' });
  });

  it('opens its connection again after losing it, and says so', async () => {
    const a = lock('reconnecting run');
    expect(await a.whileHeld(async () => 1)).toEqual({ held: true, result: 1 });
    const [{ n }] = (await ds.query(
      `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = $1`,
      [`job lock: ${schema}/reconnecting run`.slice(0, 63)],
    )) as { n: number }[];
    expect(n).toBe(1);
    // The terminated session's error reaches the client; the next run finds a new connection.
    let result: { held: boolean } | undefined;
    for (let i = 0; i < 50 && !result; i++) {
      result = await a.whileHeld(async () => 2).catch(() => undefined);
    }
    expect(result).toEqual({ held: true, result: 2 });
    expect(warnings.some((w) => w.includes('job lock'))).toBe(true);
  });
});
