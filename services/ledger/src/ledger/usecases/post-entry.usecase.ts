import { randomUUID } from 'node:crypto';
import { EventType, ledger } from '@collections/contracts';
import { AppError, localDate, money } from '@collections/platform';
import { ServiceContext } from '@collections/runtime';
import { mapBalanceView, validDate } from '../balance-view';
import { EntryKind, add, creditTowardsDues, creditedComponents, post, total } from '../domain/journal';
import { agingBucket, delinquencyAsOf } from '../domain/delinquency';
import { AccountRow, EntryRow, LedgerRepository, componentsOf } from '../ledger.repository';
import { NewEvent } from '@collections/messaging';
import { transitionAfterPosting } from '../domain/lifecycle';
import { LifecycleRepository } from '../lifecycle.repository';
import { lifecycleEvent } from './lifecycle-events';

export interface PostEntryCommand {
  tenantId: string;
  accountId: string;
  kind: EntryKind;
  /** Minor units; positive, except adjustments (negative = credit). Ignored for reversals. */
  amountMinor: number;
  currency: string;
  idempotencyKey: string;
  effectiveDate?: string;
  reference?: string;
  memo?: string;
  /** For reversals: the payment entry being reversed. */
  reverses?: EntryRow;
  /** Post the whole balance as read under the account lock (charge-off, settlement); amountMinor is ignored. */
  wholeBalance?: boolean;
}

export interface PostEntryResult {
  entryId: string;
  balance: ledger.BalanceView;
  replayed: boolean;
}

/**
 * Every posting goes through here: the account row is locked (concurrent postings to one
 * account serialise), the idempotency key is checked (a retry returns the first answer), the
 * double entry is written, the cached balance and aging bucket move, and the events commit
 * in the same transaction (outbox).
 */
export class PostEntryUseCase {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly repo: LedgerRepository,
  ) {}

  async execute(cmd: PostEntryCommand): Promise<PostEntryResult> {
    if (!cmd.idempotencyKey) throw AppError.invalid('idempotency_key is required: a retry must not post twice');
    return this.ctx.dataSource.transaction(async (tx) => {
      const account = await this.repo.findAccount(tx, cmd.tenantId, cmd.accountId, true);
      if (!account) throw AppError.notFound(`account ${cmd.accountId} does not exist`);
      const { earlier, dues, credits, agingBuckets } = await this.repo.postingInputs(
        tx,
        cmd.tenantId,
        account.id,
        cmd.idempotencyKey,
      );
      if (earlier) return this.replay(earlier, cmd);
      if (cmd.wholeBalance) cmd = { ...cmd, amountMinor: total(componentsOf(account)) };
      if (cmd.currency !== account.currency.trim()) {
        throw AppError.invalid(
          `amount currency ${cmd.currency} differs from the account currency ${account.currency.trim()}`,
        );
      }
      money(cmd.amountMinor, cmd.currency); // a safe integer in an ISO 4217 currency
      const now = this.ctx.clock.now();
      const today = localDate(now, account.time_zone);
      const effectiveDate = cmd.effectiveDate ? validDate(cmd.effectiveDate, 'effective_date') : today;
      const before = componentsOf(account);
      const reversed = cmd.reverses
        ? creditedComponents(await this.repo.linesOf(tx, cmd.tenantId, cmd.reverses.id))
        : undefined;
      const posting = post(cmd.kind, cmd.amountMinor, before, reversed);
      const after = add(before, posting.delta);
      const amountMinor = cmd.kind === EntryKind.PaymentReversal ? Number(cmd.reverses!.amount_minor) : cmd.amountMinor;
      const duesCreditMinor = creditTowardsDues(cmd.kind, posting.delta);
      const delinquency = delinquencyAsOf(
        dues,
        duesCreditMinor === 0 ? credits : [...credits, { date: effectiveDate, amount: duesCreditMinor }],
        today,
      );
      const bucket = agingBucket(delinquency.daysPastDue, agingBuckets);
      const balance = mapBalanceView(account, today, after, delinquency, agingBuckets);
      const transition = transitionAfterPosting(account.status, cmd.kind, total(after));
      const entryId = randomUUID();
      const result: PostEntryResult = { entryId, balance, replayed: false };
      const events = this.events(cmd, account, entryId, now, amountMinor, balance, bucket);
      if (transition)
        events.push(
          lifecycleEvent(cmd.tenantId, account, transition, now, {
            entryId,
            amountMinor,
            balance,
            effectiveDate,
            reason: cmd.memo,
          }),
        );
      await this.repo.writePosting(
        tx,
        cmd.tenantId,
        {
          id: entryId,
          accountId: account.id,
          kind: cmd.kind,
          amountMinor,
          currency: cmd.currency,
          effectiveDate,
          postedAt: now,
          reversesEntryId: cmd.reverses?.id,
          duesCreditMinor,
          idempotencyKey: cmd.idempotencyKey,
          reference: cmd.reference ?? '',
          memo: cmd.memo ?? '',
          lines: posting.lines,
          response: result,
        },
        { components: after, daysPastDue: delinquency.daysPastDue, bucket },
        this.ctx.backbone.outbox.statement(tx, events, 24),
      );
      if (transition) await new LifecycleRepository().setStatus(tx, cmd.tenantId, account.id, transition.status);
      return result;
    });
  }

  private replay(earlier: EntryRow, cmd: PostEntryCommand): PostEntryResult {
    const same =
      earlier.account_id === cmd.accountId &&
      earlier.kind === cmd.kind &&
      (cmd.kind === EntryKind.PaymentReversal || cmd.wholeBalance || Number(earlier.amount_minor) === cmd.amountMinor);
    if (!same) {
      throw AppError.conflict('idempotency_key was already used for a different posting', {
        idempotencyKey: cmd.idempotencyKey,
      });
    }
    return { ...(earlier.response as PostEntryResult), replayed: true };
  }

  private events(
    cmd: PostEntryCommand,
    account: AccountRow,
    entryId: string,
    postedAt: Date,
    amountMinor: number,
    balance: ledger.BalanceView,
    bucket: string,
  ): NewEvent<EventType>[] {
    const amount = money(Math.abs(amountMinor), cmd.currency);
    const events: { type: EventType; payload: object }[] = [];
    if (cmd.kind === EntryKind.Payment) {
      events.push({
        type: 'collections.ledger.v1.PaymentPosted',
        payload: {
          paymentId: entryId,
          accountId: account.id,
          amount,
          balanceAfter: balance.total,
          postedAt,
          reference: cmd.reference ?? '',
        },
      });
    } else if (cmd.kind === EntryKind.PaymentReversal) {
      events.push({
        type: 'collections.ledger.v1.PaymentReversed',
        payload: { entryId, paymentId: cmd.reverses!.id, accountId: account.id, amount, reason: cmd.memo ?? '' },
      });
    } else if (
      cmd.kind === EntryKind.Adjustment ||
      cmd.kind === EntryKind.SettlementDiscount ||
      cmd.kind === EntryKind.WriteOff
    ) {
      events.push({
        type: 'collections.ledger.v1.AdjustmentPosted',
        payload: {
          entryId,
          accountId: account.id,
          kind: cmd.kind,
          amount: money(amountMinor, cmd.currency),
          reason: cmd.memo ?? '',
        },
      });
    }
    events.push({ type: 'collections.ledger.v1.BalanceChanged', payload: { balance, causedByEntryId: entryId } });
    if (bucket !== account.aging_bucket) {
      events.push({
        type: 'collections.ledger.v1.DelinquencyChanged',
        payload: {
          accountId: account.id,
          asOfDate: balance.asOfDate,
          daysPastDue: balance.daysPastDue,
          previousBucket: account.aging_bucket,
          bucket,
          pastDue: balance.pastDue,
        },
      });
    }
    return events.map((e) => ({
      key: account.id,
      tenantId: cmd.tenantId,
      time: postedAt,
      type: e.type,
      payload: e.payload as never,
    }));
  }
}
