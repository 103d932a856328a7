import { AppError } from '@collections/platform';
import { ServiceContext } from '@collections/runtime';
import { EntryKind } from '../../ledger/domain/journal';
import { LedgerRepository } from '../../ledger/ledger.repository';
import { PostEntryUseCase } from '../../ledger/usecases/post-entry.usecase';
import { ReconItemRow, ReconciliationRepository } from '../reconciliation.repository';
import { paymentKeyOf } from './import-statement.usecase';

export interface ResolveItemCommand {
  tenantId: string;
  /** Who resolved it (principal subject), for the audit log. */
  resolvedBy: string;
  itemId: string;
  /** Exactly one of accountId and ignoreReason. */
  accountId?: string;
  ignoreReason?: string;
}

export interface ResolveItemResult {
  item: ReconItemRow;
  replayed: boolean;
}

/**
 * A person settles an unmatched credit: assigns it to an account (the payment posts with the
 * line's own idempotency key, in the same transaction as the item's new status) or ignores it
 * with a reason. The same resolution again answers the same; a different one is a conflict.
 */
export class ResolveItemUseCase {
  private readonly postEntry: PostEntryUseCase;

  constructor(
    private readonly ctx: ServiceContext,
    ledgerRepo: LedgerRepository,
    private readonly repo: ReconciliationRepository,
  ) {
    this.postEntry = new PostEntryUseCase(ctx, ledgerRepo);
  }

  async execute(cmd: ResolveItemCommand): Promise<ResolveItemResult> {
    const accountId = cmd.accountId?.trim() ?? '';
    const ignoreReason = cmd.ignoreReason?.trim() ?? '';
    if (!cmd.itemId) throw AppError.invalid('item_id is required');
    if (!!accountId === !!ignoreReason) throw AppError.invalid('set exactly one of account_id and ignore_reason');
    const result = await this.ctx.dataSource.transaction(async (tx) => {
      const item = await this.repo.findItem(tx, cmd.tenantId, cmd.itemId, true);
      if (!item) throw AppError.notFound(`reconciliation item ${cmd.itemId} does not exist`);
      const now = this.ctx.clock.now();
      if (ignoreReason) {
        if (item.status === 'ignored' && item.reason === ignoreReason) return { item, replayed: true };
        if (item.status !== 'unmatched') throw alreadySettled(item);
        await this.repo.resolveItem(tx, cmd.tenantId, item.id, { status: 'ignored', reason: ignoreReason, at: now });
      } else {
        if (item.status === 'resolved' && item.matched_account_id === accountId) return { item, replayed: true };
        if (item.status !== 'unmatched') throw alreadySettled(item);
        if (item.direction === 'debit')
          throw AppError.failedPrecondition(
            `reconciliation item ${item.id} is a return (money out), not a payment to assign: reverse the payment it returns with ReversePayment, then ignore this item with a reason`,
          );
        const payment = await this.postEntry.executeIn(tx, {
          tenantId: cmd.tenantId,
          accountId,
          kind: EntryKind.Payment,
          amountMinor: Number(item.amount_minor),
          currency: item.currency.trim(),
          idempotencyKey: paymentKeyOf(cmd.tenantId, item.file_sha256, item.entry_index),
          effectiveDate: item.value_date,
          reference: item.bank_reference,
        });
        await this.repo.resolveItem(tx, cmd.tenantId, item.id, {
          status: 'resolved',
          accountId,
          paymentId: payment.entryId,
          reason: 'assigned in review',
          at: now,
        });
      }
      return { item: (await this.repo.findItem(tx, cmd.tenantId, item.id))!, replayed: false };
    });
    this.ctx.logger.info(
      {
        tenantId: cmd.tenantId,
        itemId: result.item.id,
        fileId: result.item.file_id,
        status: result.item.status,
        accountId: result.item.matched_account_id,
        paymentId: result.item.posted_payment_id,
        resolvedBy: cmd.resolvedBy,
        replayed: result.replayed,
      },
      'reconciliation item resolved',
    );
    return result;
  }
}

function alreadySettled(item: ReconItemRow): AppError {
  const how =
    item.status === 'ignored'
      ? `was ignored (${item.reason})`
      : `was already posted to account ${item.matched_account_id} as payment ${item.posted_payment_id}`;
  return AppError.conflict(`reconciliation item ${item.id} ${how}`, { itemId: item.id, status: item.status });
}
