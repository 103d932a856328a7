import { EntityManager } from 'typeorm';
import { DEFAULT_ITEMIZATION_REFERENCE, ItemizationReference } from '../policy/domain';
import { MessageVariables } from '../templates/domain';
import { CreditorProfileRepository, profileOfRow } from './creditor-profile.repository';

const repo = new CreditorProfileRepository();

/**
 * The `creditor` and `collector` a message to a debtor of `country` names: the tenant's creditor
 * profile for that country, else its default; none when it has neither.
 */
export async function creditorVariablesFor(
  db: Pick<EntityManager, 'query'>,
  tenantId: string,
  country: string,
): Promise<Pick<MessageVariables, 'creditor' | 'collector'>> {
  const row = await repo.forDebtorsOf(db, tenantId, country);
  if (!row) return {};
  const p = profileOfRow(row);
  return {
    creditor: {
      name: p.legalName,
      taxIdKind: p.taxId.kind,
      taxId: p.taxId.value,
      address: p.postalAddress,
      phone: p.phone,
    },
    ...(p.collector
      ? {
          collector: { name: p.collector.legalName, taxIdKind: p.collector.taxId.kind, taxId: p.collector.taxId.value },
        }
      : {}),
  };
}

/**
 * The reference date a validation notice to a debtor of `country` is itemized from: the choice on
 * the profile that names the creditor to them (the country's, else the default), else the last
 * statement date.
 */
export async function itemizationReferenceFor(
  db: Pick<EntityManager, 'query'>,
  tenantId: string,
  country: string,
): Promise<ItemizationReference> {
  const row = await repo.forDebtorsOf(db, tenantId, country);
  return row?.itemization_reference ?? DEFAULT_ITEMIZATION_REFERENCE;
}
