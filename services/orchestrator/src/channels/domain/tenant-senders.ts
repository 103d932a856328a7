import { SenderRate, SenderThrottle, SharedRateBuckets } from './rate-limiter';

/**
 * The senders (long codes, caller ids, WhatsApp phone number ids) each tenant sends from: its own
 * when it has some, else the deployment's shared ones (none: the tenant cannot send). A sender is
 * one tenant's or shared, never both, and no two tenants' (refused when built).
 */
export class TenantSenders {
  private readonly owners = new Map<string, string>();
  private readonly own: ReadonlyMap<string, readonly string[]>;

  constructor(
    own: Readonly<Record<string, readonly string[]>>,
    readonly shared: readonly string[],
  ) {
    this.own = new Map(Object.entries(own).filter(([, senders]) => senders.length > 0));
    for (const [tenant, senders] of this.own)
      for (const sender of senders) {
        const owner = this.owners.get(sender);
        if (owner !== undefined && owner !== tenant)
          throw new Error(`sender ${sender} is configured for two tenants: ${owner} and ${tenant}`);
        if (shared.includes(sender)) throw new Error(`sender ${sender} is both shared and tenant ${tenant}'s`);
        this.owners.set(sender, tenant);
      }
  }

  /** Whether any tenant has senders of its own. */
  get perTenant(): boolean {
    return this.own.size > 0;
  }

  /** The tenants with senders of their own, and those senders. */
  tenants(): [string, readonly string[]][] {
    return [...this.own];
  }

  /** Whether the tenant sends from senders of its own (else from the shared ones). */
  hasOwn(tenantId: string | undefined): boolean {
    return tenantId !== undefined && this.own.has(tenantId);
  }

  /** What the tenant's messages go out from: its own senders, else the shared ones. */
  of(tenantId: string | undefined): readonly string[] {
    return (tenantId !== undefined ? this.own.get(tenantId) : undefined) ?? this.shared;
  }

  /** The tenant a sender is configured for; undefined for a shared sender or one we do not know. */
  ownerOf(sender: string): string | undefined {
    return this.owners.get(sender);
  }

  /** A sender configured for a tenant other than `tenantId` (a webhook about it is not this tenant's). */
  isAnotherTenants(sender: string, tenantId: string | undefined): boolean {
    const owner = this.owners.get(sender);
    return owner !== undefined && owner !== tenantId;
  }
}

/**
 * One `SenderThrottle` per pool of a `TenantSenders`: the shared pool and each tenant's own. The
 * buckets are per sender (`<channel>:<sender>`), and no sender is in two pools, so a tenant's
 * numbers have buckets of their own.
 */
export class TenantThrottles {
  private readonly shared?: SenderThrottle;
  private readonly own = new Map<string, SenderThrottle>();

  constructor(
    private readonly senders: TenantSenders,
    channel: string,
    ratePerSecond: SenderRate,
  ) {
    if (senders.shared.length) this.shared = new SenderThrottle(channel, [...senders.shared], ratePerSecond);
    for (const [tenant, own] of senders.tenants())
      this.own.set(tenant, new SenderThrottle(channel, [...own], ratePerSecond));
  }

  /** The throttle of the pool the tenant sends from; undefined when it has none. */
  of(tenantId: string): SenderThrottle | undefined {
    return this.senders.hasOwn(tenantId) ? this.own.get(tenantId) : this.shared;
  }

  /** Keeps every pool's buckets in `buckets` from now on. */
  useShared(buckets: SharedRateBuckets): void {
    this.shared?.useShared(buckets);
    for (const throttle of this.own.values()) throttle.useShared(buckets);
  }
}
