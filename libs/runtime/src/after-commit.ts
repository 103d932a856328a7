import { DataSource, EntityManager, QueryRunner } from 'typeorm';

/** Callbacks waiting for their transaction's commit, by the transaction's query runner. */
const pending = new WeakMap<QueryRunner, (() => void)[]>();
const watched = new WeakSet<DataSource>();

/**
 * Runs `fn` once the transaction of `tx` commits, never if it rolls back (a retried transaction
 * runs it once, for the try that committed); at once outside a transaction. For what must not
 * happen for work that was undone, such as counting it in a metric.
 */
export function afterCommit(tx: EntityManager, fn: () => void): void {
  const runner = tx.queryRunner;
  if (!runner?.isTransactionActive) return fn();
  const dataSource = tx.connection;
  if (!watched.has(dataSource)) {
    watched.add(dataSource);
    dataSource.subscribers.push({
      afterTransactionCommit: ({ queryRunner }) => {
        const fns = pending.get(queryRunner);
        if (!fns || queryRunner.isTransactionActive) return; // a savepoint, or nothing waits
        pending.delete(queryRunner);
        for (const f of fns) f();
      },
      afterTransactionRollback: ({ queryRunner }) => {
        if (!queryRunner.isTransactionActive) pending.delete(queryRunner);
      },
    });
  }
  const fns = pending.get(runner);
  if (fns) fns.push(fn);
  else pending.set(runner, [fn]);
}
