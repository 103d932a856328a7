import { DataSource, EntityManager } from 'typeorm';
import { Topic, orchestratorDispatch } from '@collections/contracts';
import { Outbox } from '@collections/messaging';
import { groupBy, localDate } from '@collections/platform';
import { ServiceContext } from '@collections/runtime';
import { PgOutcomeStore, sendOnRecord } from '../../channels/channel-records';
import {
  BackoffPolicy,
  ChannelName,
  ChannelProvider,
  DeliveryOutcome,
  OutboundMessage,
  ProviderAnswer,
  ReliableSender,
} from '../../channels/domain';
import { createAgentTask } from '../../agents';
import { Channel, JURISDICTIONS, Jurisdiction, PastContact } from '../../policy/domain';
import { ContactRefusals } from '../../planning/contact-refusals';
import { PolicyVerdict, VALIDATION_NOTICE, checkPolicy, timeBarredThreat } from '../../planning/domain/contact-plan';
import {
  ActiveStrategy,
  DebtorRow,
  PlannerAccountRow,
  PlannerRepository,
  ScheduleRow,
} from '../../planning/planner.repository';
import { PlanAccountUseCase, channelCode, recordDecision } from '../../planning/usecases/plan-account.usecase';
import { OptOutLinkSigner, PaymentLinkSigner, whatsAppParameters } from '../../templates/domain';
import { ContactDirectory } from '../contact-directory';
import { stopOf } from '../contact-stops';
import { AccountActivitySource } from '../account-activity';
import { WORKPLACE_FORBIDDEN, addressFor, composeMessage, workplaceVerdict } from '../message-content';
import { SendPause, isUnreachable } from '../send-pause';
import { recordAddressOwner } from '../address-owners';

const { ContactFailure } = orchestratorDispatch;

export interface DispatchDependencies {
  providers: Partial<Record<ChannelName, ChannelProvider>>;
  directory: ContactDirectory;
  /**
   * The ledger's account activity, itemized in a validation notice (`../account-activity.ts`);
   * none: no validation notice can be composed (`no-facts`).
   */
  activity?: AccountActivitySource;
  links: PaymentLinkSigner;
  /** Days a payment link stays valid. */
  linkDays: number;
  /** Signs each e-mail's own opt-out link, and each SMS's for a one-way sender (OPT_OUT_URL, OPT_OUT_LINK_SECRET). */
  optOutLinks: OptOutLinkSigner;
  /** Waits between retries; injected so tests never sleep. */
  delay: (ms: number) => Promise<void>;
  random: () => number;
  backoff?: BackoffPolicy;
  /**
   * Letters go to the daily print batch (`letter_print_item`, exported by LetterExportUseCase)
   * when a letter export is configured; without one a letter step has no route.
   */
  letters?: boolean;
  /** The agent queue a field visit is put in (default `field-visits`). */
  fieldVisitQueue?: string;
  /** Arms' daily contact budgets (`strategies/contact-budget.gate.ts`): due rows that wait for another day. */
  budgets?: { heldBack(now: Date, exclude: ReadonlySet<string>): Promise<Set<string>> };
  /** Test seam: runs after the provider call and before its outcome is recorded (a crash there). */
  afterProviderCall?: (scheduleId: string) => Promise<void>;
  /**
   * Bounds on the dispatcher's own transactions (claim, hand-off, record): a row or account
   * locked by someone else fails the step after `lockMs` instead of stalling every send behind it;
   * the row is taken up again on a later tick. Defaults: `DISPATCH_DB_TIMEOUTS`.
   */
  dbTimeouts?: { lockMs: number; statementMs: number };
  /**
   * Debtors dispatched side by side (default 1): a provider's answer takes tens to hundreds of
   * milliseconds, and one debtor at a time would leave the database and the process waiting on it.
   * Each lane holds at most one database connection: keep it below DB_POOL_SIZE.
   */
  concurrency?: number;
  /**
   * How long a run waits for this service's consumers to catch up with the ledger's debtor, payment
   * and balance events and the promise service's plan and promise events published before its due
   * rows were read (default 5 s); longer, the rows wait for a later run.
   */
  factsWaitMs?: number;
}

/** Default of `factsWaitMs`. */
export const FACTS_WAIT_MS = 5_000;

/** The topics whose facts stop or hold a contact (see `stopFactsKnown`): consumed before any row is sent. */
const STOP_FACT_TOPICS = [
  Topic.LedgerDebtor,
  Topic.LedgerPayment,
  Topic.LedgerBalance,
  Topic.PromisesPlan,
  Topic.PromisesPromise,
];

export const DISPATCH_DB_TIMEOUTS = { lockMs: 30_000, statementMs: 60_000 };

export interface DispatchSummary {
  sent: number;
  failed: number;
  deferred: number;
  skipped: number;
  /** Letters put in the print batch: sent (ContactSent) when the batch is exported. */
  queued: number;
}

export type Failure = { failure: orchestratorDispatch.ContactFailure; code: string; attempts: number };

/**
 * `collections_provider_sends_total{result}`: what each answer of a provider came to, in the
 * words of ContactFailure (`invalid_address`, `rejected`, `gave_up`), or `sent`, or `retried`.
 */
const PROVIDER_ANSWER_RESULTS: Record<ProviderAnswer, string> = {
  sent: 'sent',
  retried: 'retried',
  rejected: 'rejected',
  'invalid-recipient': 'invalid_address',
  'gave-up': 'gave_up',
};
/** Every channel a provider sends on (the metric's `channel`). */
const PROVIDER_CHANNELS: readonly ChannelName[] = ['email', 'sms', 'whatsapp', 'call'];

const emptySummary = (): DispatchSummary => ({ sent: 0, failed: 0, deferred: 0, skipped: 0, queued: 0 });

const noRoute = (code: string): Failure => ({ failure: ContactFailure.CONTACT_FAILURE_NO_ROUTE, code, attempts: 0 });

/** Why a contact `sending` but not out yet was withdrawn: it threatens legal action on a debt time-barred since. */
export const STOP_TIME_BARRED = 'stop:time-barred';

/**
 * The refusal of a contact `sending` but not out yet (a letter in the print batch, a row left
 * `sending`) whose template threatens legal action on a debt that is time-barred on the debtor's
 * local day at `now`: the planner's check (`timeBarredThreat`) on the facts the planner reads — the
 * debtor's pack and the tenant's override and region (`debtor`, as `PlannerRepository.debtorOf`
 * reads it), the account's product and default date — as a policy decision in its words (no
 * permitted time: it is refused for good). Undefined when the debt is not time-barred, no period
 * is configured for the state, the template threatens nothing, or the facts are not known.
 */
export async function timeBarredRefusal(
  db: DataSource | EntityManager,
  row: ScheduleRow,
  debtor: DebtorRow | undefined,
  now: Date,
): Promise<PolicyVerdict | undefined> {
  if (!debtor?.jurisdiction) return undefined;
  const [account] = (await db.query(
    `SELECT product, due_date, oldest_unpaid_due_date FROM planner_account WHERE tenant_id = $1 AND account_id = $2`,
    [row.tenant_id, row.account_id],
  )) as Pick<PlannerAccountRow, 'product' | 'due_date' | 'oldest_unpaid_due_date'>[];
  if (!account?.due_date) return undefined;
  const barred = timeBarredThreat(
    row,
    { product: account.product, dueDate: account.due_date, oldestUnpaidDueDate: account.oldest_unpaid_due_date },
    debtor,
    localDate(now, debtor.timeZone),
  );
  if (!barred) return undefined;
  return {
    channel: row.channel,
    at: now,
    allowed: false,
    reasons: [barred.reason],
    nextPermittedAt: null,
    packVersion: barred.packVersion,
    overrideVersion: debtor.rules?.overrideVersion ?? null,
  };
}

/**
 * Sends the contacts whose time has come. For each due row: plan the account again (a stop
 * cancels it), ask the contact law again at this instant (a refusal moves it to the next permitted
 * time), mark it `sending`, then send through the channel's provider with the row id as the
 * idempotency key, and record the outcome with its event. A row left `sending` by a process that
 * died, or by a step that failed after its claim, is sent again with the same key (`reconcile`,
 * every tick): the provider and the outcome store answer the first send's result, so each
 * decision is sent once (e-mail at most once: `../../channels/README.md`).
 *
 * Calls go to the voice bot's provider like any electronic send. A letter is put in the daily
 * print batch (the row stays `sending` until the batch's file is exported, then ContactSent); a
 * visit becomes a `field_visit` task in the agent queues (AgentTaskCreated, and ContactSent with
 * the task id), in one transaction with the row.
 */
export class DispatchDueContactsUseCase {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly repo: PlannerRepository,
    private readonly planner: PlanAccountUseCase,
    private readonly deps: DispatchDependencies,
  ) {
    // For the operations dashboards: how long until sending resumes (0 while it runs).
    ctx.metrics.gauge({
      name: 'collections_contact_sending_paused_seconds',
      help: 'Seconds until contact sending resumes after the ledger was found unreachable; 0 while sending',
      collect: async (gauge) => {
        const now = this.ctx.clock.now();
        const until = this.pause.activeAt(now);
        gauge.set(until ? (until.getTime() - now.getTime()) / 1000 : 0);
      },
    });
    const providerSends = ctx.metrics.counter({
      name: 'collections_provider_sends_total',
      help: 'Answers of the channel providers to contact sends, by channel and result (retried: a failure tried again; sent, rejected, invalid_address, gave_up: what the send came to)',
      labelNames: ['channel', 'result'],
    });
    // Every series from the start, for every channel whether or not it has a provider here:
    // increase() and the alert see the first failure, and the panels read 0, not "no data".
    for (const channel of PROVIDER_CHANNELS)
      for (const result of Object.values(PROVIDER_ANSWER_RESULTS)) providerSends.inc({ channel, result }, 0);
    this.countAnswer = (channel, answer) => providerSends.inc({ channel, result: PROVIDER_ANSWER_RESULTS[answer] });
    this.refusals = ContactRefusals.of(ctx.metrics);
  }

  /** Counts an answer of a channel's provider (`collections_provider_sends_total`). */
  private readonly countAnswer: (channel: ChannelName, answer: ProviderAnswer) => void;

  /** The contact law's refusals and deferrals at send time (`collections_contact_refusals_total`). */
  private readonly refusals: ContactRefusals;

  /** Rows this instance is dispatching now: never reconciled under its feet. */
  private readonly inFlight = new Set<string>();

  /** Set while the ledger cannot be reached: nothing is taken up until it ends (`../send-pause.ts`). */
  private readonly pause = new SendPause();

  /** The ledger's directory, telling the pause when it answers (the letter export asks it too). */
  readonly directory: ContactDirectory = {
    addressesOf: async (tenantId, debtorId) => {
      const addresses = await this.deps.directory.addressesOf(tenantId, debtorId);
      if (this.pause.reached()) this.ctx.logger.info('the ledger answers again: contact sending resumed');
      return addresses;
    },
    close: () => this.deps.directory.close(),
  };

  /** The ledger's account activity, telling the pause when it answers, as the directory does. */
  readonly activity: AccountActivitySource = {
    activityOf: async (tenantId, accountId, ask) => {
      const activity = await this.deps.activity?.activityOf(tenantId, accountId, ask);
      if (this.pause.reached()) this.ctx.logger.info('the ledger answers again: contact sending resumed');
      return activity;
    },
    close: () => this.deps.activity?.close(),
  };

  /**
   * Due rows, oldest first, a batch at a time, until none is due. A row taken up once in the run
   * and still pending and due (its claim failed, or it had no facts to decide on) is not taken up
   * again in this run, and does not hold back the rows behind it: the next batch skips it.
   * While the ledger is unreachable (`../send-pause.ts`) nothing is taken up: the due rows wait.
   */
  async run(batchSize = 100): Promise<DispatchSummary> {
    const summary = emptySummary();
    const seen = new Set<string>();
    const leftPending = new Set<string>();
    for (;;) {
      const now = this.ctx.clock.now();
      if (this.pause.activeAt(now)) return summary;
      const held = [...((await this.deps.budgets?.heldBack(now, seen)) ?? []), ...leftPending];
      const due = (await this.ctx.dataSource.query(
        `SELECT * FROM contact_schedule WHERE status = 'pending' AND due_at <= $1 AND NOT (id = ANY ($3::uuid[]))
          ORDER BY due_at, id LIMIT $2`,
        [now, batchSize, held],
      )) as ScheduleRow[];
      if (due.length === 0) return summary;
      const fresh = due.filter((r) => !seen.has(r.id));
      for (const row of due) if (seen.has(row.id)) leftPending.add(row.id);
      if (fresh.length === 0) continue;
      if (!(await this.stopFactsKnown())) return summary;
      for (const row of fresh) seen.add(row.id);
      // Each tenant's active strategies read once a batch, not twice a row (a strategy published
      // meanwhile applies from the next batch, a few seconds later at most). Read before any row's
      // transaction: a lane never waits for a second connection while it holds one.
      const tenants = [...new Set(fresh.map((r) => r.tenant_id))];
      this.batchStrategies = new Map(
        await Promise.all(
          tenants.map(async (t) => [t, await this.repo.activeStrategies(this.ctx.dataSource, t)] as const),
        ),
      );
      // A debtor's rows one after another, in due order (the contact law counts a debtor's
      // contacts across accounts); different debtors' side by side, up to `concurrency`.
      await inLanes(
        fresh,
        (row) => `${row.tenant_id}\u0000${row.debtor_id}`,
        this.deps.concurrency ?? 1,
        async (row) => {
          if (this.pause.activeAt(this.ctx.clock.now())) return;
          const done = await this.dispatchOrLeave(row, false);
          if (done) summary[done] += 1;
        },
      ).finally(() => (this.batchStrategies = undefined));
    }
  }

  /** Set while the last run found the facts that stop a contact unconsumed: logged once until they are. */
  private factsBehind = false;

  /**
   * The contact law and the cadence are asked on the facts the ledger's and the promise service's
   * events told this service, and the facts that stop a contact travel on other topics than the
   * statement that starts a chase: holds, consents and time zones on the debtor topic, payments
   * on the payment topic, a balance settled by an adjustment or a write-off on the balance topic,
   * a payment plan agreed on the promise service's plan topic, a promise to pay made on its promise
   * topic. With no order between topics, a row can be due before the hold its debtor was put
   * under, the payment that cleared its balance or the plan or promise they made is known. Every
   * due row read was planned from an event consumed before the read, and those facts were
   * published before it or at least before the read; once the events published on those topics
   * up to now are consumed, the facts are in this database (a payment that cleared the balance,
   * an agreed plan or a promise made has cancelled the row, which the claim then no longer finds).
   * So the rows wait for that, and for a later run if it takes longer than `factsWaitMs`.
   */
  private async stopFactsKnown(): Promise<boolean> {
    const waitedMs = this.deps.factsWaitMs ?? FACTS_WAIT_MS;
    const known = await this.ctx.backbone.caughtUp(STOP_FACT_TOPICS, waitedMs);
    if (known === !this.factsBehind) return known;
    this.factsBehind = !known;
    if (known)
      this.ctx.logger.info(
        'the ledger’s debtor, payment and balance events and the plans and promises made are consumed: contact sending resumed',
      );
    else
      this.ctx.logger.warn(
        { waitedMs, topics: STOP_FACT_TOPICS },
        'the orchestrator has not consumed the ledger’s debtor, payment and balance events (holds, consents, payments) or the plans and promises made published before the due contacts were read: nothing is sent until it has; check its consumer lag on those topics',
      );
    return known;
  }

  /** Active strategies of the run's batch, by tenant; outside a batch none (the planner reads them). */
  private batchStrategies?: Map<string, readonly ActiveStrategy[]>;

  private strategiesOf(tenantId: string): readonly ActiveStrategy[] | undefined {
    return this.batchStrategies?.get(tenantId);
  }

  /**
   * Rows left `sending` and not being sent by this instance: a process that died mid-send, or a
   * step of this one that failed after the claim (its outcome could not be recorded, a lock wait
   * ran out). Each is sent again under the same idempotency key — the provider and the outcome
   * store answer the first send's result — and recorded. The dispatch run goes on in one replica
   * at a time (`DispatchScheduler`, `oneReplicaAtATime`), so a `sending` row nobody here is
   * working on has no one else: call it from that run only.
   */
  async reconcile(): Promise<DispatchSummary> {
    const summary = emptySummary();
    // A letter waiting in an open print batch is not lost: the export finishes it.
    // A row the contact law refused until later (`recheck`) waits for that time.
    const rows = (await this.ctx.dataSource.query(
      `SELECT * FROM contact_schedule s WHERE status = 'sending' AND due_at <= $2 AND NOT (id = ANY ($1::uuid[]))
          AND NOT EXISTS (SELECT 1 FROM letter_print_item l WHERE l.tenant_id = s.tenant_id AND l.schedule_id = s.id)
        ORDER BY due_at, id`,
      [[...this.inFlight], this.ctx.clock.now()],
    )) as ScheduleRow[];
    for (const row of rows) {
      if (this.pause.activeAt(this.ctx.clock.now())) break;
      const done = await this.dispatchOrLeave(row, true);
      if (done) summary[done] += 1;
    }
    return summary;
  }

  /**
   * One row; a failure of its own (the database, a lock wait that ran out) is logged and the row
   * left as it is — `pending` (the claim rolled back) or `sending` (reconciled on the next tick) —
   * so one row never stops the rows behind it.
   */
  private async dispatchOrLeave(row: ScheduleRow, resume: boolean): Promise<keyof DispatchSummary | undefined> {
    if (this.inFlight.has(row.id)) return undefined;
    this.inFlight.add(row.id);
    try {
      return await this.dispatch(row, resume);
    } catch (err) {
      this.ctx.logger.warn(
        { err, scheduleId: row.id, resume },
        'contact dispatch failed; taken up again on a later tick',
      );
      return undefined;
    } finally {
      this.inFlight.delete(row.id);
    }
  }

  /** The dispatcher's own transactions, with bounded lock waits and statements. */
  private bounded<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    const { lockMs, statementMs } = this.deps.dbTimeouts ?? DISPATCH_DB_TIMEOUTS;
    return this.ctx.dataSource.transaction(async (tx) => {
      await tx.query(`SELECT set_config('lock_timeout', $1, true), set_config('statement_timeout', $2, true)`, [
        `${lockMs}ms`,
        `${statementMs}ms`,
      ]);
      return work(tx);
    });
  }

  private async dispatch(row: ScheduleRow, resume: boolean): Promise<keyof DispatchSummary> {
    const claimed = resume ? await this.recheck(row) : await this.claim(row);
    if (!claimed || typeof claimed === 'string') return claimed ?? 'skipped';
    let result: DeliveryOutcome | Failure;
    try {
      if (claimed.channel === 'letter' || claimed.channel === 'visit') {
        const handedOff = await this.handOff(claimed, resume);
        if (typeof handedOff === 'string') return handedOff;
        result = handedOff;
      } else {
        result = await this.send(claimed, resume);
      }
    } catch (err) {
      if (isUnreachable(err)) return this.waitForLedger(claimed, err);
      // Nothing reached a provider's answer (the database, or the ledger refused this one): try again in a minute.
      this.ctx.logger.warn({ err, scheduleId: claimed.id }, 'contact send failed before an outcome; retried later');
      await this.putBack(claimed, new Date(this.ctx.clock.now().getTime() + 60_000));
      return 'deferred';
    }
    await this.deps.afterProviderCall?.(claimed.id);
    return this.record(claimed, result);
  }

  /**
   * The ledger could not be reached for the row's addresses: the row goes back to `pending` as it
   * was (due, first in line when the pause ends) and sending pauses. One warn line per pause, with
   * how many due contacts wait; sends that fail inside a pause already in force add nothing.
   */
  private async waitForLedger(row: ScheduleRow, err: unknown): Promise<'deferred'> {
    await this.putBack(row);
    await this.pauseForLedger(err, async (now) => {
      const [{ waiting }] = (await this.ctx.dataSource.query(
        `SELECT count(*)::int AS waiting FROM contact_schedule WHERE status = 'pending' AND due_at <= $1`,
        [now],
      )) as { waiting: number }[];
      return `${waiting} due contacts wait`;
    });
    return 'deferred';
  }

  /**
   * The ledger could not be reached for addresses — by a send, or by the letter export: sending
   * pauses (or its pause goes on), and the first failure of a pause says so, with what waits.
   */
  async pauseForLedger(err: unknown, waiting: (now: Date) => Promise<string>): Promise<void> {
    const now = this.ctx.clock.now();
    const { until, failures, opened } = this.pause.failed(now);
    if (!opened) return;
    this.ctx.logger.warn(
      { err, until, failures },
      `the ledger is unreachable for contact addresses: contact sending paused until ${until.toISOString()}; ${await waiting(now)}`,
    );
  }

  /** The end of the pause in force at `now` (the ledger unreachable), if one is. */
  pausedUntil(now: Date): Date | undefined {
    return this.pause.activeAt(now);
  }

  /** A claimed row nothing was sent for goes back to `pending`, due at `dueAt` (as it was, by default). */
  private async putBack(row: ScheduleRow, dueAt: Date = row.due_at): Promise<void> {
    await this.ctx.dataSource.query(
      `UPDATE contact_schedule SET status = 'pending', due_at = $3 WHERE tenant_id = $1 AND id = $2 AND status = 'sending'`,
      [row.tenant_id, row.id, dueAt],
    );
  }

  /** Plans again, checks the law at this instant, and marks the row `sending` — or says why not. */
  private async claim(row: ScheduleRow): Promise<ScheduleRow | 'deferred' | undefined> {
    return this.bounded(async (tx) => {
      const outbox = this.ctx.backbone.outbox;
      // The facts the plan was made on (account locked) are the ones the law is asked on below.
      const planned = await this.planRow(tx, outbox, row);
      const [current] = (await tx.query(
        `SELECT * FROM contact_schedule WHERE tenant_id = $1 AND id = $2 AND status = 'pending' FOR UPDATE`,
        [row.tenant_id, row.id],
      )) as ScheduleRow[];
      if (!current || planned.result !== 'unchanged') return undefined;
      const now = this.ctx.clock.now();
      if (current.due_at.getTime() > now.getTime()) return 'deferred';
      const { debtor, history } = planned;
      if (!debtor || !history) return undefined;
      const { decided } = await this.decideAtSend(tx, current, debtor, history, now);
      if (decided === 'deferred') return 'deferred';
      if (decided === 'failed') return undefined;
      await tx.query(
        `UPDATE contact_schedule SET status = 'sending', decision_id = $3, attempts = attempts + 1, updated_at = $4
          WHERE tenant_id = $1 AND id = $2`,
        [row.tenant_id, row.id, decided.decision_id, now],
      );
      return { ...decided, status: 'sending' };
    });
  }

  /**
   * The contact law asked about `row` at `now`, on `debtor` and `history`, and its decision
   * recorded (stage `send`): allowed, the row carries the decision; refused until a later time,
   * the row is due then (`deferred`); refused for good, it fails (`policy`).
   */
  private async decideAtSend(
    tx: EntityManager,
    row: ScheduleRow,
    debtor: DebtorRow,
    history: readonly PastContact[],
    now: Date,
  ): Promise<{ decided: ScheduleRow | 'deferred' | 'failed'; verdict: PolicyVerdict }> {
    const verdict = checkPolicy(row.channel, debtor, history, now, row.account_id);
    const decisionId = await this.recordAtSend(tx, row, verdict, now);
    const decided = { ...row, decision_id: decisionId };
    if (verdict.allowed) return { decided, verdict };
    if (verdict.nextPermittedAt) {
      await tx.query(
        `UPDATE contact_schedule SET due_at = $3, decision_id = $4, updated_at = $5 WHERE tenant_id = $1 AND id = $2`,
        [row.tenant_id, row.id, verdict.nextPermittedAt, decisionId, now],
      );
      return { decided: 'deferred', verdict };
    }
    await this.fail(tx, decided, { failure: ContactFailure.CONTACT_FAILURE_REJECTED, code: 'policy', attempts: 0 });
    return { decided: 'failed', verdict };
  }

  /**
   * A row left `sending`, before it goes on: it may never have reached its provider (the process
   * died between the claim and the send), and what came since counts — a payment in full, a hold,
   * an opt-out or a withdrawn consent, the hour it is now. Unless its provider has the send on
   * record (an outcome, or an e-mail submission begun: it was sent, or is taken as sent, and goes
   * on to be recorded):
   * - a stop (`stopOf`) withdraws it, like a letter in the print queue (cancelled `stop:...`);
   * - so does a template that threatens legal action on a debt time-barred since it was planned
   *   (`timeBarredRefusal`, the planner's check on the debtor's local day now): cancelled
   *   `stop:time-barred`, its step done, the refusal recorded in the planner's words;
   * - else the contact law is asked again at this instant, on the debtor's contacts other than
   *   this one, and the decision recorded (the row carries it to its ContactSent). Refused until a
   *   later time (the hours, a frequency cap), the row waits `sending` until then, same key, and
   *   the first reconciliation after it takes it up; refused for good, it fails (`policy`) unsent.
   * A provider that had it without our record (the process died after its answer) answers the
   * first send at that later time; stopped or refused for good, the contact stays cancelled or
   * failed here: never sent again under a stop.
   */
  private async recheck(row: ScheduleRow): Promise<ScheduleRow | 'deferred' | 'failed' | 'skipped' | undefined> {
    return this.bounded(async (tx) => {
      const current = await this.lockSending(tx, row);
      if (!current) return undefined;
      if (await sendOnRecord(tx, current.tenant_id, current.channel, current.id)) return current;
      const debtor = await this.repo.debtorOf(tx, row.tenant_id, row.account_id);
      const stop = await stopOf(tx, current, debtor);
      const refusal = stop ? undefined : await timeBarredRefusal(tx, current, debtor, this.ctx.clock.now());
      if (stop || refusal) {
        const reason = stop ?? STOP_TIME_BARRED;
        await this.withdrawIn(tx, current, reason, refusal);
        this.ctx.logger.info(
          { scheduleId: row.id, channel: row.channel, reason },
          'a contact left sending is no longer wanted and is not sent: withdrawn',
        );
        return 'skipped';
      }
      if (!debtor) return current;
      const history = await this.repo.historyOf(tx, row.tenant_id, debtor.debtorId, current.id);
      const { decided, verdict } = await this.decideAtSend(tx, current, debtor, history, this.ctx.clock.now());
      const refused = { scheduleId: row.id, channel: row.channel, reasons: verdict.reasons };
      if (decided === 'deferred')
        this.ctx.logger.info(
          { ...refused, until: verdict.nextPermittedAt },
          'a contact left sending is refused by the contact law now: it waits until the next permitted time, under the same key',
        );
      else if (decided === 'failed')
        this.ctx.logger.warn(
          refused,
          'a contact left sending is refused by the contact law now and is not sent: failed (policy)',
        );
      else
        await tx.query(`UPDATE contact_schedule SET decision_id = $3 WHERE tenant_id = $1 AND id = $2`, [
          row.tenant_id,
          row.id,
          decided.decision_id,
        ]);
      return decided;
    });
  }

  /**
   * `resume`: a row left `sending` (asked the contact law again by `recheck`), perhaps sent
   * already: the ledger's consents are not asked again, since a row put back to wait for a
   * withdrawal is planned again and could go out under another key.
   */
  private async send(row: ScheduleRow, resume: boolean): Promise<DeliveryOutcome | Failure> {
    const channel = row.channel as Channel;
    const provider = this.deps.providers[channel as ChannelName];
    if (!provider) return noRoute('no-provider');
    const content = await composeMessage(this.sources(), row, channel, this.ctx.clock.now());
    if ('missing' in content) return noRoute(content.missing);
    if (!resume) await this.assertConsentNotWithdrawnSince(row, content.addresses.consentedChannels);
    const { rendered, variables, locale } = content;
    const to = addressFor(content.addresses, channel)!;
    const message: OutboundMessage = {
      idempotencyKey: row.id,
      tenantId: row.tenant_id,
      to,
      subject: rendered.subject,
      body: rendered.body,
      language: locale,
      ...(content.unsubscribe ? { unsubscribe: content.unsubscribe } : {}),
      // An SMS whose opt-out line says "reply STOP": a one-way sender sends the link's text, or nothing.
      ...(channel === 'sms' && rendered.optOutRule !== undefined
        ? { replyOptOut: rendered.oneWayBody !== undefined ? { oneWayBody: rendered.oneWayBody } : {} }
        : {}),
      ...(channel === 'whatsapp'
        ? {
            template: {
              name: row.template.replace(/-/g, '_'),
              language: locale,
              parameters: whatsAppParameters(locale, variables, rendered),
            },
          }
        : {}),
    };
    await recordAddressOwner(this.ctx.dataSource, row.tenant_id, channel, to, row.debtor_id);
    const sender = new ReliableSender(provider, {
      store: new PgOutcomeStore(this.ctx.dataSource, provider.channel, { ...message, accountId: row.account_id }, () =>
        this.ctx.clock.now(),
      ),
      delay: this.deps.delay,
      random: this.deps.random,
      policy: this.deps.backoff,
      onAnswer: (answer) => this.countAnswer(provider.channel, answer),
    });
    return sender.send(message);
  }

  /**
   * The law was asked on the consents the ledger's events told this service; the ledger's answer
   * at sending time is newer. When the debtor consented to the row's channel by the events but the
   * ledger no longer lists it, a withdrawal is on its way (ConsentChanged, on another topic than
   * the statement that started the chase, so it can come later): nothing is sent, and the row is
   * taken up again in a minute, by when the law is asked with the withdrawal known. Where the
   * debtor's pack requires consent (Colombia), a channel neither lists is not authorised either
   * (none on record is none authorised): nothing is sent, and the law asked again refuses it.
   */
  private async assertConsentNotWithdrawnSince(row: ScheduleRow, ledgerConsents: readonly string[]): Promise<void> {
    if (ledgerConsents.includes(row.channel)) return;
    const [profile] = (await this.ctx.dataSource.query(
      `SELECT consented_channels, country FROM debtor_profile WHERE tenant_id = $1 AND debtor_id = $2`,
      [row.tenant_id, row.debtor_id],
    )) as { consented_channels: string[]; country: string }[];
    if (profile?.consented_channels.includes(row.channel))
      throw new Error(
        `the ledger no longer has the debtor's consent to ${row.channel}, and its ConsentChanged has not reached the orchestrator yet: the contact waits for it`,
      );
    const country = profile?.country.trim() ?? '';
    // The tenant's pack: an override may require consent where the base pack does not.
    const pack = (JURISDICTIONS as readonly string[]).includes(country)
      ? (await this.repo.packs.of(this.ctx.dataSource, row.tenant_id, country as Jurisdiction)).pack
      : undefined;
    if (!pack || pack.consent.required)
      throw new Error(
        `the debtor authorised no contact by ${row.channel} on record and the contact law of ${country || 'the debtor’s country'} requires it (${pack?.consent.id ?? 'no-rule-pack'}): nothing is sent, and the law is asked again`,
      );
  }

  private sources() {
    return {
      dataSource: this.ctx.dataSource,
      repo: this.repo,
      ...this.deps,
      directory: this.directory,
      activity: this.activity,
      logger: this.ctx.logger,
    };
  }

  /**
   * A letter or a visit: no electronic send. Both need the debtor's postal address (asked of the
   * ledger now, never stored). A letter is put in the print batch, once per row, and stays
   * `sending` until its batch is exported; a visit is a field_visit task in the agent queues,
   * recorded as sent with the task's id in the same transaction.
   */
  private async handOff(row: ScheduleRow, resume: boolean): Promise<'queued' | 'sent' | 'skipped' | Failure> {
    if (row.channel === 'letter' && !this.deps.letters) return noRoute('no-provider');
    const now = this.ctx.clock.now();
    const content = await composeMessage(this.sources(), row, row.channel, now);
    if ('missing' in content) return noRoute(content.missing);
    if (!resume) await this.assertConsentNotWithdrawnSince(row, content.addresses.consentedChannels);
    return this.bounded(async (tx) => {
      const account = await this.repo.lockAccount(tx, row.tenant_id, row.account_id);
      const [current] = (await tx.query(
        `SELECT * FROM contact_schedule WHERE tenant_id = $1 AND id = $2 AND status = 'sending' FOR UPDATE`,
        [row.tenant_id, row.id],
      )) as ScheduleRow[];
      if (!current || !account) return 'skipped';
      if (row.channel === 'letter') {
        await tx.query(
          `INSERT INTO letter_print_item (tenant_id, schedule_id, account_id, debtor_id, template, status, queued_at)
           VALUES ($1, $2, $3, $4, $5, 'queued', $6) ON CONFLICT DO NOTHING`,
          [row.tenant_id, row.id, row.account_id, row.debtor_id, row.template, now],
        );
        return 'queued';
      }
      const { task } = await createAgentTask(tx, this.ctx.backbone.outbox, {
        tenantId: row.tenant_id,
        accountId: row.account_id,
        kind: 'field_visit',
        queue: this.deps.fieldVisitQueue ?? 'field-visits',
        segment: account.segment,
        language: content.locale,
        reason: `strategy ${row.strategy_id} step ${row.step_id}: field visit (${row.template})`,
        causedByEventId: `visit:${row.id}`,
        dueAt: now,
        now,
      });
      await this.markSent(tx, current, task.id, 1);
      return 'sent';
    });
  }

  /**
   * The row, locked, while it is still `sending` (else undefined). The account first, then its
   * row: the same lock order as the planner's, so no deadlock with a consumer.
   */
  private async lockSending(tx: EntityManager, row: ScheduleRow): Promise<ScheduleRow | undefined> {
    await this.repo.lockAccount(tx, row.tenant_id, row.account_id);
    const [current] = (await tx.query(
      `SELECT * FROM contact_schedule WHERE tenant_id = $1 AND id = $2 AND status = 'sending' FOR UPDATE`,
      [row.tenant_id, row.id],
    )) as ScheduleRow[];
    return current;
  }

  /** Records what a send came to (also for a letter once its print batch is exported). */
  async record(row: ScheduleRow, result: DeliveryOutcome | Failure): Promise<keyof DispatchSummary> {
    return this.bounded(async (tx) => {
      const current = await this.lockSending(tx, row);
      if (!current) return 'skipped';
      if ('status' in result && result.status === 'sent') {
        await this.markSent(tx, current, result.providerMessageId, result.attempts);
        return 'sent';
      }
      const failure: Failure =
        'failure' in result && typeof result.failure === 'number'
          ? result
          : toFailure(result as Exclude<DeliveryOutcome, { status: 'sent' }>);
      const failed = failure.code === WORKPLACE_FORBIDDEN ? await this.refusedAtWorkplace(tx, current) : current;
      await this.fail(tx, failed, failure);
      return 'failed';
    });
  }

  /**
   * The contact law's decision on `row` at send time recorded (stage `send`, cause
   * `dispatch:<row>`, the row's arm: no look-up) and counted in `collections_contact_refusals_total`
   * when it refuses; answers its id.
   */
  private async recordAtSend(tx: EntityManager, row: ScheduleRow, verdict: PolicyVerdict, now: Date): Promise<string> {
    const decisionId = await recordDecision(this.repo, tx, this.ctx.backbone.outbox, {
      tenantId: row.tenant_id,
      accountId: row.account_id,
      causedBy: `dispatch:${row.id}`,
      now,
      verdict,
      stage: 'send',
      armId: row.arm_id,
    });
    this.refusals.count(tx, verdict);
    return decisionId;
  }

  /** A refusal recorded at send time (`recordAtSend`) and carried by the row, to its ContactFailed; answers its id. */
  private async carryRefusal(tx: EntityManager, row: ScheduleRow, refusal: PolicyVerdict, now: Date): Promise<string> {
    const decisionId = await this.recordAtSend(tx, row, refusal, now);
    await tx.query(`UPDATE contact_schedule SET decision_id = $3 WHERE tenant_id = $1 AND id = $2`, [
      row.tenant_id,
      row.id,
      decisionId,
    ]);
    return decisionId;
  }

  /**
   * The ledger's only address for the row's channel is at a workplace whose employer forbids
   * contact, which the debtor's facts did not know yet when the law allowed it: the law is asked
   * again on that address (`workplaceVerdict`), and its refusal (US-WORKPLACE, in the policy
   * check's words) recorded as the contact's decision (stage `send`, cause `dispatch:<row>`),
   * counted in `collections_contact_refusals_total`, and carried by the row and its ContactFailed.
   * The debtor's facts gone meanwhile (erased), or the pack no longer barring it: nothing recorded.
   */
  private async refusedAtWorkplace(tx: EntityManager, row: ScheduleRow): Promise<ScheduleRow> {
    const debtor = await this.repo.debtorOf(tx, row.tenant_id, row.account_id);
    if (!debtor) return row;
    const now = this.ctx.clock.now();
    const history = await this.repo.historyOf(tx, row.tenant_id, debtor.debtorId, row.id);
    const verdict = workplaceVerdict(row.channel as Channel, debtor, history, now, row.account_id);
    if (verdict.allowed) return row;
    return { ...row, decision_id: await this.carryRefusal(tx, row, verdict, now) };
  }

  /**
   * Takes back a contact that is `sending` but not out yet (a letter waiting for its print batch):
   * the row cancelled with the reason, its step done (not planned again), the account planned again.
   * A `refusal` (the contact law's, as `timeBarredRefusal` gives it) is recorded as the contact's
   * decision (stage `send`, cause `dispatch:<row>`, counted in `collections_contact_refusals_total`)
   * and the row carries it; once, with the withdrawal.
   */
  async withdraw(row: ScheduleRow, reason: string, refusal?: PolicyVerdict): Promise<boolean> {
    return this.ctx.dataSource.transaction(async (tx) => {
      await this.repo.lockAccount(tx, row.tenant_id, row.account_id);
      return this.withdrawIn(tx, row, reason, refusal);
    });
  }

  /** `withdraw`, in the caller's transaction, the account locked. */
  private async withdrawIn(
    tx: EntityManager,
    row: ScheduleRow,
    reason: string,
    refusal?: PolicyVerdict,
  ): Promise<boolean> {
    const now = this.ctx.clock.now();
    const withdrawn = (await tx.query(
      `WITH withdrawn AS (
         UPDATE contact_schedule SET status = 'cancelled', cancel_reason = $3, updated_at = $4
          WHERE tenant_id = $1 AND id = $2 AND status = 'sending' RETURNING id)
       SELECT id FROM withdrawn`,
      [row.tenant_id, row.id, reason, now],
    )) as unknown[];
    if (withdrawn.length === 0) return false;
    if (refusal) await this.carryRefusal(tx, row, refusal, now);
    await tx.query(
      `UPDATE planner_account SET steps_done = array_append(steps_done, $3)
        WHERE tenant_id = $1 AND account_id = $2 AND NOT ($3 = ANY (steps_done))`,
      [row.tenant_id, row.account_id, row.step_id],
    );
    await this.planner.plan(tx, this.ctx.backbone.outbox, row.tenant_id, row.account_id, {
      id: `dispatch:${row.id}`,
    });
    return true;
  }

  /** The row sent, its ContactSent, the step done, and the account planned again; in the caller's transaction. */
  private async markSent(tx: EntityManager, row: ScheduleRow, providerMessageId: string, attempts: number) {
    const now = this.ctx.clock.now();
    const outbox = this.ctx.backbone.outbox;
    await tx.query(
      `UPDATE contact_schedule SET status = 'sent', sent_at = $3, provider_message_id = $4, updated_at = $3
        WHERE tenant_id = $1 AND id = $2`,
      [row.tenant_id, row.id, now, providerMessageId],
    );
    if (row.template === VALIDATION_NOTICE)
      await tx.query(
        `UPDATE planner_account SET validation_notice_sent_at = $3
          WHERE tenant_id = $1 AND account_id = $2 AND validation_notice_sent_at IS NULL`,
        [row.tenant_id, row.account_id, now],
      );
    await tx.query(
      `UPDATE planner_account SET steps_done = array_append(steps_done, $3)
        WHERE tenant_id = $1 AND account_id = $2 AND NOT ($3 = ANY (steps_done))`,
      [row.tenant_id, row.account_id, row.step_id],
    );
    await outbox.add(tx, {
      type: 'collections.orchestrator.v1.ContactSent',
      key: row.account_id,
      tenantId: row.tenant_id,
      time: now,
      payload: {
        scheduleId: row.id,
        decisionId: row.decision_id,
        accountId: row.account_id,
        channel: channelCode(row.channel),
        template: row.template,
        strategyId: row.strategy_id,
        armId: row.arm_id,
        stepId: row.step_id,
        providerMessageId,
        attempts,
        sentAt: now,
      },
    });
    await this.planRow(tx, outbox, row);
  }

  /**
   * The row's account planned as the dispatcher plans it, caused by the row, on the batch's
   * strategies: before the claim, and again after the outcome (its next step, or the fallback).
   */
  private planRow(tx: EntityManager, outbox: Outbox, row: ScheduleRow) {
    return this.planner.planOn(
      tx,
      outbox,
      row.tenant_id,
      row.account_id,
      { id: `dispatch:${row.id}` },
      this.strategiesOf(row.tenant_id),
    );
  }

  private async fail(tx: EntityManager, row: ScheduleRow, f: Failure): Promise<void> {
    const now = this.ctx.clock.now();
    const invalid = f.failure === ContactFailure.CONTACT_FAILURE_INVALID_ADDRESS;
    await tx.query(
      `UPDATE contact_schedule SET status = $3, outcome_code = $4, updated_at = $5 WHERE tenant_id = $1 AND id = $2`,
      [row.tenant_id, row.id, invalid ? 'invalid' : 'failed', f.code, now],
    );
    // The step's own channel failed: its fallback is next. The fallback failed too: the step is given up.
    await tx.query(
      row.fallback
        ? `UPDATE planner_account SET steps_done = array_append(steps_done, $3)
            WHERE tenant_id = $1 AND account_id = $2 AND NOT ($3 = ANY (steps_done))`
        : `UPDATE planner_account SET steps_failed = array_append(steps_failed, $3)
            WHERE tenant_id = $1 AND account_id = $2 AND NOT ($3 = ANY (steps_failed))`,
      [row.tenant_id, row.account_id, row.step_id],
    );
    const outbox = this.ctx.backbone.outbox;
    await outbox.add(tx, {
      type: 'collections.orchestrator.v1.ContactFailed',
      key: row.account_id,
      tenantId: row.tenant_id,
      time: now,
      payload: {
        scheduleId: row.id,
        decisionId: row.decision_id,
        accountId: row.account_id,
        channel: channelCode(row.channel),
        stepId: row.step_id,
        failure: f.failure,
        code: f.code,
        attempts: f.attempts,
        failedAt: now,
      },
    });
    // A reminder or notice goes once more on its next channel; a strategy's step has its own fallback.
    await this.planner.fallBackNotice(tx, outbox, row);
    await this.planRow(tx, outbox, row);
  }
}

/**
 * Runs `work` on every item: items with the same key one after another in their order, items of
 * different keys side by side, at most `lanes` at a time. Resolves when all are done.
 */
export async function inLanes<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
  lanes: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const queue = [...groupBy(items, keyOf).values()];
  let next = 0;
  const lane = async () => {
    while (next < queue.length) {
      const group = queue[next++];
      for (const item of group) await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(lanes, queue.length)) }, lane));
}

function toFailure(outcome: Exclude<DeliveryOutcome, { status: 'sent' }>): Failure {
  const failure =
    outcome.status === 'invalid-recipient'
      ? ContactFailure.CONTACT_FAILURE_INVALID_ADDRESS
      : outcome.status === 'rejected'
        ? ContactFailure.CONTACT_FAILURE_REJECTED
        : ContactFailure.CONTACT_FAILURE_GAVE_UP;
  return { failure, code: outcome.failure.code, attempts: outcome.attempts };
}
