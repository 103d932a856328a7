import { Controller, Inject } from '@nestjs/common';
import { ledgerLifecycle } from '@collections/contracts';
import { DAILY_RUN_ROLES, currentPrincipal, currentTenantId, requireRole } from '@collections/platform';
import { AccountLifecycleUseCase } from './usecases/account-lifecycle.usecase';
import { AgingBucketsUseCase } from './usecases/aging-buckets.usecase';
import { DAILY_DELINQUENCY, DailyDelinquencyUseCase } from './usecases/daily-delinquency.usecase';
import { InstalmentsUseCase } from './usecases/instalments.usecase';

export const LEDGER_LIFECYCLE = Symbol('LEDGER_LIFECYCLE');
export const LEDGER_INSTALMENTS = Symbol('LEDGER_INSTALMENTS');
export const LEDGER_AGING_BUCKETS = Symbol('LEDGER_AGING_BUCKETS');

/** gRPC adapter of LedgerLifecycleService: every call acts in the caller's tenant. */
@Controller()
@ledgerLifecycle.LedgerLifecycleServiceControllerMethods()
export class LedgerLifecycleGrpcController implements ledgerLifecycle.LedgerLifecycleServiceController {
  constructor(
    @Inject(LEDGER_LIFECYCLE) private readonly lifecycle: AccountLifecycleUseCase,
    @Inject(LEDGER_INSTALMENTS) private readonly instalments: InstalmentsUseCase,
    @Inject(LEDGER_AGING_BUCKETS) private readonly agingBuckets: AgingBucketsUseCase,
    @Inject(DAILY_DELINQUENCY) private readonly daily: DailyDelinquencyUseCase,
  ) {}

  setInstalmentSchedule(
    request: ledgerLifecycle.SetInstalmentScheduleRequest,
  ): Promise<ledgerLifecycle.SetInstalmentScheduleResponse> {
    return this.instalments.setSchedule(currentTenantId(), request);
  }

  getInstalmentSchedule(
    request: ledgerLifecycle.GetInstalmentScheduleRequest,
  ): Promise<ledgerLifecycle.GetInstalmentScheduleResponse> {
    return this.instalments.getSchedule(currentTenantId(), request.accountId);
  }

  chargeOffAccount(
    request: ledgerLifecycle.ChargeOffAccountRequest,
  ): Promise<ledgerLifecycle.ChargeOffAccountResponse> {
    return this.lifecycle.chargeOff(currentTenantId(), request);
  }

  settleAccount(request: ledgerLifecycle.SettleAccountRequest): Promise<ledgerLifecycle.SettleAccountResponse> {
    return this.lifecycle.settle(currentTenantId(), request);
  }

  closeAccount(request: ledgerLifecycle.CloseAccountRequest): Promise<ledgerLifecycle.CloseAccountResponse> {
    return this.lifecycle.close(currentTenantId(), request.accountId, request.reason);
  }

  getAccountStatus(
    request: ledgerLifecycle.GetAccountStatusRequest,
  ): Promise<ledgerLifecycle.GetAccountStatusResponse> {
    return this.lifecycle.status(currentTenantId(), request.accountId);
  }

  listAccountStatusChanges(
    request: ledgerLifecycle.ListAccountStatusChangesRequest,
  ): Promise<ledgerLifecycle.ListAccountStatusChangesResponse> {
    return this.lifecycle.statusChanges(currentTenantId(), request.accountId);
  }

  runDailyDelinquency(
    request: ledgerLifecycle.RunDailyDelinquencyRequest,
  ): Promise<ledgerLifecycle.RunDailyDelinquencyResponse> {
    // By hand, for a date of the caller's choosing (the clock's own run asks nobody).
    requireRole(currentPrincipal(), DAILY_RUN_ROLES, 'running the daily delinquency run by hand');
    return this.daily.run({ tenantId: currentTenantId(), asOfDate: request.asOfDate || undefined });
  }

  setAgingBuckets(request: ledgerLifecycle.SetAgingBucketsRequest): Promise<ledgerLifecycle.SetAgingBucketsResponse> {
    return this.agingBuckets.set(currentTenantId(), request);
  }

  getAgingBuckets(): Promise<ledgerLifecycle.GetAgingBucketsResponse> {
    return this.agingBuckets.get(currentTenantId());
  }
}
