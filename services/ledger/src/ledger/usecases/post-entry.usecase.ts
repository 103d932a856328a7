import { EntityManager } from 'typeorm';
import { EventType, ledger } from '@collections/contracts';
import { NewEvent } from '@collections/messaging';
import {
  AppError,
  currentTraceparent,
  findCurrentPrincipal,
  inputRefusedByDatabase,
  isAppError,
  localDate,
  money,
  orderedUuid,
} from '@collections/platform';
import { ServiceContext } from '@collections/runtime';
import { mapBalanceView, validDate } from '../balance-view';
import { Components, EntryKind, add, creditTowardsDues, creditedComponents, post, total } from '../domain/journal';
import { AgingBucket, Credit, DEFAULT_AGING_BUCKETS, Due, agingBucket, delinquencyAsOf } from '../domain/delinquency';
import { DAYS_AHEAD_OF_TODAY, beforeOpening, tooFarAhead } from '../domain/dates';
import { AccountStatus, transitionAfterPosting } from '../domain/lifecycle';
import { LifecycleRepository } from '../lifecycle.repository';
import { lifecycleEvent } from './lifecycle-events';
import {
  AccountBalanceUpdate,
  AccountRow,
  EntryRow,
  LedgerRepository,
  NewEntry,
  NewStatusChange,
  accountKey,
  componentsOf,
  idempotencyRef,
} from '../ledger.repository';

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
  /** Trace context of the caller (set by `execute`; batches carry one per command). */
  traceparent?: string;
  /**
   * Who asked: the subject of the caller's principal ('' when none), kept with a status move the
   * posting causes (`account_status_change`). Set by `execute` like the trace context.
   */
  changedBy?: string;
}

export interface PostEntryResult {
  entryId: string;
  balance: ledger.BalanceView;
  replayed: boolean;
}

/**
 * The details of the refusal of a whole-balance posting (charge-off, settlement) that found no
 * balance to post under the account lock: `{ [NO_BALANCE_TO_POST]: balance }` (zero, or negative
 * for a credit). The caller turns it into its own answer.
 */
export const NO_BALANCE_TO_POST = 'noBalanceToPost';

/** The balance a whole-balance posting found under the lock, when it was refused for having none to post. */
export function noBalanceToPost(err: unknown): number | undefined {
  const balance = err instanceof AppError ? err.details?.[NO_BALANCE_TO_POST] : undefined;
  return typeof balance === 'number' ? balance : undefined;
}

/** The journal's unique index on (tenant, idempotency key) refused an insert. */
function isIdempotencyKeyTaken(err: unknown): boolean {
  type PgError = { code?: string; constraint?: string };
  // pg's own error (the prepared statements), or TypeORM's around it.
  const pg = (err as { driverError?: PgError }).driverError ?? (err as PgError);
  return pg?.code === '23505' && pg.constraint === 'journal_entry_tenant_id_idempotency_key_key';
}

/** The answer to one command of a batch: its result, or why it was refused. */
export type PostEntryOutcome = { ok: true; result: PostEntryResult } | { ok: false; error: AppError };

/** Commands per transaction: big enough to amortise the round trips, small enough to keep locks short. */
const MAX_BATCH = 500;
/** Batches in flight at once: one commits while the next is prepared. */
const MAX_IN_FLIGHT = 4;
/**
 * Queued commands that justify a batch beside one already in flight. With fewer, they wait for
 * the running batch to finish and then go together: started as each arrived, the free slots
 * filled with batches of one (each paying the five round trips and a commit alone), and under
 * 50 concurrent callers most transactions carried a single payment.
 */
const MIN_EXTRA_BATCH = 16;

interface Pending {
  cmd: PostEntryCommand;
  resolve: (r: PostEntryResult) => void;
  reject: (e: unknown) => void;
}

/** An account as the batch moves it: the cached balance and delinquency after each posting. */
interface AccountState {
  tenantId: string;
  row: AccountRow;
  status: AccountStatus;
  statusChanged: boolean;
  /** The effective date of the write-off that charged the account off in this batch. */
  chargedOffOn?: string;
  moved: boolean;
  daysPastDue: number;
  components: Components;
  bucket: string;
  dues: Due[];
  credits: Credit[];
  agingBuckets: readonly AgingBucket[];
  today: string;
}

/**
 * Every posting goes through here, one command or many: the accounts are locked (postings to
 * one account serialise, across batches and processes), each idempotency key is checked (a
 * retry returns the first answer), the double entries are written, the cached balances and
 * aging buckets move, and the events commit in the same transaction (outbox).
 *
 * Concurrent single commands are coalesced into one transaction (group commit): `execute`
 * queues the command and a batch takes whatever is queued when the previous one is done, so
 * under load the round trips and the commit are shared and with one caller nothing waits.
 * A refused command (unknown account, wrong currency, key reused) fails alone; if the batch's
 * write fails as a whole, its commands are retried one per transaction so none fails for
 * another's sake.
 */
export class PostEntryUseCase {
  private readonly queue: Pending[] = [];
  private inFlight = 0;
  /** Accounts of the batches in flight, with how many of them post to each. */
  private readonly accountsInFlight = new Map<string, number>();
  private readonly lifecycle = new LifecycleRepository();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly repo: LedgerRepository,
  ) {}

  execute(cmd: PostEntryCommand): Promise<PostEntryResult> {
    try {
      requireIdempotencyKey(cmd); // refused before it queues for a transaction
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ cmd: traced([cmd])[0], resolve, reject });
      this.pump();
    });
  }

  /**
   * Posts commands inside the caller's transaction, so the caller's own writes commit (or roll
   * back) with them — e.g. a reconciliation item and the payment it caused. Answers each.
   */
  async executeManyIn(tx: EntityManager, cmds: PostEntryCommand[]): Promise<PostEntryOutcome[]> {
    return this.postBatch(tx, traced(cmds));
  }

  /** One command inside the caller's transaction; a refusal throws. */
  async executeIn(tx: EntityManager, cmd: PostEntryCommand): Promise<PostEntryResult> {
    const [outcome] = await this.executeManyIn(tx, [cmd]);
    if (!outcome.ok) throw outcome.error;
    return outcome.result;
  }

  /** Posts many commands (in transactions of up to MAX_BATCH), answering each on its own. */
  async executeMany(cmds: PostEntryCommand[]): Promise<PostEntryOutcome[]> {
    const all = traced(cmds);
    const outcomes: PostEntryOutcome[] = [];
    for (let i = 0; i < all.length; i += MAX_BATCH) {
      outcomes.push(...(await this.runBatch(all.slice(i, i + MAX_BATCH))));
    }
    return outcomes;
  }

  private pump(): void {
    while (
      this.queue.length > 0 &&
      (this.inFlight === 0 || (this.inFlight < MAX_IN_FLIGHT && this.queue.length >= MIN_EXTRA_BATCH))
    ) {
      const batch = this.takeBatch();
      if (!batch) return;
      const accounts = batch.map((p) => accountKey(p.cmd.tenantId, p.cmd.accountId));
      for (const a of accounts) this.accountsInFlight.set(a, (this.accountsInFlight.get(a) ?? 0) + 1);
      this.inFlight++;
      this.runBatch(batch.map((p) => p.cmd))
        .then(
          (outcomes) => outcomes.forEach((o, i) => (o.ok ? batch[i].resolve(o.result) : batch[i].reject(o.error))),
          (err: unknown) => batch.forEach((p) => p.reject(err)),
        )
        .finally(() => {
          for (const a of accounts) {
            const n = this.accountsInFlight.get(a)! - 1;
            if (n === 0) this.accountsInFlight.delete(a);
            else this.accountsInFlight.set(a, n);
          }
          this.inFlight--;
          this.pump();
        });
    }
  }

  /**
   * The next batch: queued commands, oldest first, whose accounts no batch in flight holds.
   * A batch beside one in flight that posts to the same account would only queue on that
   * account's row lock inside PostgreSQL, holding its other accounts' locks while it waits; its
   * commands wait here instead, in order, and go with the next batch. Undefined when too few
   * are free to justify a batch beside the ones in flight.
   */
  private takeBatch(): Pending[] | undefined {
    if (this.inFlight === 0) return this.queue.splice(0, MAX_BATCH);
    const free: number[] = [];
    const scanned = Math.min(this.queue.length, 4 * MAX_BATCH);
    for (let i = 0; i < scanned && free.length < MAX_BATCH; i++) {
      const { cmd } = this.queue[i];
      if (!this.accountsInFlight.has(accountKey(cmd.tenantId, cmd.accountId))) free.push(i);
    }
    if (free.length < MIN_EXTRA_BATCH) return undefined;
    const batch = free.map((i) => this.queue[i]);
    const taken = new Set(free);
    let kept = 0;
    for (let i = 0; i < this.queue.length; i++) if (!taken.has(i)) this.queue[kept++] = this.queue[i];
    this.queue.length = kept;
    return batch;
  }

  private async runBatch(cmds: PostEntryCommand[], again = false): Promise<PostEntryOutcome[]> {
    try {
      return await this.ctx.dataSource.transaction((tx) => this.postBatch(tx, cmds));
    } catch (err) {
      if (cmds.length === 1) {
        // Its key posted at the same moment by another process to another account (whose lock is
        // another): the key's unique index refused this one. Posted again, it finds that entry
        // under its key and answers as one after the other: a conflict, or the first answer.
        if (!again && isIdempotencyKeyTaken(err)) return this.runBatch(cmds, true);
        throw err;
      }
      this.ctx.logger.warn(
        { err, commands: cmds.length },
        'a batch of postings failed as a whole; posting its commands one at a time',
      );
      const outcomes: PostEntryOutcome[] = [];
      for (const cmd of cmds) {
        try {
          outcomes.push(...(await this.runBatch([cmd])));
        } catch (one) {
          // A refusal of this command's own input (a NUL in a text) is its answer, not the batch's.
          const error = isAppError(one) ? one : inputRefusedByDatabase(one);
          if (!error) throw one;
          outcomes.push({ ok: false, error });
        }
      }
      return outcomes;
    }
  }

  private async postBatch(tx: EntityManager, cmds: PostEntryCommand[]): Promise<PostEntryOutcome[]> {
    const refs = uniqueBy(
      cmds.map((c) => ({ tenantId: c.tenantId, accountId: c.accountId })),
      (r) => accountKey(r.tenantId, r.accountId),
    );
    const locked = await this.repo.lockAccounts(tx, refs);
    const { earlier, kept, delinquency } = await this.repo.postingInputs(
      tx,
      refs.filter((r) => locked.has(accountKey(r.tenantId, r.accountId))),
      cmds.map((c) => ({ tenantId: c.tenantId, idempotencyKey: c.idempotencyKey })),
    );
    const now = this.ctx.clock.now();
    // One calendar date per time zone for the whole batch (formatting it is the costliest step per account).
    const todayIn = new Map<string, string>();
    const today = (timeZone: string): string => {
      let date = todayIn.get(timeZone);
      if (date === undefined) todayIn.set(timeZone, (date = localDate(now, timeZone)));
      return date;
    };
    const states = new Map<string, AccountState>();
    const stateOf = (cmd: PostEntryCommand): AccountState => {
      const key = accountKey(cmd.tenantId, cmd.accountId);
      let state = states.get(key);
      if (!state) {
        const row = locked.get(key);
        if (!row) throw AppError.notFound(`account ${cmd.accountId} does not exist`);
        const inputs = delinquency.get(key) ?? { dues: [], credits: [], agingBuckets: DEFAULT_AGING_BUCKETS };
        state = {
          tenantId: cmd.tenantId,
          row,
          status: row.status as AccountStatus,
          statusChanged: false,
          moved: false,
          daysPastDue: row.days_past_due,
          components: componentsOf(row),
          bucket: row.aging_bucket,
          ...inputs,
          today: today(row.time_zone),
        };
        states.set(key, state);
      }
      return state;
    };

    const posted = new Map<string, EntryRow>(earlier);
    const reversed = new Set<string>();
    const entries: NewEntry[] = [];
    const events: NewEvent<EventType>[] = [];
    const statusChanges: NewStatusChange[] = [];
    const outcomes: PostEntryOutcome[] = [];
    for (const cmd of cmds) {
      try {
        requireIdempotencyKey(cmd);
        const first = posted.get(idempotencyRef(cmd.tenantId, cmd.idempotencyKey));
        if (first) {
          outcomes.push({ ok: true, result: replay(first, cmd) });
          continue;
        }
        // The key of a charge-off that kept the balance (no entry): not this posting's to take.
        if (kept.has(idempotencyRef(cmd.tenantId, cmd.idempotencyKey))) throw keyUsedElsewhere(cmd.idempotencyKey);
        const state = stateOf(cmd);
        if (cmd.reverses) {
          if (reversed.has(accountKey(cmd.tenantId, cmd.reverses.id)))
            throw AppError.conflict(`payment ${cmd.reverses.id} is already being reversed`);
          reversed.add(accountKey(cmd.tenantId, cmd.reverses.id));
        }
        const entry = await this.prepare(tx, cmd, state, now, events, statusChanges);
        entries.push(entry);
        posted.set(idempotencyRef(cmd.tenantId, cmd.idempotencyKey), asEntryRow(entry));
        outcomes.push({ ok: true, result: entry.response as PostEntryResult });
      } catch (err) {
        if (!isAppError(err)) throw err;
        outcomes.push({ ok: false, error: err });
      }
    }
    if (entries.length > 0) {
      const balances: AccountBalanceUpdate[] = [...states.values()]
        .filter((s) => s.moved)
        .map((s) => ({
          tenantId: s.tenantId,
          accountId: s.row.id,
          components: s.components,
          daysPastDue: s.daysPastDue,
          bucket: s.bucket,
        }));
      await this.repo.writePostings(tx, entries, balances, this.ctx.backbone.outbox.statement(tx, events, 28));
      for (const s of states.values()) {
        if (s.statusChanged) await this.lifecycle.setStatus(tx, s.tenantId, s.row.id, s.status, s.chargedOffOn);
      }
      // Who moved the status, when and why (the memo): after the entries they name.
      await this.repo.saveStatusChanges(tx, statusChanges);
    }
    return outcomes;
  }

  /** One command against the account as the batch has moved it so far; moves it further. */
  private async prepare(
    tx: EntityManager,
    cmd: PostEntryCommand,
    state: AccountState,
    now: Date,
    events: NewEvent<EventType>[],
    statusChanges: NewStatusChange[],
  ): Promise<NewEntry> {
    const account = state.row;
    if (state.status === AccountStatus.Closed && cmd.kind !== EntryKind.PaymentReversal) {
      // Money arriving for a closed account waits in reconciliation's review queue instead.
      throw AppError.failedPrecondition(`account ${account.id} is closed: nothing more can be posted to it`);
    }
    if (cmd.wholeBalance) {
      // Another posting may have cleared it since the caller looked (a payment, another charge-off).
      const whole = total(state.components);
      if (whole <= 0)
        throw AppError.failedPrecondition(`account ${account.id} has no balance to post`, {
          [NO_BALANCE_TO_POST]: whole,
        });
      cmd = { ...cmd, amountMinor: whole };
    }
    if (cmd.kind === EntryKind.SettlementDiscount || cmd.kind === EntryKind.WriteOff) {
      // Forgiving more than is owed would put the account in credit: money the creditor never
      // received, owed back to the debtor. A settlement paid after the account was settled
      // otherwise, or a write-off typed twice, is refused instead.
      const owed = total(state.components);
      if (cmd.amountMinor > owed)
        throw AppError.failedPrecondition(
          `a ${cmd.kind === EntryKind.WriteOff ? 'write-off' : 'settlement discount'} of ${cmd.amountMinor} minor units exceeds the ${Math.max(owed, 0)} owed on account ${account.id}`,
          { balanceMinor: owed },
        );
    }
    if (cmd.currency !== account.currency.trim()) {
      throw AppError.invalid(
        `amount currency ${cmd.currency} differs from the account currency ${account.currency.trim()}`,
      );
    }
    money(cmd.amountMinor, cmd.currency); // a safe integer in an ISO 4217 currency
    const effectiveDate = cmd.effectiveDate
      ? postingDate(cmd.effectiveDate, state.today, account.opened_on)
      : state.today;
    let reversedLines: Components | undefined;
    if (cmd.reverses) {
      // Under the account lock: a reversal committed by another batch since the caller looked.
      const earlier = await this.repo.findReversalOf(tx, cmd.tenantId, cmd.reverses.id);
      if (earlier) throw AppError.conflict(`payment ${cmd.reverses.id} was already reversed by entry ${earlier.id}`);
      reversedLines = creditedComponents(await this.repo.linesOf(tx, cmd.tenantId, cmd.reverses.id));
    }
    const posting = post(cmd.kind, cmd.amountMinor, state.components, reversedLines);
    const after = add(state.components, posting.delta);
    const amountMinor = cmd.kind === EntryKind.PaymentReversal ? Number(cmd.reverses!.amount_minor) : cmd.amountMinor;
    const duesCreditMinor = creditTowardsDues(cmd.kind, posting.delta);
    const credits =
      duesCreditMinor === 0 ? state.credits : [...state.credits, { date: effectiveDate, amount: duesCreditMinor }];
    const delinquency = delinquencyAsOf(state.dues, credits, state.today);
    const bucket = agingBucket(delinquency.daysPastDue, state.agingBuckets);
    const balance = mapBalanceView(account, state.today, after, delinquency, state.agingBuckets);
    const transition = transitionAfterPosting(state.status, cmd.kind, total(after), {
      daysPastDue: delinquency.daysPastDue,
      chargedOff: account.charged_off || state.chargedOffOn !== undefined,
    });
    const entryId = orderedUuid();
    const result: PostEntryResult = { entryId, balance, replayed: false };
    events.push(...this.events(cmd, account, entryId, now, effectiveDate, amountMinor, balance, state.bucket, bucket));
    if (transition) {
      events.push(
        lifecycleEvent(cmd.tenantId, account, transition, now, {
          entryId,
          amountMinor,
          balance,
          effectiveDate,
          previousStatus: state.status,
          reversedPaymentId: cmd.reverses?.id,
        }),
      );
      statusChanges.push({
        tenantId: cmd.tenantId,
        accountId: account.id,
        fromStatus: state.status,
        toStatus: transition.status,
        changedAt: now,
        changedBy: cmd.changedBy ?? '',
        reason: cmd.memo ?? '',
        entryId,
      });
      Object.assign(state, {
        status: transition.status,
        statusChanged: true,
        ...(transition.event === 'charged_off' ? { chargedOffOn: effectiveDate } : {}),
      });
    }
    Object.assign(state, { components: after, credits, bucket, daysPastDue: delinquency.daysPastDue, moved: true });
    return {
      tenantId: cmd.tenantId,
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
    };
  }

  private events(
    cmd: PostEntryCommand,
    account: AccountRow,
    entryId: string,
    postedAt: Date,
    effectiveDate: string,
    amountMinor: number,
    balance: ledger.BalanceView,
    previousBucket: string,
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
          effectiveDate,
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
          // The reason is a person's free text: kept as the entry's memo (erasable), never on Kafka.
          reason: '',
        },
      });
    }
    events.push({ type: 'collections.ledger.v1.BalanceChanged', payload: { balance, causedByEntryId: entryId } });
    if (bucket !== previousBucket) {
      events.push({
        type: 'collections.ledger.v1.DelinquencyChanged',
        payload: {
          accountId: account.id,
          asOfDate: balance.asOfDate,
          daysPastDue: balance.daysPastDue,
          previousBucket,
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
      traceparent: cmd.traceparent,
    }));
  }
}

/**
 * A posting's effective date, when the caller gives one: a calendar date, at the latest tomorrow
 * in the account's time zone and not before the account's opening date (nothing happens on an
 * account before it exists; a bank line dated earlier was likely matched to the wrong account).
 * Without one, a posting is dated today, even on an account opening tomorrow.
 */
function postingDate(date: string, today: string, openedOn: string): string {
  const valid = validDate(date, 'effective_date');
  const problem =
    tooFarAhead('effective_date', valid, today, DAYS_AHEAD_OF_TODAY) ??
    beforeOpening('effective_date', valid, openedOn);
  if (problem) throw AppError.invalid(problem, { effective_date: date });
  return date;
}

function requireIdempotencyKey(cmd: PostEntryCommand): void {
  if (!cmd.idempotencyKey) throw AppError.invalid('idempotency_key is required: a retry must not post twice');
}

/**
 * The commands with the caller's trace context and principal's subject, unless they carry their
 * own (a batch answers many callers, and runs in the context of whichever started it).
 */
function traced(cmds: PostEntryCommand[]): PostEntryCommand[] {
  const traceparent = currentTraceparent();
  const changedBy = findCurrentPrincipal()?.subject ?? '';
  return cmds.map((c) => ({ ...c, traceparent: c.traceparent ?? traceparent, changedBy: c.changedBy ?? changedBy }));
}

/** A retry: the first answer if it asked for the same posting, otherwise a conflict. */
function replay(earlier: EntryRow, cmd: PostEntryCommand): PostEntryResult {
  const same =
    earlier.account_id === cmd.accountId &&
    earlier.kind === cmd.kind &&
    (cmd.kind === EntryKind.PaymentReversal || cmd.wholeBalance || Number(earlier.amount_minor) === cmd.amountMinor);
  if (!same) throw keyUsedElsewhere(cmd.idempotencyKey);
  return { ...(earlier.response as PostEntryResult), replayed: true };
}

/** The conflict of an idempotency key already used for another posting or lifecycle move. */
export function keyUsedElsewhere(idempotencyKey: string): AppError {
  return AppError.conflict('idempotency_key was already used for a different posting', { idempotencyKey });
}

/** An entry written earlier in the same batch, as a later retry in the batch will see it. */
function asEntryRow(e: NewEntry): EntryRow {
  return {
    id: e.id,
    account_id: e.accountId,
    kind: e.kind,
    amount_minor: String(e.amountMinor),
    currency: e.currency,
    effective_date: e.effectiveDate,
    posted_at: e.postedAt,
    reverses_entry_id: e.reversesEntryId ?? null,
    idempotency_key: e.idempotencyKey,
    reference: e.reference,
    response: e.response,
  };
}

function uniqueBy<T>(items: T[], key: (t: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}
