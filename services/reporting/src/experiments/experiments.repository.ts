import { DataSource } from 'typeorm';
import { ArmAccount } from './domain/experiment-results';

/** Reads experiment arms and their cohorts' recovery; every query is scoped to one tenant. */
export class ExperimentsRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Accounts of the arms placed (opened) in the period, in the currency, each with its placed
   * balance (as the KPIs define it) and its net collections up to the end of the period (payments
   * made by then: `paid_on`).
   */
  async armAccounts(q: {
    tenantId: string;
    experiment: string;
    arms: string[];
    currency: string;
    from: string;
    to: string;
  }): Promise<Map<string, ArmAccount[]>> {
    const rows = (await this.db.query(
      `WITH cohort AS (
         SELECT x.arm, a.account_id, a.opened_on FROM experiment_arm_fact x
           JOIN account_fact a ON a.tenant_id = x.tenant_id AND a.account_id = x.account_id
          WHERE x.tenant_id = $1 AND x.experiment = $2 AND x.arm = ANY($3) AND a.currency = $4
            AND a.opened_on BETWEEN $5 AND $6)
       SELECT c.arm, c.account_id,
         coalesce(
           (SELECT b.total_minor FROM balance_fact b
             WHERE b.tenant_id = $1 AND b.account_id = c.account_id AND b.as_of_date <= c.opened_on
             ORDER BY b.as_of_date DESC, b.event_time DESC, b.caused_by_entry_id DESC LIMIT 1),
           (SELECT b.total_minor FROM balance_fact b WHERE b.tenant_id = $1 AND b.account_id = c.account_id
             ORDER BY b.as_of_date, b.event_time, b.caused_by_entry_id LIMIT 1), 0)::bigint AS placed_minor,
         coalesce((SELECT sum(p.amount_minor - coalesce(r.amount_minor, 0)) FROM payment_fact p
             LEFT JOIN payment_reversal_fact r ON r.tenant_id = p.tenant_id AND r.payment_id = p.payment_id
            WHERE p.tenant_id = $1 AND p.account_id = c.account_id AND p.currency = $4
              AND p.paid_on <= $6), 0)::bigint AS collected_minor
         FROM cohort c ORDER BY c.arm, c.account_id`,
      [q.tenantId, q.experiment, q.arms, q.currency, q.from, q.to],
    )) as { arm: string; account_id: string; placed_minor: string; collected_minor: string }[];
    const byArm = new Map<string, ArmAccount[]>(q.arms.map((a) => [a, []]));
    for (const r of rows) {
      byArm.get(r.arm)?.push({ placedMinor: Number(r.placed_minor), collectedMinor: Number(r.collected_minor) });
    }
    return byArm;
  }
}
