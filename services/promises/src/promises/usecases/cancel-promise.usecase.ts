import { promises } from '@collections/contracts';
import { AppError, Principal, ROLES, requireRole } from '@collections/platform';
import { ServiceContext } from '@collections/runtime';
import { endedBy, validateEnding } from '../domain/ending';
import { PromisesRepository, mapPromise, singlePromiseCancelled } from '../promises.repository';

/**
 * Who may cancel a single promise: whoever works the account (an agent, as any agent may take a
 * promise), a supervisor or the administrator; an API key (a system acting for the tenant) too.
 */
export const CANCEL_PROMISE_ROLES = [ROLES.agent, ROLES.supervisor, ROLES.admin];

const STATE_WORD: Partial<Record<promises.PromiseState, string>> = {
  [promises.PromiseState.PROMISE_STATE_KEPT]: 'kept',
  [promises.PromiseState.PROMISE_STATE_BROKEN]: 'broken',
  [promises.PromiseState.PROMISE_STATE_CANCELLED]: 'already cancelled',
};

/**
 * Cancels an open single promise a person ends (taken by mistake, or retracted by the debtor): its
 * state, who, when and why, and its PromiseCancelled event, in one transaction under the promise's
 * lock. A payment counting towards it at the same time either committed first (what it counted
 * stays, and a promise it kept is no longer open) or waits and then finds it cancelled (it goes to
 * the account's other commitments). From then on the daily run does not break it and no payment
 * counts towards it. A retry with the cancel's idempotency key answers the cancelled promise again
 * and writes nothing; any other cancel of a promise that is not open is FAILED_PRECONDITION. The
 * reason is a free text: stored, never logged, never announced.
 */
export class CancelPromiseUseCase {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly repo: PromisesRepository,
  ) {}

  async execute(principal: Principal, request: promises.CancelPromiseRequest): Promise<promises.CancelPromiseResponse> {
    requireRole(principal, CANCEL_PROMISE_ROLES, 'cancelling a promise');
    const tenantId = principal.tenantId;
    const input = validateEnding(
      { id: request.promiseId, reason: request.reason, idempotencyKey: request.idempotencyKey },
      endedBy(principal, request.agentId),
      { idField: 'promise_id', why: 'why the promise ends', who: 'who ends the promise' },
    );
    const row = await this.ctx.dataSource.transaction(async (tx) => {
      const promise = await this.repo.lock(tx, tenantId, input.id);
      if (!promise) throw AppError.notFound(`promise ${input.id} does not exist`);
      if (
        promise.state === promises.PromiseState.PROMISE_STATE_CANCELLED &&
        promise.cancel_idempotency_key === input.idempotencyKey
      )
        return promise;
      if (promise.state !== promises.PromiseState.PROMISE_STATE_OPEN) {
        throw AppError.failedPrecondition(
          `promise ${promise.id} is ${STATE_WORD[promise.state as promises.PromiseState] ?? 'not open'}: only an open promise can be cancelled`,
          { promiseId: promise.id },
        );
      }
      const cancelled = (await this.repo.cancel(tx, tenantId, promise.id, {
        cancelledAt: this.ctx.clock.now(),
        cancelledBy: input.by,
        reason: input.reason,
        idempotencyKey: input.idempotencyKey,
      }))!;
      await this.ctx.backbone.outbox.add(tx, singlePromiseCancelled(tenantId, cancelled));
      this.ctx.logger.info({ tenantId, promiseId: promise.id }, 'promise cancelled');
      return cancelled;
    });
    return { promise: mapPromise(row) };
  }
}
