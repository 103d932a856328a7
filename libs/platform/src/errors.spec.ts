import { status as GrpcStatus } from '@grpc/grpc-js';
import { ArgumentsHost, NotFoundException } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import type { Logger } from 'pino';
import { firstValueFrom } from 'rxjs';
import {
  AppError,
  ErrorCode,
  GRPC_ERROR_CODE_METADATA_KEY,
  GrpcErrorFilter,
  HttpErrorFilter,
  deadLetterReasonOf,
  grpcStatusOf,
  httpStatusOf,
} from './errors';

const allCodes = Object.values(ErrorCode);

function recordingLogger(): { logger: Logger; errors: unknown[][] } {
  const errors: unknown[][] = [];
  const logger = { error: (...args: unknown[]) => errors.push(args) } as unknown as Logger;
  return { logger, errors };
}

function httpHost(): { host: ArgumentsHost; sent: { status?: number; body?: unknown } } {
  const sent: { status?: number; body?: unknown } = {};
  const response = {
    status(code: number) {
      sent.status = code;
      return { json: (body: unknown) => (sent.body = body) };
    },
  };
  const host = {
    getType: () => 'http',
    switchToHttp: () => ({ getResponse: () => response }),
  } as unknown as ArgumentsHost;
  return { host, sent };
}

const rpcHost = { getType: () => 'rpc' } as unknown as ArgumentsHost;

describe('error code mapping', () => {
  it.each([
    [ErrorCode.InvalidArgument, 400, GrpcStatus.INVALID_ARGUMENT, 'invalid-argument'],
    [ErrorCode.NotFound, 404, GrpcStatus.NOT_FOUND, 'not-found'],
    [ErrorCode.AlreadyExists, 409, GrpcStatus.ALREADY_EXISTS, 'already-exists'],
    [ErrorCode.Conflict, 409, GrpcStatus.ABORTED, 'conflict'],
    [ErrorCode.FailedPrecondition, 422, GrpcStatus.FAILED_PRECONDITION, 'failed-precondition'],
    [ErrorCode.Unauthenticated, 401, GrpcStatus.UNAUTHENTICATED, 'unauthenticated'],
    [ErrorCode.PermissionDenied, 403, GrpcStatus.PERMISSION_DENIED, 'permission-denied'],
    [ErrorCode.RateLimited, 429, GrpcStatus.RESOURCE_EXHAUSTED, 'rate-limited'],
    [ErrorCode.Unavailable, 503, GrpcStatus.UNAVAILABLE, 'unavailable'],
    [ErrorCode.Internal, 500, GrpcStatus.INTERNAL, 'internal'],
    [ErrorCode.UnknownEventType, 400, GrpcStatus.INVALID_ARGUMENT, 'unknown-event-type'],
    [ErrorCode.UndecodablePayload, 400, GrpcStatus.INVALID_ARGUMENT, 'undecodable-payload'],
    [ErrorCode.MissingTenant, 400, GrpcStatus.INVALID_ARGUMENT, 'missing-tenant'],
    [ErrorCode.HandlerFailed, 500, GrpcStatus.INTERNAL, 'handler-failed'],
  ])('maps %s to HTTP %i, gRPC %i and dead-letter reason %s', (code, http, grpc, reason) => {
    expect(httpStatusOf(code)).toBe(http);
    expect(grpcStatusOf(code)).toBe(grpc);
    expect(deadLetterReasonOf(code)).toBe(reason);
  });

  it('covers every error code', () => {
    for (const code of allCodes) {
      expect(() => [httpStatusOf(code), grpcStatusOf(code), deadLetterReasonOf(code)]).not.toThrow();
    }
  });
});

describe(AppError.name, () => {
  it('offers a constructor per code that keeps message and details', () => {
    const sut = AppError.notFound('account 42 not found', { accountId: '42' });

    expect(sut).toBeInstanceOf(Error);
    expect(sut).toMatchObject({
      code: ErrorCode.NotFound,
      message: 'account 42 not found',
      details: { accountId: '42' },
    });
  });
});

describe(HttpErrorFilter.name, () => {
  it('answers an AppError with its status and a code/message/details body', () => {
    const { logger } = recordingLogger();
    const sut = new HttpErrorFilter(logger);
    const { host, sent } = httpHost();

    sut.catch(AppError.conflict('promise already kept', { promiseId: 'p1' }), host);

    expect(sent).toEqual({
      status: 409,
      body: { code: 'CONFLICT', message: 'promise already kept', details: { promiseId: 'p1' } },
    });
  });

  it('passes a Nest HttpException through with its own status', () => {
    const sut = new HttpErrorFilter(recordingLogger().logger);
    const { host, sent } = httpHost();

    sut.catch(new NotFoundException('Cannot GET /nope'), host);

    expect(sent.status).toBe(404);
  });

  it('hides unexpected errors behind an errorId that is also in the log', () => {
    const { logger, errors } = recordingLogger();
    const sut = new HttpErrorFilter(logger);
    const { host, sent } = httpHost();
    const cause = new TypeError('cannot read properties of undefined (secret internals)');

    sut.catch(cause, host);

    expect(sent.status).toBe(500);
    const body = sent.body as { code: string; errorId: string; message: string };
    expect(body.code).toBe('INTERNAL');
    expect(body.errorId).toEqual(expect.any(String));
    expect(JSON.stringify(body)).not.toContain('secret internals');
    expect(errors).toEqual([[{ err: cause, errorId: body.errorId }, expect.any(String)]]);
  });
});

describe(GrpcErrorFilter.name, () => {
  it('turns an AppError into a gRPC status carrying the precise code in metadata', async () => {
    const sut = new GrpcErrorFilter(recordingLogger().logger);

    const error = await firstValueFrom(sut.catch(AppError.notFound('no such debtor'), rpcHost)).catch(
      (e: unknown) => e,
    );

    expect(error).toMatchObject({ code: GrpcStatus.NOT_FOUND, details: 'no such debtor' });
    expect((error as { metadata: { get(k: string): unknown[] } }).metadata.get(GRPC_ERROR_CODE_METADATA_KEY)).toEqual([
      'NOT_FOUND',
    ]);
  });

  it('reports unexpected errors as INTERNAL with an errorId, without their message', async () => {
    const { logger, errors } = recordingLogger();
    const sut = new GrpcErrorFilter(logger);

    const error = await firstValueFrom(sut.catch(new Error('db password rejected'), rpcHost)).catch((e: unknown) => e);

    expect(error).toMatchObject({
      code: GrpcStatus.INTERNAL,
      details: expect.stringMatching(/^internal error \(errorId .+\)$/),
    });
    expect(errors).toHaveLength(1);
  });

  it('keeps an RpcException the handler chose', async () => {
    const sut = new GrpcErrorFilter(recordingLogger().logger);
    const chosen = { code: GrpcStatus.OUT_OF_RANGE, message: 'page too far' };

    const error = await firstValueFrom(sut.catch(new RpcException(chosen), rpcHost)).catch((e: unknown) => e);

    expect(error).toBe(chosen);
  });
});
