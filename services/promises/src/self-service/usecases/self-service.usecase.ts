import { promises } from '@collections/contracts';
import { AppError, KeyedSecret, PaymentLinkSigner } from '@collections/platform';
import { RateLimit, RateWindows, ServiceContext } from '@collections/runtime';
import { AccountProfilesRepository, refuseEnded } from '../../accounts/account-profiles.repository';
import { GetOffersUseCase } from '../../negotiation/usecases/get-offers.usecase';
import { CreatePlanUseCase } from '../../plans/usecases/create-plan.usecase';
import { CreateSettlementUseCase } from '../../settlements/usecases/create-settlement.usecase';

export interface SelfServiceSettings {
  /**
   * PAYMENT_LINK_SECRET, shared with the orchestrator that issues the links: one secret, or during
   * a rotation the keys (`parseLinkSecrets`), each link verified under the key it names; without
   * it self-service is off.
   */
  secret?: string | readonly KeyedSecret[];
  perToken: RateLimit;
  perClient: RateLimit;
}

/** Who is asking: the payment-link token and the client's address. */
export interface SelfServiceCaller {
  token: string | undefined;
  clientAddress: string;
}

const SETTLEMENT = 'settlement';
const planOfferId = (instalments: number) => `plan-${instalments}`;

/**
 * The debtor's side of a payment link: their balance and the offers self-service may grant, and
 * accepting one, for exactly the tenant and account the link was signed for. Rate limited per
 * client address (before the token is even read, so guessing tokens is slow) and per token, in
 * windows every replica shares (PostgreSQL), so more replicas do not mean more requests.
 */
export class SelfServiceUseCase {
  private readonly signer?: PaymentLinkSigner;
  private readonly windows: RateWindows;
  private readonly profiles = new AccountProfilesRepository();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly settings: SelfServiceSettings,
    private readonly offers: GetOffersUseCase,
    private readonly plans: CreatePlanUseCase,
    private readonly settlements: CreateSettlementUseCase,
  ) {
    // The base URL is the orchestrator's business; here links are only verified.
    this.signer = settings.secret ? new PaymentLinkSigner(settings.secret, '') : undefined;
    this.windows = new RateWindows(
      'payment_link_rate_window',
      Math.max(settings.perClient.windowMs, settings.perToken.windowMs),
    );
  }

  async view(caller: SelfServiceCaller): Promise<promises.SelfServiceView> {
    const link = await this.admit(caller);
    const menu = await this.menu(link.tenantId, link.accountId);
    return {
      accountId: link.accountId,
      balance: menu.balance,
      daysPastDue: menu.daysPastDue,
      offers: [
        ...(menu.settlement ? [{ offerId: SETTLEMENT, settlement: menu.settlement, plan: undefined }] : []),
        ...menu.plans.map((plan) => ({ offerId: planOfferId(plan.instalmentCount), plan, settlement: undefined })),
      ],
      linkExpiresAt: link.expiresAt,
    };
  }

  /** Accepts one of the offers the debtor sees now; a retry with the same idempotency key answers the first. */
  async accept(
    caller: SelfServiceCaller,
    request: promises.AcceptSelfServiceOfferRequest,
  ): Promise<promises.AcceptSelfServiceOfferResponse> {
    const link = await this.admit(caller);
    if (!request.offerId) throw AppError.invalid('offer_id is required', { field: 'offer_id' });
    if (!request.idempotencyKey) throw AppError.invalid('idempotency_key is required', { field: 'idempotency_key' });
    const { tenantId, accountId } = link;
    // Scoped to the account, so two debtors' keys never meet.
    const idempotencyKey = `self-service:${accountId}:${request.idempotencyKey}`;
    const menu = await this.menu(tenantId, accountId);
    if (request.offerId === SETTLEMENT && menu.settlement) {
      const { settlement } = await this.settlements.execute(tenantId, {
        accountId,
        amount: menu.settlement.amount,
        dueDate: menu.settlement.dueDate,
        channel: promises.PlanChannel.PLAN_CHANNEL_WEB,
        takenBy: promises.TakenBy.TAKEN_BY_SELF_SERVICE,
        agentId: '',
        idempotencyKey,
      });
      return { settlement };
    }
    const plan = menu.plans.find((p) => planOfferId(p.instalmentCount) === request.offerId);
    if (!plan) {
      // Not on the menu now, but a retry answers what the first click made: a payment, or the
      // ledger settling or closing the account, may have changed the menu since.
      if (request.offerId === SETTLEMENT) {
        const settlement = await this.settlements.made(tenantId, idempotencyKey);
        if (settlement) return { settlement };
      } else {
        const made = await this.plans.made(tenantId, idempotencyKey);
        if (made) return { plan: made };
      }
      // An ended account is offered nothing: say why rather than "not offered".
      refuseEnded(await this.profiles.find(this.ctx.dataSource.manager, tenantId, accountId), accountId);
      throw AppError.notFound(`offer ${request.offerId} is not offered on this account now`, { field: 'offer_id' });
    }
    const created = await this.plans.execute(tenantId, {
      accountId,
      total: plan.total,
      downPayment: plan.downPayment,
      instalments: plan.instalmentCount,
      frequency: promises.PlanFrequency.PLAN_FREQUENCY_MONTHLY,
      firstDate: plan.schedule[0].dueDate,
      channel: promises.PlanChannel.PLAN_CHANNEL_WEB,
      takenBy: promises.TakenBy.TAKEN_BY_SELF_SERVICE,
      agentId: '',
      idempotencyKey,
    });
    return { plan: created.plan };
  }

  private menu(tenantId: string, accountId: string): Promise<promises.GetOffersResponse> {
    return this.offers.execute(tenantId, {
      accountId,
      takenBy: promises.TakenBy.TAKEN_BY_SELF_SERVICE,
      frequency: promises.PlanFrequency.PLAN_FREQUENCY_MONTHLY,
      firstDate: '',
    });
  }

  /** The link's tenant and account, once the client and the token are within their rates and the token holds. */
  private async admit(caller: SelfServiceCaller): Promise<{ tenantId: string; accountId: string; expiresAt: Date }> {
    if (!this.signer) throw AppError.unavailable('self-service payment links are not configured on this service');
    const now = this.ctx.clock.now();
    await this.limit(this.settings.perClient, `client:${caller.clientAddress}`, null, now, 'from this address');
    if (!caller.token) throw AppError.unauthenticated('missing payment-link token (x-payment-link-token)');
    const verified = this.signer.verify(caller.token, now);
    if (!verified.valid) {
      if (verified.unconfiguredKeyId !== undefined)
        // Refused as an altered link is; the operator may have removed a key too soon.
        this.ctx.logger.warn(
          { reason: verified.reason, keyId: verified.unconfiguredKeyId },
          `a payment link signed under key id "${verified.unconfiguredKeyId}", which PAYMENT_LINK_SECRET does not name, was refused (the key was removed before its links expired, or the link is not ours)`,
        );
      switch (verified.reason) {
        case 'expired':
          throw AppError.unauthenticated('this payment link has expired; ask for a new one');
        case 'bad-signature':
          throw AppError.permissionDenied('this payment link is not valid (it was altered or not issued by us)');
        case 'malformed':
          throw AppError.unauthenticated('this payment link is malformed');
      }
    }
    await this.limit(this.settings.perToken, `token:${caller.token}`, verified.tenantId, now, 'for this payment link');
    return { tenantId: verified.tenantId, accountId: verified.accountId, expiresAt: verified.expiresAt };
  }

  private async limit(rate: RateLimit, key: string, tenantId: string | null, now: Date, scope: string): Promise<void> {
    const { decision, swept } = await this.windows.check(this.ctx.dataSource.manager, key, tenantId, rate, now);
    if (swept !== undefined) this.ctx.logger.debug({ swept }, 'self-service rate windows that ended were swept');
    if (!decision.allowed) {
      throw AppError.rateLimited(`too many requests ${scope}; retry in ${decision.retryAfterSeconds} s`, {
        retryAfterSeconds: decision.retryAfterSeconds,
      });
    }
  }
}
