import { promises } from '@collections/contracts';
import { AppError, money } from '@collections/platform';
import { ServiceContext } from '@collections/runtime';
import { AccountProfilesRepository } from '../../accounts/account-profiles.repository';
import { Frequency } from '../../plans/domain/schedule';
import { SettlementLedger } from '../../settlements/ledger-port';
import { calculateOffers, roleLimit } from '../domain/offer-calculator';

const FREQUENCIES: Partial<Record<promises.PlanFrequency, Frequency>> = {
  [promises.PlanFrequency.PLAN_FREQUENCY_WEEKLY]: 'weekly',
  [promises.PlanFrequency.PLAN_FREQUENCY_BIWEEKLY]: 'biweekly',
  [promises.PlanFrequency.PLAN_FREQUENCY_MONTHLY]: 'monthly',
};

/** What may be offered on an account now, from its ledger standing and the role asking. */
export class GetOffersUseCase {
  private readonly profiles = new AccountProfilesRepository();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly ledger: SettlementLedger,
  ) {}

  async execute(tenantId: string, request: promises.GetOffersRequest): Promise<promises.GetOffersResponse> {
    if (!request.accountId) throw AppError.invalid('account_id is required');
    roleLimit(request.takenBy);
    const frequency = FREQUENCIES[request.frequency];
    if (!frequency) throw AppError.invalid('frequency must be WEEKLY, BIWEEKLY or MONTHLY');
    const today = await this.profiles.localDate(
      this.ctx.dataSource.manager,
      tenantId,
      request.accountId,
      this.ctx.clock.now(),
    );
    const firstDate = request.firstDate || today;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(firstDate) || Number.isNaN(Date.parse(`${firstDate}T00:00:00Z`)))
      throw AppError.invalid('first_date must be a calendar date YYYY-MM-DD');
    if (firstDate < today) throw AppError.invalid(`first_date ${firstDate} is in the past (today is ${today})`);
    const { balance, daysPastDue } = await this.ledger.standing(tenantId, request.accountId);
    const offers = calculateOffers({
      balanceMinor: balance.amountMinor,
      daysPastDue,
      takenBy: request.takenBy,
      frequency,
      firstDate,
    });
    const m = (minor: number) => money(minor, balance.currency);
    return {
      balance,
      daysPastDue,
      settlement: offers.settlement && {
        amount: m(offers.settlement.amountMinor),
        discount: m(offers.settlement.discountMinor),
      },
      plans: offers.plans.map((p) => ({
        instalmentCount: p.instalments,
        downPayment: m(p.downPaymentMinor),
        schedule: p.schedule.map((i) => ({
          seq: i.seq,
          dueDate: i.dueDate,
          amount: m(i.amountMinor),
          paid: m(0),
          state: promises.InstalmentState.INSTALMENT_STATE_OPEN,
        })),
      })),
    };
  }
}
