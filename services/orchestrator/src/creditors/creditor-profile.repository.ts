import { EntityManager } from 'typeorm';
import { CreditorOnRecord, ItemizationReference, TaxIdKind } from '../policy/domain';
import { CreditorProfile } from './domain';

type Db = Pick<EntityManager, 'query'>;

export interface CreditorProfileRow {
  tenant_id: string;
  country: string;
  legal_name: string;
  tax_id_kind: TaxIdKind;
  tax_id: string;
  postal_address: string;
  phone: string;
  collector_legal_name: string | null;
  collector_tax_id_kind: TaxIdKind | null;
  collector_tax_id: string | null;
  itemization_reference: ItemizationReference | null;
  updated_at: Date;
}

/**
 * The creditor on record for debtors of `country` (SQL expressions over the tenant and the
 * debtor's country): the tenant's profile for that country, else its default, as the contact law
 * reads it (`CreditorOnRecord` as JSON), or NULL when there is neither.
 */
export const creditorOnRecordSql = (tenant: string, country: string) =>
  `(SELECT json_build_object('taxIdKind', c.tax_id_kind, 'postalAddress', c.postal_address <> '', 'phone', c.phone <> '')
      FROM creditor_profile c WHERE c.tenant_id = ${tenant} AND c.country IN (btrim(${country}), '')
     ORDER BY c.country DESC LIMIT 1)`;

/** `creditorOnRecordSql`'s column as the contact law takes it: null with no profile. */
export const creditorOnRecordOf = (json: CreditorOnRecord | null | undefined): CreditorOnRecord | null =>
  json ? { taxIdKind: json.taxIdKind, postalAddress: json.postalAddress === true, phone: json.phone === true } : null;

export const profileOfRow = (row: CreditorProfileRow): CreditorProfile & { updatedAt: Date } => ({
  country: row.country,
  legalName: row.legal_name,
  taxId: { kind: row.tax_id_kind, value: row.tax_id },
  postalAddress: row.postal_address,
  phone: row.phone,
  ...(row.collector_legal_name !== null && row.collector_tax_id_kind !== null && row.collector_tax_id !== null
    ? {
        collector: {
          legalName: row.collector_legal_name,
          taxId: { kind: row.collector_tax_id_kind, value: row.collector_tax_id },
        },
      }
    : {}),
  ...(row.itemization_reference !== null ? { itemizationReference: row.itemization_reference } : {}),
  updatedAt: row.updated_at,
});

/** Queries over `creditor_profile`, always within one tenant. */
export class CreditorProfileRepository {
  async put(db: Db, tenantId: string, p: CreditorProfile, now: Date): Promise<CreditorProfileRow> {
    const [row] = (await db.query(
      `INSERT INTO creditor_profile (tenant_id, country, legal_name, tax_id_kind, tax_id, postal_address, phone,
              collector_legal_name, collector_tax_id_kind, collector_tax_id, itemization_reference, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $12, $11)
       ON CONFLICT (tenant_id, country) DO UPDATE SET
         legal_name = EXCLUDED.legal_name, tax_id_kind = EXCLUDED.tax_id_kind, tax_id = EXCLUDED.tax_id,
         postal_address = EXCLUDED.postal_address, phone = EXCLUDED.phone,
         collector_legal_name = EXCLUDED.collector_legal_name, collector_tax_id_kind = EXCLUDED.collector_tax_id_kind,
         collector_tax_id = EXCLUDED.collector_tax_id, itemization_reference = EXCLUDED.itemization_reference,
         updated_at = EXCLUDED.updated_at
       RETURNING *`,
      [
        tenantId,
        p.country,
        p.legalName,
        p.taxId.kind,
        p.taxId.value,
        p.postalAddress,
        p.phone,
        p.collector?.legalName ?? null,
        p.collector?.taxId.kind ?? null,
        p.collector?.taxId.value ?? null,
        now,
        p.itemizationReference ?? null,
      ],
    )) as CreditorProfileRow[];
    return row;
  }

  /** The tenant's profile stored for exactly `country` ('' for its default). */
  async get(db: Db, tenantId: string, country: string): Promise<CreditorProfileRow | undefined> {
    const [row] = (await db.query(`SELECT * FROM creditor_profile WHERE tenant_id = $1 AND country = $2`, [
      tenantId,
      country,
    ])) as CreditorProfileRow[];
    return row;
  }

  /** The profile that names the creditor to a debtor of `country`: the country's own, else the default. */
  async forDebtorsOf(db: Db, tenantId: string, country: string): Promise<CreditorProfileRow | undefined> {
    const [row] = (await db.query(
      `SELECT * FROM creditor_profile WHERE tenant_id = $1 AND country IN (btrim($2), '') ORDER BY country DESC LIMIT 1`,
      [tenantId, country],
    )) as CreditorProfileRow[];
    return row;
  }

  async list(db: Db, tenantId: string): Promise<CreditorProfileRow[]> {
    return (await db.query(`SELECT * FROM creditor_profile WHERE tenant_id = $1 ORDER BY country`, [
      tenantId,
    ])) as CreditorProfileRow[];
  }
}
