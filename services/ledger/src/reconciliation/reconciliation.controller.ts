import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { reconciliation } from '@collections/contracts';
import { AppError } from '@collections/platform';
import type { IncomingMessage } from 'node:http';
import { MAX_FILE_BYTES } from './usecases/import-statement.usecase';
import { ReconciliationGrpcController } from './reconciliation.grpc';

const KIND_BY_NAME: Record<string, reconciliation.StatementFileKind> = {
  bank_csv: reconciliation.StatementFileKind.STATEMENT_FILE_KIND_BANK_CSV,
  camt053: reconciliation.StatementFileKind.STATEMENT_FILE_KIND_CAMT053,
  gateway_csv: reconciliation.StatementFileKind.STATEMENT_FILE_KIND_GATEWAY_CSV,
};

/** The raw request body, for files sent as text/csv or application/xml (no body parser ran). */
async function rawBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    if (!Buffer.isBuffer(chunk)) throw AppError.invalid('the body is not bytes');
    size += chunk.length;
    if (size > MAX_FILE_BYTES) throw AppError.invalid(`content is larger than ${MAX_FILE_BYTES} bytes: split the file`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * REST twin of ReconciliationService. A file is sent either as the raw body (text/csv,
 * application/xml, ...) with `?kind=bank_csv|camt053|gateway_csv&name=...`, or as JSON
 * {content: base64, kind, name} (the proto message's JSON form).
 */
@Controller('v1/ledger/reconciliation')
export class ReconciliationRestController {
  constructor(private readonly grpc: ReconciliationGrpcController) {}

  @Post('files')
  @HttpCode(200)
  async importFile(
    @Req() req: IncomingMessage,
    @Body() body: unknown,
    @Query('kind') kind?: string,
    @Query('name') name?: string,
  ) {
    if ((req.headers['content-type'] ?? '').startsWith('application/json'))
      return this.grpc.importStatement(reconciliation.ImportStatementRequest.fromJSON(body ?? {}));
    const fileKind = KIND_BY_NAME[kind ?? ''];
    if (fileKind === undefined) throw AppError.invalid('query parameter kind must be bank_csv, camt053 or gateway_csv');
    return this.grpc.importStatement({ content: await rawBody(req), kind: fileKind, name: name ?? '' });
  }

  @Get('files/:id')
  getFile(@Param('id') id: string) {
    return this.grpc.getFile({ fileId: id });
  }

  @Get('items/unmatched')
  listUnmatched(
    @Query('pageSize') pageSize?: string,
    @Query('pageToken') pageToken?: string,
    @Query('fileId') fileId?: string,
  ) {
    return this.grpc.listUnmatched({
      pageSize: Number(pageSize ?? 0),
      pageToken: pageToken ?? '',
      fileId: fileId ?? '',
    });
  }

  @Post('items/:id/resolution')
  resolve(@Param('id') id: string, @Body() body: unknown) {
    return this.grpc.resolveItem({ ...reconciliation.ResolveItemRequest.fromJSON(body ?? {}), itemId: id });
  }
}
