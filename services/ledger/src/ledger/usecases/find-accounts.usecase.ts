import { ledger } from '@collections/contracts';
import { AppError, isCalendarDate } from '@collections/platform';
import { ServiceContext } from '@collections/runtime';
import { balanceViewOf } from '../balance-view';
import { LedgerRepository } from '../ledger.repository';
import { requireLedgerText } from '../text-limits';

const DEFAULT_PAGE_SIZE = 50;
/** As ListUnmatched's pages, and GetBalance's largest coalesced read: one statement reads them all. */
export const MAX_PAGE_SIZE = 500;

/** Where a page starts: after this account in (opened_on, account_id) order. */
interface PageStart {
  openedOn: string;
  accountId: string;
}

/** FindAccounts, checked when built: exactly one of the reference and the debtor, and the page. */
export class FindAccountsCommand {
  private constructor(
    readonly tenantId: string,
    readonly by: { externalRef: string } | { debtorId: string },
    readonly pageSize: number,
    readonly after: PageStart | null,
  ) {}

  static of(tenantId: string, r: ledger.FindAccountsRequest): FindAccountsCommand {
    if (!r.externalRef === !r.debtorId) throw AppError.invalid('exactly one of external_ref and debtor_id is required');
    requireLedgerText({ external_ref: r.externalRef, debtor_id: r.debtorId });
    const pageSize = r.pageSize || DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE)
      throw AppError.invalid(`page_size must be between 1 and ${MAX_PAGE_SIZE}`);
    const by = r.externalRef ? { externalRef: r.externalRef } : { debtorId: r.debtorId };
    return new FindAccountsCommand(tenantId, by, pageSize, r.pageToken ? pageStartOf(r.pageToken) : null);
  }
}

/** The token of the page after `last`: opaque to callers (base64url of its sort key). */
export const pageTokenAfter = (last: PageStart): string =>
  Buffer.from(JSON.stringify([last.openedOn, last.accountId])).toString('base64url');

function pageStartOf(token: string): PageStart {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  if (!Array.isArray(key) || key.length !== 2 || !isCalendarDate(key[0]) || typeof key[1] !== 'string')
    throw AppError.invalid('page_token is not valid');
  return { openedOn: key[0] as string, accountId: key[1] };
}

/** Each found account's debtors, by role then id (`a`: the account). */
const DEBTORS_OF_ACCOUNT = `(SELECT json_agg(json_build_array(d.debtor_id, d.role) ORDER BY d.role, d.debtor_id)
     FROM account_debtor d WHERE d.tenant_id = a.tenant_id AND d.account_id = a.id) AS debtors`;

/** The account of an integrator's reference ($1 tenant, $2 reference): the unique index (tenant_id, external_ref). */
export const ACCOUNT_BY_EXTERNAL_REF_SQL = `
  SELECT a.id, to_char(a.opened_on, 'YYYY-MM-DD') AS opened_on, ${DEBTORS_OF_ACCOUNT}
    FROM account a WHERE a.tenant_id = $1 AND a.external_ref = $2`;

/**
 * One page of a debtor's accounts ($1 tenant, $2 debtor, after ($3 opened_on, $4 account id), $5
 * rows): the debtor's links by account_debtor_by_debtor (migration 1763900012200), each account by
 * its primary key; a debtor has few, sorted in memory.
 */
export const ACCOUNTS_BY_DEBTOR_SQL = `
  SELECT a.id, to_char(a.opened_on, 'YYYY-MM-DD') AS opened_on, ${DEBTORS_OF_ACCOUNT}
    FROM account_debtor l JOIN account a ON a.tenant_id = l.tenant_id AND a.id = l.account_id
   WHERE l.tenant_id = $1 AND l.debtor_id = $2 AND ($3::date IS NULL OR (a.opened_on, a.id) > ($3::date, $4::text))
   ORDER BY a.opened_on, a.id
   LIMIT $5`;

interface FoundRow {
  id: string;
  opened_on: string;
  debtors: [string, number][] | null;
}

/**
 * Accounts by the integrator's reference, or a debtor's accounts (any role), in the caller's tenant:
 * each with its debtors and its balance total today, as GetBalance answers it (the same read, for the
 * whole page in one statement). Unknown reference or debtor: no accounts. No personal data: the
 * debtors by id and role only.
 */
export class FindAccountsUseCase {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly repo: LedgerRepository,
  ) {}

  async execute(command: FindAccountsCommand): Promise<ledger.FindAccountsResponse> {
    const { tenantId, by, pageSize, after } = command;
    const tx = this.ctx.dataSource.manager;
    const rows = (
      'externalRef' in by
        ? await tx.query(ACCOUNT_BY_EXTERNAL_REF_SQL, [tenantId, by.externalRef])
        : await tx.query(ACCOUNTS_BY_DEBTOR_SQL, [
            tenantId,
            by.debtorId,
            after?.openedOn ?? null,
            after?.accountId ?? '',
            pageSize + 1,
          ])
    ) as FoundRow[];
    const page = rows.slice(0, pageSize);
    // Accounts are never deleted: each found one is read again with its balance, in one snapshot.
    const balances = await this.repo.balanceInputs(
      tx,
      page.map((r) => ({ tenantId, accountId: r.id, asOfDate: null })),
      this.ctx.clock.now(),
    );
    const accounts = page.map((row, i): ledger.FoundAccount => {
      const inputs = balances[i];
      const view = balanceViewOf(row.id, inputs);
      const account = inputs!.account; // balanceViewOf refused a missing one
      return {
        accountId: account.id,
        externalRef: account.external_ref,
        product: account.product,
        currency: account.currency.trim(),
        status: account.status,
        openedOn: account.opened_on,
        timeZone: account.time_zone,
        debtors: (row.debtors ?? []).map(([debtorId, role]) => ({ debtorId, role })),
        balance: view.total,
      };
    });
    const last = page[page.length - 1];
    return {
      accounts,
      nextPageToken: rows.length > pageSize ? pageTokenAfter({ openedOn: last.opened_on, accountId: last.id }) : '',
    };
  }
}
