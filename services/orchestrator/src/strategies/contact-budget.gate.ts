import { DataSource } from 'typeorm';
import { ContactBudget, StrategyDocument, daysPastDue, heldBackByBudget } from './domain';

const DAY_MS = 86_400_000;

/**
 * The daily contact budgets of strategy arms (`arms[].contactBudget`), applied where contacts go
 * out: before the dispatcher sends what fell due, the gate says which due rows wait because their
 * arm has spent its budget for the day (UTC day of the clock). A held row stays `pending` and
 * competes again at the next run; the planner may meanwhile move the account to a later step.
 */
export class ContactBudgetGate {
  /**
   * The arms' budgets of each strategy version seen (null: none), by tenant, strategy and version.
   * A version is never changed once written (a change is a new version), so what a version says
   * is read once, not on every pass of the dispatcher.
   */
  private readonly versions = new Map<string, ReadonlyMap<string, ContactBudget> | null>();

  constructor(private readonly dataSource: DataSource) {}

  /** Ids of due rows (`pending`, `due_at <= now`) to leave for a later run; `exclude` ids are not candidates. */
  async heldBack(now: Date, exclude: ReadonlySet<string>): Promise<Set<string>> {
    const budgets = await this.budgets();
    if (budgets.size === 0) return new Set();
    const tenants = [...new Set([...budgets.values()].map((b) => b.tenantId))];
    const dayStart = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS);
    const today = dayStart.toISOString().slice(0, 10);
    const [due, used] = await Promise.all([
      this.dataSource.query(
        `SELECT s.tenant_id, s.id, s.strategy_id, s.arm_id, s.due_at, a.currency, a.score_priority, a.days_past_due,
                a.oldest_unpaid_due_date
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
          oldest_unpaid_due_date: string | null;
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
          // From the ledger's oldest unpaid due date to the clock's (UTC) day when the ledger told one:
          // a stored count goes stale as days pass.
          daysPastDue: r.oldest_unpaid_due_date ? daysPastDue(r.oldest_unpaid_due_date, today) : r.days_past_due,
          dueAt: new Date(r.due_at).getTime(),
        })),
      (strategyKey, armId) => budgets.get(`${strategyKey}\u0000${armId}`)?.budget,
      (strategyKey, armId) => usedBy.get(`${strategyKey}\u0000${armId}`) ?? 0,
    );
  }

  /**
   * The budget of every arm, by tenant, strategy and arm: from each strategy's latest version. One look at the versions' keys per call; documents only of versions not seen yet.
   */
  private async budgets(): Promise<Map<string, { tenantId: string; budget: ContactBudget }>> {
    const all = (await this.dataSource.query(
      `SELECT tenant_id, strategy_id, version FROM strategy_version ORDER BY tenant_id, strategy_id, version DESC`,
    )) as { tenant_id: string; strategy_id: string; version: number }[];
    const unseen = all.filter((v) => !this.versions.has(key(v.tenant_id, v.strategy_id, String(v.version))));
    if (unseen.length > 0) {
      const documents = (await this.dataSource.query(
        `SELECT s.tenant_id, s.strategy_id, s.version, s.document FROM strategy_version s
           JOIN unnest($1::text[], $2::text[], $3::int[]) AS u(tenant_id, strategy_id, version)
             ON s.tenant_id = u.tenant_id AND s.strategy_id = u.strategy_id AND s.version = u.version`,
        [unseen.map((v) => v.tenant_id), unseen.map((v) => v.strategy_id), unseen.map((v) => v.version)],
      )) as { tenant_id: string; strategy_id: string; version: number; document: StrategyDocument }[];
      for (const d of documents) {
        const arms = new Map<string, ContactBudget>();
        for (const arm of d.document.arms ?? []) if (arm.contactBudget) arms.set(arm.id, arm.contactBudget);
        this.versions.set(key(d.tenant_id, d.strategy_id, String(d.version)), arms.size > 0 ? arms : null);
      }
    }
    const budgets = new Map<string, { tenantId: string; budget: ContactBudget }>();
    const done = new Set<string>();
    // Newest first: a strategy's latest version is the one that counts, even when it has dropped
    // the budgets an older version had (then nothing of that strategy is held back).
    for (const v of all) {
      const strategy = `${v.tenant_id}\u0000${v.strategy_id}`;
      if (done.has(strategy)) continue;
      done.add(strategy);
      const arms = this.versions.get(key(v.tenant_id, v.strategy_id, String(v.version)));
      if (!arms) continue;
      for (const [armId, budget] of arms)
        budgets.set(key(v.tenant_id, v.strategy_id, armId), { tenantId: v.tenant_id, budget });
    }
    return budgets;
  }
}

const key = (tenantId: string, strategyId: string, armId: string) => `${tenantId}\u0000${strategyId}\u0000${armId}`;
