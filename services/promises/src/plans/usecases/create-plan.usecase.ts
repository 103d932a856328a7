import { promises } from '@collections/contracts';
import { AppError, money } from '@collections/platform';
import { ServiceContext } from '@collections/runtime';
import { AccountProfilesRepository, safeLocalDate } from '../../accounts/account-profiles.repository';
import { assertPlanWithinRole } from '../../negotiation/domain/offer-calculator';
import { validatePlan } from '../domain/plan';
import { PlansRepository } from '../plans.repository';
import { PlanQueries } from './plan-queries';

/**
 * Agrees a payment plan: validated whole before anything is written, then the plan and its
 * schedule and its PlanAgreed event in one transaction. A retry with the same idempotency key answers the first plan.
 */
export class CreatePlanUseCase {
  private readonly profiles = new AccountProfilesRepository();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly repo: PlansRepository,
    private readonly queries: PlanQueries,
  ) {}

  async execute(tenantId: string, request: promises.CreatePlanRequest): Promise<promises.PlanView> {
    const now = this.ctx.clock.now();
    const account = await this.profiles.find(this.ctx.dataSource.manager, tenantId, request.accountId);
    const plan = validatePlan(request, safeLocalDate(now, account.timeZone));
    assertPlanWithinRole(plan.takenBy, plan.instalments);
    if (account.currency && account.currency !== plan.currency) {
      throw AppError.invalid(`account ${plan.accountId} is in ${account.currency}, the plan in ${plan.currency}`);
    }
    const row = await this.ctx.dataSource.transaction(async (tx) => {
      const { row, created } = await this.repo.create(tx, tenantId, plan, promises.PlanState.PLAN_STATE_ACTIVE, now);
      // The whole schedule goes out once, with the plan: reporting forecasts cash from it.
      if (created) {
        await this.ctx.backbone.outbox.add(tx, {
          type: 'collections.promises.v1.PlanAgreed',
          key: plan.accountId,
          tenantId,
          time: now,
          payload: {
            planId: row.id,
            accountId: plan.accountId,
            total: money(plan.totalMinor, plan.currency),
            frequency: plan.frequency,
            instalments: plan.schedule.map((i) => ({
              seq: i.seq,
              dueDate: i.dueDate,
              amount: money(i.amountMinor, plan.currency),
            })),
            agreedAt: now,
            channel: plan.channel,
            takenBy: plan.takenBy,
          },
        });
      }
      return row;
    });
    return (await this.queries.views(tenantId, [row]))[0];
  }
}
