import { promises } from '@collections/contracts';
import { AppError, Principal, ROLES, money, requireRole } from '@collections/platform';
import { ServiceContext } from '@collections/runtime';
import { EntityManager } from 'typeorm';
import { Ending, endedBy, validateEnding } from '../../promises/domain/ending';
import { PlanRow, PlansRepository } from '../plans.repository';
import { PlanQueries } from './plan-queries';

/**
 * Who may cancel a plan: whoever works the account (an agent, as any agent may agree a plan), a
 * supervisor or the administrator; an API key (a system acting for the tenant) too.
 */
export const CANCEL_PLAN_ROLES = [ROLES.agent, ROLES.supervisor, ROLES.admin];

/** Who cancelled a plan whose account the ledger settled or closed (PlanCancelled.cancelled_by). */
export const LEDGER_CANCELLER = 'ledger';

const STATE_WORD: Partial<Record<promises.PlanState, string>> = {
  [promises.PlanState.PLAN_STATE_COMPLETED]: 'completed',
  [promises.PlanState.PLAN_STATE_DEFAULTED]: 'defaulted',
  [promises.PlanState.PLAN_STATE_CANCELLED]: 'already cancelled',
};

/**
 * Cancels an active plan: its state, who cancelled it, when and why, and its PlanCancelled event,
 * in one transaction under the plan's lock. From then on it takes no payments and the daily run
 * passes it by; what it was paid stays recorded. A retry with the cancel's idempotency key answers
 * the cancelled plan again and writes nothing; any other cancel of a plan that is not active is
 * FAILED_PRECONDITION. The reason is a free text: stored with the plan, never announced (PlanCancelled
 * carries an empty reason) nor logged.
 */
export class CancelPlanUseCase {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly repo: PlansRepository,
    private readonly queries: PlanQueries,
  ) {}

  async execute(principal: Principal, request: promises.CancelPlanRequest): Promise<promises.CancelPlanResponse> {
    requireRole(principal, CANCEL_PLAN_ROLES, 'cancelling a payment plan');
    const tenantId = principal.tenantId;
    const input = validateEnding(
      { id: request.planId, reason: request.reason, idempotencyKey: request.idempotencyKey },
      endedBy(principal, request.agentId),
      { idField: 'plan_id', why: 'why the plan is cancelled', who: 'who cancels the plan' },
    );
    const row = await this.ctx.dataSource.transaction(async (tx) => {
      const plan = await this.repo.find(tx, tenantId, input.id, true);
      if (!plan) throw AppError.notFound(`plan ${input.id} does not exist`);
      if (
        plan.state === promises.PlanState.PLAN_STATE_CANCELLED &&
        plan.cancel_idempotency_key === input.idempotencyKey
      )
        return plan;
      if (plan.state !== promises.PlanState.PLAN_STATE_ACTIVE) {
        throw AppError.failedPrecondition(
          `plan ${plan.id} is ${STATE_WORD[plan.state as promises.PlanState] ?? 'not active'}: only an active plan can be cancelled`,
          { planId: plan.id },
        );
      }
      return (await this.cancelActive(tx, plan, input))!;
    });
    return { plan: (await this.queries.views(tenantId, [row]))[0] };
  }

  /**
   * Cancels every active plan of an account the ledger settled or closed, as `ledger`, each under
   * the key `ledger:<event id>:<plan id>`, in the consumer's transaction: the debt is over, so no
   * instalment may be missed and no plan default. Completed, defaulted and cancelled plans stay as
   * they are. How many plans it cancelled (none on a redelivery: they are no longer active).
   */
  async accountEnded(
    tx: EntityManager,
    tenantId: string,
    accountId: string,
    ending: { eventId: string; reason: string },
  ): Promise<number> {
    const active = await this.repo.lockInStateOfAccount(tx, tenantId, accountId, promises.PlanState.PLAN_STATE_ACTIVE);
    let cancelled = 0;
    for (const plan of active) {
      const input = {
        id: plan.id,
        reason: ending.reason,
        by: LEDGER_CANCELLER,
        idempotencyKey: `ledger:${ending.eventId}:${plan.id}`,
      };
      if (await this.cancelActive(tx, plan, input)) cancelled++;
    }
    return cancelled;
  }

  /**
   * Cancels the plan, locked by the caller, if it is still active, and puts its PlanCancelled in the
   * outbox in the same transaction; undefined when it was no longer active.
   */
  private async cancelActive(tx: EntityManager, plan: PlanRow, input: Ending): Promise<PlanRow | undefined> {
    const tenantId = plan.tenant_id;
    const now = this.ctx.clock.now();
    const cancelled = await this.repo.cancel(tx, tenantId, plan.id, promises.PlanState.PLAN_STATE_ACTIVE, {
      state: promises.PlanState.PLAN_STATE_CANCELLED,
      cancelledAt: now,
      cancelledBy: input.by,
      reason: input.reason,
      idempotencyKey: input.idempotencyKey,
    });
    if (!cancelled) return undefined;
    await this.ctx.backbone.outbox.add(tx, {
      type: 'collections.promises.v1.PlanCancelled',
      key: plan.account_id,
      tenantId,
      time: now,
      payload: {
        planId: plan.id,
        accountId: plan.account_id,
        // The canceller's free text stays with the plan (PlanView.cancel_reason), where an erasure
        // reaches it; once on Kafka nothing could.
        reason: '',
        cancelledAt: now,
        cancelledBy: input.by,
        paid: money(await this.paid(tx, plan), plan.currency.trim()),
      },
    });
    this.ctx.logger.info({ tenantId, planId: plan.id }, 'payment plan cancelled');
    return cancelled;
  }

  /** What the plan's instalments were paid (as PlanView.paid shows it). */
  private async paid(tx: EntityManager, plan: PlanRow): Promise<number> {
    const instalments = (await this.repo.instalments(tx, plan.tenant_id, [plan.id])).get(plan.id) ?? [];
    return instalments.reduce((sum, i) => sum + Number(i.paid_minor), 0);
  }
}
