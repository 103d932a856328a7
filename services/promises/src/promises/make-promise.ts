import { EntityManager } from 'typeorm';
import { ServiceContext } from '@collections/runtime';
import { AccountProfilesRepository } from '../accounts/account-profiles.repository';
import { NewPromise } from './domain/promise';
import { PromiseRow, PromisesRepository, mapPromise } from './promises.repository';

const profiles = new AccountProfilesRepository();

/**
 * Records a promise to pay, once per idempotency key, and the first time its PromiseMade in the
 * same transaction: the orchestrator pauses the account's collection cadence until the promise is
 * kept or broken. A retry answers the promise already made and publishes nothing; a new promise on
 * an account the ledger settled or closed is refused (FAILED_PRECONDITION) and rolls back.
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
    await profiles.refuseIfEnded(tx, tenantId, promise.accountId);
    const { promiseId, accountId, amount, dueDate } = mapPromise(row);
    await ctx.backbone.outbox.add(tx, {
      type: 'collections.promises.v1.PromiseMade',
      key: accountId,
      tenantId,
      time: now,
      payload: { promiseId, accountId, amount, dueDate, madeAt: now },
    });
  }
  return row;
}
