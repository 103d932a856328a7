import { performance } from 'node:perf_hooks';
import { DataSource, EntityManager } from 'typeorm';
import { Jurisdiction, TenantRules, tenantRulesOf } from './domain';
import { RULE_PACKS } from './packs';
import { ContactRulesOverrideRow, ContactRulesRepository } from './contact-rules.repository';

type Db = DataSource | EntityManager;

/** How long a replica may decide with a tenant's rules as it last read them (see the policy README). */
export const TENANT_RULES_MAX_AGE_MS = 5_000;

interface Entry {
  readonly loadedAt: number;
  /** A jurisdiction's rules, or why its stored override cannot be applied; absent: the base pack. */
  readonly byJurisdiction: ReadonlyMap<string, TenantRules | Error>;
  readonly rows: ReadonlyMap<string, ContactRulesOverrideRow>;
}

/** A tenant's rules for any jurisdiction, resolved from one read of its overrides. */
export type RulesOfTenant = (jurisdiction: Jurisdiction) => TenantRules;

/**
 * Each tenant's effective packs, kept in memory: every decision (planning, the daily run, the
 * send-time check, an agent's claim, rendering) asks here. A put on this replica invalidates the
 * tenant at once; another replica reads the tenant's overrides again once its copy is
 * `maxAgeMs` old, so a change binds everywhere within that (default 5 s). The age is measured
 * on the process's monotonic clock, not the business clock, which tests move back and forth.
 */
export class TenantRulePacks {
  private readonly entries = new Map<string, Entry>();
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(
    private readonly repo = new ContactRulesRepository(),
    options: { maxAgeMs?: number; now?: () => number } = {},
  ) {
    this.maxAgeMs = options.maxAgeMs ?? TENANT_RULES_MAX_AGE_MS;
    this.now = options.now ?? (() => performance.now());
  }

  async of(db: Db, tenantId: string, jurisdiction: Jurisdiction): Promise<TenantRules> {
    return (await this.ofTenants(db, [tenantId])).get(tenantId)!(jurisdiction);
  }

  /** The override row in force, if any (as cached). */
  async overrideOf(db: Db, tenantId: string, jurisdiction: Jurisdiction): Promise<ContactRulesOverrideRow | undefined> {
    await this.ofTenants(db, [tenantId]);
    return this.entries.get(tenantId)?.rows.get(jurisdiction);
  }

  /** Rules of every tenant given, reading the overrides of those not fresh in memory in one query. */
  async ofTenants(db: Db, tenantIds: Iterable<string>): Promise<Map<string, RulesOfTenant>> {
    const now = this.now();
    const wanted = [...new Set(tenantIds)];
    const stale = wanted.filter((t) => {
      const e = this.entries.get(t);
      return !e || now - e.loadedAt >= this.maxAgeMs;
    });
    if (stale.length) {
      const rows = await this.repo.latestOf(db, stale);
      for (const tenantId of stale) {
        const mine = rows.filter((r) => r.tenant_id === tenantId);
        const byJurisdiction = new Map<string, TenantRules | Error>();
        for (const row of mine) {
          const base = RULE_PACKS[row.jurisdiction as Jurisdiction];
          if (!base) continue;
          try {
            byJurisdiction.set(row.jurisdiction, tenantRulesOf(base, tenantId, row));
          } catch (err) {
            byJurisdiction.set(row.jurisdiction, err as Error);
          }
        }
        this.entries.set(tenantId, {
          loadedAt: now,
          byJurisdiction,
          rows: new Map(mine.map((r) => [r.jurisdiction, r])),
        });
      }
    }
    const result = new Map<string, RulesOfTenant>();
    for (const tenantId of wanted) {
      const entry = this.entries.get(tenantId)!;
      result.set(tenantId, (jurisdiction) => {
        const rules = entry.byJurisdiction.get(jurisdiction);
        // A stored override the current base pack no longer accepts: no contact rather than the
        // looser base pack; the error names what to fix.
        if (rules instanceof Error) throw rules;
        const base = RULE_PACKS[jurisdiction];
        return rules ?? { pack: base, basePackVersion: base.version, overrideVersion: null };
      });
    }
    return result;
  }

  /** Forget the tenant's rules: the next decision reads them again. */
  invalidate(tenantId: string): void {
    this.entries.delete(tenantId);
  }
}
