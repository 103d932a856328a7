import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { promises } from '@collections/contracts';
import { PromisesGrpcController } from './promises.grpc';

/**
 * REST twin of the plan, settlement and offer RPCs (same use cases, same validation); bodies are the proto messages
 * in their JSON form (camelCase fields, enums by name or number).
 */
@Controller('v1/promises')
export class PromisesRestController {
  constructor(private readonly grpc: PromisesGrpcController) {}

  @Post('plans')
  @HttpCode(201)
  createPlan(@Body() body: unknown) {
    return this.grpc.createPlan(promises.CreatePlanRequest.fromJSON(body ?? {}));
  }

  @Get('plans/:id')
  getPlan(@Param('id') id: string) {
    return this.grpc.getPlan({ planId: id });
  }

  @Get('plans')
  listPlans(@Query('accountId') accountId?: string) {
    return this.grpc.listPlans({ accountId: accountId ?? '' });
  }

  @Post('daily-run')
  @HttpCode(200)
  runDaily(@Body() body: unknown) {
    return this.grpc.runDaily(promises.RunDailyRequest.fromJSON(body ?? {}));
  }

  @Post('settlements')
  @HttpCode(201)
  createSettlement(@Body() body: unknown) {
    return this.grpc.createSettlement(promises.CreateSettlementRequest.fromJSON(body ?? {}));
  }

  @Get('accounts/:id/offers')
  getOffers(@Param('id') id: string, @Query() query: Record<string, string>) {
    return this.grpc.getOffers({ ...promises.GetOffersRequest.fromJSON(query ?? {}), accountId: id });
  }

  @Get('settlements/:id')
  getSettlement(@Param('id') id: string) {
    return this.grpc.getSettlement({ settlementId: id });
  }
}
