import { DataSource } from 'typeorm';

export interface ArmAmount {
  tenantId: string;
  currency: string;
  /** The scoring model that last scored the account (the champion/challenger arm), `unscored` if none. */
  modelVersion: string;
  amountMinor: number;
}

export interface BucketFigure {
  tenantId: string;
  agingBucket: string;
  currency: string;
  accounts: number;
  receivableMinor: number;
}

export interface ContactFigure {
  tenantId: string;
  channel: string;
  allowed: boolean;
  decisions: number;
}

export interface BusinessSnapshot {
  placed: ArmAmount[];
  collected: ArmAmount[];
  buckets: BucketFigure[];
  promisesKept: { tenantId: string; promises: number }[];
  contacts: ContactFigure[];
}

/** An account's arm as the gauges label it. */
const ARM = `coalesce(a.model_version, 'unscored')`;

/**
 * Whole-read-model figures for the business gauges, by tenant (one query each, every tenant at
 * once). The definitions are the KPI read model's (docs/kpis.md): placed balance, net collections
 * (payments less their reversals), latest balance and latest aging bucket of each account.
 */
export class BusinessMetricsRepository {
  constructor(private readonly db: DataSource) {}

  async snapshot(): Promise<BusinessSnapshot> {
    const [placed, collected, buckets, promisesKept, contacts] = await Promise.all([
      this.placed(),
      this.collected(),
      this.buckets(),
      this.promisesKept(),
      this.contacts(),
    ]);
    return { placed, collected, buckets, promisesKept, contacts };
  }

  /** Σ placed balance: the latest balance dated on or before the opening day, else the earliest one. */
  private async placed(): Promise<ArmAmount[]> {
    const rows = (await this.db.query(
      `SELECT tenant_id, currency, arm, sum(total_minor)::bigint AS amount FROM (
         SELECT DISTINCT ON (b.tenant_id, b.account_id) b.tenant_id, a.currency, ${ARM} AS arm, b.total_minor
           FROM balance_fact b JOIN account_fact a ON a.tenant_id = b.tenant_id AND a.account_id = b.account_id
          WHERE a.opened_on IS NOT NULL AND a.currency IS NOT NULL
          ORDER BY b.tenant_id, b.account_id, (b.as_of_date <= a.opened_on) DESC,
                   CASE WHEN b.as_of_date <= a.opened_on THEN b.as_of_date END DESC,
                   CASE WHEN b.as_of_date <= a.opened_on THEN b.event_time END DESC,
                   CASE WHEN b.as_of_date <= a.opened_on THEN b.caused_by_entry_id END DESC,
                   b.as_of_date, b.event_time, b.caused_by_entry_id) placed
        GROUP BY tenant_id, currency, arm`,
    )) as { tenant_id: string; currency: string; arm: string; amount: string }[];
    return rows.map((r) => ({
      tenantId: r.tenant_id,
      currency: r.currency.trim(),
      modelVersion: r.arm,
      amountMinor: Number(r.amount),
    }));
  }

  /** Σ net collections (payments less their reversals) on opened accounts, in the account's currency. */
  private async collected(): Promise<ArmAmount[]> {
    const rows = (await this.db.query(
      `SELECT p.tenant_id, p.currency, ${ARM} AS arm,
              sum(p.amount_minor - coalesce(r.amount_minor, 0))::bigint AS amount
         FROM payment_fact p JOIN account_fact a ON a.tenant_id = p.tenant_id AND a.account_id = p.account_id
         LEFT JOIN payment_reversal_fact r ON r.tenant_id = p.tenant_id AND r.payment_id = p.payment_id
        WHERE a.opened_on IS NOT NULL AND p.currency = a.currency
        GROUP BY p.tenant_id, p.currency, arm`,
    )) as { tenant_id: string; currency: string; arm: string; amount: string }[];
    return rows.map((r) => ({
      tenantId: r.tenant_id,
      currency: r.currency.trim(),
      modelVersion: r.arm,
      amountMinor: Number(r.amount),
    }));
  }

  /** Accounts and their latest balances by their latest aging bucket (`current` without an aging fact). */
  private async buckets(): Promise<BucketFigure[]> {
    const rows = (await this.db.query(
      `SELECT a.tenant_id, a.currency,
              coalesce((SELECT d.aging_bucket FROM delinquency_fact d
                         WHERE d.tenant_id = a.tenant_id AND d.account_id = a.account_id
                         ORDER BY d.as_of_date DESC LIMIT 1), 'current') AS aging_bucket,
              count(*)::int AS accounts,
              coalesce(sum((SELECT b.total_minor FROM balance_fact b
                             WHERE b.tenant_id = a.tenant_id AND b.account_id = a.account_id
                             ORDER BY b.as_of_date DESC, b.event_time DESC, b.caused_by_entry_id DESC LIMIT 1)), 0)::bigint
                AS receivable
         FROM account_fact a WHERE a.opened_on IS NOT NULL AND a.currency IS NOT NULL
        GROUP BY a.tenant_id, a.currency, 3`,
    )) as { tenant_id: string; currency: string; aging_bucket: string; accounts: number; receivable: string }[];
    return rows.map((r) => ({
      tenantId: r.tenant_id,
      currency: r.currency.trim(),
      agingBucket: r.aging_bucket,
      accounts: r.accounts,
      receivableMinor: Number(r.receivable),
    }));
  }

  private async promisesKept(): Promise<{ tenantId: string; promises: number }[]> {
    const rows = (await this.db.query(
      `SELECT tenant_id, count(*)::int AS n FROM promise_kept_fact GROUP BY tenant_id`,
    )) as { tenant_id: string; n: number }[];
    return rows.map((r) => ({ tenantId: r.tenant_id, promises: r.n }));
  }

  private async contacts(): Promise<ContactFigure[]> {
    const rows = (await this.db.query(
      `SELECT tenant_id, channel, allowed, count(*)::int AS n FROM contact_fact GROUP BY tenant_id, channel, allowed`,
    )) as { tenant_id: string; channel: string; allowed: boolean; n: number }[];
    return rows.map((r) => ({ tenantId: r.tenant_id, channel: r.channel, allowed: r.allowed, decisions: r.n }));
  }
}
