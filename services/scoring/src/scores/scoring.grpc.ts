import { Controller, Inject } from '@nestjs/common';
import { scoring } from '@collections/contracts';
import { AppError, currentTenantId } from '@collections/platform';
import { SERVICE_CONTEXT, ServiceContext } from '@collections/runtime';
import { TrainModelCommand } from '../training/usecases/train-model/train-model.command';
import { TrainModelUseCase } from '../training/usecases/train-model/train-model.usecase';

interface ScoreRow {
  account_id: string;
  probability_to_pay: number;
  segment: number;
  model_version: string;
  reasons: string[];
}

@Controller()
@scoring.ScoringServiceControllerMethods()
export class ScoringGrpcController implements scoring.ScoringServiceController {
  constructor(
    @Inject(SERVICE_CONTEXT) private readonly ctx: ServiceContext,
    @Inject(TrainModelUseCase) private readonly trainModelUseCase: TrainModelUseCase,
  ) {}

  trainModel(request: scoring.TrainModelRequest): Promise<scoring.TrainModelResponse> {
    return this.trainModelUseCase.execute(TrainModelCommand.from(request));
  }

  async scoreAccount(request: scoring.ScoreAccountRequest): Promise<scoring.ScoreAccountResponse> {
    const [row] = (await this.ctx.dataSource.query(
      `SELECT * FROM account_score WHERE tenant_id = $1 AND account_id = $2`,
      [currentTenantId(), request.accountId],
    )) as ScoreRow[];
    if (!row) throw AppError.notFound(`account ${request.accountId} has no score yet`);
    return {
      accountId: row.account_id,
      probabilityToPay: row.probability_to_pay,
      segment: row.segment,
      modelVersion: row.model_version,
      reasons: row.reasons,
    };
  }
}
