import { DataSource, EntityManager } from 'typeorm';

type Db = DataSource | EntityManager;

export interface ContactRulesOverrideRow {
  tenant_id: string;
  jurisdiction: string;
  version: number;
  document: unknown;
  created_at: Date;
}

/** The `contact_rules_override` queries; every one is scoped to a tenant. */
export class ContactRulesRepository {
  /** The override in force (the highest version) of each jurisdiction, for each tenant given. */
  async latestOf(db: Db, tenantIds: readonly string[]): Promise<ContactRulesOverrideRow[]> {
    if (tenantIds.length === 0) return [];
    return (await db.query(
      `SELECT DISTINCT ON (tenant_id, jurisdiction) tenant_id, jurisdiction, version, document, created_at
         FROM contact_rules_override WHERE tenant_id = ANY($1::text[])
        ORDER BY tenant_id, jurisdiction, version DESC`,
      [tenantIds],
    )) as ContactRulesOverrideRow[];
  }

  /** Stores version n+1 (concurrent puts of one tenant and jurisdiction take consecutive versions). */
  async append(
    ds: DataSource,
    tenantId: string,
    jurisdiction: string,
    document: unknown,
    at: Date,
  ): Promise<ContactRulesOverrideRow> {
    return ds.transaction(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(hashtextextended('contact-rules/' || $1 || '/' || $2, 0))`, [
        tenantId,
        jurisdiction,
      ]);
      const [row] = (await m.query(
        `INSERT INTO contact_rules_override (tenant_id, jurisdiction, version, document, created_at)
         SELECT $1, $2, coalesce(max(version), 0) + 1, $3::jsonb, $4
           FROM contact_rules_override WHERE tenant_id = $1 AND jurisdiction = $2
         RETURNING tenant_id, jurisdiction, version, document, created_at`,
        [tenantId, jurisdiction, JSON.stringify(document), at],
      )) as ContactRulesOverrideRow[];
      return row;
    });
  }
}
