import { Controller, INestApplicationContext, Inject } from '@nestjs/common';
import { ledger } from '@collections/contracts';
import {
  AppError,
  DirectUnaryRoute,
  currentTenantId,
  directUnaryRoute,
  isAppError,
  money,
} from '@collections/platform';
import { SERVICE_CONTEXT, ServiceContext } from '@collections/runtime';
import { EntryKind } from './domain/journal';
import { LedgerRepository } from './ledger.repository';
import { journalEntryView } from './balance-view';
import { requireLedgerText } from './text-limits';
import { AccountsUseCase } from './usecases/accounts.usecase';
import { DataSubjectUseCase } from './usecases/data-subject.usecase';
import { FindAccountsCommand, FindAccountsUseCase } from './usecases/find-accounts.usecase';
import { GetAccountActivityUseCase } from './usecases/get-account-activity.usecase';
import { GetBalanceUseCase } from './usecases/get-balance.usecase';
import { HoldsAndConsentUseCase } from './usecases/holds-and-consent.usecase';
import { PostEntryCommand, PostEntryOutcome, PostEntryUseCase } from './usecases/post-entry.usecase';
import { SetContactPreferencesCommand, SetContactPreferencesUseCase } from './usecases/set-contact-preferences.usecase';

export const LEDGER_ACCOUNTS = Symbol('LEDGER_ACCOUNTS');
export const LEDGER_DATA_SUBJECTS = Symbol('LEDGER_DATA_SUBJECTS');
export const LEDGER_HOLDS = Symbol('LEDGER_HOLDS');

function requireMoney(m: { amountMinor: number; currency: string } | undefined, field: string) {
  if (!m) throw AppError.invalid(`${field} is required`);
  return money(m.amountMinor, m.currency);
}

/** A bank file's day of credits fits; bigger feeds split into several calls. */
const MAX_PAYMENTS_PER_CALL = 10_000;

const CHARGE_KINDS = new Set([
  ledger.EntryKind.ENTRY_KIND_CHARGE,
  ledger.EntryKind.ENTRY_KIND_INTEREST,
  ledger.EntryKind.ENTRY_KIND_FEE,
]);
const ADJUSTMENT_KINDS = new Set([
  ledger.EntryKind.ENTRY_KIND_ADJUSTMENT,
  ledger.EntryKind.ENTRY_KIND_SETTLEMENT_DISCOUNT,
  ledger.EntryKind.ENTRY_KIND_WRITE_OFF,
]);

/** gRPC adapter: translates requests into use-case commands and results into responses. */
@Controller()
@ledger.LedgerServiceControllerMethods()
export class LedgerGrpcController implements ledger.LedgerServiceController {
  private readonly postEntry: PostEntryUseCase;
  private readonly balances: GetBalanceUseCase;
  private readonly activity: GetAccountActivityUseCase;
  private readonly contactPreferences: SetContactPreferencesUseCase;
  private readonly found: FindAccountsUseCase;

  constructor(
    @Inject(SERVICE_CONTEXT) private readonly ctx: ServiceContext,
    private readonly repo: LedgerRepository,
    @Inject(LEDGER_ACCOUNTS) private readonly accounts: AccountsUseCase,
    @Inject(LEDGER_DATA_SUBJECTS) private readonly dataSubjects: DataSubjectUseCase,
    @Inject(LEDGER_HOLDS) private readonly holds: HoldsAndConsentUseCase,
  ) {
    this.postEntry = new PostEntryUseCase(ctx, repo);
    this.balances = new GetBalanceUseCase(ctx, repo);
    this.activity = new GetAccountActivityUseCase(ctx, repo);
    this.contactPreferences = new SetContactPreferencesUseCase(ctx);
    this.found = new FindAccountsUseCase(ctx, repo);
  }

  async postPayment(request: ledger.PostPaymentRequest): Promise<ledger.PostPaymentResponse> {
    const result = await this.postEntry.execute(paymentCommand(currentTenantId(), request));
    return {
      paymentId: result.entryId,
      accountId: request.accountId,
      balance: result.balance.total,
      replayed: result.replayed,
    };
  }

  async postPayments(request: ledger.PostPaymentsRequest): Promise<ledger.PostPaymentsResponse> {
    if (request.payments.length > MAX_PAYMENTS_PER_CALL) {
      throw AppError.invalid(`at most ${MAX_PAYMENTS_PER_CALL} payments per call`, { count: request.payments.length });
    }
    const tenantId = currentTenantId();
    // Items that are malformed on their own are answered without reaching the journal.
    const commands: (PostEntryCommand | AppError)[] = request.payments.map((p) => {
      try {
        return paymentCommand(tenantId, p);
      } catch (err) {
        if (isAppError(err)) return err;
        throw err;
      }
    });
    const valid = commands.filter((c): c is PostEntryCommand => !isAppError(c));
    const outcomes = await this.postEntry.executeMany(valid);
    let next = 0;
    return {
      results: commands.map((c) => {
        const outcome: PostEntryOutcome = isAppError(c) ? { ok: false, error: c } : outcomes[next++];
        if (!outcome.ok) return { error: { code: outcome.error.code, message: outcome.error.message } };
        const { result } = outcome;
        return {
          posted: {
            paymentId: result.entryId,
            accountId: result.balance.accountId,
            balance: result.balance.total,
            replayed: result.replayed,
          },
        };
      }),
    };
  }

  async getBalance(request: ledger.GetBalanceRequest): Promise<ledger.GetBalanceResponse> {
    const view = await this.balances.execute(currentTenantId(), request.accountId, request.asOfDate || undefined);
    return { accountId: view.accountId, balance: view.total, detail: view };
  }

  upsertDebtor(request: ledger.UpsertDebtorRequest): Promise<ledger.UpsertDebtorResponse> {
    return this.accounts.upsertDebtor(currentTenantId(), request.debtor);
  }

  openAccount(request: ledger.OpenAccountRequest): Promise<ledger.OpenAccountResponse> {
    return this.accounts.openAccount(currentTenantId(), request);
  }

  issueStatement(request: ledger.IssueStatementRequest): Promise<ledger.IssueStatementResponse> {
    return this.accounts.issueStatement(currentTenantId(), request);
  }

  postCharge(request: ledger.PostChargeRequest): Promise<ledger.PostChargeResponse> {
    if (!CHARGE_KINDS.has(request.kind))
      throw AppError.invalid('kind must be ENTRY_KIND_CHARGE, ENTRY_KIND_INTEREST or ENTRY_KIND_FEE');
    requireLedgerText({ idempotency_key: request.idempotencyKey, memo: request.memo });
    return this.postKind(request, request.memo);
  }

  postAdjustment(request: ledger.PostAdjustmentRequest): Promise<ledger.PostAdjustmentResponse> {
    if (!ADJUSTMENT_KINDS.has(request.kind)) {
      throw AppError.invalid(
        'kind must be ENTRY_KIND_ADJUSTMENT, ENTRY_KIND_SETTLEMENT_DISCOUNT or ENTRY_KIND_WRITE_OFF',
      );
    }
    requireLedgerText({ idempotency_key: request.idempotencyKey, reason: request.reason });
    return this.postKind(request, request.reason);
  }

  /** Charges and adjustments: the kind was checked by the caller; the use case does the rest. */
  private async postKind(
    request: Pick<ledger.PostChargeRequest, 'accountId' | 'kind' | 'amount' | 'idempotencyKey' | 'effectiveDate'>,
    memo: string,
  ): Promise<ledger.PostChargeResponse> {
    const amount = requireMoney(request.amount, 'amount');
    const result = await this.postEntry.execute({
      tenantId: currentTenantId(),
      accountId: request.accountId,
      kind: request.kind as number as EntryKind,
      amountMinor: amount.amountMinor,
      currency: amount.currency,
      idempotencyKey: request.idempotencyKey,
      effectiveDate: request.effectiveDate || undefined,
      memo,
    });
    return { entryId: result.entryId, balance: result.balance, replayed: result.replayed };
  }

  async reversePayment(request: ledger.ReversePaymentRequest): Promise<ledger.ReversePaymentResponse> {
    const tenantId = currentTenantId();
    if (request.reason !== 'nsf' && request.reason !== 'chargeback')
      throw AppError.invalid('reason must be "nsf" or "chargeback"');
    requireLedgerText({ idempotency_key: request.idempotencyKey });
    const payment = await this.repo.findEntry(this.ctx.dataSource.manager, tenantId, request.paymentId);
    if (!payment || payment.kind !== EntryKind.Payment)
      throw AppError.notFound(`payment ${request.paymentId} does not exist`);
    const earlierReversal = await this.repo.findReversalOf(this.ctx.dataSource.manager, tenantId, payment.id);
    if (earlierReversal && earlierReversal.idempotency_key !== request.idempotencyKey) {
      throw AppError.conflict(`payment ${payment.id} was already reversed by entry ${earlierReversal.id}`);
    }
    const result = await this.postEntry.execute({
      tenantId,
      accountId: payment.account_id,
      kind: EntryKind.PaymentReversal,
      amountMinor: 0,
      currency: payment.currency.trim(),
      idempotencyKey: request.idempotencyKey,
      memo: request.reason,
      reverses: payment,
    });
    return { entryId: result.entryId, balance: result.balance, replayed: result.replayed };
  }

  setHold(request: ledger.SetHoldRequest): Promise<ledger.SetHoldResponse> {
    return this.holds.setHold(currentTenantId(), request);
  }

  liftHold(request: ledger.LiftHoldRequest): Promise<ledger.LiftHoldResponse> {
    return this.holds.liftHold(currentTenantId(), request);
  }

  recordConsent(request: ledger.RecordConsentRequest): Promise<ledger.RecordConsentResponse> {
    return this.holds.recordConsent(currentTenantId(), request);
  }

  setContactPreferences(request: ledger.SetContactPreferencesRequest): Promise<ledger.SetContactPreferencesResponse> {
    return this.contactPreferences.execute(SetContactPreferencesCommand.of(currentTenantId(), request));
  }

  exportDebtor(request: ledger.ExportDebtorRequest): Promise<ledger.ExportDebtorResponse> {
    return this.dataSubjects.export(currentTenantId(), request.debtorId);
  }

  eraseDebtor(request: ledger.EraseDebtorRequest): Promise<ledger.EraseDebtorResponse> {
    return this.dataSubjects.erase(currentTenantId(), request.debtorId, request.reason);
  }

  getAccountActivity(request: ledger.GetAccountActivityRequest): Promise<ledger.GetAccountActivityResponse> {
    return this.activity.execute(currentTenantId(), request);
  }

  findAccounts(request: ledger.FindAccountsRequest): Promise<ledger.FindAccountsResponse> {
    return this.found.execute(FindAccountsCommand.of(currentTenantId(), request));
  }

  async getAccountHistory(request: ledger.GetAccountHistoryRequest): Promise<ledger.GetAccountHistoryResponse> {
    const tenantId = currentTenantId();
    if (!(await this.repo.findAccount(this.ctx.dataSource.manager, tenantId, request.accountId))) {
      throw AppError.notFound(`account ${request.accountId} does not exist`);
    }
    // Memos decrypted (stored encrypted: callers' free texts).
    const entries = await this.repo.history(this.ctx.dataSource.manager, tenantId, request.accountId);
    return {
      entries: entries.map((e) => journalEntryView(e, e.memo)),
    };
  }
}

/**
 * PostPayment, PostPayments and GetBalance straight from the grpc-js server (authenticated, as the
 * caller's tenant, traced, timed and error-mapped as every gRPC call; see DirectUnaryRoute), answered
 * by the controller's own methods: their rates and GetBalance's p99 are targets, and Nest's per-call
 * pipeline (rxjs interceptor chain, an AsyncResource bound per interceptor) was CPU the ledger spent
 * on every payment before any work of its own.
 */
export function ledgerDirectRoutes(app: INestApplicationContext): DirectUnaryRoute[] {
  const controller = app.get(LedgerGrpcController);
  const { postPayment, postPayments, getBalance } = ledger.LedgerServiceService;
  const span = (method: string) => `${LedgerGrpcController.name}.${method}`;
  return [
    directUnaryRoute(postPayment, span('postPayment'), (r) => controller.postPayment(r), ledger.PostPaymentResponse),
    directUnaryRoute(
      postPayments,
      span('postPayments'),
      (r) => controller.postPayments(r),
      ledger.PostPaymentsResponse,
    ),
    directUnaryRoute(getBalance, span('getBalance'), (r) => controller.getBalance(r), ledger.GetBalanceResponse),
  ];
}

/** The posting a PostPayment request asks for; throws on a malformed amount or text. */
function paymentCommand(tenantId: string, p: ledger.PostPaymentRequest): PostEntryCommand {
  const amount = requireMoney(p.amount, 'amount');
  requireLedgerText({ idempotency_key: p.idempotencyKey, reference: p.reference });
  return {
    tenantId,
    accountId: p.accountId,
    kind: EntryKind.Payment,
    amountMinor: amount.amountMinor,
    currency: amount.currency,
    idempotencyKey: p.idempotencyKey,
    reference: p.reference,
    effectiveDate: p.effectiveDate || undefined,
  };
}
