import { ledger, ledgerLifecycle } from '@collections/contracts';
import { AppError, findCurrentPrincipal, localDate, money } from '@collections/platform';
import { ServiceContext } from '@collections/runtime';
import { accountStatusChangeView, balanceAsOf } from '../balance-view';
import { EntryKind, total } from '../domain/journal';
import { AccountStatus, mayClose } from '../domain/lifecycle';
import { LifecycleRepository } from '../lifecycle.repository';
import { LedgerRepository, NewStatusChange, componentsOf } from '../ledger.repository';
import { requireLedgerText } from '../text-limits';
import { PostEntryUseCase, keyUsedElsewhere, noBalanceToPost } from './post-entry.usecase';

const CREDIT_BALANCE = 'the account has a credit balance: refund it instead';
/** `lifecycle_command.command` of a charge-off that keeps the balance owed. */
const CHARGE_OFF_KEEPING_BALANCE = 'charge_off_keeping_balance';

interface LifecycleCommand {
  accountId: string;
  idempotencyKey: string;
  reason: string;
}

interface ChargeOffCommand extends LifecycleCommand {
  /** Charge off without writing the balance off: no entry, the balance stays owed. */
  keepBalanceOwed?: boolean;
}

/**
 * Charge-off, settlement and closure of an account. Charge-off and settlement post the whole
 * remaining balance as a write-off or settlement discount through the one posting use case,
 * which moves the status and writes the event in the posting's transaction. A charge-off that
 * keeps the balance owed posts nothing: it moves the status itself (`chargeOffKeepingBalance`).
 */
export class AccountLifecycleUseCase {
  private readonly lifecycle = new LifecycleRepository();
  private readonly postEntry: PostEntryUseCase;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly repo: LedgerRepository,
  ) {
    this.postEntry = new PostEntryUseCase(ctx, repo);
  }

  async chargeOff(tenantId: string, cmd: ChargeOffCommand): Promise<ledgerLifecycle.ChargeOffAccountResponse> {
    if (cmd.keepBalanceOwed) return this.chargeOffKeepingBalance(tenantId, cmd);
    const result = await this.postRemaining(tenantId, cmd, EntryKind.WriteOff);
    if (!result) throw AppError.failedPrecondition('the account balance is zero: there is nothing to charge off');
    return { ...result, status: await this.statusOf(tenantId, cmd.accountId) };
  }

  /**
   * Charges the account off with its balance kept owed (collected after the charge-off): no
   * entry; under the account lock, the status, the charge-off date (today in the account's zone)
   * and AccountChargedOff (balance_kept) in one transaction. The idempotency key is kept with the
   * answer (`lifecycle_command`): a retry answers it again, replayed, and writes nothing.
   */
  private async chargeOffKeepingBalance(
    tenantId: string,
    cmd: LifecycleCommand,
  ): Promise<ledgerLifecycle.ChargeOffAccountResponse> {
    if (!cmd.accountId) throw AppError.invalid('account_id is required');
    if (!cmd.idempotencyKey) throw AppError.invalid('idempotency_key is required: a retry must not charge off twice');
    requireLedgerText({ idempotency_key: cmd.idempotencyKey, reason: cmd.reason });
    return this.ctx.dataSource.transaction(async (tx) => {
      const account = await this.repo.findAccount(tx, tenantId, cmd.accountId, true);
      if (!account) throw AppError.notFound(`account ${cmd.accountId} does not exist`);
      // Read under the lock: a retry running beside the first waits for it and finds its key.
      const earlier = await this.lifecycle.commandByKey(tx, tenantId, cmd.idempotencyKey);
      if (earlier) {
        if (earlier.account_id !== account.id || earlier.command !== CHARGE_OFF_KEEPING_BALANCE)
          throw keyUsedElsewhere(cmd.idempotencyKey);
        return { ...(earlier.response as ledgerLifecycle.ChargeOffAccountResponse), replayed: true };
      }
      if (await this.lifecycle.entryByKey(tx, tenantId, cmd.idempotencyKey)) throw keyUsedElsewhere(cmd.idempotencyKey);
      if (account.status === AccountStatus.Closed) throw AppError.failedPrecondition('the account is closed');
      if (account.status === AccountStatus.Settled) throw AppError.failedPrecondition('the account is settled');
      if (account.status === AccountStatus.ChargedOff)
        throw AppError.failedPrecondition('the account is already charged off');
      const owed = total(componentsOf(account));
      if (owed < 0) throw AppError.failedPrecondition(`nothing is owed to keep: ${CREDIT_BALANCE}`);
      if (owed === 0)
        throw AppError.failedPrecondition('the account balance is zero: nothing is owed to keep after a charge-off');
      const now = this.ctx.clock.now();
      const chargedOffOn = localDate(now, account.time_zone);
      const currency = account.currency.trim();
      // As of today, like any balance answered: an entry dated tomorrow is not owed yet. The event
      // says the same balance as the answer.
      const balance = await balanceAsOf(tx, this.repo, this.ctx.clock, tenantId, account.id);
      const response: ledgerLifecycle.ChargeOffAccountResponse = {
        entryId: '',
        status: AccountStatus.ChargedOff as number,
        balance,
        replayed: false,
      };
      const command = {
        tenantId,
        idempotencyKey: cmd.idempotencyKey,
        accountId: account.id,
        command: CHARGE_OFF_KEEPING_BALANCE,
        response,
      };
      // Taken meanwhile for another account (whose lock is another): that one stands.
      if (!(await this.lifecycle.saveCommand(tx, command, now))) throw keyUsedElsewhere(cmd.idempotencyKey);
      await this.lifecycle.setStatus(tx, tenantId, account.id, AccountStatus.ChargedOff, chargedOffOn);
      await this.repo.saveStatusChanges(tx, [
        statusChange(tenantId, account.id, account.status, AccountStatus.ChargedOff, now, cmd.reason),
      ]);
      await this.ctx.backbone.outbox.add(tx, {
        type: 'collections.ledger.v1.AccountChargedOff',
        key: account.id,
        tenantId,
        time: now,
        payload: {
          accountId: account.id,
          entryId: '',
          amount: money(0, currency),
          balanceAfter: balance.total,
          previousStatus: account.status,
          effectiveDate: chargedOffOn,
          // A person's free text: never on Kafka, where no erasure reaches it.
          reason: '',
          balanceKept: true,
        },
      });
      return response;
    });
  }

  async settle(tenantId: string, cmd: LifecycleCommand): Promise<ledgerLifecycle.SettleAccountResponse> {
    const result = await this.postRemaining(tenantId, cmd, EntryKind.SettlementDiscount);
    if (result) return { ...result, status: await this.statusOf(tenantId, cmd.accountId) };
    // Nothing left to discount: settle as it stands.
    return this.ctx.dataSource.transaction(async (tx) => {
      const account = await this.repo.findAccount(tx, tenantId, cmd.accountId, true);
      if (!account) throw AppError.notFound(`account ${cmd.accountId} does not exist`);
      const balance = total(componentsOf(account));
      if (balance !== 0) throw AppError.failedPrecondition('the account balance changed while settling; retry');
      if (account.status === AccountStatus.Closed) throw AppError.failedPrecondition('the account is closed');
      if (account.status !== AccountStatus.Settled) {
        const now = this.ctx.clock.now();
        await this.lifecycle.setStatus(tx, tenantId, account.id, AccountStatus.Settled);
        await this.repo.saveStatusChanges(tx, [
          statusChange(tenantId, account.id, account.status, AccountStatus.Settled, now, cmd.reason),
        ]);
        await this.ctx.backbone.outbox.add(tx, {
          type: 'collections.ledger.v1.AccountSettled',
          key: account.id,
          tenantId,
          time: now,
          payload: {
            accountId: account.id,
            entryId: '',
            discount: money(0, account.currency.trim()),
            previousStatus: account.status,
            effectiveDate: localDate(now, account.time_zone),
            // A person's free text: never on Kafka, where no erasure reaches it.
            reason: '',
          },
        });
      }
      return { entryId: '', status: AccountStatus.Settled as number, replayed: false };
    });
  }

  async close(tenantId: string, accountId: string, reason: string): Promise<ledgerLifecycle.CloseAccountResponse> {
    requireLedgerText({ reason });
    return this.ctx.dataSource.transaction(async (tx) => {
      const account = await this.repo.findAccount(tx, tenantId, accountId, true);
      if (!account) throw AppError.notFound(`account ${accountId} does not exist`);
      if (!mayClose(account.status, total(componentsOf(account))))
        return { status: AccountStatus.Closed as number, closed: false };
      const now = this.ctx.clock.now();
      await this.lifecycle.setStatus(tx, tenantId, account.id, AccountStatus.Closed);
      await this.repo.saveStatusChanges(tx, [
        statusChange(tenantId, account.id, account.status, AccountStatus.Closed, now, reason),
      ]);
      await this.ctx.backbone.outbox.add(tx, {
        type: 'collections.ledger.v1.AccountClosed',
        key: account.id,
        tenantId,
        time: now,
        payload: {
          accountId: account.id,
          previousStatus: account.status,
          closedOn: localDate(now, account.time_zone),
          // A person's free text: never on Kafka, where no erasure reaches it.
          reason: '',
        },
      });
      return { status: AccountStatus.Closed as number, closed: true };
    });
  }

  /**
   * Who charged off, settled or closed the account, when and why (`account_status_change`), oldest
   * first, the reasons in clear; NOT_FOUND for an account the tenant does not have.
   */
  async statusChanges(tenantId: string, accountId: string): Promise<ledgerLifecycle.ListAccountStatusChangesResponse> {
    const tx = this.ctx.dataSource.manager;
    if (!(await this.repo.findAccount(tx, tenantId, accountId)))
      throw AppError.notFound(`account ${accountId} does not exist`);
    return { changes: (await this.repo.statusChanges(tx, tenantId, [accountId])).map(accountStatusChangeView) };
  }

  async status(tenantId: string, accountId: string): Promise<ledgerLifecycle.GetAccountStatusResponse> {
    const row = await this.lifecycle.accountStatus(this.ctx.dataSource.manager, tenantId, accountId);
    if (!row) throw AppError.notFound(`account ${accountId} does not exist`);
    return {
      accountId,
      status: row.status,
      daysPastDue: row.days_past_due,
      agingBucket: row.aging_bucket,
      delinquencyAsOfDate: row.delinquency_as_of ?? '',
    };
  }

  /**
   * Posts the whole remaining balance as `kind` (a retry with the same key replays the first
   * answer); undefined when the balance is already zero.
   */
  private async postRemaining(
    tenantId: string,
    cmd: LifecycleCommand,
    kind: EntryKind.WriteOff | EntryKind.SettlementDiscount,
  ): Promise<{ entryId: string; balance: ledger.BalanceView; replayed: boolean } | undefined> {
    if (!cmd.accountId) throw AppError.invalid('account_id is required');
    if (!cmd.idempotencyKey) throw AppError.invalid('idempotency_key is required: a retry must not post twice');
    requireLedgerText({ idempotency_key: cmd.idempotencyKey, reason: cmd.reason });
    const tx = this.ctx.dataSource.manager;
    // The account before the key: a retry of the same command that runs beside the first reads
    // the key after the balance, so a first posting that cleared the balance it read is found
    // (and replayed) rather than answered "nothing to post".
    const account = await this.repo.findAccount(tx, tenantId, cmd.accountId);
    if (!account) throw AppError.notFound(`account ${cmd.accountId} does not exist`);
    const earlier = await this.lifecycle.entryByKey(tx, tenantId, cmd.idempotencyKey);
    if (!earlier) {
      // The key of a charge-off that kept the balance (no entry) is not this posting's to take.
      if (await this.lifecycle.commandByKey(tx, tenantId, cmd.idempotencyKey))
        throw keyUsedElsewhere(cmd.idempotencyKey);
      // A first look to answer clearly; the amount itself is read again under the account lock.
      if (account.status === AccountStatus.Closed) throw AppError.failedPrecondition('the account is closed');
      const balance = total(componentsOf(account));
      if (balance < 0) throw AppError.failedPrecondition(CREDIT_BALANCE);
      if (balance === 0) return undefined;
    }
    try {
      const result = await this.postEntry.execute({
        tenantId,
        accountId: account.id,
        kind,
        amountMinor: 0,
        wholeBalance: true,
        currency: account.currency.trim(),
        idempotencyKey: cmd.idempotencyKey,
        memo: cmd.reason,
      });
      return { entryId: result.entryId, balance: result.balance, replayed: result.replayed };
    } catch (err) {
      // Cleared (or turned to a credit) since the first look, by another posting: the answer it
      // would have had after that one.
      const left = noBalanceToPost(err);
      if (left === undefined) throw err;
      if (left < 0) throw AppError.failedPrecondition(CREDIT_BALANCE);
      return undefined;
    }
  }

  private async statusOf(tenantId: string, accountId: string): Promise<number> {
    return (await this.status(tenantId, accountId)).status;
  }
}

/** A status move a lifecycle command made itself (no entry), by the caller's principal. */
function statusChange(
  tenantId: string,
  accountId: string,
  fromStatus: number,
  toStatus: AccountStatus,
  changedAt: Date,
  reason: string,
): NewStatusChange {
  return {
    tenantId,
    accountId,
    fromStatus,
    toStatus,
    changedAt,
    changedBy: findCurrentPrincipal()?.subject ?? '',
    reason,
  };
}
