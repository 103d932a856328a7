import { createHash } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { orchestratorDispatch } from '@collections/contracts';
import { ServiceContext } from '@collections/runtime';
import { PgOutcomeStore } from '../../channels/channel-records';
import {
  BackoffPolicy,
  ChannelName,
  ChannelProvider,
  DeliveryOutcome,
  OutboundMessage,
  ReliableSender,
} from '../../channels/domain';
import { Channel } from '../../policy/domain';
import { RULE_PACKS } from '../../policy/packs';
import { checkPolicy } from '../../planning/domain/contact-plan';
import { PlannerRepository, ScheduleRow } from '../../planning/planner.repository';
import { PlanAccountUseCase, channelCode, recordDecision } from '../../planning/usecases/plan-account.usecase';
import { DEFAULT_TEMPLATES, LOCALES, Locale, PaymentLinkSigner, renderMessage } from '../../templates/domain';
import { ContactDirectory, DebtorAddresses } from '../contact-directory';

const { ContactFailure } = orchestratorDispatch;

export interface DispatchDependencies {
  providers: Partial<Record<ChannelName, ChannelProvider>>;
  directory: ContactDirectory;
  links: PaymentLinkSigner;
  /** Days a payment link stays valid. */
  linkDays: number;
  optOutUrl: string;
  /** Waits between retries; injected so tests never sleep. */
  delay: (ms: number) => Promise<void>;
  random: () => number;
  backoff?: BackoffPolicy;
  /** Arms' daily contact budgets (`strategies/contact-budget.gate.ts`): due rows that wait for another day. */
  budgets?: { heldBack(now: Date, exclude: ReadonlySet<string>): Promise<Set<string>> };
  /** Test seam: runs after the provider call and before its outcome is recorded (a crash there). */
  afterProviderCall?: (scheduleId: string) => Promise<void>;
}

export interface DispatchSummary {
  sent: number;
  failed: number;
  deferred: number;
  skipped: number;
}

type Failure = { failure: orchestratorDispatch.ContactFailure; code: string; attempts: number };

/** What the dispatcher keeps of an address: a hash, so an opt-out from it finds its debtor without PII. */
export function addressHash(tenantId: string, channel: string, address: string): string {
  const normal = channel === 'email' ? address.trim().toLowerCase() : '+' + address.replace(/\D/g, '');
  return createHash('sha256').update(`${tenantId}\u0000${channel}\u0000${normal}`).digest('hex');
}

const localeOf = (language: string, jurisdiction: string): Locale => {
  const l = language.slice(0, 2).toLowerCase();
  if ((LOCALES as readonly string[]).includes(l)) return l as Locale;
  return jurisdiction === 'BR' ? 'pt' : jurisdiction === 'US' ? 'en' : 'es';
};

/**
 * Sends the contacts whose time has come. For each due row: plan the account again (a stop
 * cancels it), ask the contact law again at this instant (a refusal moves it to the next permitted
 * time), mark it `sending`, then send through the channel's provider with the row id as the
 * idempotency key, and record the outcome with its event. A row left `sending` by a process that
 * died is sent again with the same key (`reconcile`): the provider and the outcome store answer
 * the first send's result, so each decision is sent once.
 */
export class DispatchDueContactsUseCase {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly repo: PlannerRepository,
    private readonly planner: PlanAccountUseCase,
    private readonly deps: DispatchDependencies,
  ) {}

  /** Due rows, oldest first, a batch at a time, until none is due. */
  async run(batchSize = 100): Promise<DispatchSummary> {
    const summary: DispatchSummary = { sent: 0, failed: 0, deferred: 0, skipped: 0 };
    const seen = new Set<string>();
    for (;;) {
      const now = this.ctx.clock.now();
      const held = [...((await this.deps.budgets?.heldBack(now, seen)) ?? [])];
      const due = (await this.ctx.dataSource.query(
        `SELECT * FROM contact_schedule WHERE status = 'pending' AND due_at <= $1 AND NOT (id = ANY ($3::uuid[]))
          ORDER BY due_at, id LIMIT $2`,
        [now, batchSize, held],
      )) as ScheduleRow[];
      const fresh = due.filter((r) => !seen.has(r.id));
      if (fresh.length === 0) return summary;
      for (const row of fresh) {
        seen.add(row.id);
        summary[await this.dispatch(row, false)] += 1;
      }
    }
  }

  /** Rows left `sending` (the process died mid-send): sent again under the same idempotency key. */
  async reconcile(): Promise<DispatchSummary> {
    const summary: DispatchSummary = { sent: 0, failed: 0, deferred: 0, skipped: 0 };
    const rows = (await this.ctx.dataSource.query(
      `SELECT * FROM contact_schedule WHERE status = 'sending' ORDER BY due_at, id`,
    )) as ScheduleRow[];
    for (const row of rows) summary[await this.dispatch(row, true)] += 1;
    return summary;
  }

  private async dispatch(row: ScheduleRow, resume: boolean): Promise<keyof DispatchSummary> {
    const claimed = resume ? row : await this.claim(row);
    if (!claimed || claimed === 'deferred') return claimed === 'deferred' ? 'deferred' : 'skipped';
    let result: DeliveryOutcome | Failure;
    try {
      result = await this.send(claimed);
    } catch (err) {
      // Nothing reached a provider's answer (the ledger or the database failed): try again in a minute.
      this.ctx.logger.warn({ err, scheduleId: claimed.id }, 'contact send failed before an outcome; retried later');
      await this.ctx.dataSource.query(
        `UPDATE contact_schedule SET status = 'pending', due_at = $3 WHERE tenant_id = $1 AND id = $2 AND status = 'sending'`,
        [claimed.tenant_id, claimed.id, new Date(this.ctx.clock.now().getTime() + 60_000)],
      );
      return 'deferred';
    }
    await this.deps.afterProviderCall?.(claimed.id);
    return this.record(claimed, result);
  }

  /** Plans again, checks the law at this instant, and marks the row `sending` — or says why not. */
  private async claim(row: ScheduleRow): Promise<ScheduleRow | 'deferred' | undefined> {
    return this.ctx.dataSource.transaction(async (tx) => {
      const outbox = this.ctx.backbone.outbox;
      const planned = await this.planner.plan(tx, outbox, row.tenant_id, row.account_id, { id: `dispatch:${row.id}` });
      const [current] = (await tx.query(
        `SELECT * FROM contact_schedule WHERE tenant_id = $1 AND id = $2 AND status = 'pending' FOR UPDATE`,
        [row.tenant_id, row.id],
      )) as ScheduleRow[];
      if (!current || planned !== 'unchanged') return undefined;
      const now = this.ctx.clock.now();
      if (current.due_at.getTime() > now.getTime()) return 'deferred';
      const debtor = await this.repo.debtorOf(tx, row.tenant_id, row.account_id);
      if (!debtor) return undefined;
      const verdict = checkPolicy(
        current.channel,
        debtor,
        await this.repo.historyOf(tx, row.tenant_id, debtor.debtorId),
        now,
        row.account_id,
      );
      const decisionId = await recordDecision(this.repo, tx, outbox, {
        tenantId: row.tenant_id,
        accountId: row.account_id,
        causedBy: `dispatch:${row.id}`,
        now,
        verdict,
        stage: 'send',
      });
      if (!verdict.allowed) {
        if (verdict.nextPermittedAt) {
          await tx.query(
            `UPDATE contact_schedule SET due_at = $3, decision_id = $4, updated_at = $5 WHERE tenant_id = $1 AND id = $2`,
            [row.tenant_id, row.id, verdict.nextPermittedAt, decisionId, now],
          );
          return 'deferred';
        }
        await this.fail(tx, current, { failure: ContactFailure.CONTACT_FAILURE_REJECTED, code: 'policy', attempts: 0 });
        return undefined;
      }
      await tx.query(
        `UPDATE contact_schedule SET status = 'sending', decision_id = $3, attempts = attempts + 1, updated_at = $4
          WHERE tenant_id = $1 AND id = $2`,
        [row.tenant_id, row.id, decisionId, now],
      );
      return { ...current, decision_id: decisionId, status: 'sending' };
    });
  }

  private async send(row: ScheduleRow): Promise<DeliveryOutcome | Failure> {
    const noRoute = (code: string): Failure => ({
      failure: ContactFailure.CONTACT_FAILURE_NO_ROUTE,
      code,
      attempts: 0,
    });
    const channel = row.channel as Channel;
    const provider = this.deps.providers[channel as ChannelName];
    const template = DEFAULT_TEMPLATES[row.template];
    if (!provider) return noRoute('no-provider');
    if (!template) return noRoute('no-template');
    const [account, debtor] = await Promise.all([
      this.ctx.dataSource.query(`SELECT * FROM planner_account WHERE tenant_id = $1 AND account_id = $2`, [
        row.tenant_id,
        row.account_id,
      ]) as Promise<{ reference: string; balance_minor: string; currency: string; due_date: string }[]>,
      this.repo.debtorOf(this.ctx.dataSource, row.tenant_id, row.account_id),
    ]);
    if (!account[0] || !debtor?.jurisdiction) return noRoute('no-facts');
    const addresses: DebtorAddresses | undefined = await this.deps.directory.addressesOf(row.tenant_id, row.debtor_id);
    const to = channel === 'email' ? addresses?.email : addresses?.phone;
    if (!addresses || !to) return noRoute('no-address');
    const locale = localeOf(debtor.language, debtor.jurisdiction);
    const now = this.ctx.clock.now();
    const link = this.deps.links.sign({
      tenantId: row.tenant_id,
      accountId: row.account_id,
      expiresAt: new Date(now.getTime() + this.deps.linkDays * 86_400_000),
    });
    const a = account[0];
    const variables = {
      debtor: {
        firstName: addresses.fullName.split(/\s+/)[0] ?? addresses.fullName,
        fullName: addresses.fullName,
        timeZone: debtor.timeZone,
      },
      account: {
        reference: a.reference || row.account_id,
        balanceMinor: Number(a.balance_minor),
        currency: a.currency.trim(),
        dueDate: a.due_date,
      },
      paymentLink: { url: link.url, expiresAt: link.expiresAt },
    };
    const rendered = renderMessage({
      template,
      locale,
      channel,
      pack: RULE_PACKS[debtor.jurisdiction],
      variables,
      optOutUrl: this.deps.optOutUrl,
    });
    const message: OutboundMessage = {
      idempotencyKey: row.id,
      tenantId: row.tenant_id,
      to,
      subject: rendered.subject,
      body: rendered.body,
      ...(channel === 'whatsapp'
        ? {
            template: {
              name: row.template.replace(/-/g, '_'),
              language: locale,
              parameters: [variables.debtor.firstName, variables.account.reference, link.url],
            },
          }
        : {}),
    };
    // A phone number is the debtor's on every phone channel: a STOP on WhatsApp reaches them before any WhatsApp.
    for (const owned of channel === 'email' ? ['email'] : ['sms', 'whatsapp'])
      await this.ctx.dataSource.query(
        `INSERT INTO contact_address_owner (tenant_id, channel, address_hash, debtor_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
        [row.tenant_id, owned, addressHash(row.tenant_id, owned, to), row.debtor_id],
      );
    const sender = new ReliableSender(provider, {
      store: new PgOutcomeStore(this.ctx.dataSource, provider.channel, { ...message, accountId: row.account_id }, () =>
        this.ctx.clock.now(),
      ),
      delay: this.deps.delay,
      random: this.deps.random,
      policy: this.deps.backoff,
    });
    return sender.send(message);
  }

  private async record(row: ScheduleRow, result: DeliveryOutcome | Failure): Promise<keyof DispatchSummary> {
    return this.ctx.dataSource.transaction(async (tx) => {
      // The account first, then its row: the same lock order as the planner's, so no deadlock with a consumer.
      await this.repo.lockAccount(tx, row.tenant_id, row.account_id);
      const [current] = (await tx.query(
        `SELECT * FROM contact_schedule WHERE tenant_id = $1 AND id = $2 AND status = 'sending' FOR UPDATE`,
        [row.tenant_id, row.id],
      )) as ScheduleRow[];
      if (!current) return 'skipped';
      const now = this.ctx.clock.now();
      const outbox = this.ctx.backbone.outbox;
      if ('status' in result && result.status === 'sent') {
        await tx.query(
          `UPDATE contact_schedule SET status = 'sent', sent_at = $3, provider_message_id = $4, updated_at = $3
            WHERE tenant_id = $1 AND id = $2`,
          [row.tenant_id, row.id, now, result.providerMessageId],
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
            decisionId: current.decision_id,
            accountId: row.account_id,
            channel: channelCode(row.channel),
            template: row.template,
            strategyId: row.strategy_id,
            armId: row.arm_id,
            stepId: row.step_id,
            providerMessageId: result.providerMessageId,
            attempts: result.attempts,
            sentAt: now,
          },
        });
        await this.planner.plan(tx, outbox, row.tenant_id, row.account_id, { id: `dispatch:${row.id}` });
        return 'sent';
      }
      const failure: Failure =
        'failure' in result && typeof result.failure === 'number'
          ? result
          : toFailure(result as Exclude<DeliveryOutcome, { status: 'sent' }>);
      await this.fail(tx, current, failure);
      return 'failed';
    });
  }

  /**
   * A failed contact: the row is closed (an invalid address is marked so, and never tried again on
   * this row), the step fails over to its fallback channel or is given up, and the account is
   * planned again.
   */
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
    await this.planner.plan(tx, outbox, row.tenant_id, row.account_id, { id: `dispatch:${row.id}` });
  }
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
