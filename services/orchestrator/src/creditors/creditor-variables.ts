import { EntityManager } from 'typeorm';
import { DEFAULT_ITEMIZATION_REFERENCE, ItemizationReference } from '../policy/domain';
import { MessageVariables } from '../templates/domain';
import { CreditorProfileRepository, profileOfRow } from './creditor-profile.repository';

const repo = new CreditorProfileRepository();

/**
 * What a message to a debtor of `country` takes from the tenant's creditor profile for that
 * country, else its default: the `creditor` and `collector` it names (none when it has neither
 * profile), and the reference date a validation notice is itemized from (the profile's choice,
 * else the last statement date). One read of the profile for both.
 */
export async function creditorFor(
  db: Pick<EntityManager, 'query'>,
  tenantId: string,
  country: string,
): Promise<{
  variables: Pick<MessageVariables, 'creditor' | 'collector'>;
  itemizationReference: ItemizationReference;
}> {
  const row = await repo.forDebtorsOf(db, tenantId, country);
  if (!row) return { variables: {}, itemizationReference: DEFAULT_ITEMIZATION_REFERENCE };
  const p = profileOfRow(row);
  return {
    variables: {
      creditor: {
        name: p.legalName,
        taxIdKind: p.taxId.kind,
        taxId: p.taxId.value,
        address: p.postalAddress,
        phone: p.phone,
      },
      ...(p.collector
        ? {
            collector: {
              name: p.collector.legalName,
              taxIdKind: p.collector.taxId.kind,
              taxId: p.collector.taxId.value,
            },
          }
        : {}),
    },
    itemizationReference: p.itemizationReference ?? DEFAULT_ITEMIZATION_REFERENCE,
  };
}
