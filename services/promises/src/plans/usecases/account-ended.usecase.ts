import { EntityManager } from 'typeorm';
import { ServiceContext } from '@collections/runtime';
import { AccountProfilesRepository } from '../../accounts/account-profiles.repository';
import { PromisesRepository, singlePromiseCancelled } from '../../promises/promises.repository';
import { SettlementsRepository, settlementWithdrawn } from '../../settlements/settlements.repository';
import { CancelPlanUseCase, LEDGER_CANCELLER } from './cancel-plan.usecase';

/** What an account's ending ended: how many settlements, plans and single promises. */
export interface AccountEnding {
  settlementsWithdrawn: number;
  plansCancelled: number;
  promisesCancelled: number;
}

/**
 * An account the ledger settled or closed owes nothing more, so whatever still expects a payment of
 * it ends, as `ledger`, in the consumer's transaction, each with its event in the outbox: its open
 * settlements are withdrawn (SettlementWithdrawn), its active plans cancelled (PlanCancelled, through
 * CancelPlan's own path) and its open single promises cancelled (PromiseCancelled). None of them is
 * then broken, lapsed or defaulted by the daily run, counted a later payment, or reopened by a
 * reversal; paid, lapsed, completed, defaulted, kept and broken ones stay as they are. They are
 * locked in the order a payment batch locks them: the plans (by currency, oldest first), then the
 * settlements, then the promises; so an account's ending and a batch of its payments wait for one
 * another instead of deadlocking. A redelivery is stopped by the inbox, and would find nothing
 * open anyway.
 *
 * The account's end is remembered too (`promise_account_profile.ended_at`): a settlement the daily
 * run lapsed stays lapsed (its lapse was announced and counted), but neither it nor any other
 * takes a payment read after this, however early the payment was made (a bank file's payment made
 * within the grace days, on the payment topic, read after the account's end on its own topic); the
 * payment then goes on as any other, and with the plans and promises ended counts towards nothing.
 */
export class AccountEndedUseCase {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly cancelPlan: CancelPlanUseCase,
    private readonly promises: PromisesRepository,
    private readonly settlements: SettlementsRepository,
  ) {}

  private readonly profiles = new AccountProfilesRepository();

  async execute(
    tx: EntityManager,
    tenantId: string,
    accountId: string,
    ending: { eventId: string; reason: string },
  ): Promise<AccountEnding> {
    const now = this.ctx.clock.now();
    const outbox = this.ctx.backbone.outbox;
    await this.profiles.markEnded(tx, tenantId, accountId, now);
    const plansCancelled = await this.cancelPlan.accountEnded(tx, tenantId, accountId, ending);
    const withdrawn = await this.settlements.withdrawOpenOfAccount(tx, tenantId, accountId, now, LEDGER_CANCELLER);
    for (const row of withdrawn) await outbox.add(tx, settlementWithdrawn(tenantId, row));
    const cancelled = await this.promises.cancelOpenOfAccount(tx, tenantId, accountId, now, LEDGER_CANCELLER);
    for (const row of cancelled) await outbox.add(tx, singlePromiseCancelled(tenantId, row));
    const result = {
      settlementsWithdrawn: withdrawn.length,
      plansCancelled,
      promisesCancelled: cancelled.length,
    };
    if (withdrawn.length + plansCancelled + cancelled.length > 0)
      this.ctx.logger.info({ tenantId, accountId, ...result }, 'account ended: its open commitments ended');
    return result;
  }

  /**
   * The ledger reopened the account (AccountReopened: a reversed payment left a settled or closed
   * account owing): it takes new promises, plans and settlements again. What its end withdrew or
   * cancelled stays so; an agent or the debtor makes a new commitment for what is owed now. The
   * reopening follows the end on the account's own topic and key, so it is read after it.
   */
  async reopened(tx: EntityManager, tenantId: string, accountId: string): Promise<void> {
    if (await this.profiles.markReopened(tx, tenantId, accountId))
      this.ctx.logger.info({ tenantId, accountId }, 'account reopened in the ledger: it takes new commitments again');
  }
}
