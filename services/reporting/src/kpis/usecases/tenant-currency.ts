import { AppError } from '@collections/platform';
import { KpisRepository } from '../kpis.repository';

/**
 * The currency a query is in: the one asked for, else the tenant's only one. Amounts of
 * different currencies never add up, so a tenant with several must name one.
 */
export async function tenantCurrency(repo: KpisRepository, tenantId: string, asked: string | null): Promise<string> {
  if (asked) return asked;
  const currencies = await repo.currencies(tenantId);
  if (currencies.length > 1) {
    throw AppError.invalid(`the tenant has accounts in ${currencies.join(', ')}: name one currency`, { currencies });
  }
  return currencies[0] ?? 'XXX';
}
