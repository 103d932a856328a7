import { randomUUID } from 'node:crypto';
import { status as GrpcStatus, Metadata } from '@grpc/grpc-js';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import type { Logger } from 'pino';
import { Observable, throwError } from 'rxjs';

/** The closed set of failure kinds every service speaks; transports map from here. */
export enum ErrorCode {
  InvalidArgument = 'INVALID_ARGUMENT',
  NotFound = 'NOT_FOUND',
  AlreadyExists = 'ALREADY_EXISTS',
  Conflict = 'CONFLICT',
  FailedPrecondition = 'FAILED_PRECONDITION',
  Unauthenticated = 'UNAUTHENTICATED',
  PermissionDenied = 'PERMISSION_DENIED',
  RateLimited = 'RATE_LIMITED',
  Unavailable = 'UNAVAILABLE',
  Internal = 'INTERNAL',
  UnknownEventType = 'UNKNOWN_EVENT_TYPE',
  UndecodablePayload = 'UNDECODABLE_PAYLOAD',
  MissingTenant = 'MISSING_TENANT',
  HandlerFailed = 'HANDLER_FAILED',
}

export type ErrorDetails = Record<string, unknown>;

/** An expected failure: its code decides the HTTP status, gRPC status and dead-letter reason. */
export class AppError extends Error {
  override readonly name = 'AppError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetails,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  static invalid(message: string, details?: ErrorDetails): AppError {
    return new AppError(ErrorCode.InvalidArgument, message, details);
  }
  static notFound(message: string, details?: ErrorDetails): AppError {
    return new AppError(ErrorCode.NotFound, message, details);
  }
  static alreadyExists(message: string, details?: ErrorDetails): AppError {
    return new AppError(ErrorCode.AlreadyExists, message, details);
  }
  static conflict(message: string, details?: ErrorDetails): AppError {
    return new AppError(ErrorCode.Conflict, message, details);
  }
  static failedPrecondition(message: string, details?: ErrorDetails): AppError {
    return new AppError(ErrorCode.FailedPrecondition, message, details);
  }
  static unauthenticated(message: string, details?: ErrorDetails): AppError {
    return new AppError(ErrorCode.Unauthenticated, message, details);
  }
  static permissionDenied(message: string, details?: ErrorDetails): AppError {
    return new AppError(ErrorCode.PermissionDenied, message, details);
  }
  static rateLimited(message: string, details?: ErrorDetails): AppError {
    return new AppError(ErrorCode.RateLimited, message, details);
  }
  static unavailable(message: string, details?: ErrorDetails): AppError {
    return new AppError(ErrorCode.Unavailable, message, details);
  }
  static internal(message: string, details?: ErrorDetails): AppError {
    return new AppError(ErrorCode.Internal, message, details);
  }
  static unknownEventType(message: string, details?: ErrorDetails): AppError {
    return new AppError(ErrorCode.UnknownEventType, message, details);
  }
  static undecodablePayload(message: string, details?: ErrorDetails): AppError {
    return new AppError(ErrorCode.UndecodablePayload, message, details);
  }
  static missingTenant(message: string, details?: ErrorDetails): AppError {
    return new AppError(ErrorCode.MissingTenant, message, details);
  }
  static handlerFailed(message: string, details?: ErrorDetails): AppError {
    return new AppError(ErrorCode.HandlerFailed, message, details);
  }
}

/** instanceof alone misses AppErrors from a second copy of this package in node_modules. */
export function isAppError(value: unknown): value is AppError {
  return (
    value instanceof AppError ||
    (value instanceof Error &&
      value.name === 'AppError' &&
      Object.values<unknown>(ErrorCode).includes((value as { code?: unknown }).code))
  );
}

function unreachable(code: never): never {
  throw new Error(`unmapped error code: ${String(code)}`);
}

export function httpStatusOf(code: ErrorCode): number {
  switch (code) {
    case ErrorCode.InvalidArgument:
    case ErrorCode.UnknownEventType:
    case ErrorCode.UndecodablePayload:
    case ErrorCode.MissingTenant:
      return 400;
    case ErrorCode.Unauthenticated:
      return 401;
    case ErrorCode.PermissionDenied:
      return 403;
    case ErrorCode.NotFound:
      return 404;
    case ErrorCode.AlreadyExists:
    case ErrorCode.Conflict:
      return 409;
    // 422 rather than 400: the request is well-formed, the resource's state forbids it.
    case ErrorCode.FailedPrecondition:
      return 422;
    case ErrorCode.RateLimited:
      return 429;
    case ErrorCode.Internal:
    case ErrorCode.HandlerFailed:
      return 500;
    case ErrorCode.Unavailable:
      return 503;
    default:
      return unreachable(code);
  }
}

export function grpcStatusOf(code: ErrorCode): GrpcStatus {
  switch (code) {
    case ErrorCode.InvalidArgument:
    case ErrorCode.UnknownEventType:
    case ErrorCode.UndecodablePayload:
    case ErrorCode.MissingTenant:
      return GrpcStatus.INVALID_ARGUMENT;
    case ErrorCode.NotFound:
      return GrpcStatus.NOT_FOUND;
    case ErrorCode.AlreadyExists:
      return GrpcStatus.ALREADY_EXISTS;
    // gRPC's own guidance: ABORTED for concurrency conflicts the client may retry at a higher level.
    case ErrorCode.Conflict:
      return GrpcStatus.ABORTED;
    case ErrorCode.FailedPrecondition:
      return GrpcStatus.FAILED_PRECONDITION;
    case ErrorCode.Unauthenticated:
      return GrpcStatus.UNAUTHENTICATED;
    case ErrorCode.PermissionDenied:
      return GrpcStatus.PERMISSION_DENIED;
    case ErrorCode.RateLimited:
      return GrpcStatus.RESOURCE_EXHAUSTED;
    case ErrorCode.Unavailable:
      return GrpcStatus.UNAVAILABLE;
    case ErrorCode.Internal:
    case ErrorCode.HandlerFailed:
      return GrpcStatus.INTERNAL;
    default:
      return unreachable(code);
  }
}

/** The `reason` recorded when a message carrying this failure is dead-lettered. */
export function deadLetterReasonOf(code: ErrorCode): string {
  switch (code) {
    case ErrorCode.InvalidArgument:
      return 'invalid-argument';
    case ErrorCode.NotFound:
      return 'not-found';
    case ErrorCode.AlreadyExists:
      return 'already-exists';
    case ErrorCode.Conflict:
      return 'conflict';
    case ErrorCode.FailedPrecondition:
      return 'failed-precondition';
    case ErrorCode.Unauthenticated:
      return 'unauthenticated';
    case ErrorCode.PermissionDenied:
      return 'permission-denied';
    case ErrorCode.RateLimited:
      return 'rate-limited';
    case ErrorCode.Unavailable:
      return 'unavailable';
    case ErrorCode.Internal:
      return 'internal';
    case ErrorCode.UnknownEventType:
      return 'unknown-event-type';
    case ErrorCode.UndecodablePayload:
      return 'undecodable-payload';
    case ErrorCode.MissingTenant:
      return 'missing-tenant';
    case ErrorCode.HandlerFailed:
      return 'handler-failed';
    default:
      return unreachable(code);
  }
}

/** JSON body of every AppError response; `errorId` only on unexpected failures. */
export interface ErrorResponseBody {
  code: ErrorCode;
  message: string;
  details?: ErrorDetails;
  errorId?: string;
}

/** The Express response surface the filter needs; avoids depending on @types/express. */
interface HttpResponseLike {
  status(code: number): { json(body: unknown): unknown };
}

/**
 * A database refusal that is the caller's input, not our fault: PostgreSQL text cannot hold a NUL
 * character (SQLSTATE 22021, "invalid byte sequence for encoding UTF8: 0x00"), whichever field,
 * path parameter or gRPC string brought it. The statement failed, so its transaction wrote nothing.
 */
export function inputRefusedByDatabase(exception: unknown): AppError | undefined {
  const e = exception as { code?: unknown; driverError?: { code?: unknown } } | null;
  const sqlState = e?.driverError?.code ?? e?.code;
  if (sqlState === '22021')
    return AppError.invalid('a text value holds a NUL character (\\u0000), which cannot be stored');
  return undefined;
}

/** gRPC error metadata keys, so clients can recover the precise ErrorCode (several share a gRPC status). */
export const GRPC_ERROR_CODE_METADATA_KEY = 'x-error-code';
export const GRPC_ERROR_ID_METADATA_KEY = 'x-error-id';

/** The object shape grpc-js turns into a call status: `details` becomes the status message. */
export interface GrpcErrorPayload {
  code: GrpcStatus;
  message: string;
  details: string;
  metadata: Metadata;
}

/**
 * Catches everything thrown on RPC handlers. Nest's gRPC transport hands the error we emit
 * to grpc-js, which reads `code` and `details` off it as the call's status.
 */
@Catch()
export class GrpcErrorFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    // Handlers that already chose a wire-level error keep it.
    if (exception instanceof RpcException) {
      const chosen = exception.getError();
      return throwError(() => chosen);
    }
    return throwError(() => this.toGrpcError(exception));
  }

  toGrpcError(thrown: unknown): GrpcErrorPayload {
    const exception = inputRefusedByDatabase(thrown) ?? thrown;
    if (isAppError(exception)) {
      if (grpcStatusOf(exception.code) === GrpcStatus.INTERNAL) {
        this.logger.error({ err: exception, code: exception.code }, 'rpc failed');
      }
      const metadata = new Metadata();
      metadata.set(GRPC_ERROR_CODE_METADATA_KEY, exception.code);
      return {
        code: grpcStatusOf(exception.code),
        message: exception.message,
        details: exception.message,
        metadata,
      };
    }
    const errorId = randomUUID();
    this.logger.error({ err: exception, errorId }, 'unexpected rpc error');
    const metadata = new Metadata();
    metadata.set(GRPC_ERROR_CODE_METADATA_KEY, ErrorCode.Internal);
    metadata.set(GRPC_ERROR_ID_METADATA_KEY, errorId);
    const message = `internal error (errorId ${errorId})`;
    return { code: GrpcStatus.INTERNAL, message, details: message, metadata };
  }
}

/**
 * Catches everything thrown on HTTP handlers. Unexpected errors never leak their message:
 * the client gets an errorId and the log line under the same errorId carries the cause.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly rpcFallback: GrpcErrorFilter;

  constructor(private readonly logger: Logger) {
    this.rpcFallback = new GrpcErrorFilter(logger);
  }

  catch(exception: unknown, host: ArgumentsHost): unknown {
    // Hybrid apps with inheritAppConfig also route RPC errors through global filters.
    if (host.getType() === 'rpc') {
      return this.rpcFallback.catch(exception, host);
    }
    const response = host.switchToHttp().getResponse<HttpResponseLike>();
    const { status, body } = this.toHttpResponse(exception);
    response.status(status).json(body);
    return undefined;
  }

  toHttpResponse(thrown: unknown): { status: number; body: unknown } {
    const exception = inputRefusedByDatabase(thrown) ?? thrown;
    if (isAppError(exception)) {
      const status = httpStatusOf(exception.code);
      if (status >= 500) {
        this.logger.error({ err: exception, code: exception.code }, 'request failed');
      }
      const body: ErrorResponseBody = { code: exception.code, message: exception.message };
      if (exception.details !== undefined) body.details = exception.details;
      return { status, body };
    }
    if (exception instanceof HttpException) {
      return { status: exception.getStatus(), body: exception.getResponse() };
    }
    const parserError = bodyParserError(exception);
    if (parserError) return parserError;
    const errorId = randomUUID();
    this.logger.error({ err: exception, errorId }, 'unexpected request error');
    const body: ErrorResponseBody = { code: ErrorCode.Internal, message: 'internal error', errorId };
    return { status: 500, body };
  }
}

/**
 * An error of express's body parser (http-errors: a 4xx `status`, `expose`, a `type` such as
 * `entity.too.large`): the client's fault, answered with its status and the usual body.
 */
function bodyParserError(exception: unknown): { status: number; body: ErrorResponseBody } | undefined {
  const e = exception as { status?: unknown; expose?: unknown; type?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object' || typeof e.status !== 'number' || e.status < 400 || e.status >= 500)
    return undefined;
  if (e.expose !== true || typeof e.type !== 'string' || !e.type.startsWith('entity.')) return undefined;
  return { status: e.status, body: { code: ErrorCode.InvalidArgument, message: `request body: ${String(e.message)}` } };
}
