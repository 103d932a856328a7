import { Topic } from '@collections/contracts';
import { SERVICE_CONTEXT, ServiceDefinition } from '@collections/runtime';
import { debtorFactHandlers, decideOnScore } from './decisions/decide-on-score.consumer';
import { OrchestratorDebtorFacts1763900003100 } from './migrations/1763900003100-orchestrator-debtor-facts';
import { OrchestratorGrpcController } from './decisions/orchestrator.grpc';
import { OrchestratorInitial1763900003000 } from './migrations/1763900003000-orchestrator-initial';
import { OrchestratorStrategies1763900006100 } from './migrations/1763900006100-orchestrator-strategies';
import { StrategiesRestController } from './strategies/strategies.controller';
import { StrategiesRpc } from './strategies/strategies.rpc';
import { StrategyRepository } from './strategies/strategy.repository';
import { StrategiesUseCase } from './strategies/usecases/strategies.usecase';
import { defaultTemplateExists } from './templates/domain';
import { OrchestratorChannelDeliveries1763900006000 } from './migrations/1763900006000-orchestrator-channel-deliveries';
import { ChannelWebhooksController } from './channels/channel-webhooks.controller';
import { CHANNEL_PROVIDERS, channelProvidersFromEnv } from './channels/config';
import { AgentQueueRestController } from './agents/agent-queue.controller';
import { AgentQueueGrpcController } from './agents/agent-queue.grpc';
import { AgentQueueRpc } from './agents/agent-queue.rpc';
import { AgentQueueUseCase } from './agents/usecases/agent-queue.usecase';
import { OrchestratorAgentQueues1763900007100 } from './migrations/1763900007100-orchestrator-agent-queues';
import { OrchestratorReplies1763900007110 } from './migrations/1763900007110-orchestrator-replies';

/** services/orchestrator: whom to contact, when and how (walking skeleton: decision per score). */
export const orchestratorService: ServiceDefinition = {
  name: 'orchestrator',
  migrations: [
    OrchestratorInitial1763900003000,
    OrchestratorDebtorFacts1763900003100,
    OrchestratorChannelDeliveries1763900006000,
    OrchestratorStrategies1763900006100,
    OrchestratorAgentQueues1763900007100,
    OrchestratorReplies1763900007110,
  ],
  module: (ctx) => ({
    module: class OrchestratorModule {},
    controllers: [
      OrchestratorGrpcController,
      StrategiesRestController,
      ChannelWebhooksController,
      AgentQueueGrpcController,
      AgentQueueRestController,
    ],
    providers: [
      { provide: SERVICE_CONTEXT, useValue: ctx },
      {
        provide: StrategiesUseCase,
        useValue: new StrategiesUseCase(new StrategyRepository(ctx.dataSource), defaultTemplateExists),
      },
      StrategiesRpc,
      {
        provide: AgentQueueUseCase,
        useValue: new AgentQueueUseCase(ctx.dataSource, ctx.backbone.outbox, ctx.clock),
      },
      AgentQueueRpc,
      { provide: CHANNEL_PROVIDERS, useFactory: () => channelProvidersFromEnv() },
    ],
  }),
  consumers: (ctx) => {
    ctx.backbone.consume({
      topics: [Topic.ScoringScore, Topic.LedgerDebtor, Topic.LedgerAccount],
      handlers: {
        ...debtorFactHandlers,
        'collections.scoring.v1.AccountScored': (event, hc) => decideOnScore(ctx, event, hc),
      },
    });
  },
};
