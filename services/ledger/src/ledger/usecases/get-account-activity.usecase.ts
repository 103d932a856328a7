import { ledger } from '@collections/contracts';
import { AppError } from '@collections/platform';
import { ServiceContext } from '@collections/runtime';
import { balanceViewOf, journalEntryView, validDate } from '../balance-view';
import { AccountDates, LedgerRepository } from '../ledger.repository';

const { ActivityFrom } = ledger;

/**
 * What moved an account's debt from the end of a date to today (GetAccountActivity): the balance
 * then, the entries since, the balance now, read in one transaction that holds the account's row
 * share-locked, so no posting to it commits between the three reads (a posting locks it for
 * update) and the balances always equal the opening plus the entries.
 */
export class GetAccountActivityUseCase {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly repo: LedgerRepository,
  ) {}

  async execute(
    tenantId: string,
    request: ledger.GetAccountActivityRequest,
  ): Promise<ledger.GetAccountActivityResponse> {
    return this.ctx.dataSource.transaction(async (tx) => {
      const now = this.ctx.clock.now();
      // The account first: another tenant's id is not found, whatever else the request says.
      const dates = await this.repo.accountDates(tx, tenantId, request.accountId, now);
      if (!dates) throw AppError.notFound(`account ${request.accountId} does not exist`);
      const asked = request.fromDate ? validDate(request.fromDate, 'from_date') : undefined;
      const references = request.from.filter((f) => f !== ActivityFrom.ACTIVITY_FROM_UNSPECIFIED);
      if (!asked && references.length === 0)
        throw AppError.invalid('from_date or from is required', { accountId: request.accountId });
      let fromDate = asked;
      let fromReference = ActivityFrom.ACTIVITY_FROM_UNSPECIFIED;
      for (const reference of asked ? [] : references) {
        const date = dateOf(dates, reference);
        if (date) {
          fromDate = date;
          fromReference = reference;
          break;
        }
      }
      if (!fromDate)
        throw AppError.failedPrecondition(`account ${request.accountId} has none of the dates asked to read from`, {
          from: references.map((f) => ledger.activityFromToJSON(f)),
        });
      if (fromDate > dates.today)
        throw AppError.invalid('from_date must not be after today in the account’s time zone', {
          fromDate,
          today: dates.today,
        });
      const [opening, closing] = await this.repo.balanceInputs(
        tx,
        [
          { tenantId, accountId: request.accountId, asOfDate: fromDate },
          { tenantId, accountId: request.accountId, asOfDate: dates.today },
        ],
        now,
      );
      const entries = await this.repo.entriesBetween(tx, tenantId, request.accountId, fromDate, dates.today);
      return {
        accountId: request.accountId,
        fromDate,
        fromReference,
        opening: balanceViewOf(request.accountId, opening),
        // Memos are free text that may name the debtor: the activity's readers need amounts and dates only.
        entries: entries.map((e) => journalEntryView(e, '')),
        closing: balanceViewOf(request.accountId, closing),
      };
    });
  }
}

/** The account's date `reference` names, null when it has none on or before today (see `ActivityFrom`). */
function dateOf(dates: AccountDates, reference: ledger.ActivityFrom): string | null {
  switch (reference) {
    case ActivityFrom.ACTIVITY_FROM_LAST_STATEMENT:
      return dates.last_statement_date;
    case ActivityFrom.ACTIVITY_FROM_OPENED_ON:
      return dates.account.opened_on;
    case ActivityFrom.ACTIVITY_FROM_CHARGE_OFF:
      return dates.charged_off_on;
    case ActivityFrom.ACTIVITY_FROM_LAST_PAYMENT:
      return dates.last_payment_date;
    default:
      return null;
  }
}
