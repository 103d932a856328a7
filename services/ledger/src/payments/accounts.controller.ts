import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { AppError, currentTenantId, money } from '@collections/platform';
import { SERVICE_CONTEXT, ServiceContext } from '@collections/runtime';
import { validatePayment } from './domain/payment';
import { mapPaymentResponse } from './ledger.grpc';
import { LedgerRepository } from './ledger.repository';
import { PostPaymentUseCase } from './usecases/post-payment/post-payment.usecase';

interface OpenAccountBody {
  id?: string;
  currency?: string;
  openingBalanceMinor?: number;
}

/** REST adapter over the same use cases as gRPC. */
@Controller('v1/ledger/accounts')
export class AccountsController {
  private readonly postPaymentUseCase: PostPaymentUseCase;

  constructor(
    @Inject(SERVICE_CONTEXT) private readonly ctx: ServiceContext,
    private readonly repo: LedgerRepository,
  ) {
    this.postPaymentUseCase = new PostPaymentUseCase(ctx, repo);
  }

  @Post()
  @HttpCode(201)
  async open(@Body() body: OpenAccountBody) {
    const tenantId = currentTenantId();
    if (!body.id || typeof body.id !== 'string') throw AppError.invalid('id is required');
    if (!body.currency) throw AppError.invalid('currency is required');
    const opening = money(body.openingBalanceMinor ?? 0, body.currency);
    const created = await this.ctx.dataSource.transaction((tx) =>
      this.repo.openAccount(tx, tenantId, body.id!, opening),
    );
    if (!created) throw AppError.conflict(`account ${body.id} already exists`);
    return { accountId: body.id, balance: opening };
  }

  @Get(':id/balance')
  async balance(@Param('id') id: string) {
    const account = await this.repo.findAccount(this.ctx.dataSource.manager, currentTenantId(), id);
    if (!account) throw AppError.notFound(`account ${id} does not exist`);
    return { accountId: account.id, balance: money(Number(account.balance_minor), account.currency.trim()) };
  }

  @Post(':id/payments')
  async pay(
    @Param('id') id: string,
    @Body() body: { amount?: { amountMinor: number; currency: string }; idempotencyKey?: string; reference?: string },
  ) {
    const result = await this.postPaymentUseCase.execute(
      currentTenantId(),
      validatePayment({ ...body, accountId: id }),
    );
    return mapPaymentResponse(result.payment, result.replayed);
  }
}
