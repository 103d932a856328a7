import { promises } from '@collections/contracts';
import { ConsumedEvent, HandlerContext } from '@collections/messaging';
import { ServiceContext } from '@collections/runtime';
import { AccountProfilesRepository, safeLocalDate } from '../../accounts/account-profiles.repository';
import { PlansRepository } from '../plans.repository';
import { PlanTracker } from './plan-tracker';

/**
 * Follows the ledger's payments on plans. A posted payment goes to the account's oldest active
 * plan in its currency (false when there is none, so the caller can offer it to single
 * promises); a reversal takes exactly that payment out again. Both recompute the plan's
 * allocation from its live payments, so replaying either changes nothing.
 */
export class TrackPaymentUseCase {
  private readonly profiles = new AccountProfilesRepository();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly repo: PlansRepository,
    private readonly tracker: PlanTracker,
  ) {}

  async posted(event: ConsumedEvent<'collections.ledger.v1.PaymentPosted'>, hc: HandlerContext): Promise<boolean> {
    const { amount, accountId, paymentId, postedAt } = event.payload;
    if (!amount || amount.amountMinor <= 0 || !paymentId) return false;
    const plan = await this.repo.lockOldestInState(
      hc.tx,
      event.tenantId,
      accountId,
      amount.currency,
      promises.PlanState.PLAN_STATE_ACTIVE,
    );
    if (!plan) return false;
    const now = this.ctx.clock.now();
    const { timeZone } = await this.profiles.find(hc.tx, event.tenantId, accountId);
    const today = safeLocalDate(now, timeZone);
    const paidOn = safeLocalDate(postedAt ?? now, timeZone);
    await this.repo.addPayment(hc.tx, event.tenantId, plan.id, { paymentId, amountMinor: amount.amountMinor, paidOn });
    await this.tracker.review(hc.tx, hc.outbox, plan, paidOn > today ? paidOn : today, now);
    return true;
  }

  async reversed(event: ConsumedEvent<'collections.ledger.v1.PaymentReversed'>, hc: HandlerContext): Promise<void> {
    const planId = await this.repo.planOfPayment(hc.tx, event.tenantId, event.payload.paymentId);
    if (!planId) return;
    const plan = await this.repo.find(hc.tx, event.tenantId, planId, true);
    if (!plan || !(await this.repo.reversePayment(hc.tx, event.tenantId, event.payload.paymentId))) return;
    const now = this.ctx.clock.now();
    const today = await this.profiles.localDate(hc.tx, event.tenantId, plan.account_id, now);
    await this.tracker.review(hc.tx, hc.outbox, plan, today, now);
  }
}
