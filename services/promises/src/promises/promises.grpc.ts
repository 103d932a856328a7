import { Controller, Inject } from '@nestjs/common';
import { promises } from '@collections/contracts';
import { AppError, DAILY_RUN_ROLES, currentPrincipal, currentTenantId, requireRole } from '@collections/platform';
import { SERVICE_CONTEXT, ServiceContext } from '@collections/runtime';
import { AccountProfilesRepository } from '../accounts/account-profiles.repository';
import { KnownAccounts } from '../accounts/known-accounts';
import { CancelPlanUseCase } from '../plans/usecases/cancel-plan.usecase';
import { CreatePlanUseCase } from '../plans/usecases/create-plan.usecase';
import { DAILY_PLAN_RUN, DailyPlanRunUseCase } from '../plans/usecases/daily-plan-run.usecase';
import { PlanQueries } from '../plans/usecases/plan-queries';
import { DecideApprovalUseCase } from '../negotiation/usecases/decide-approval.usecase';
import { GetOffersUseCase } from '../negotiation/usecases/get-offers.usecase';
import { NegotiationPolicyUseCase } from '../negotiation/usecases/negotiation-policy.usecase';
import { CreateSettlementUseCase } from '../settlements/usecases/create-settlement.usecase';
import { WithdrawSettlementUseCase } from '../settlements/usecases/withdraw-settlement.usecase';
import { validatePromise } from './domain/promise';
import { makePromise } from './make-promise';
import { PromisesRepository, mapPromise } from './promises.repository';
import { CancelPromiseUseCase } from './usecases/cancel-promise.usecase';

@Controller()
@promises.PromisesServiceControllerMethods()
export class PromisesGrpcController implements promises.PromisesServiceController {
  private readonly profiles = new AccountProfilesRepository();

  constructor(
    @Inject(SERVICE_CONTEXT) private readonly ctx: ServiceContext,
    private readonly repo: PromisesRepository,
    @Inject(KnownAccounts) private readonly accounts: KnownAccounts,
    @Inject(CreatePlanUseCase) private readonly createPlanUseCase: CreatePlanUseCase,
    @Inject(PlanQueries) private readonly planQueries: PlanQueries,
    @Inject(DAILY_PLAN_RUN) private readonly dailyRun: DailyPlanRunUseCase,
    @Inject(CreateSettlementUseCase) private readonly settlements: CreateSettlementUseCase,
    @Inject(GetOffersUseCase) private readonly offers: GetOffersUseCase,
    @Inject(NegotiationPolicyUseCase) private readonly policies: NegotiationPolicyUseCase,
    @Inject(DecideApprovalUseCase) private readonly approvals: DecideApprovalUseCase,
    @Inject(CancelPlanUseCase) private readonly cancelPlanUseCase: CancelPlanUseCase,
    @Inject(CancelPromiseUseCase) private readonly cancelPromiseUseCase: CancelPromiseUseCase,
    @Inject(WithdrawSettlementUseCase) private readonly withdrawSettlementUseCase: WithdrawSettlementUseCase,
  ) {}

  getOffers(request: promises.GetOffersRequest): Promise<promises.GetOffersResponse> {
    return this.offers.execute(currentTenantId(), request);
  }

  async createPromise(request: promises.CreatePromiseRequest): Promise<promises.CreatePromiseResponse> {
    const tenantId = currentTenantId();
    const now = this.ctx.clock.now();
    const today = await this.profiles.localDate(this.ctx.dataSource.manager, tenantId, request.accountId, now);
    const input = validatePromise(request, today);
    await this.accounts.check(tenantId, input.accountId, input.amount.currency, 'promise');
    const row = await this.ctx.dataSource.transaction((tx) => makePromise(this.ctx, this.repo, tx, tenantId, input));
    return { promise: mapPromise(row) };
  }

  async getPromise(request: promises.GetPromiseRequest): Promise<promises.GetPromiseResponse> {
    const row = await this.repo.find(this.ctx.dataSource.manager, currentTenantId(), request.promiseId);
    if (!row) throw AppError.notFound(`promise ${request.promiseId} does not exist`);
    return { promise: mapPromise(row) };
  }

  cancelPromise(request: promises.CancelPromiseRequest): Promise<promises.CancelPromiseResponse> {
    return this.cancelPromiseUseCase.execute(currentPrincipal(), request);
  }

  async createPlan(request: promises.CreatePlanRequest): Promise<promises.CreatePlanResponse> {
    return this.createPlanUseCase.execute(currentTenantId(), request);
  }

  cancelPlan(request: promises.CancelPlanRequest): Promise<promises.CancelPlanResponse> {
    return this.cancelPlanUseCase.execute(currentPrincipal(), request);
  }

  async getPlan(request: promises.GetPlanRequest): Promise<promises.GetPlanResponse> {
    return { plan: await this.planQueries.get(currentTenantId(), request.planId) };
  }

  async listPlans(request: promises.ListPlansRequest): Promise<promises.ListPlansResponse> {
    return { plans: await this.planQueries.list(currentTenantId(), request.accountId) };
  }

  async runDaily(request: promises.RunDailyRequest): Promise<promises.RunDailyResponse> {
    // By hand, for a date of the caller's choosing (the clock's own run asks nobody).
    requireRole(currentPrincipal(), DAILY_RUN_ROLES, "running promises' daily run by hand");
    const summary = await this.dailyRun.run({ tenantId: currentTenantId(), asOfDate: request.asOfDate || undefined });
    return {
      plansEvaluated: summary.plansEvaluated,
      eventsEmitted: summary.eventsEmitted,
      settlementsLapsed: summary.settlementsLapsed,
      approvalsExpired: summary.approvalsExpired,
    };
  }

  async createSettlement(request: promises.CreateSettlementRequest): Promise<promises.CreateSettlementResponse> {
    return this.settlements.execute(currentTenantId(), request);
  }

  async getSettlement(request: promises.GetSettlementRequest): Promise<promises.GetSettlementResponse> {
    return { settlement: await this.settlements.get(currentTenantId(), request.settlementId) };
  }

  withdrawSettlement(request: promises.WithdrawSettlementRequest): Promise<promises.WithdrawSettlementResponse> {
    return this.withdrawSettlementUseCase.execute(currentPrincipal(), request);
  }

  async getNegotiationPolicy(
    request: promises.GetNegotiationPolicyRequest,
  ): Promise<promises.GetNegotiationPolicyResponse> {
    return { policy: await this.policies.get(currentTenantId(), request.version) };
  }

  async setNegotiationPolicy(
    request: promises.SetNegotiationPolicyRequest,
  ): Promise<promises.SetNegotiationPolicyResponse> {
    return { policy: await this.policies.set(currentTenantId(), request) };
  }

  async listApprovals(request: promises.ListApprovalsRequest): Promise<promises.ListApprovalsResponse> {
    return { approvals: await this.approvals.list(currentTenantId(), request) };
  }

  async getApproval(request: promises.GetApprovalRequest): Promise<promises.GetApprovalResponse> {
    return { approval: await this.approvals.get(currentTenantId(), request.approvalId) };
  }

  decideApproval(request: promises.DecideApprovalRequest): Promise<promises.DecideApprovalResponse> {
    return this.approvals.execute(currentPrincipal(), request);
  }
}
