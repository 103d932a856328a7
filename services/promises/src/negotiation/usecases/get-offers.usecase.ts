import { promises } from '@collections/contracts';
import { AppError, isCalendarDate, money } from '@collections/platform';
import { ServiceContext } from '@collections/runtime';
import { AccountProfilesRepository, safeLocalDate } from '../../accounts/account-profiles.repository';
import { Frequency } from '../../plans/domain/schedule';
import { SettlementLedger } from '../../settlements/ledger-port';
import { Offers, calculateOffers } from '../domain/offer-calculator';
import { roleOf } from '../domain/negotiation-policy';
import { AccountSegmentsRepository, NegotiationPoliciesRepository } from '../negotiation.repository';

const FREQUENCIES: Partial<Record<promises.PlanFrequency, Frequency>> = {
  [promises.PlanFrequency.PLAN_FREQUENCY_WEEKLY]: 'weekly',
  [promises.PlanFrequency.PLAN_FREQUENCY_BIWEEKLY]: 'biweekly',
  [promises.PlanFrequency.PLAN_FREQUENCY_MONTHLY]: 'monthly',
};

/**
 * What may be offered on an account now, from its ledger standing, its segment, the tenant's limits
 * and the role asking. An account the ledger settled or closed is offered nothing (its standing
 * still answers): a page or an agent's screen shows the balance with no offer, where an error
 * would read as a broken link; accepting anything there is FAILED_PRECONDITION.
 */
export class GetOffersUseCase {
  private readonly profiles = new AccountProfilesRepository();
  private readonly segments = new AccountSegmentsRepository();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly ledger: SettlementLedger,
    private readonly policies: NegotiationPoliciesRepository,
  ) {}

  async execute(tenantId: string, request: promises.GetOffersRequest): Promise<promises.GetOffersResponse> {
    if (!request.accountId) throw AppError.invalid('account_id is required');
    const role = roleOf(request.takenBy);
    const frequency = FREQUENCIES[request.frequency];
    if (!frequency) throw AppError.invalid('frequency must be WEEKLY, BIWEEKLY or MONTHLY');
    const m = this.ctx.dataSource.manager;
    const account = await this.profiles.find(m, tenantId, request.accountId);
    const today = safeLocalDate(this.ctx.clock.now(), account.timeZone);
    const firstDate = request.firstDate || today;
    if (!isCalendarDate(firstDate)) throw AppError.invalid('first_date must be a calendar date YYYY-MM-DD');
    if (firstDate < today) throw AppError.invalid(`first_date ${firstDate} is in the past (today is ${today})`);
    const { balance, daysPastDue } = await this.ledger.standing(tenantId, request.accountId);
    if (account.endedAt) return { balance, daysPastDue, settlement: undefined, plans: [] };
    const offers = calculateOffers({
      balanceMinor: balance.amountMinor,
      currency: balance.currency,
      daysPastDue,
      role,
      segment: await this.segments.find(m, tenantId, request.accountId),
      limits: (await this.policies.find(m, tenantId))!.limits,
      frequency,
      today,
      firstDate,
    });
    return { balance, daysPastDue, ...offersToProto(offers, balance.currency) };
  }
}

/** The proto form of a menu of offers. */
export function offersToProto(
  offers: Offers,
  currency: string,
): Pick<promises.GetOffersResponse, 'settlement' | 'plans'> {
  const m = (minor: number) => money(minor, currency);
  return {
    settlement: offers.settlement && {
      amount: m(offers.settlement.amountMinor),
      discount: m(offers.settlement.discountMinor),
      presentValue: m(offers.settlement.presentValueMinor),
      dueDate: offers.settlement.dueDate,
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
      total: m(p.totalMinor),
      presentValue: m(p.presentValueMinor),
    })),
  };
}
