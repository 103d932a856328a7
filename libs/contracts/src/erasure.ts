import { DebtorUpserted } from './generated/collections/ledger/v1/ledger';

/**
 * Whether a DebtorUpserted is the ledger's erasure of the debtor (EraseDebtor) rather than an
 * upsert: `erased`, or, from a ledger before that field, no time zone and no country (an upsert
 * always carries both: the ledger requires the country and defaults the zone to UTC). Every
 * consumer then erases its own copies of what identifies the person.
 */
export function isDebtorErasure(d: DebtorUpserted): boolean {
  return d.erased || (!d.timeZone && !d.country);
}
