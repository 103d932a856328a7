import { setTimeout as sleep } from 'node:timers/promises';
import { Topic } from '@collections/contracts';
import { SERVICE_CONTEXT, ServiceContext, ServiceDefinition } from '@collections/runtime';
import { OrchestratorDebtorFacts1763900003100 } from './migrations/1763900003100-orchestrator-debtor-facts';
import { OrchestratorGrpcController } from './decisions/orchestrator.grpc';
import { OrchestratorInitial1763900003000 } from './migrations/1763900003000-orchestrator-initial';
import { OrchestratorStrategies1763900006100 } from './migrations/1763900006100-orchestrator-strategies';
import { OrchestratorPlanner1763900007000 } from './migrations/1763900007000-orchestrator-planner';
import { StrategiesRestController } from './strategies/strategies.controller';
import { StrategiesRpc } from './strategies/strategies.rpc';
import { StrategyRepository } from './strategies/strategy.repository';
import { StrategiesUseCase } from './strategies/usecases/strategies.usecase';
import { OptOutLinkSigner, PaymentLinkSigner, defaultTemplateExists } from './templates/domain';
import { OrchestratorChannelDeliveries1763900006000 } from './migrations/1763900006000-orchestrator-channel-deliveries';
import { ChannelWebhooksController } from './channels/channel-webhooks.controller';
import { OrchestratorAgentQueues1763900007100 } from './migrations/1763900007100-orchestrator-agent-queues';
import { OrchestratorReplies1763900007110 } from './migrations/1763900007110-orchestrator-replies';
import { OrchestratorDailyRun1763900008200 } from './migrations/1763900008200-orchestrator-daily-run';
import { OrchestratorContactBudgets1763900008600 } from './migrations/1763900008600-orchestrator-contact-budgets';
import { OrchestratorSchedulePartialIndexes1763900009200 } from './migrations/1763900009200-orchestrator-schedule-partial-indexes';
import { OrchestratorEmailInDoubt1763900010500 } from './migrations/1763900010500-orchestrator-email-in-doubt';
import { OrchestratorReminderInstalments1763900010700 } from './migrations/1763900010700-orchestrator-reminder-instalments';
import { OrchestratorScheduleSendingIndex1763900010800 } from './migrations/1763900010800-orchestrator-schedule-sending-index';
import { OrchestratorPlanningMarks1763900011400 } from './migrations/1763900011400-orchestrator-planning-marks';
import { OrchestratorPlanningMarksKeyOrder1763900011500 } from './migrations/1763900011500-orchestrator-planning-marks-key-order';
import { OrchestratorPlannerBalanceSource1763900011600 } from './migrations/1763900011600-orchestrator-planner-balance-source';
import { OrchestratorScheduleDueOrder1763900011700 } from './migrations/1763900011700-orchestrator-schedule-due-order';
import { OrchestratorPlannerCommitments1763900012800 } from './migrations/1763900012800-orchestrator-planner-commitments';
import { OrchestratorPlannerOldestUnpaid1763900012900 } from './migrations/1763900012900-orchestrator-planner-oldest-unpaid';
import { OrchestratorChannelRateBuckets1763900013000 } from './migrations/1763900013000-orchestrator-channel-rate-buckets';
import { OrchestratorAgentTasksContactLaw1763900015400 } from './migrations/1763900015400-orchestrator-agent-tasks-contact-law';
import { OrchestratorOptOutRateWindow1763900015600 } from './migrations/1763900015600-orchestrator-opt-out-rate-window';
import { OrchestratorChannelPiiEncrypted1763900016000 } from './migrations/1763900016000-orchestrator-channel-pii-encrypted';
import { OrchestratorValidationNotice1763900016100 } from './migrations/1763900016100-orchestrator-validation-notice';
import { OrchestratorAgentTasksOfDebtor1763900016200 } from './migrations/1763900016200-orchestrator-agent-tasks-of-debtor';
import { OrchestratorAddressOwnerKeys1763900016800 } from './migrations/1763900016800-orchestrator-address-owner-keys';
import { OrchestratorForbearanceOnRecord1763900017000 } from './migrations/1763900017000-orchestrator-forbearance-on-record';
import { OrchestratorDebtorInconvenience1763900017700 } from './migrations/1763900017700-orchestrator-debtor-inconvenience';
import { OrchestratorItemizationReference1763900018100 } from './migrations/1763900018100-orchestrator-itemization-reference';
import { OrchestratorHoldBankruptcyChapter1763900018300 } from './migrations/1763900018300-orchestrator-hold-bankruptcy-chapter';
import { OrchestratorSmsSegments1763900018400 } from './migrations/1763900018400-orchestrator-sms-segments';
import { OrchestratorSettlementReviewTasks1763900020900 } from './migrations/1763900020900-orchestrator-settlement-review-tasks';
import { OrchestratorReturnedPayments1763900021100 } from './migrations/1763900021100-orchestrator-returned-payments';
import { orchestratorPiiKeyConfig, writesUnderDevKey } from './channels/channel-pii';
import { OrchestratorCreditorProfiles1763900015900 } from './migrations/1763900015900-orchestrator-creditor-profiles';
import { CreditorProfilesRestController } from './creditors/creditor-profiles.controller';
import { CreditorProfilesGrpcController } from './creditors/creditor-profiles.grpc';
import { CreditorProfilesRpc } from './creditors/creditor-profiles.rpc';
import { OrchestratorContactRulesOverrides1763900015800 } from './migrations/1763900015800-orchestrator-contact-rules-overrides';
import { ContactRulesRestController } from './policy/contact-rules.controller';
import { ContactRulesRpc } from './policy/contact-rules.rpc';
import { ContactRulesUseCase } from './policy/usecases/contact-rules.usecase';
import { OptOutLinkController } from './channels/opt-out-link.controller';
import { OptOutLinkUseCase } from './channels/opt-out-links';
import { ContactBudgetGate } from './strategies/contact-budget.gate';
import { AgentQueueRestController } from './agents/agent-queue.controller';
import { AgentQueueGrpcController } from './agents/agent-queue.grpc';
import { AgentQueueRpc } from './agents/agent-queue.rpc';
import { AgentQueueUseCase } from './agents/usecases/agent-queue.usecase';
import { AgentTaskContactLaw } from './agents/usecases/agent-task-contact-law';
import { registerAgentQueueMetrics } from './agents/agent-queue-metrics';
import { ContactRefusals } from './planning/contact-refusals';
import { CHANNEL_PROVIDERS, ChannelProviders, channelProvidersFromEnv } from './channels/config';
import { ContactDirectory, GrpcContactDirectory } from './dispatch/contact-directory';
import { AccountActivitySource, GrpcAccountActivity } from './dispatch/account-activity';
import { DISPATCH, DISPATCH_CHECK_MS, DispatchScheduler } from './dispatch/dispatch.scheduler';
import { DispatchDependencies, DispatchDueContactsUseCase } from './dispatch/usecases/dispatch-due.usecase';
import { loadDispatchConfig } from './dispatch/config';
import {
  LETTER_EXPORT,
  LETTER_EXPORT_CHECK_MS,
  LetterExportScheduler,
  LetterExportUseCase,
} from './dispatch/usecases/letter-export.usecase';
import { PgSubmissionLog } from './channels/email/email-submissions';
import { PgRateBuckets } from './channels/rate-buckets';
import { smsSegmentsCounter } from './channels/sms/twilio.provider';
import { OrchestratorChannelWork1763900008300 } from './migrations/1763900008300-orchestrator-channel-work';
import { linksOnlyThisMachineOpens, loadPlannerConfig, usesLocalOnlySecret } from './planning/config';
import { plannerHandlers } from './planning/planner.consumer';
import { PlannerRepository } from './planning/planner.repository';
import {
  DAILY_PLANNING,
  DAILY_PLANNING_CHECK_MS,
  DailyPlanningScheduler,
  DailyPlanningUseCase,
} from './planning/usecases/daily-planning.usecase';
import { AgentEscalation, AgentQueueEscalation, PlanAccountUseCase } from './planning/usecases/plan-account.usecase';
import { MarkedAccountsPlanningJob } from './planning/usecases/marked-accounts-planning';
import { join } from 'node:path';
import { loadConfig, openApiController } from '@collections/platform';

/** services/orchestrator/openapi.yaml (scripts/openapi.mjs), one folder up from both src and dist. */
export const ORCHESTRATOR_OPENAPI_PATH = join(__dirname, '..', 'openapi.yaml');
/** GET /v1/orchestrator/openapi.json: the REST API's OpenAPI document, public. */
export const OrchestratorOpenApiController = openApiController('v1/orchestrator', ORCHESTRATOR_OPENAPI_PATH);

export interface OrchestratorServiceDependencies {
  /** Debtors' names and addresses; by default the ledger's gRPC API at ORCHESTRATOR_LEDGER_GRPC_ADDRESS. */
  directory?: ContactDirectory;
  /** Accounts' activity for validation notices' itemization; by default the ledger's gRPC API, as `directory`. */
  accountActivity?: AccountActivitySource;
  /** Channel providers; by default from the environment (SMTP_*, TWILIO_*, WHATSAPP_*). */
  providers?: ChannelProviders;
  /** Overrides of the dispatcher's waits and test seams. */
  dispatch?: Partial<Pick<DispatchDependencies, 'delay' | 'random' | 'backoff' | 'afterProviderCall' | 'factsWaitMs'>>;
  /** Where the daily letter files go; by default LETTER_EXPORT_DIR (no letters without one). */
  letterExportDir?: string;
  /** Where escalations go; by default a call task in the orchestrator's agent work queues. */
  escalation?: AgentEscalation;
}

/** services/orchestrator: whom to contact, when and how, within the contact law. */
export function createOrchestratorService(deps: OrchestratorServiceDependencies = {}): ServiceDefinition {
  const repo = new PlannerRepository();
  const planners = new WeakMap<ServiceContext, PlanAccountUseCase>();
  const plannerFor = (ctx: ServiceContext) => {
    let planner = planners.get(ctx);
    if (!planner) {
      planner = new PlanAccountUseCase(ctx, repo, deps.escalation ?? new AgentQueueEscalation());
      planners.set(ctx, planner);
    }
    return planner;
  };
  let providers: ChannelProviders | undefined;
  const providersOnce = () => (providers ??= deps.providers ?? channelProvidersFromEnv());
  return {
    name: 'orchestrator',
    migrations: [
      OrchestratorInitial1763900003000,
      OrchestratorDebtorFacts1763900003100,
      OrchestratorChannelDeliveries1763900006000,
      OrchestratorStrategies1763900006100,
      OrchestratorPlanner1763900007000,
      OrchestratorAgentQueues1763900007100,
      OrchestratorReplies1763900007110,
      OrchestratorDailyRun1763900008200,
      OrchestratorChannelWork1763900008300,
      OrchestratorContactBudgets1763900008600,
      OrchestratorSchedulePartialIndexes1763900009200,
      OrchestratorEmailInDoubt1763900010500,
      OrchestratorReminderInstalments1763900010700,
      OrchestratorScheduleSendingIndex1763900010800,
      OrchestratorPlanningMarks1763900011400,
      OrchestratorPlanningMarksKeyOrder1763900011500,
      OrchestratorPlannerBalanceSource1763900011600,
      OrchestratorScheduleDueOrder1763900011700,
      OrchestratorPlannerCommitments1763900012800,
      OrchestratorPlannerOldestUnpaid1763900012900,
      OrchestratorChannelRateBuckets1763900013000,
      OrchestratorAgentTasksContactLaw1763900015400,
      OrchestratorOptOutRateWindow1763900015600,
      OrchestratorContactRulesOverrides1763900015800,
      OrchestratorCreditorProfiles1763900015900,
      OrchestratorChannelPiiEncrypted1763900016000,
      OrchestratorValidationNotice1763900016100,
      OrchestratorAgentTasksOfDebtor1763900016200,
      OrchestratorAddressOwnerKeys1763900016800,
      OrchestratorForbearanceOnRecord1763900017000,
      OrchestratorDebtorInconvenience1763900017700,
      OrchestratorItemizationReference1763900018100,
      OrchestratorHoldBankruptcyChapter1763900018300,
      OrchestratorSmsSegments1763900018400,
      OrchestratorSettlementReviewTasks1763900020900,
      OrchestratorReturnedPayments1763900021100,
    ],
    module: (ctx) => {
      const config = loadPlannerConfig();
      // The agents' work queues: tasks waiting for an agent, and the most overdue.
      registerAgentQueueMetrics(ctx);
      if (writesUnderDevKey(loadConfig({ piiKey: orchestratorPiiKeyConfig() }).piiKey))
        ctx.logger.warn(
          "ORCHESTRATOR_PII_KEY is not set: debtors' addresses and replies in the channels' records are encrypted with the development key",
        );
      // Links signed with a secret everyone can read can be forged: a debtor's balance and offers
      // opened, or an opt-out recorded, by anyone (`npm start` keeps secrets of its own).
      // Any key of the setting counts: a link is accepted under each.
      for (const [variable, keys] of Object.entries({
        PAYMENT_LINK_SECRET: config.paymentLinks.secrets,
        OPT_OUT_LINK_SECRET: config.optOut.secrets,
      }))
        if (usesLocalOnlySecret(keys))
          ctx.logger.warn(
            { variable },
            `${variable} is not set, or one of its keys is the repository's local-only secret: the links signed or accepted with it can be forged by anyone`,
          );
      // The defaults point at this machine: a debtor's message would carry a link nobody can open.
      for (const [variable, url] of Object.entries({
        PAYMENT_LINK_BASE_URL: config.paymentLinks.baseUrl,
        OPT_OUT_URL: config.optOut.baseUrl,
      }))
        if (linksOnlyThisMachineOpens(url))
          ctx.logger.warn(
            { variable, url },
            `${variable} names this machine (${url}): the links in debtors' messages open nowhere but here; set it to the public address of the route`,
          );
      const dispatchConfig = loadDispatchConfig();
      const channels = providersOnce();
      // SMTP has no idempotency key: the provider records its submissions in this database.
      channels.email?.useSubmissionLog(new PgSubmissionLog(ctx.dataSource, () => ctx.clock.now()));
      // The providers' rates hold across replicas and restarts: their token buckets are in this database.
      const rateBuckets = new PgRateBuckets(ctx.dataSource);
      for (const provider of [channels.sms, channels.whatsapp, channels.call]) provider?.useRateBuckets(rateBuckets);
      // The SMS segments Twilio accepted (its unit of throughput and price): collections_sms_segments_total,
      // registered (at 0) whether or not SMS is configured.
      smsSegmentsCounter(ctx.metrics);
      channels.sms?.useMetrics(ctx.metrics);
      const planner = plannerFor(ctx);
      const directory = deps.directory ?? new GrpcContactDirectory(config.ledger.grpcAddress, config.ledger.apiKeys);
      const links = new PaymentLinkSigner(config.paymentLinks.secrets, config.paymentLinks.baseUrl);
      const optOutLinks = new OptOutLinkSigner(config.optOut.secrets, config.optOut.baseUrl, config.optOut.mailto);
      const letterDir = deps.letterExportDir ?? dispatchConfig.letters.directory;
      const dispatcher = new DispatchDueContactsUseCase(ctx, repo, planner, {
        providers: { email: channels.email, sms: channels.sms, whatsapp: channels.whatsapp, call: channels.call },
        directory,
        activity: deps.accountActivity ?? new GrpcAccountActivity(config.ledger.grpcAddress, config.ledger.apiKeys),
        links,
        linkDays: config.paymentLinks.days,
        optOutLinks,
        delay: (ms) => sleep(ms),
        random: Math.random,
        letters: letterDir !== undefined,
        fieldVisitQueue: dispatchConfig.fieldVisitQueue,
        concurrency: dispatchConfig.concurrency,
        budgets: new ContactBudgetGate(ctx.dataSource),
        ...deps.dispatch,
      });
      const letterExport = new LetterExportUseCase(
        ctx,
        repo,
        dispatcher,
        { ...dispatchConfig.letters, directory: letterDir ?? '' },
        { links, linkDays: config.paymentLinks.days, optOutLinks },
      );
      // One contact law on agents' tasks for the service: the planner's repository (one cache of the
      // tenants' rules) and the refusal counter, on every path that asks it (claims, releases, opt-outs).
      const agentTaskLaw = new AgentTaskContactLaw(ctx.backbone.outbox, ContactRefusals.of(ctx.metrics), repo);
      return {
        module: class OrchestratorModule {},
        controllers: [
          OrchestratorGrpcController,
          StrategiesRestController,
          ContactRulesRestController,
          ChannelWebhooksController,
          OptOutLinkController,
          AgentQueueGrpcController,
          AgentQueueRestController,
          CreditorProfilesGrpcController,
          CreditorProfilesRestController,
          OrchestratorOpenApiController,
        ],
        providers: [
          { provide: SERVICE_CONTEXT, useValue: ctx },
          {
            provide: StrategiesUseCase,
            useValue: new StrategiesUseCase(new StrategyRepository(ctx.dataSource), defaultTemplateExists),
          },
          StrategiesRpc,
          {
            // Shares the planner's cache of effective packs: a put here binds this replica's next decision.
            provide: ContactRulesUseCase,
            useValue: new ContactRulesUseCase(ctx.dataSource, repo.packs, () => ctx.clock.now()),
          },
          ContactRulesRpc,
          {
            provide: AgentQueueUseCase,
            // The dispatcher's directory: a claimed call is made on the number it would send to.
            useValue: new AgentQueueUseCase(
              ctx.dataSource,
              ctx.backbone.outbox,
              ctx.clock,
              undefined,
              agentTaskLaw,
              dispatcher.directory,
            ),
          },
          { provide: AgentTaskContactLaw, useValue: agentTaskLaw },
          AgentQueueRpc,
          CreditorProfilesRpc,
          { provide: CHANNEL_PROVIDERS, useValue: channels },
          {
            provide: OptOutLinkUseCase,
            useValue: new OptOutLinkUseCase(
              ctx,
              optOutLinks,
              {
                perClient: { limit: config.optOut.perClientPerMinute, windowMs: 60_000 },
                perToken: { limit: config.optOut.perTokenPerMinute, windowMs: 60_000 },
              },
              agentTaskLaw,
            ),
          },
          { provide: PlanAccountUseCase, useValue: planner },
          { provide: PlannerRepository, useValue: repo },
          MarkedAccountsPlanningJob,
          {
            provide: DAILY_PLANNING,
            useValue: new DailyPlanningUseCase(
              ctx,
              repo,
              planner,
              config.planningChunk,
              undefined,
              config.planningLanes,
            ),
          },
          { provide: DAILY_PLANNING_CHECK_MS, useValue: config.planningCheckMs },
          DailyPlanningScheduler,
          { provide: DISPATCH, useValue: dispatcher },
          { provide: DISPATCH_CHECK_MS, useValue: config.dispatchCheckMs },
          DispatchScheduler,
          { provide: LETTER_EXPORT, useValue: letterExport },
          // Without an export directory there are no letters to export: no timer.
          { provide: LETTER_EXPORT_CHECK_MS, useValue: letterDir ? dispatchConfig.letters.checkMs : 0 },
          LetterExportScheduler,
        ],
      };
    },
    consumers: (ctx) => {
      ctx.backbone.consume({
        topics: [
          Topic.ScoringScore,
          Topic.LedgerDebtor,
          Topic.LedgerAccount,
          Topic.LedgerBalance,
          Topic.LedgerPayment,
          Topic.PromisesPromise,
          Topic.PromisesPlan,
        ],
        handlers: plannerHandlers(
          plannerFor(ctx),
          repo,
          deps.letterExportDir ?? loadDispatchConfig().letters.directory,
        ),
      });
    },
  };
}

export const orchestratorService: ServiceDefinition = createOrchestratorService();
