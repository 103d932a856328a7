import { promises } from '@collections/contracts';
import { localDate } from '@collections/platform';
import { ServiceContext } from '@collections/runtime';
import { ACCOUNT_TIME_ZONE } from '../account-time-zone';
import { validatePlan } from '../domain/plan';
import { PlansRepository } from '../plans.repository';
import { PlanQueries } from './plan-queries';

/**
 * Agrees a payment plan: validated whole before anything is written, then the plan and its
 * schedule in one transaction. A retry with the same idempotency key answers the first plan.
 */
export class CreatePlanUseCase {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly repo: PlansRepository,
    private readonly queries: PlanQueries,
  ) {}

  async execute(tenantId: string, request: promises.CreatePlanRequest): Promise<promises.PlanView> {
    const now = this.ctx.clock.now();
    const plan = validatePlan(request, localDate(now, ACCOUNT_TIME_ZONE));
    const row = await this.ctx.dataSource.transaction((tx) =>
      this.repo.create(tx, tenantId, plan, promises.PlanState.PLAN_STATE_ACTIVE, now),
    );
    return (await this.queries.views(tenantId, [row]))[0];
  }
}
