import { Body, Controller, Get, Param, Post, Put } from '@nestjs/common';
import { ledgerLifecycle } from '@collections/contracts';
import { LedgerLifecycleGrpcController } from './lifecycle.grpc';

/** REST twin of LedgerLifecycleService; bodies are the proto messages in their JSON form. */
@Controller('v1/ledger')
export class LedgerLifecycleRestController {
  constructor(private readonly grpc: LedgerLifecycleGrpcController) {}

  @Put('accounts/:id/instalments')
  setInstalmentSchedule(@Param('id') id: string, @Body() body: unknown) {
    return this.grpc.setInstalmentSchedule({
      ...ledgerLifecycle.SetInstalmentScheduleRequest.fromJSON(body ?? {}),
      accountId: id,
    });
  }

  @Get('accounts/:id/instalments')
  getInstalmentSchedule(@Param('id') id: string) {
    return this.grpc.getInstalmentSchedule({ accountId: id });
  }

  @Post('accounts/:id/charge-off')
  chargeOff(@Param('id') id: string, @Body() body: unknown) {
    return this.grpc.chargeOffAccount({
      ...ledgerLifecycle.ChargeOffAccountRequest.fromJSON(body ?? {}),
      accountId: id,
    });
  }

  @Post('accounts/:id/settlement')
  settle(@Param('id') id: string, @Body() body: unknown) {
    return this.grpc.settleAccount({ ...ledgerLifecycle.SettleAccountRequest.fromJSON(body ?? {}), accountId: id });
  }

  @Post('accounts/:id/closure')
  close(@Param('id') id: string, @Body() body: unknown) {
    return this.grpc.closeAccount({ ...ledgerLifecycle.CloseAccountRequest.fromJSON(body ?? {}), accountId: id });
  }

  @Get('accounts/:id/status')
  status(@Param('id') id: string) {
    return this.grpc.getAccountStatus({ accountId: id });
  }

  @Get('accounts/:id/status-changes')
  statusChanges(@Param('id') id: string) {
    return this.grpc.listAccountStatusChanges({ accountId: id });
  }

  @Post('delinquency/daily-runs')
  runDailyDelinquency(@Body() body: unknown) {
    return this.grpc.runDailyDelinquency(ledgerLifecycle.RunDailyDelinquencyRequest.fromJSON(body ?? {}));
  }

  @Put('aging-buckets')
  setAgingBuckets(@Body() body: unknown) {
    return this.grpc.setAgingBuckets(ledgerLifecycle.SetAgingBucketsRequest.fromJSON(body ?? {}));
  }

  @Get('aging-buckets')
  getAgingBuckets() {
    return this.grpc.getAgingBuckets();
  }
}
