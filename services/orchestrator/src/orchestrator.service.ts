import { Topic } from '@collections/contracts';
import { SERVICE_CONTEXT, ServiceDefinition } from '@collections/runtime';
import { debtorFactHandlers, decideOnScore } from './decisions/decide-on-score.consumer';
import { OrchestratorDebtorFacts1763900003100 } from './migrations/1763900003100-orchestrator-debtor-facts';
import { OrchestratorGrpcController } from './decisions/orchestrator.grpc';
import { OrchestratorInitial1763900003000 } from './migrations/1763900003000-orchestrator-initial';

/** services/orchestrator: whom to contact, when and how (walking skeleton: decision per score). */
export const orchestratorService: ServiceDefinition = {
  name: 'orchestrator',
  migrations: [OrchestratorInitial1763900003000, OrchestratorDebtorFacts1763900003100],
  module: (ctx) => ({
    module: class OrchestratorModule {},
    controllers: [OrchestratorGrpcController],
    providers: [{ provide: SERVICE_CONTEXT, useValue: ctx }],
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
