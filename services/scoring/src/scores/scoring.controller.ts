import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { scoring } from '@collections/contracts';
import { ScoringGrpcController } from './scoring.grpc';

/**
 * REST twin of the gRPC API (same use cases, same validation); bodies are the proto messages in
 * their JSON form (camelCase fields, enums by name or number, "NaN"/"Infinity" as proto3 JSON has them).
 */
@Controller('v1/scoring')
export class ScoringRestController {
  constructor(private readonly grpc: ScoringGrpcController) {}

  @Get('accounts/:id/score')
  score(@Param('id') id: string, @Query('modelVersion') modelVersion?: string) {
    return this.grpc.scoreAccount({ accountId: id, modelVersion });
  }

  /** `{"accountIds": [...]}` or `{"rows": [FeatureRow...]}`, answered item by item, in order. */
  @Post('scores/batch')
  @HttpCode(200)
  scoreBatch(@Body() body: unknown) {
    return this.grpc.scoreBatch(scoring.ScoreBatchRequest.fromJSON(body));
  }

  @Get('segment-rules')
  getSegmentRules() {
    return this.grpc.getSegmentRules();
  }

  @Put('segment-rules')
  setSegmentRules(@Body() body: unknown) {
    return this.grpc.setSegmentRules(scoring.SetSegmentRulesRequest.fromJSON(body));
  }
}
