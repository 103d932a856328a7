import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import { promises } from '@collections/contracts';
import { PromisesGrpcController } from './promises.grpc';

/**
 * REST twin of the plan, settlement, offer and promise-cancelling RPCs (same use cases, same validation); bodies are the proto messages
 * in their JSON form (camelCase fields, enums by name or number).
 */
interface StatusSetter {
  status(code: number): unknown;
}

@Controller('v1/promises')
export class PromisesRestController {
  constructor(private readonly grpc: PromisesGrpcController) {}

  /** 201 with the plan, or 202 with the approval it is held in. */
  @Post('plans')
  async createPlan(@Body() body: unknown, @Res({ passthrough: true }) res: StatusSetter) {
    const answer = await this.grpc.createPlan(promises.CreatePlanRequest.fromJSON(body ?? {}));
    res.status(answer.plan ? 201 : 202);
    return answer;
  }

  @Get('plans/:id')
  getPlan(@Param('id') id: string) {
    return this.grpc.getPlan({ planId: id });
  }

  /** 200 with the cancelled plan (a retry with the same idempotency key answers it again). */
  @Post('plans/:id/cancel')
  @HttpCode(200)
  cancelPlan(@Param('id') id: string, @Body() body: unknown) {
    return this.grpc.cancelPlan({ ...promises.CancelPlanRequest.fromJSON(body ?? {}), planId: id });
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

  /** 201 with the settlement, or 202 with the approval it is held in. */
  @Post('settlements')
  async createSettlement(@Body() body: unknown, @Res({ passthrough: true }) res: StatusSetter) {
    const answer = await this.grpc.createSettlement(promises.CreateSettlementRequest.fromJSON(body ?? {}));
    res.status(answer.settlement ? 201 : 202);
    return answer;
  }

  /** 200 with the withdrawn settlement (a retry with the same idempotency key answers it again). */
  @Post('settlements/:id/withdraw')
  @HttpCode(200)
  withdrawSettlement(@Param('id') id: string, @Body() body: unknown) {
    return this.grpc.withdrawSettlement({
      ...promises.WithdrawSettlementRequest.fromJSON(body ?? {}),
      settlementId: id,
    });
  }

  /** 200 with the cancelled promise (a retry with the same idempotency key answers it again). */
  @Post('promises/:id/cancel')
  @HttpCode(200)
  cancelPromise(@Param('id') id: string, @Body() body: unknown) {
    return this.grpc.cancelPromise({ ...promises.CancelPromiseRequest.fromJSON(body ?? {}), promiseId: id });
  }

  @Get('negotiation-policy')
  getNegotiationPolicy(@Query('version') version?: string) {
    return this.grpc.getNegotiationPolicy({ version: version === undefined ? 0 : Number(version) });
  }

  @Put('negotiation-policy')
  setNegotiationPolicy(@Body() body: unknown) {
    return this.grpc.setNegotiationPolicy(promises.SetNegotiationPolicyRequest.fromJSON(body ?? {}));
  }

  @Get('approvals')
  listApprovals(@Query() query: Record<string, string>) {
    return this.grpc.listApprovals(promises.ListApprovalsRequest.fromJSON(query ?? {}));
  }

  @Get('approvals/:id')
  getApproval(@Param('id') id: string) {
    return this.grpc.getApproval({ approvalId: id });
  }

  @Post('approvals/:id/decision')
  @HttpCode(200)
  decideApproval(@Param('id') id: string, @Body() body: unknown) {
    return this.grpc.decideApproval({ ...promises.DecideApprovalRequest.fromJSON(body ?? {}), approvalId: id });
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
