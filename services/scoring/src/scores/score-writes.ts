import { EntityManager, QueryRunner } from 'typeorm';

const WRITTEN = 'scoring.scoresWritten';

/**
 * Records, on the transaction, that a score of this account was written: the ScoreCache of this
 * process drops it as soon as the transaction commits (before the notification comes back), so a
 * read after the commit sees the new score here too. Outside a transaction runner, the
 * notification alone does it.
 */
export function noteScoreWritten(tx: EntityManager, tenantId: string, accountId: string): void {
  const data = tx.queryRunner?.data as Record<string, unknown> | undefined;
  if (!data) return;
  const written = (data[WRITTEN] ??= []) as [string, string][];
  written.push([tenantId, accountId]);
}

/** The (tenant, account) pairs whose score this transaction wrote. */
export function scoresWrittenBy(queryRunner: QueryRunner): readonly [string, string][] {
  const written = (queryRunner.data as Record<string, unknown> | undefined)?.[WRITTEN];
  return Array.isArray(written) ? (written as [string, string][]) : [];
}
