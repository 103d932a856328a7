import { AppError, money } from '@collections/platform';
import { ServiceContext } from '@collections/runtime';
import { PaymentInput, balanceAfterPayment } from '../../domain/payment';
import { LedgerRepository, PaymentRow } from '../../ledger.repository';

export interface PostPaymentResult {
  payment: PaymentRow;
  replayed: boolean;
}

/**
 * Applies a payment once per idempotency key: the account row is locked, so concurrent
 * payments to one account serialise, and a retry finds the stored payment and returns it.
 * The payment, the new balance and the PaymentPosted event commit together (outbox).
 */
export class PostPaymentUseCase {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly repo: LedgerRepository,
  ) {}

  async execute(tenantId: string, input: PaymentInput): Promise<PostPaymentResult> {
    return this.ctx.dataSource.transaction(async (tx) => {
      const account = await this.repo.findAccount(tx, tenantId, input.accountId, true);
      if (!account) throw AppError.notFound(`account ${input.accountId} does not exist`);
      const earlier = await this.repo.findPaymentByKey(tx, tenantId, input.idempotencyKey);
      if (earlier) {
        if (earlier.account_id !== input.accountId || Number(earlier.amount_minor) !== input.amount.amountMinor) {
          throw AppError.conflict('idempotency_key was already used for a different payment', {
            idempotencyKey: input.idempotencyKey,
          });
        }
        return { payment: earlier, replayed: true };
      }
      const balanceAfter = balanceAfterPayment(money(Number(account.balance_minor), account.currency), input.amount);
      const postedAt = this.ctx.clock.now();
      const payment = await this.repo.insertPayment(tx, tenantId, { ...input, balanceAfter, postedAt });
      await this.ctx.backbone.outbox.add(tx, {
        type: 'collections.ledger.v1.PaymentPosted',
        key: input.accountId,
        tenantId,
        time: postedAt,
        payload: {
          paymentId: payment.id,
          accountId: input.accountId,
          amount: input.amount,
          balanceAfter,
          postedAt,
          reference: input.reference,
        },
      });
      return { payment, replayed: false };
    });
  }
}
