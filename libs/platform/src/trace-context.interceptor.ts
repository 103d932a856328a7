import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Metadata } from '@grpc/grpc-js';
import { context as otelContext, trace } from '@opentelemetry/api';
import { Observable } from 'rxjs';
import { withExtractedContext } from './tracing';

function carrierOf(context: ExecutionContext): Record<string, string | undefined> {
  if (context.getType() === 'rpc') {
    const metadata = context.switchToRpc().getContext<unknown>();
    if (!(metadata instanceof Metadata)) return {};
    return Object.fromEntries(
      Object.entries(metadata.getMap()).map(([k, v]) => [k, typeof v === 'string' ? v : undefined]),
    );
  }
  const request = context.switchToHttp().getRequest<{ headers?: Record<string, string | string[] | undefined> }>();
  return Object.fromEntries(Object.entries(request.headers ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
}

/**
 * Continues the caller's trace (W3C traceparent in HTTP headers or gRPC metadata) in a span
 * around the handler, so events it publishes carry the same trace.
 */
@Injectable()
export class TraceContextInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const name = `${context.getClass().name}.${context.getHandler().name}`;
    return new Observable((subscriber) =>
      withExtractedContext(carrierOf(context), () => {
        const span = trace.getTracer('collections').startSpan(name);
        return otelContext.with(trace.setSpan(otelContext.active(), span), () =>
          next.handle().subscribe({
            next: (value) => subscriber.next(value),
            error: (err: unknown) => {
              span.recordException(err as Error);
              span.end();
              subscriber.error(err);
            },
            complete: () => {
              span.end();
              subscriber.complete();
            },
          }),
        );
      }),
    );
  }
}
