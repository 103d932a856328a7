import { ledgerLifecycle } from '@collections/contracts';
import { AppError, TENANT_CONFIGURATION_ROLES, currentPrincipal, requireRole } from '@collections/platform';
import { ServiceContext } from '@collections/runtime';
import { AgingBucket, DEFAULT_AGING_BUCKETS, validateAgingBuckets, withCurrentBucket } from '../domain/delinquency';
import { LifecycleRepository } from '../lifecycle.repository';

function toProto(b: AgingBucket): ledgerLifecycle.AgingBucket {
  return { label: b.name, minDays: b.min, maxDays: b.max ?? undefined };
}

/** Each tenant's aging buckets; postings, balance views and the daily run read them. Changing them is the tenant's configuration (admin). */
export class AgingBucketsUseCase {
  private readonly lifecycle = new LifecycleRepository();

  constructor(private readonly ctx: ServiceContext) {}

  async set(
    tenantId: string,
    r: ledgerLifecycle.SetAgingBucketsRequest,
  ): Promise<ledgerLifecycle.SetAgingBucketsResponse> {
    requireRole(currentPrincipal(), TENANT_CONFIGURATION_ROLES, "changing the tenant's aging buckets");
    const buckets: AgingBucket[] = r.buckets.map((b) => ({
      name: b.label.trim(),
      min: b.minDays,
      max: b.maxDays ?? null,
    }));
    const problems = validateAgingBuckets(buckets);
    if (problems.length) throw AppError.invalid(`invalid aging buckets: ${problems.join('; ')}`, { problems });
    const stored = withCurrentBucket(buckets);
    await this.lifecycle.saveAgingBuckets(this.ctx.dataSource.manager, tenantId, stored, this.ctx.clock.now());
    return { buckets: stored.map(toProto) };
  }

  async get(tenantId: string): Promise<ledgerLifecycle.GetAgingBucketsResponse> {
    const stored = await this.lifecycle.agingBuckets(this.ctx.dataSource.manager, tenantId);
    return { buckets: (stored ?? DEFAULT_AGING_BUCKETS).map(toProto), isDefault: !stored };
  }
}
