import { EntityManager } from 'typeorm';
import { money } from '@collections/platform';
import { ServiceContext } from '@collections/runtime';
import { NewPromise } from './domain/promise';
import { PromiseRow, PromisesRepository } from './promises.repository';

/**
 * Records a promise to pay, once per idempotency key, and the first time its PromiseMade in the
 * same transaction: the orchestrator pauses the account's collection cadence until the promise is
 * kept or broken. A retry answers the promise already made and publishes nothing.
 */
export async function makePromise(
  ctx: ServiceContext,
  repo: PromisesRepository,
  tx: EntityManager,
  tenantId: string,
  promise: NewPromise,
): Promise<PromiseRow> {
  const now = ctx.clock.now();
  const { row, created } = await repo.create(tx, tenantId, promise, now);
  if (created) {
    await ctx.backbone.outbox.add(tx, {
      type: 'collections.promises.v1.PromiseMade',
      key: promise.accountId,
      tenantId,
      time: now,
      payload: {
        promiseId: row.id,
        accountId: row.account_id,
        amount: money(Number(row.amount_minor), row.currency.trim()),
        dueDate: row.due_date,
        madeAt: now,
      },
    });
  }
  return row;
}
