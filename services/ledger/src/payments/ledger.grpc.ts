import { Inject } from '@nestjs/common';
import { Controller } from '@nestjs/common';
import { ledger } from '@collections/contracts';
import { AppError, currentTenantId, money } from '@collections/platform';
import { SERVICE_CONTEXT, ServiceContext } from '@collections/runtime';
import { validatePayment } from './domain/payment';
import { LedgerRepository, PaymentRow } from './ledger.repository';
import { PostPaymentUseCase } from './usecases/post-payment/post-payment.usecase';

export function mapPaymentResponse(p: PaymentRow, replayed: boolean): ledger.PostPaymentResponse {
  return {
    paymentId: p.id,
    accountId: p.account_id,
    balance: money(Number(p.balance_after_minor), p.currency.trim()),
    replayed,
  };
}

@Controller()
@ledger.LedgerServiceControllerMethods()
export class LedgerGrpcController implements ledger.LedgerServiceController {
  private readonly postPaymentUseCase: PostPaymentUseCase;

  constructor(
    @Inject(SERVICE_CONTEXT) private readonly ctx: ServiceContext,
    private readonly repo: LedgerRepository,
  ) {
    this.postPaymentUseCase = new PostPaymentUseCase(ctx, repo);
  }

  async postPayment(request: ledger.PostPaymentRequest): Promise<ledger.PostPaymentResponse> {
    const tenantId = currentTenantId();
    const result = await this.postPaymentUseCase.execute(tenantId, validatePayment(request));
    return mapPaymentResponse(result.payment, result.replayed);
  }

  async getBalance(request: ledger.GetBalanceRequest): Promise<ledger.GetBalanceResponse> {
    const tenantId = currentTenantId();
    const account = await this.repo.findAccount(this.ctx.dataSource.manager, tenantId, request.accountId);
    if (!account) throw AppError.notFound(`account ${request.accountId} does not exist`);
    return { accountId: account.id, balance: money(Number(account.balance_minor), account.currency.trim()) };
  }
}
