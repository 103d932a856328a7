import { ledger } from '@collections/contracts';
import { ServiceContext } from '@collections/runtime';
import { balanceViewOf, validDate } from '../balance-view';
import { BalanceRequest, LedgerRepository } from '../ledger.repository';

/** Most balances one coalesced read carries. */
const MAX_BATCH = 500;
/** Reads running at once: the rest of the pool stays for postings. */
const MAX_IN_FLIGHT = 2;

interface PendingRead {
  request: BalanceRequest;
  resolve: (view: ledger.BalanceView) => void;
  reject: (err: unknown) => void;
}

/**
 * Balance and delinquency of an account as of a date (default: today in the account's zone).
 *
 * Concurrent reads share one statement (the reads' counterpart of the postings' group commit): a
 * read queues, and a statement takes whatever is queued, whatever the tenants, when fewer than
 * MAX_IN_FLIGHT are running. A read never joins a statement already sent, so it sees every posting
 * committed before it arrived, as a statement of its own would; with one caller nothing waits.
 * A read of an unknown account fails alone.
 */
export class GetBalanceUseCase {
  private readonly queue: PendingRead[] = [];
  private inFlight = 0;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly repo: LedgerRepository,
  ) {}

  execute(tenantId: string, accountId: string, asOfDate?: string): Promise<ledger.BalanceView> {
    let request: BalanceRequest;
    try {
      request = { tenantId, accountId, asOfDate: asOfDate ? validDate(asOfDate, 'as_of_date') : null };
    } catch (err) {
      return Promise.reject(err); // refused before it queues
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      this.inFlight++;
      this.repo
        .balanceInputs(
          this.ctx.dataSource.manager,
          batch.map((p) => p.request),
          this.ctx.clock.now(),
        )
        .then(
          (inputs) =>
            batch.forEach((p, i) => {
              try {
                p.resolve(balanceViewOf(p.request.accountId, inputs[i]));
              } catch (err) {
                p.reject(err);
              }
            }),
          (err: unknown) => batch.forEach((p) => p.reject(err)),
        )
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
  }
}
