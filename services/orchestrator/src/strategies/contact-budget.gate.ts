import { DataSource } from 'typeorm';
import { ContactBudget, StrategyDocument, heldBackByBudget } from './domain';

const DAY_MS = 86_400_000;

/**
 * The daily contact budgets of strategy arms (`arms[].contactBudget`), applied where contacts go
 * out: before the dispatcher sends what fell due, the gate says which due rows wait because their
 * arm has spent its budget for the day (UTC day of the clock). A held row stays `pending` and
 * competes again at the next run; the planner may meanwhile move the account to a later step.
 */
export class ContactBudgetGate {
  constructor(private readonly dataSource: DataSource) {}

  /** Ids of due rows (`pending`, `due_at <= now`) to leave for a later run; `exclude` ids are not candidates. */
  async heldBack(now: Date, exclude: ReadonlySet<string>): Promise<Set<string>> {
    const budgeted = (await this.dataSource.query(
      `SELECT DISTINCT ON (tenant_id, strategy_id) tenant_id, strategy_id, document FROM strategy_version
        WHERE document @> '{"arms":[{"contactBudget":{}}]}'::jsonb
        ORDER BY tenant_id, strategy_id, version DESC`,
    )) as { tenant_id: string; strategy_id: string; document: StrategyDocument }[];
    const budgets = new Map<string, ContactBudget>();
    for (const s of budgeted)
      for (const arm of s.document.arms)
        if (arm.contactBudget) budgets.set(key(s.tenant_id, s.strategy_id, arm.id), arm.contactBudget);
    if (budgets.size === 0) return new Set();

    const dayStart = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS);
    const tenants = [...new Set(budgeted.map((s) => s.tenant_id))];
    const [due, used] = await Promise.all([
      this.dataSource.query(
        `SELECT s.tenant_id, s.id, s.strategy_id, s.arm_id, s.due_at, a.currency, a.score_priority, a.days_past_due
           FROM contact_schedule s
           JOIN planner_account a ON a.tenant_id = s.tenant_id AND a.account_id = s.account_id
          WHERE s.status = 'pending' AND s.due_at <= $1 AND s.tenant_id = ANY ($2)`,
        [now, tenants],
      ) as Promise<
        {
          tenant_id: string;
          id: string;
          strategy_id: string;
          arm_id: string;
          due_at: Date;
          currency: string;
          score_priority: number | null;
          days_past_due: number;
        }[]
      >,
      this.dataSource.query(
        `SELECT tenant_id, strategy_id, arm_id, count(*)::int AS n FROM contact_schedule
          WHERE tenant_id = ANY ($3) AND (status = 'sending' OR (status = 'sent' AND sent_at >= $1 AND sent_at < $2))
          GROUP BY tenant_id, strategy_id, arm_id`,
        [dayStart, new Date(dayStart.getTime() + DAY_MS), tenants],
      ) as Promise<{ tenant_id: string; strategy_id: string; arm_id: string; n: number }[]>,
    ]);
    const usedBy = new Map(used.map((u) => [key(u.tenant_id, u.strategy_id, u.arm_id), u.n]));
    // The strategy key carries the tenant: budgets are per tenant, strategy and arm.
    return heldBackByBudget(
      due
        .filter((r) => !exclude.has(r.id))
        .map((r) => ({
          id: r.id,
          strategyKey: `${r.tenant_id}\u0000${r.strategy_id}`,
          armId: r.arm_id,
          currency: r.currency.trim(),
          priority: r.score_priority === null ? null : Number(r.score_priority),
          daysPastDue: r.days_past_due,
          dueAt: new Date(r.due_at).getTime(),
        })),
      (strategyKey, armId) => budgets.get(`${strategyKey}\u0000${armId}`),
      (strategyKey, armId) => usedBy.get(`${strategyKey}\u0000${armId}`) ?? 0,
    );
  }
}

const key = (tenantId: string, strategyId: string, armId: string) => `${tenantId}\u0000${strategyId}\u0000${armId}`;
