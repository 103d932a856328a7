import { Controller, INestApplicationContext, Inject } from '@nestjs/common';
import { scoring } from '@collections/contracts';
import { AppError, DirectUnaryRoute, currentTenantId, directUnaryRoute } from '@collections/platform';
import { TrainModelCommand } from '../training/usecases/train-model/train-model.command';
import { TrainModelUseCase } from '../training/usecases/train-model/train-model.usecase';
import { SegmentRuleSet } from './domain/segment-rules';
import { isScoresError, toAppError, translated } from './scores.errors';
import { MAX_BATCH_ITEMS, ReadScoresUseCase } from './usecases/read-scores.usecase';
import { ScoreFeatureRowsUseCase } from './usecases/score-feature-rows.usecase';
import { SegmentRulesUseCase } from './usecases/segment-rules.usecase';

export const READ_SCORES = Symbol('READ_SCORES');
export const SCORE_FEATURE_ROWS = Symbol('SCORE_FEATURE_ROWS');
export const SEGMENT_RULES = Symbol('SEGMENT_RULES');

function toProtoRules(set: SegmentRuleSet): scoring.SegmentRules {
  return {
    rules: set.rules.map((r) => ({ ...r, currency: r.currency ?? '' })),
    defaultSegment: set.defaultSegment,
    version: set.version,
  };
}

function batchResult(id: string, outcome: scoring.ScoreAccountResponse | Error): scoring.ScoreBatchResult {
  if (!(outcome instanceof Error)) return { id, score: outcome };
  const error = isScoresError(outcome) ? toAppError(outcome) : AppError.internal('unexpected');
  const field = error.details?.field;
  return { id, error: { code: error.code, message: error.message, field: typeof field === 'string' ? field : '' } };
}

@Controller()
@scoring.ScoringServiceControllerMethods()
export class ScoringGrpcController implements scoring.ScoringServiceController {
  constructor(
    @Inject(READ_SCORES) private readonly reads: ReadScoresUseCase,
    @Inject(SCORE_FEATURE_ROWS) private readonly rows: ScoreFeatureRowsUseCase,
    @Inject(SEGMENT_RULES) private readonly segmentRules: SegmentRulesUseCase,
    @Inject(TrainModelUseCase) private readonly trainModelUseCase: TrainModelUseCase,
  ) {}

  scoreAccount(request: scoring.ScoreAccountRequest): Promise<scoring.ScoreAccountResponse> {
    return translated(() => this.reads.one(currentTenantId(), request.accountId, request.modelVersion ?? ''));
  }

  scoreBatch(request: scoring.ScoreBatchRequest): Promise<scoring.ScoreBatchResponse> {
    return translated(async () => {
      const { accountIds, rows } = request;
      const modelVersion = request.modelVersion ?? '';
      if (accountIds.length > 0 && rows.length > 0) {
        throw AppError.invalid('give account_ids or rows, not both', { field: 'account_ids' });
      }
      if (accountIds.length + rows.length > MAX_BATCH_ITEMS) {
        throw AppError.invalid(`a batch holds at most ${MAX_BATCH_ITEMS} items`, { field: 'account_ids' });
      }
      const tenantId = currentTenantId();
      if (rows.length > 0) {
        const outcomes = await this.rows.execute(tenantId, rows, modelVersion);
        return { results: outcomes.map((o, i) => batchResult(rows[i].rowId, o)) };
      }
      const outcomes = await this.reads.many(tenantId, accountIds, modelVersion);
      return { results: outcomes.map((o, i) => batchResult(accountIds[i], o)) };
    });
  }

  getSegmentRules(): Promise<scoring.GetSegmentRulesResponse> {
    return translated(async () => ({ rules: toProtoRules(await this.segmentRules.get(currentTenantId())) }));
  }

  setSegmentRules(request: scoring.SetSegmentRulesRequest): Promise<scoring.SetSegmentRulesResponse> {
    return translated(async () => {
      const rules = request.rules.map((r) => ({ ...r, currency: r.currency || undefined }));
      const saved = await this.segmentRules.set(currentTenantId(), rules, request.defaultSegment);
      return { rules: toProtoRules(saved.rules), resegmentedAccounts: saved.resegmented };
    });
  }

  trainModel(request: scoring.TrainModelRequest): Promise<scoring.TrainModelResponse> {
    return this.trainModelUseCase.execute(TrainModelCommand.from(request));
  }
}

/**
 * ScoreAccount straight from the grpc-js server (authenticated, as the caller's tenant, traced,
 * timed and error-mapped as every gRPC call; see DirectUnaryRoute), answered by the controller's
 * own method: its p99 at 50 concurrent callers is a target (< 10 ms), and Nest's per-call pipeline
 * cost the server 3.5× the CPU of a bare grpc-js server doing the same lookup.
 */
export function scoringDirectRoutes(app: INestApplicationContext): DirectUnaryRoute[] {
  const controller = app.get(ScoringGrpcController);
  return [
    directUnaryRoute(
      scoring.ScoringServiceService.scoreAccount,
      `${ScoringGrpcController.name}.scoreAccount`,
      (r) => controller.scoreAccount(r),
      scoring.ScoreAccountResponse,
    ),
  ];
}
