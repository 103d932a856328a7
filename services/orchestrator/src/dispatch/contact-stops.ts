import { DataSource, EntityManager } from 'typeorm';
import { holdsOnAccount } from '../planning/domain/contact-plan';
import { DebtorRow, ScheduleRow } from '../planning/planner.repository';

/**
 * Why a contact already `sending` but not out yet (a letter waiting for its print batch, a row a
 * process left mid-send) is no longer wanted, if it is not: the account paid in full
 * (`stop:payment`), the debtor is now under a hold, or another party to the account under one that
 * stops contact about it (`stop:hold:<kinds>`, `holdsOnAccount`), or opted out of the row's
 * channel (`stop:opt_out`). `debtor` is the account's debtor as `PlannerRepository.debtorOf` reads it.
 */
export async function stopOf(
  db: DataSource | EntityManager,
  row: ScheduleRow,
  debtor: DebtorRow | undefined,
): Promise<string | undefined> {
  const [account] = (await db.query(
    `SELECT balance_known, balance_minor FROM planner_account WHERE tenant_id = $1 AND account_id = $2`,
    [row.tenant_id, row.account_id],
  )) as { balance_known: boolean; balance_minor: string }[];
  if (account?.balance_known && Number(account.balance_minor) <= 0) return 'stop:payment';
  const holds = debtor ? holdsOnAccount(debtor) : [];
  if (holds.length) return `stop:hold:${holds.join(',')}`;
  if (debtor?.optedOut.includes(row.channel)) return 'stop:opt_out';
  return undefined;
}
