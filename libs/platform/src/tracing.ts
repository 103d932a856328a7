import { SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { loadConfig, optional, url } from './config';
import { Logger, createLogger } from './logger';

export interface TracingHandle {
  shutdown(): Promise<void>;
}

export interface StartTracingOptions {
  logger?: Logger;
  /** Defaults to process.env (read by loadConfig, like all configuration). */
  env?: NodeJS.ProcessEnv;
}

let activeHandle: TracingHandle | undefined;

/**
 * Registers a global tracer provider, the W3C trace-context propagator and (via register())
 * the AsyncLocalStorage context manager, so trace ids follow requests across async hops and
 * across services through `traceparent` headers.
 *
 * Idempotent: a second call returns the first handle. With OTEL_EXPORTER_OTLP_ENDPOINT set,
 * spans are exported over OTLP/HTTP to `<endpoint>/v1/traces`.
 */
export function startTracing(serviceName: string, options: StartTracingOptions = {}): TracingHandle {
  if (activeHandle) return activeHandle;

  const { otlpEndpoint } = loadConfig({ otlpEndpoint: optional(url('OTEL_EXPORTER_OTLP_ENDPOINT')) }, options.env);
  // Spans leave the process only when a collector is configured (docker-compose sets one);
  // otherwise they still carry trace ids across services but nothing waits on an exporter.
  const spanProcessors =
    otlpEndpoint === undefined
      ? []
      : [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${otlpEndpoint.replace(/\/$/, '')}/v1/traces` }))];
  if (otlpEndpoint !== undefined) {
    (options.logger ?? createLogger({ service: serviceName })).info(
      { otlpEndpoint },
      'exporting traces over OTLP/HTTP',
    );
  }

  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors,
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });

  const handle: TracingHandle = {
    async shutdown() {
      if (activeHandle !== handle) return;
      activeHandle = undefined;
      await provider.shutdown();
      // Unregistering lets a later startTracing (e.g. in another test) register afresh.
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
  activeHandle = handle;
  return handle;
}

/** Writes the active trace context (`traceparent`, `tracestate`) into outgoing headers. */
export function injectTraceHeaders(carrier: Record<string, string>): Record<string, string> {
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** Runs `fn` as a continuation of the trace described by incoming headers (HTTP, gRPC, Kafka). */
export function withExtractedContext<T>(carrier: Record<string, string | undefined>, fn: () => T): T {
  const extracted = propagation.extract(context.active(), carrier, {
    keys: (c) => Object.keys(c),
    get: (c, key) => c[key] ?? c[key.toLowerCase()],
  });
  return context.with(extracted, fn);
}

/** The W3C `traceparent` of the active span, e.g. to stamp on an outgoing event. */
export function currentTraceparent(): string | undefined {
  return injectTraceHeaders({}).traceparent;
}

/**
 * Runs `fn` in a new span that continues the trace of the incoming headers (a consumed event,
 * an HTTP request, a gRPC call), recording a failure on the span.
 */
export async function withSpanFrom<T>(
  name: string,
  carrier: Record<string, string | undefined>,
  fn: () => Promise<T>,
): Promise<T> {
  return withExtractedContext(carrier, () =>
    trace.getTracer('collections').startActiveSpan(name, async (span) => {
      try {
        return await fn();
      } catch (err) {
        span.recordException(err as Error);
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw err;
      } finally {
        span.end();
      }
    }),
  );
}

/** The trace id of the active span, if any (for logs and tests). */
export function currentTraceId(): string | undefined {
  return trace.getActiveSpan()?.spanContext().traceId;
}
