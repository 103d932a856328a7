import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { MetricsRegistry } from '@collections/platform';
import { SERVICE_CONTEXT, ServiceContext } from '@collections/runtime';
import { BusinessMetricsRepository, BusinessSnapshot } from './business-metrics.repository';

type Gauge = ReturnType<MetricsRegistry['gauge']>;

/** How long one read of the read model serves scrapes. */
const REFRESH_MS = 10_000;

/**
 * The business gauges of the read model, computed on each scrape (one read of the read model per
 * scrape for all of them, shared by the gauges): placed and collected amounts by champion/challenger
 * arm (their ratio is the recovery rate), accounts and receivable by aging bucket, promises kept and
 * contact decisions allowed or refused by policy. Labelled by `tenant_id` (tenants are few) and by
 * small closed sets (currency, model version, aging bucket, channel); never by account or debtor.
 */
@Injectable()
export class ReportingBusinessMetrics implements OnModuleInit {
  private readonly repository: BusinessMetricsRepository;
  private inFlight?: Promise<BusinessSnapshot>;
  private last?: { at: number; snapshot: BusinessSnapshot };

  constructor(@Inject(SERVICE_CONTEXT) private readonly ctx: ServiceContext) {
    this.repository = new BusinessMetricsRepository(ctx.dataSource);
  }

  /**
   * The gauges of one scrape collect concurrently and share one read; a read younger than
   * REFRESH_MS is reused, so scrapers (several Prometheus replicas, a 1 s interval) never put
   * more than one whole-read-model read per REFRESH_MS on the database.
   */
  private snapshot(): Promise<BusinessSnapshot> {
    const now = this.ctx.clock.now().getTime();
    if (this.last && now - this.last.at < REFRESH_MS) return Promise.resolve(this.last.snapshot);
    this.inFlight ??= this.repository
      .snapshot()
      .then((snapshot) => {
        this.last = { at: now, snapshot };
        return snapshot;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }

  onModuleInit(): void {
    const gauge = (
      name: string,
      help: string,
      labelNames: readonly string[],
      fill: (g: Gauge, s: BusinessSnapshot) => void,
    ) =>
      this.ctx.metrics.gauge({
        name,
        help,
        labelNames,
        collect: async (g) => {
          const s = await this.snapshot();
          g.reset();
          fill(g, s);
        },
      });
    const arm = ['tenant_id', 'currency', 'model_version'];

    gauge(
      'reporting_placed_minor',
      'Balance placed with collections (minor units), by the arm that last scored the account',
      arm,
      (g, s) =>
        s.placed.forEach((p) =>
          g.set({ tenant_id: p.tenantId, currency: p.currency, model_version: p.modelVersion }, p.amountMinor),
        ),
    );
    gauge(
      'reporting_collected_minor',
      'Net collections (payments less reversals, minor units) on placed accounts, by arm',
      arm,
      (g, s) =>
        s.collected.forEach((c) =>
          g.set({ tenant_id: c.tenantId, currency: c.currency, model_version: c.modelVersion }, c.amountMinor),
        ),
    );
    gauge('reporting_accounts', 'Accounts by their latest aging bucket', ['tenant_id', 'aging_bucket'], (g, s) => {
      const byBucket = new Map<string, { tenantId: string; agingBucket: string; n: number }>();
      for (const b of s.buckets) {
        const key = `${b.tenantId}\u0000${b.agingBucket}`;
        const row = byBucket.get(key) ?? { tenantId: b.tenantId, agingBucket: b.agingBucket, n: 0 };
        row.n += b.accounts;
        byBucket.set(key, row);
      }
      for (const r of byBucket.values()) g.set({ tenant_id: r.tenantId, aging_bucket: r.agingBucket }, r.n);
    });
    gauge(
      'reporting_receivable_minor',
      'Latest balances (minor units) by aging bucket',
      ['tenant_id', 'currency', 'aging_bucket'],
      (g, s) =>
        s.buckets.forEach((b) =>
          g.set({ tenant_id: b.tenantId, currency: b.currency, aging_bucket: b.agingBucket }, b.receivableMinor),
        ),
    );
    gauge('reporting_promises_kept', 'Promises to pay kept', ['tenant_id'], (g, s) =>
      s.promisesKept.forEach((p) => g.set({ tenant_id: p.tenantId }, p.promises)),
    );
    gauge(
      'reporting_contact_decisions',
      'Contact decisions by channel, allowed or refused by the contact policy',
      ['tenant_id', 'channel', 'allowed'],
      (g, s) =>
        s.contacts.forEach((c) =>
          g.set({ tenant_id: c.tenantId, channel: c.channel, allowed: String(c.allowed) }, c.decisions),
        ),
    );
  }
}
