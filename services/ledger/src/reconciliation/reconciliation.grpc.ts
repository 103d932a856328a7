import { Controller, Inject } from '@nestjs/common';
import { reconciliation } from '@collections/contracts';
import { AppError, currentPrincipal, currentTenantId, isUuid, money } from '@collections/platform';
import { SERVICE_CONTEXT, ServiceContext } from '@collections/runtime';
import { requireLedgerText } from '../ledger/text-limits';
import { StatementFileKind } from './domain/statement-line';
import { ReconItemRow, ReconItemStatus, ReconciliationRepository } from './reconciliation.repository';
import { ImportStatementUseCase } from './usecases/import-statement.usecase';
import { ResolveItemUseCase } from './usecases/resolve-item.usecase';

export const RECON_IMPORT = Symbol('RECON_IMPORT');
export const RECON_RESOLVE = Symbol('RECON_RESOLVE');

const { StatementFileKind: Kind, ReconciliationItemStatus: Status } = reconciliation;

const KIND_OF: Partial<Record<reconciliation.StatementFileKind, StatementFileKind>> = {
  [Kind.STATEMENT_FILE_KIND_BANK_CSV]: 'bank_csv',
  [Kind.STATEMENT_FILE_KIND_CAMT053]: 'camt053',
  [Kind.STATEMENT_FILE_KIND_GATEWAY_CSV]: 'gateway_csv',
};
const KIND_TO_PROTO: Record<StatementFileKind, reconciliation.StatementFileKind> = {
  bank_csv: Kind.STATEMENT_FILE_KIND_BANK_CSV,
  camt053: Kind.STATEMENT_FILE_KIND_CAMT053,
  gateway_csv: Kind.STATEMENT_FILE_KIND_GATEWAY_CSV,
};
const STATUS_TO_PROTO: Record<ReconItemStatus, reconciliation.ReconciliationItemStatus> = {
  matched: Status.RECONCILIATION_ITEM_STATUS_MATCHED,
  unmatched: Status.RECONCILIATION_ITEM_STATUS_UNMATCHED,
  resolved: Status.RECONCILIATION_ITEM_STATUS_RESOLVED,
  ignored: Status.RECONCILIATION_ITEM_STATUS_IGNORED,
};

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 500;

/** The payer's account shown to reviewers: enough to recognise it, not enough to use it. */
export function maskAccount(account: string): string {
  if (!account) return '';
  return account.length <= 4 ? '****' : `****${account.slice(-4)}`;
}

/** The one place a stored item becomes an API item. */
export function mapItem(row: ReconItemRow): reconciliation.ReconciliationItem {
  return {
    itemId: row.id,
    fileId: row.file_id,
    entryIndex: row.entry_index,
    line: row.line_no ?? 0,
    path: row.xml_path ?? '',
    amount: money(Number(row.amount_minor), row.currency.trim()),
    valueDate: row.value_date,
    reference: row.reference,
    counterpartyAccountMasked: maskAccount(row.counterparty_account),
    bankReference: row.bank_reference,
    status: STATUS_TO_PROTO[row.status],
    accountId: row.matched_account_id ?? '',
    paymentId: row.posted_payment_id ?? '',
    reason: row.reason,
    credit: row.direction === 'credit',
  };
}

/** gRPC adapter of reconciliation: requests become use-case commands, rows become responses. */
@Controller()
@reconciliation.ReconciliationServiceControllerMethods()
export class ReconciliationGrpcController implements reconciliation.ReconciliationServiceController {
  constructor(
    @Inject(SERVICE_CONTEXT) private readonly ctx: ServiceContext,
    private readonly repo: ReconciliationRepository,
    @Inject(RECON_IMPORT) private readonly importer: ImportStatementUseCase,
    @Inject(RECON_RESOLVE) private readonly resolver: ResolveItemUseCase,
  ) {}

  async importStatement(
    request: reconciliation.ImportStatementRequest,
  ): Promise<reconciliation.ImportStatementResponse> {
    const kind = KIND_OF[request.kind];
    if (!kind) throw AppError.invalid('kind must be STATEMENT_FILE_KIND_BANK_CSV, _CAMT053 or _GATEWAY_CSV');
    requireLedgerText({ name: request.name });
    const summary = await this.importer.execute({
      tenantId: currentTenantId(),
      kind,
      name: request.name || 'unnamed',
      content: request.content,
    });
    return {
      ...summary,
      errors: summary.errors.map((e) => ({ line: e.line ?? 0, path: e.path ?? '', reason: e.reason })),
    };
  }

  async listUnmatched(request: reconciliation.ListUnmatchedRequest): Promise<reconciliation.ListUnmatchedResponse> {
    const pageSize = request.pageSize || DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE)
      throw AppError.invalid(`page_size must be between 1 and ${MAX_PAGE_SIZE}`);
    if (request.pageToken && !/^\d{1,18}$/.test(request.pageToken)) throw AppError.invalid('page_token is not valid');
    if (request.fileId && !isUuid(request.fileId)) throw AppError.invalid('file_id is not a reconciliation file id');
    const rows = await this.repo.listUnmatched(
      this.ctx.dataSource.manager,
      currentTenantId(),
      Number(request.pageToken || 0),
      pageSize + 1,
      request.fileId || undefined,
    );
    const page = rows.slice(0, pageSize);
    return {
      items: page.map(mapItem),
      nextPageToken: rows.length > pageSize ? page[page.length - 1].seq : '',
    };
  }

  async resolveItem(request: reconciliation.ResolveItemRequest): Promise<reconciliation.ResolveItemResponse> {
    const principal = currentPrincipal();
    requireLedgerText({ ignore_reason: request.ignoreReason });
    const result = await this.resolver.execute({
      tenantId: principal.tenantId,
      resolvedBy: principal.subject,
      itemId: request.itemId,
      accountId: request.accountId,
      ignoreReason: request.ignoreReason,
    });
    return { item: mapItem(result.item), replayed: result.replayed };
  }

  async getFile(request: reconciliation.GetFileRequest): Promise<reconciliation.GetFileResponse> {
    const tenantId = currentTenantId();
    const tx = this.ctx.dataSource.manager;
    const file = await this.repo.findFile(tx, tenantId, request.fileId);
    if (!file) throw AppError.notFound(`reconciliation file ${request.fileId} does not exist`);
    const counts = await this.repo.itemCounts(tx, tenantId, file.id);
    return {
      fileId: file.id,
      kind: KIND_TO_PROTO[file.kind],
      name: file.name,
      sha256: file.sha256,
      importedAt: file.imported_at,
      totalItems: file.total_items,
      ...counts,
      reversed: file.reversed_payments,
    };
  }
}
