import { promises } from '@collections/contracts';
import { AppError, money } from '@collections/platform';
import { ServiceContext } from '@collections/runtime';
import { AccountProfilesRepository } from '../../accounts/account-profiles.repository';
import { planStatusAsOf } from '../domain/allocation';
import { PlanRules } from '../domain/announcements';
import { InstalmentRow, PlanRow, PlansRepository, scheduleOf } from '../plans.repository';

const INSTALMENT_STATE = {
  paid: promises.InstalmentState.INSTALMENT_STATE_PAID,
  open: promises.InstalmentState.INSTALMENT_STATE_OPEN,
  missed: promises.InstalmentState.INSTALMENT_STATE_MISSED,
} as const;

/** Plans as the API shows them: instalment states as of the account's today. */
export class PlanQueries {
  private readonly profiles = new AccountProfilesRepository();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly repo: PlansRepository,
    private readonly rules: PlanRules,
  ) {}

  async get(tenantId: string, planId: string): Promise<promises.PlanView> {
    const row = await this.repo.find(this.ctx.dataSource.manager, tenantId, planId);
    if (!row) throw AppError.notFound(`plan ${planId} does not exist`);
    return (await this.views(tenantId, [row]))[0];
  }

  async list(tenantId: string, accountId: string): Promise<promises.PlanView[]> {
    if (!accountId) throw AppError.invalid('account_id is required');
    return this.views(tenantId, await this.repo.listByAccount(this.ctx.dataSource.manager, tenantId, accountId));
  }

  async views(tenantId: string, rows: PlanRow[]): Promise<promises.PlanView[]> {
    const instalments = await this.repo.instalments(
      this.ctx.dataSource.manager,
      tenantId,
      rows.map((r) => r.id),
    );
    const credits = await this.repo.credits(
      this.ctx.dataSource.manager,
      tenantId,
      rows.map((r) => r.id),
    );
    const now = this.ctx.clock.now();
    const views: promises.PlanView[] = [];
    for (const r of rows) {
      const today = await this.profiles.localDate(this.ctx.dataSource.manager, tenantId, r.account_id, now);
      views.push(mapPlan(r, instalments.get(r.id) ?? [], credits.get(r.id) ?? 0, today, this.rules));
    }
    return views;
  }
}

export function mapPlan(
  r: PlanRow,
  instalments: InstalmentRow[],
  creditMinor: number,
  today: string,
  rules: PlanRules,
): promises.PlanView {
  const currency = r.currency.trim();
  const schedule = scheduleOf(instalments);
  const paidBySeq = new Map(instalments.map((i) => [i.seq, Number(i.paid_minor)]));
  // Stored paid amounts are what counts today: every allocation is dated no later than it.
  const status = planStatusAsOf(
    schedule,
    {
      allocations: instalments.map((i) => ({
        paymentId: '',
        seq: i.seq,
        amountMinor: Number(i.paid_minor),
        date: today,
      })),
      paidBySeq,
      carryMinor: creditMinor,
    },
    today,
    rules.graceDays,
    rules.missedToDefault,
  );
  return {
    planId: r.id,
    accountId: r.account_id,
    total: money(Number(r.total_minor), currency),
    downPayment: money(Number(r.down_payment_minor), currency),
    frequency: r.frequency,
    channel: r.channel,
    takenBy: r.taken_by,
    agentId: r.agent_id,
    state: r.state,
    instalments: instalments.map((i) => ({
      seq: i.seq,
      dueDate: i.due_date,
      amount: money(Number(i.amount_minor), currency),
      paid: money(Number(i.paid_minor), currency),
      state: INSTALMENT_STATE[status.instalments.find((s) => s.seq === i.seq)!.status],
    })),
    paid: money(
      instalments.reduce((s, i) => s + Number(i.paid_minor), 0),
      currency,
    ),
    credit: money(creditMinor, currency),
    createdAt: r.created_at,
    cancelledAt: r.cancelled_at ?? undefined,
    cancelledBy: r.cancelled_by ?? '',
    cancelReason: r.cancel_reason ?? '',
  };
}
