import { common, ledger, ledgerLifecycle } from '@collections/contracts';
import { AppError, localDate, money } from '@collections/platform';
import { ServiceContext } from '@collections/runtime';
import { validDate } from '../balance-view';
import { coverDues } from '../domain/delinquency';
import { Instalment, instalmentDues, validateSchedule } from '../domain/instalments';
import { LifecycleRepository } from '../lifecycle.repository';
import { LedgerRepository } from '../ledger.repository';

/** Products repaid in instalments; revolving products use statement cycles instead. */
const LOAN_PRODUCTS = new Set<number>([ledger.Product.PRODUCT_PERSONAL_LOAN, ledger.Product.PRODUCT_BNPL]);

function amountIn(m: common.Money | undefined, currency: string, field: string): number {
  if (!m) return 0;
  const checked = money(m.amountMinor, m.currency || currency);
  if (checked.currency !== currency)
    throw AppError.invalid(`${field} currency ${checked.currency} differs from the account currency ${currency}`);
  return checked.amountMinor;
}

/**
 * Loan instalment schedules: stored per tenant and account, they fall due like statement
 * minimums, so days past due of a loan come from its unpaid instalments (credits pay the
 * oldest first, one definition in domain/delinquency).
 */
export class InstalmentsUseCase {
  private readonly lifecycle = new LifecycleRepository();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly repo: LedgerRepository,
  ) {}

  async setSchedule(
    tenantId: string,
    r: ledgerLifecycle.SetInstalmentScheduleRequest,
  ): Promise<ledgerLifecycle.SetInstalmentScheduleResponse> {
    if (!r.accountId) throw AppError.invalid('account_id is required');
    return this.ctx.dataSource.transaction(async (tx) => {
      const account = await this.repo.findAccount(tx, tenantId, r.accountId, true);
      if (!account) throw AppError.notFound(`account ${r.accountId} does not exist`);
      if (!LOAN_PRODUCTS.has(account.product))
        throw AppError.failedPrecondition('only loans (personal loan, BNPL) have instalment schedules');
      const currency = account.currency.trim();
      const instalments: Instalment[] = r.instalments.map((i, at) => ({
        number: i.number,
        dueDate: validDate(i.dueDate, `instalments[${at}].due_date`),
        principal: amountIn(i.principal, currency, `instalments[${at}].principal`),
        interest: amountIn(i.interest, currency, `instalments[${at}].interest`),
      }));
      const problems = validateSchedule(instalments, await this.lifecycle.loanPrincipal(tx, tenantId, account.id));
      if (problems.length) throw AppError.invalid(`invalid instalment schedule: ${problems.join('; ')}`, { problems });
      await this.lifecycle.replaceSchedule(tx, tenantId, account.id, instalments);
      const totalDue = instalments.reduce((s, i) => s + i.principal + i.interest, 0);
      return { instalments: instalments.length, totalDue: money(totalDue, currency) };
    });
  }

  async getSchedule(tenantId: string, accountId: string): Promise<ledgerLifecycle.GetInstalmentScheduleResponse> {
    const tx = this.ctx.dataSource.manager;
    const account = await this.repo.findAccount(tx, tenantId, accountId);
    if (!account) throw AppError.notFound(`account ${accountId} does not exist`);
    const currency = account.currency.trim();
    const { instalments, credits } = await this.lifecycle.scheduleAndCredits(tx, tenantId, account.id);
    const today = localDate(this.ctx.clock.now(), account.time_zone);
    // Due dates strictly increase, so the covered dues come back in instalment order.
    const covered = coverDues(instalmentDues(instalments), credits, today);
    return {
      instalments: instalments.map((i, at) => ({
        number: i.number,
        dueDate: i.dueDate,
        principal: money(i.principal, currency),
        interest: money(i.interest, currency),
        paid: money(covered[at]?.covered ?? 0, currency),
      })),
    };
  }
}
