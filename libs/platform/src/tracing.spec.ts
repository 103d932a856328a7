import { trace } from '@opentelemetry/api';
import { TracingHandle, currentTraceparent, injectTraceHeaders, startTracing, withExtractedContext } from './tracing';

const incomingTraceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const incomingTraceparent = `00-${incomingTraceId}-00f067aa0ba902b7-01`;

describe(startTracing.name, () => {
  let sut: TracingHandle;

  beforeAll(() => {
    sut = startTracing('tracing-spec', { env: {} });
  });

  afterAll(async () => {
    await sut.shutdown();
  });

  it('returns the same handle when called twice', () => {
    expect(startTracing('tracing-spec', { env: {} })).toBe(sut);
  });

  it('continues the caller’s trace inside withExtractedContext', () => {
    const span = withExtractedContext({ traceparent: incomingTraceparent }, () =>
      trace.getTracer('spec').startSpan('handle-request'),
    );

    expect(span.spanContext().traceId).toBe(incomingTraceId);
    expect(span.spanContext().spanId).not.toBe('00f067aa0ba902b7');
    span.end();
  });

  it('propagates the active span to outgoing headers', () => {
    const tracer = trace.getTracer('spec');

    const { traceparent, outgoing } = withExtractedContext({ traceparent: incomingTraceparent }, () =>
      tracer.startActiveSpan('call-scoring', (span) => {
        const result = { traceparent: currentTraceparent(), outgoing: injectTraceHeaders({}) };
        span.end();
        return result;
      }),
    );

    expect(traceparent).toMatch(new RegExp(`^00-${incomingTraceId}-[0-9a-f]{16}-01$`));
    expect(outgoing.traceparent).toBe(traceparent);
  });

  it('has no trace context outside a span', () => {
    expect(currentTraceparent()).toBeUndefined();
  });
});
