import { Topic, isDebtorErasure } from '@collections/contracts';
import { int, linkSecrets, loadConfig, optional, str, openApiController } from '@collections/platform';
import { SERVICE_CONTEXT, ServiceContext, ServiceDefinition } from '@collections/runtime';
import { PromisesInitial1763900004000 } from './migrations/1763900004000-promises-initial';
import { PromisesPlans1763900005000 } from './migrations/1763900005000-promises-plans';
import { PlanRules } from './plans/domain/announcements';
import { accountEndedHandlers } from './plans/account-ended.consumer';
import { PromisesRestController } from './promises/promises.controller';
import { PlansRepository } from './plans/plans.repository';
import { CancelPlanUseCase } from './plans/usecases/cancel-plan.usecase';
import { AccountEndedUseCase } from './plans/usecases/account-ended.usecase';
import { CreatePlanUseCase } from './plans/usecases/create-plan.usecase';
import {
  DAILY_PLAN_RUN,
  DAILY_PLAN_RUN_CHECK_MS,
  DailyPlanRunScheduler,
  DailyPlanRunUseCase,
} from './plans/usecases/daily-plan-run.usecase';
import { PlanQueries } from './plans/usecases/plan-queries';
import { PlanTracker } from './plans/usecases/plan-tracker';
import { TrackPaymentUseCase } from './plans/usecases/track-payment.usecase';
import { PromisesSettlements1763900005100 } from './migrations/1763900005100-promises-settlements';
import { PromisesAccountProfiles1763900005200 } from './migrations/1763900005200-promises-account-profiles';
import { AccountProfilesRepository } from './accounts/account-profiles.repository';
import { KnownAccounts } from './accounts/known-accounts';
import { AccountDebtorsRepository, eraseDebtorFreeTexts } from './accounts/debtor-erasure';
import { GrpcSettlementLedger, SettlementLedger } from './settlements/ledger-port';
import { SettlementsRepository } from './settlements/settlements.repository';
import { CreateSettlementUseCase } from './settlements/usecases/create-settlement.usecase';
import { SettlePaymentUseCase } from './settlements/usecases/settle-payment.usecase';
import { GetOffersUseCase } from './negotiation/usecases/get-offers.usecase';
import { PromisesNegotiation1763900007200 } from './migrations/1763900007200-promises-negotiation';
import {
  AccountSegmentsRepository,
  ApprovalsRepository,
  NegotiationPoliciesRepository,
} from './negotiation/negotiation.repository';
import { DecideApprovalUseCase } from './negotiation/usecases/decide-approval.usecase';
import { NegotiationPolicyUseCase } from './negotiation/usecases/negotiation-policy.usecase';
import { PaymentsPostedConsumer } from './promises/payments-posted.consumer';
import { PromisesGrpcController } from './promises/promises.grpc';
import { PromisesRepository } from './promises/promises.repository';
import { reversePromisePayments, reverseUnallocatedPayment } from './promises/reverse-payment.consumer';
import { PromisesRelapseRisk1763900007210 } from './migrations/1763900007210-promises-relapse-risk';
import { PromisesPlanPaymentByPlan1763900010600 } from './migrations/1763900010600-promises-plan-payment-by-plan';
import { PromisesPlanRevision1763900010610 } from './migrations/1763900010610-promises-plan-revision';
import { PromisesPaymentLinkRates1763900011800 } from './migrations/1763900011800-promises-payment-link-rates';
import { PromisesPlanFillfactor1763900012000 } from './migrations/1763900012000-promises-plan-fillfactor';
import { PromisesPlanSetChecks1763900012500 } from './migrations/1763900012500-promises-plan-set-checks';
import { PromisesPlanRowsFolded1763900012600 } from './migrations/1763900012600-promises-plan-rows-folded';
import { PromisesPlanCheckPlannedPerStatement1763900012700 } from './migrations/1763900012700-promises-plan-check-planned-per-statement';
import { PromisesAccountDebtors1763900014800 } from './migrations/1763900014800-promises-account-debtors';
import { PromisesPromisePayment1763900014900 } from './migrations/1763900014900-promises-promise-payment';
import { PromisesUnallocatedPayment1763900015200 } from './migrations/1763900015200-promises-unallocated-payment';
import { PromisesPlanCompletions1763900017900 } from './migrations/1763900017900-promises-plan-completions';
import { PromisesPlanCancellation1763900019200 } from './migrations/1763900019200-promises-plan-cancellation';
import { PromisesAccountEnded1763900019300 } from './migrations/1763900019300-promises-account-ended';
import { PromisesAccountEndedAt1763900019700 } from './migrations/1763900019700-promises-account-ended-at';
import { PromisesPromiseSettlementEnding1763900019800 } from './migrations/1763900019800-promises-promise-settlement-ending';
import { PromisesApprovalsWaiting1763900020000 } from './migrations/1763900020000-promises-approvals-waiting';
import { PromisesApprovalExpiry1763900020200 } from './migrations/1763900020200-promises-approval-expiry';
import { PromisesSettlementByAccount1763900020300 } from './migrations/1763900020300-promises-settlement-by-account';
import {
  APPROVAL_EXPIRY_CHECK_MS,
  ApprovalExpiryScheduler,
  EXPIRE_APPROVALS,
  ExpireApprovalsUseCase,
} from './negotiation/usecases/expire-approvals.usecase';
import { PromisesPromiseByAccount1763900020400 } from './migrations/1763900020400-promises-promise-by-account';
import { PromisesApprovalExpiredIndex1763900020500 } from './migrations/1763900020500-promises-approval-expired-index';
import { PromisesApprovalDecidedIndex1763900020800 } from './migrations/1763900020800-promises-approval-decided-index';
import { CancelPromiseUseCase } from './promises/usecases/cancel-promise.usecase';
import { WithdrawSettlementUseCase } from './settlements/usecases/withdraw-settlement.usecase';
import { RelapseRisksRepository } from './relapse/relapse-risks.repository';
import { AccountScorer, GrpcAccountScorer } from './relapse/scoring-port';
import { AssessRelapseRiskUseCase } from './relapse/usecases/assess-relapse-risk.usecase';
import { SelfServiceController } from './self-service/self-service.controller';
import { SelfServiceSettings, SelfServiceUseCase } from './self-service/usecases/self-service.usecase';
import { botPromiseHandlers } from './promises/take-bot-promise.consumer';
import { join } from 'node:path';
import { registerApprovalMetrics } from './negotiation/approval-metrics';

/** services/promises/openapi.yaml (scripts/openapi.mjs), one folder up from both src and dist. */
export const PROMISES_OPENAPI_PATH = join(__dirname, '..', 'openapi.yaml');
/** GET /v1/promises/openapi.json: the REST API's OpenAPI document, public. */
export const PromisesOpenApiController = openApiController('v1/promises', PROMISES_OPENAPI_PATH);

function loadPromisesConfig() {
  return loadConfig({
    plans: {
      // Days after a due date an instalment still counts as kept.
      graceDays: int('PROMISES_GRACE_DAYS', { default: 3, min: 0, max: 60 }),
      // Missed instalments after which a plan defaults.
      missedToDefault: int('PROMISES_MISSED_TO_DEFAULT', { default: 2, min: 1, max: 120 }),
      // Days before a due date the reminder (InstalmentDueSoon) goes out.
      dueSoonDays: int('PROMISES_DUE_SOON_DAYS', { default: 2, min: 0, max: 30 }),
    },
    ledger: {
      // The ledger's gRPC address, for balances and settlement discounts.
      grpcAddress: str('PROMISES_LEDGER_GRPC_ADDRESS', { default: '127.0.0.1:50051' }),
      // "tenant:apiKey,...": the key each tenant's calls to the ledger carry.
      apiKeys: str('PROMISES_LEDGER_API_KEYS', { default: '' }),
    },
    scoring: {
      // The scoring service, for the relapse risk of a completed plan.
      grpcAddress: str('PROMISES_SCORING_GRPC_ADDRESS', { default: '127.0.0.1:50052' }),
      // "tenant:apiKey,...": the key each tenant's calls to scoring carry.
      apiKeys: str('PROMISES_SCORING_API_KEYS', { default: '' }),
    },
    selfService: {
      // Shared with the orchestrator, which signs the payment links; without it self-service answers 503.
      // During a rotation `<id>:<secret>,...`: each link is verified under the key it names.
      paymentLinkSecret: optional(linkSecrets('PAYMENT_LINK_SECRET')),
      // Requests per minute one payment link, and one client address, may make.
      perTokenPerMinute: int('PROMISES_SELF_SERVICE_PER_TOKEN_PER_MINUTE', { default: 30, min: 1 }),
      perClientPerMinute: int('PROMISES_SELF_SERVICE_PER_CLIENT_PER_MINUTE', { default: 120, min: 1 }),
    },
    // How often the daily plan run looks at the clock (0: only on demand).
    dailyRunCheckMs: int('PROMISES_DAILY_RUN_CHECK_MS', { default: 15 * 60_000, min: 0 }),
    // How often held offers past their time are expired and announced (0: only by the daily run).
    approvalExpiryCheckMs: int('PROMISES_APPROVAL_EXPIRY_CHECK_MS', { default: 60_000, min: 0 }),
  });
}

function planRules(): PlanRules {
  const { plans } = loadPromisesConfig();
  return { graceDays: plans.graceDays, missedToDefault: plans.missedToDefault, dueSoonDays: plans.dueSoonDays };
}

function trackPayments(ctx: ServiceContext): TrackPaymentUseCase {
  const repo = new PlansRepository();
  return new TrackPaymentUseCase(ctx, repo, new PlanTracker(repo, planRules()));
}

export interface PromisesServiceDependencies {
  /** The ledger settlements talk to; by default its gRPC API at PROMISES_LEDGER_GRPC_ADDRESS. */
  ledger?: SettlementLedger;
  /** The scoring service relapse risk asks; by default its gRPC API at PROMISES_SCORING_GRPC_ADDRESS. */
  scorer?: AccountScorer;
  /** Self-service settings instead of PAYMENT_LINK_SECRET and the PROMISES_SELF_SERVICE_* rates. */
  selfService?: SelfServiceSettings;
}

/** services/promises: promises to pay, payment plans and settlements, and whether they are kept. */
export function createPromisesService(deps: PromisesServiceDependencies = {}): ServiceDefinition {
  let defaultLedger: SettlementLedger | undefined;
  const ledgerPort = (): SettlementLedger => {
    if (deps.ledger) return deps.ledger;
    const { ledger } = loadPromisesConfig();
    defaultLedger ??= new GrpcSettlementLedger(ledger.grpcAddress, ledger.apiKeys);
    return defaultLedger;
  };
  return {
    name: 'promises',
    migrations: [
      PromisesInitial1763900004000,
      PromisesPlans1763900005000,
      PromisesSettlements1763900005100,
      PromisesAccountProfiles1763900005200,
      PromisesNegotiation1763900007200,
      PromisesRelapseRisk1763900007210,
      PromisesPlanPaymentByPlan1763900010600,
      PromisesPlanRevision1763900010610,
      PromisesPaymentLinkRates1763900011800,
      PromisesPlanFillfactor1763900012000,
      PromisesPlanSetChecks1763900012500,
      PromisesPlanRowsFolded1763900012600,
      PromisesPlanCheckPlannedPerStatement1763900012700,
      PromisesAccountDebtors1763900014800,
      PromisesPromisePayment1763900014900,
      PromisesUnallocatedPayment1763900015200,
      PromisesPlanCompletions1763900017900,
      PromisesPlanCancellation1763900019200,
      PromisesAccountEnded1763900019300,
      PromisesAccountEndedAt1763900019700,
      PromisesPromiseSettlementEnding1763900019800,
      PromisesApprovalsWaiting1763900020000,
      PromisesApprovalExpiry1763900020200,
      PromisesSettlementByAccount1763900020300,
      PromisesPromiseByAccount1763900020400,
      PromisesApprovalExpiredIndex1763900020500,
      PromisesApprovalDecidedIndex1763900020800,
    ],
    module: (ctx) => {
      const config = loadPromisesConfig();
      // Offers beyond an agent's limits waiting for a supervisor.
      registerApprovalMetrics(ctx);
      const rules = planRules();
      const plans = new PlansRepository();
      const queries = new PlanQueries(ctx, plans, rules);
      const policies = new NegotiationPoliciesRepository();
      const approvals = new ApprovalsRepository();
      const accounts = new KnownAccounts(ctx, ledgerPort());
      const createPlan = new CreatePlanUseCase(ctx, plans, queries, policies, approvals, accounts);
      const createSettlement = new CreateSettlementUseCase(
        ctx,
        new SettlementsRepository(),
        ledgerPort(),
        policies,
        approvals,
      );
      const getOffers = new GetOffersUseCase(ctx, ledgerPort(), policies);
      const expireApprovals = new ExpireApprovalsUseCase(ctx);
      return {
        module: class PromisesModule {},
        controllers: [PromisesGrpcController, PromisesRestController, SelfServiceController, PromisesOpenApiController],
        providers: [
          { provide: SERVICE_CONTEXT, useValue: ctx },
          PromisesRepository,
          { provide: KnownAccounts, useValue: accounts },
          PromisesGrpcController,
          { provide: PlanQueries, useValue: queries },
          { provide: CreatePlanUseCase, useValue: createPlan },
          { provide: CancelPlanUseCase, useValue: new CancelPlanUseCase(ctx, plans, queries) },
          { provide: CancelPromiseUseCase, useValue: new CancelPromiseUseCase(ctx, new PromisesRepository()) },
          {
            provide: WithdrawSettlementUseCase,
            useValue: new WithdrawSettlementUseCase(ctx, new SettlementsRepository()),
          },
          {
            provide: DAILY_PLAN_RUN,
            useValue: new DailyPlanRunUseCase(ctx, plans, new PlanTracker(plans, rules), expireApprovals),
          },
          { provide: DAILY_PLAN_RUN_CHECK_MS, useValue: config.dailyRunCheckMs },
          DailyPlanRunScheduler,
          { provide: EXPIRE_APPROVALS, useValue: expireApprovals },
          { provide: APPROVAL_EXPIRY_CHECK_MS, useValue: config.approvalExpiryCheckMs },
          ApprovalExpiryScheduler,
          { provide: GetOffersUseCase, useValue: getOffers },
          {
            provide: SelfServiceUseCase,
            useValue: new SelfServiceUseCase(
              ctx,
              deps.selfService ?? {
                secret: config.selfService.paymentLinkSecret,
                perToken: { limit: config.selfService.perTokenPerMinute, windowMs: 60_000 },
                perClient: { limit: config.selfService.perClientPerMinute, windowMs: 60_000 },
              },
              getOffers,
              createPlan,
              createSettlement,
            ),
          },
          { provide: CreateSettlementUseCase, useValue: createSettlement },
          { provide: NegotiationPolicyUseCase, useValue: new NegotiationPolicyUseCase(ctx, policies) },
          {
            provide: DecideApprovalUseCase,
            useValue: new DecideApprovalUseCase(ctx, approvals, createPlan, queries, createSettlement),
          },
        ],
      };
    },
    consumers: (ctx) => {
      const config = loadPromisesConfig();
      const repo = new PromisesRepository();
      const profiles = new AccountProfilesRepository();
      const accountDebtors = new AccountDebtorsRepository();
      const plans = trackPayments(ctx);
      const settlements = new SettlePaymentUseCase(
        ctx,
        new SettlementsRepository(),
        ledgerPort(),
        planRules().graceDays,
      );
      const segments = new AccountSegmentsRepository();
      const payments = new PaymentsPostedConsumer(ctx, repo, settlements, plans);
      const plansRepo = new PlansRepository();
      const cancelPlan = new CancelPlanUseCase(ctx, plansRepo, new PlanQueries(ctx, plansRepo, planRules()));
      const accountEnded = new AccountEndedUseCase(ctx, cancelPlan, repo, new SettlementsRepository());
      ctx.backbone.consume({
        topics: [
          Topic.LedgerPayment,
          Topic.LedgerAccount,
          Topic.LedgerDebtor,
          Topic.ScoringScore,
          Topic.OrchestratorContact,
          Topic.OrchestratorAgent,
        ],
        // Payments a batch at a time: an open settlement, then an active plan, then single promises.
        // A batch costs a few statements whatever its size, so a backlog goes in slices of 2,000
        // (promises bench, 48,000 payments to 4,000 plans: 5,834 allocations/s in slices of 500,
        // 7,721 in slices of 2,000); a flow the consumer keeps up with comes in smaller batches anyway.
        maxBatchSize: 2_000,
        batchHandlers: { 'collections.ledger.v1.PaymentPosted': (events, hc) => payments.handle(events, hc) },
        handlers: {
          // Promises the debtor stated to the orchestrator's bot or to an agent on a call.
          ...botPromiseHandlers(ctx, repo, (tenantId, accountId) => ledgerPort().balanceOf(tenantId, accountId)),
          // Each account's time zone makes its "today"; its currency is the only one its plans may use.
          // Its debtors: whose erasure reaches the account's free texts.
          'collections.ledger.v1.AccountOpened': async (event, { tx }) => {
            const a = event.payload;
            await profiles.upsert(tx, event.tenantId, a.accountId, a.timeZone || 'UTC', a.currency);
            await accountDebtors.link(
              tx,
              event.tenantId,
              a.accountId,
              a.debtors.map((d) => d.debtorId),
            );
          },
          // An account the ledger settled or closed: its open settlements, active plans and open
          // single promises end, by `ledger`.
          ...accountEndedHandlers(accountEnded),
          // A debtor the ledger erased: what people typed about them on their accounts goes too.
          'collections.ledger.v1.DebtorUpserted': async (event, { tx }) => {
            if (!isDebtorErasure(event.payload)) return;
            const notes = await eraseDebtorFreeTexts(
              tx,
              event.tenantId,
              event.payload.debtorId,
              ctx.backbone.deadLetters,
            );
            ctx.logger.info(
              { tenantId: event.tenantId, debtorId: event.payload.debtorId, notes },
              'erased debtor: free texts erased',
            );
          },
          // The account's segment decides the tenant's segment cap on settlement discounts.
          'collections.scoring.v1.AccountScored': (event, { tx }) =>
            segments.upsert(
              tx,
              event.tenantId,
              event.payload.accountId,
              event.payload.segment,
              event.payload.scoredAt ?? event.time,
            ),
          // A payment counted once, by a settlement, a plan or single promises: taken off where it
          // counted; one that counted towards nothing has nothing to take off.
          'collections.ledger.v1.PaymentReversed': async (event, hc) => {
            if (await settlements.reversed(event, hc)) return;
            if (await plans.reversed(event, hc)) return;
            if (await reversePromisePayments(ctx, repo, event, hc, plans.graceDays)) return;
            await reverseUnallocatedPayment(ctx, event, hc);
          },
        },
      });
      // Its own consumer: waiting on scoring never holds up payment tracking.
      const scorer = deps.scorer ?? new GrpcAccountScorer(config.scoring.grpcAddress, config.scoring.apiKeys);
      const relapse = new AssessRelapseRiskUseCase(ctx, new RelapseRisksRepository(), scorer);
      ctx.backbone.consume({
        name: 'promises-relapse',
        topics: [Topic.PromisesPlan],
        handlers: {
          'collections.promises.v1.PlanCompleted': (event, hc) => relapse.planCompleted(event, hc),
          'collections.promises.v1.PlanReopened': (event, hc) => relapse.planReopened(event, hc),
        },
      });
    },
  };
}

export const promisesService: ServiceDefinition = createPromisesService();
