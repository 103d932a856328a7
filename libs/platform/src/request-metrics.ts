import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { Observable, tap } from 'rxjs';
import { grpcStatusOf, isAppError } from './errors';
import { MetricsRegistry } from './metrics';

/*
 * Request latency histograms, the same in every service (and in the embedded platform):
 * `http_request_duration_seconds{method,route,status}` and
 * `grpc_server_handling_seconds{method,code}`. Routes are the matched route pattern
 * (`/v1/ledger/accounts/:accountId`), never the raw path, so ids never become labels; no tenant label.
 */

interface HttpRequestLike {
  method: string;
  route?: { path?: unknown };
  baseUrl?: string;
}
interface HttpResponseLike {
  statusCode: number;
  once(event: 'finish' | 'close', listener: () => void): unknown;
}

export function httpRequestHistogram(metrics: MetricsRegistry) {
  return metrics.histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from receiving an HTTP request to finishing its response, by route pattern and status',
    labelNames: ['method', 'route', 'status'],
  });
}

export function grpcRequestHistogram(metrics: MetricsRegistry) {
  return metrics.histogram({
    name: 'grpc_server_handling_seconds',
    help: 'Time a gRPC call spent in its handler, by full method name and status code name',
    labelNames: ['method', 'code'],
  });
}

/** Express middleware timing every request; a path no route matched is labelled `unmatched`. */
export function httpRequestMetrics(metrics: MetricsRegistry) {
  const histogram = httpRequestHistogram(metrics);
  return (req: HttpRequestLike, res: HttpResponseLike, next: () => void): void => {
    const end = histogram.startTimer();
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      const pattern = typeof req.route?.path === 'string' ? `${req.baseUrl ?? ''}${req.route.path}` : 'unmatched';
      end({ method: req.method, route: pattern, status: String(res.statusCode) });
    };
    res.once('finish', finish);
    res.once('close', finish);
    next();
  };
}

/** The gRPC status a failed handler answers with (what GrpcErrorFilter will send). */
export function grpcCodeOf(err: unknown): GrpcStatus {
  if (err instanceof RpcException) {
    const chosen = err.getError();
    if (typeof chosen === 'object' && chosen !== null && typeof (chosen as { code?: unknown }).code === 'number') {
      return (chosen as { code: GrpcStatus }).code;
    }
    return GrpcStatus.UNKNOWN;
  }
  if (isAppError(err)) return grpcStatusOf(err.code);
  return GrpcStatus.INTERNAL;
}

function grpcMethodOf(context: ExecutionContext): string {
  const call: unknown = context.getArgByIndex(2);
  const path =
    typeof call === 'object' && call !== null && typeof (call as { getPath?: unknown }).getPath === 'function'
      ? (call as { getPath(): string }).getPath()
      : undefined;
  return path ? path.replace(/^\//, '') : `${context.getClass().name}.${context.getHandler().name}`;
}

/**
 * Times gRPC handlers (HTTP is timed by the middleware). Calls refused by a guard before the
 * handler (no credentials) are not timed here.
 */
@Injectable()
export class GrpcMetricsInterceptor implements NestInterceptor {
  private readonly histogram;

  constructor(metrics: MetricsRegistry) {
    this.histogram = grpcRequestHistogram(metrics);
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const end = this.histogram.startTimer({ method: grpcMethodOf(context) });
    return next.handle().pipe(
      tap({
        complete: () => end({ code: GrpcStatus[GrpcStatus.OK] }),
        error: (err: unknown) => end({ code: GrpcStatus[grpcCodeOf(err)] }),
      }),
    );
  }
}
