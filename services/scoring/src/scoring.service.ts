import { Topic } from '@collections/contracts';
import { SERVICE_CONTEXT, ServiceDefinition } from '@collections/runtime';
import { ScoringInitial1763900002000 } from './migrations/1763900002000-scoring-initial';
import { scoreOnPayment } from './scores/score-on-payment.consumer';
import { ScoringGrpcController } from './scores/scoring.grpc';

/** services/scoring: payment probability, segment and reasons (walking skeleton: heuristic model). */
export const scoringService: ServiceDefinition = {
  name: 'scoring',
  migrations: [ScoringInitial1763900002000],
  module: (ctx) => ({
    module: class ScoringModule {},
    controllers: [ScoringGrpcController],
    providers: [{ provide: SERVICE_CONTEXT, useValue: ctx }],
  }),
  consumers: (ctx) => {
    ctx.backbone.consume({
      topics: [Topic.LedgerPayment],
      handlers: { 'collections.ledger.v1.PaymentPosted': (event, hc) => scoreOnPayment(ctx, event, hc) },
    });
  },
};
