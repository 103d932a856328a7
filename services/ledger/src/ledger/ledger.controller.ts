import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ledger } from '@collections/contracts';
import { LedgerGrpcController } from './ledger.grpc';

/**
 * REST twin of the gRPC API (same use cases, same validation); bodies are the proto messages
 * in their JSON form (camelCase fields, enums by name or number).
 */
@Controller('v1/ledger')
export class LedgerRestController {
  constructor(private readonly grpc: LedgerGrpcController) {}

  @Put('debtors/:id')
  upsertDebtor(@Param('id') id: string, @Body() body: unknown) {
    return this.grpc.upsertDebtor({ debtor: { ...ledger.Debtor.fromJSON(body ?? {}), debtorId: id } });
  }

  @Post('debtors/:id/holds')
  @HttpCode(201)
  setHold(@Param('id') id: string, @Body() body: unknown) {
    return this.grpc.setHold({ ...ledger.SetHoldRequest.fromJSON(body ?? {}), debtorId: id });
  }

  @Post('holds/:id/lift')
  liftHold(@Param('id') id: string, @Body() body: { reason?: string }) {
    return this.grpc.liftHold({ holdId: id, reason: body?.reason ?? '' });
  }

  @Post('debtors/:id/consents')
  recordConsent(@Param('id') id: string, @Body() body: unknown) {
    return this.grpc.recordConsent({ ...ledger.RecordConsentRequest.fromJSON(body ?? {}), debtorId: id });
  }

  /** Replaces the debtor's contact preferences only: the body is SetContactPreferencesRequest without the id. */
  @Put('debtors/:id/contact-preferences')
  setContactPreferences(@Param('id') id: string, @Body() body: unknown) {
    return this.grpc.setContactPreferences({
      ...ledger.SetContactPreferencesRequest.fromJSON(body ?? {}),
      debtorId: id,
    });
  }

  @Get('debtors/:id/export')
  exportDebtor(@Param('id') id: string) {
    return this.grpc.exportDebtor({ debtorId: id });
  }

  @Post('debtors/:id/erasure')
  eraseDebtor(@Param('id') id: string, @Body() body: { reason?: string }) {
    return this.grpc.eraseDebtor({ debtorId: id, reason: body?.reason ?? '' });
  }

  @Post('accounts')
  @HttpCode(201)
  openAccount(@Body() body: unknown) {
    return this.grpc.openAccount(ledger.OpenAccountRequest.fromJSON(body ?? {}));
  }

  /** `?externalRef=` (the integrator's reference) or `?debtorId=` (with `pageSize`, `pageToken`): exactly one. */
  @Get('accounts')
  findAccounts(
    @Query('externalRef') externalRef?: string,
    @Query('debtorId') debtorId?: string,
    @Query('pageSize') pageSize?: string,
    @Query('pageToken') pageToken?: string,
  ) {
    return this.grpc.findAccounts({
      externalRef: externalRef ?? '',
      debtorId: debtorId ?? '',
      pageSize: Number(pageSize ?? 0),
      pageToken: pageToken ?? '',
    });
  }

  @Get('accounts/:id/balance')
  balance(@Param('id') id: string, @Query('asOf') asOf?: string) {
    return this.grpc.getBalance({ accountId: id, asOfDate: asOf ?? '' });
  }

  @Get('accounts/:id/history')
  history(@Param('id') id: string) {
    return this.grpc.getAccountHistory({ accountId: id });
  }

  /**
   * `?fromDate=YYYY-MM-DD`, or `?from=ACTIVITY_FROM_LAST_STATEMENT,ACTIVITY_FROM_OPENED_ON` (the
   * first of the account's dates it has).
   */
  @Get('accounts/:id/activity')
  activity(@Param('id') id: string, @Query('fromDate') fromDate?: string, @Query('from') from?: string) {
    return this.grpc.getAccountActivity(
      ledger.GetAccountActivityRequest.fromJSON({
        accountId: id,
        fromDate: fromDate ?? '',
        from: (from ?? '')
          .split(',')
          .map((f) => f.trim())
          .filter(Boolean),
      }),
    );
  }

  @Post('accounts/:id/statements')
  @HttpCode(201)
  issueStatement(@Param('id') id: string, @Body() body: unknown) {
    return this.grpc.issueStatement({ ...ledger.IssueStatementRequest.fromJSON(body ?? {}), accountId: id });
  }

  @Post('accounts/:id/payments')
  pay(@Param('id') id: string, @Body() body: unknown) {
    return this.grpc.postPayment({ ...ledger.PostPaymentRequest.fromJSON(body ?? {}), accountId: id });
  }

  /** Many payments, to any accounts: `{"payments": [PostPaymentRequest...]}`, answered item by item. */
  @Post('payments/batch')
  @HttpCode(200)
  postPayments(@Body() body: unknown) {
    return this.grpc.postPayments(ledger.PostPaymentsRequest.fromJSON(body ?? {}));
  }

  @Post('accounts/:id/charges')
  charge(@Param('id') id: string, @Body() body: unknown) {
    return this.grpc.postCharge({ ...ledger.PostChargeRequest.fromJSON(body ?? {}), accountId: id });
  }

  @Post('accounts/:id/adjustments')
  adjust(@Param('id') id: string, @Body() body: unknown) {
    return this.grpc.postAdjustment({ ...ledger.PostAdjustmentRequest.fromJSON(body ?? {}), accountId: id });
  }

  @Post('payments/:id/reversal')
  reverse(@Param('id') id: string, @Body() body: unknown) {
    return this.grpc.reversePayment({ ...ledger.ReversePaymentRequest.fromJSON(body ?? {}), paymentId: id });
  }
}
