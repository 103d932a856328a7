import { ConsumedEvent, HandlerContext } from '@collections/messaging';
import { isCalendarDate } from '@collections/platform';
import { ServiceContext } from '@collections/runtime';
import { addDays } from '../plans/domain/schedule';
import { TrackPaymentUseCase, paymentKey } from '../plans/usecases/track-payment.usecase';
import { SettlePaymentUseCase } from '../settlements/usecases/settle-payment.usecase';
import { allocatePayment } from './allocate-payment.consumer';
import { AppliedPaymentsRepository } from './applied-payments.repository';
import { PaymentBatchRepository } from './payment-batch.repository';
import { PromisesRepository } from './promises.repository';
import { DEFAULT_TIME_ZONE, safeLocalDate } from '../accounts/account-profiles.repository';

type PaymentPosted = ConsumedEvent<'collections.ledger.v1.PaymentPosted'>;

/**
 * Where the ledger's posted payments go: an open settlement takes a payment first, then the
 * account's oldest active plan, then its single promises; a payment already counted (a replay
 * under a new event id) changes nothing. Payments arrive in batches (one partition's run, in
 * order): the plan payments of a batch are applied set-based, the rest one by one after them,
 * which keeps each account's payments in order.
 */
export class PaymentsPostedConsumer {
  private readonly applied = new AppliedPaymentsRepository();
  private readonly batches = new PaymentBatchRepository();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly promises: PromisesRepository,
    private readonly settlements: SettlePaymentUseCase,
    private readonly plans: TrackPaymentUseCase,
  ) {}

  async handle(events: PaymentPosted[], hc: HandlerContext): Promise<void> {
    const byTenant = new Map<string, PaymentPosted[]>();
    for (const e of events) {
      const own = byTenant.get(e.tenantId);
      if (own) own.push(e);
      else byTenant.set(e.tenantId, [e]);
    }
    for (const [tenantId, own] of byTenant) {
      const priced = own.filter((e) => e.payload.amount && e.payload.paymentId);
      const keys = new Map(
        priced.map((e) => [
          paymentKey(e.payload.accountId, e.payload.amount!.currency),
          { accountId: e.payload.accountId, currency: e.payload.amount!.currency },
        ]),
      );
      const facts = await this.batches.lockAndRead(
        hc.tx,
        tenantId,
        [...keys.values()],
        priced.map((e) => e.payload.paymentId),
        addDays(earliestPaymentDay(priced, this.ctx.clock.now()), -this.plans.graceDays),
      );
      const rest = await this.plans.postedMany(tenantId, own, hc, facts);
      for (const e of rest) await this.one(e, hc);
    }
  }

  /** One payment, on its own. */
  async one(event: PaymentPosted, hc: HandlerContext): Promise<void> {
    if (await this.applied.alreadyApplied(hc.tx, event.tenantId, event.payload.paymentId)) return;
    if (await this.settlements.posted(event, hc)) return;
    if (!(await this.plans.posted(event, hc)))
      await allocatePayment(this.ctx, this.promises, event, hc, this.plans.graceDays);
  }
}

/**
 * A day no payment of the batch was made before, on any account's calendar: the earliest effective
 * date, or for a payment without one the day before its posting day in UTC (no time zone's
 * calendar is more than a day behind UTC's). The earliest posting instant gives the earliest such
 * day, so only it is turned into a date.
 */
export function earliestPaymentDay(events: PaymentPosted[], now: Date): string {
  let earliestEffective: string | undefined;
  let earliestPosted = now.getTime();
  for (const { payload } of events) {
    if (isCalendarDate(payload.effectiveDate)) {
      if (earliestEffective === undefined || payload.effectiveDate < earliestEffective)
        earliestEffective = payload.effectiveDate;
    } else if (payload.postedAt && payload.postedAt.getTime() < earliestPosted) {
      earliestPosted = payload.postedAt.getTime();
    }
  }
  const posted = addDays(safeLocalDate(new Date(earliestPosted), DEFAULT_TIME_ZONE), -1);
  return earliestEffective !== undefined && earliestEffective < posted ? earliestEffective : posted;
}
